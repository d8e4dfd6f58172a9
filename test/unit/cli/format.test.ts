import { applyTemplate, parseFormat, renderListing, renderObject, renderTable } from '../../../src/util/format';
import { UsageError } from '../../../src/errors';

describe('formats', () => {
  test('parseFormat accepts table, json and templates, and refuses anything else', () => {
    expect(parseFormat(undefined)).toEqual({ kind: 'table' });
    expect(parseFormat('json')).toEqual({ kind: 'json' });
    expect(parseFormat('table {{.Name}}')).toEqual({ kind: 'template', template: '{{.Name}}', table: true });
    expect(() => parseFormat('yaml')).toThrow(UsageError);
  });

  test('tables are aligned docker-style without trailing spaces', () => {
    expect(renderTable(['NAME', 'VALID'], [['a.json', 'yes'], ['longer.json', 'no']])).toBe(
      'NAME          VALID\na.json        yes\nlonger.json   no\n',
    );
  });

  test('templates expand fields, nested fields and json', () => {
    const v = { Name: 'x', Spec: { Sid: 'S-1-5-21-1-2-3' }, List: [1, 2] };
    expect(applyTemplate('{{.Name}}\\t{{ .Spec.Sid }} {{json .List}}', v)).toBe('x\tS-1-5-21-1-2-3 [1,2]');
    expect(applyTemplate('{{.Missing}}', v)).toBe('<no value>');
    expect(() => applyTemplate('{{range .List}}x{{end}}', v)).toThrow(/not supported/);
  });

  test('listings: json lines, templates with a table header, default columns', () => {
    const items = [{ n: 'a', v: true }, { n: 'b', v: false }];
    const cols: [string, (i: { n: string; v: boolean }) => string][] = [['NAME', (i) => i.n]];
    const json = (i: { n: string; v: boolean }) => ({ Name: i.n, Valid: i.v });
    expect(renderListing({ kind: 'json' }, items, cols, json)).toBe('{"Name":"a","Valid":true}\n{"Name":"b","Valid":false}\n');
    expect(renderListing(parseFormat('table {{.Name}}\\t{{.Valid}}'), items, cols, json)).toBe('NAME   VALID\na      true\nb      false\n');
    expect(renderListing({ kind: 'table' }, items, cols, json)).toBe('NAME\na\nb\n');
  });

  test('objects: json document or the human text', () => {
    expect(renderObject({ kind: 'json' }, { A: 1 }, () => 'human')).toBe('{\n  "A": 1\n}\n');
    expect(renderObject({ kind: 'table' }, { A: 1 }, () => 'human')).toBe('human');
  });
});
