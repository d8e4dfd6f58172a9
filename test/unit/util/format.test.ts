import { applyTemplate, parseFormat, renderListing, renderObject, renderTable } from '../../../src/util/format';
import { InvalidInputError, UsageError } from '../../../src/errors';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('formats', () => {
  test('parseFormat accepts table, json and templates, and refuses anything else', () => {
    expect(parseFormat(undefined)).toEqual({ kind: 'table' });
    expect(parseFormat('table')).toEqual({ kind: 'table' });
    expect(parseFormat('json')).toEqual({ kind: 'json' });
    expect(parseFormat('table {{.Name}}')).toMatchObject({ kind: 'template', source: 'table {{.Name}}', table: true });
    expect(thrown(() => parseFormat('yaml'))).toBeInstanceOf(UsageError);
  });

  test('a template that does not parse is a usage error (exit 2) naming the template and the problem', () => {
    const err = thrown(() => parseFormat('{{.Name'));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe("invalid --format template '{{.Name': template: :1: unclosed action");
    const fn = thrown(() => parseFormat('{{shout .Name}}')) as UsageError;
    expect(fn.message).toContain('function "shout" not defined');
    expect(fn.hint).toMatch(/There is no function "shout"\. Functions: json, join/);
  });

  test('tables are aligned as docker aligns them: columns at least 10 wide, 3 apart, last column unpadded', () => {
    expect(renderTable(['NAME', 'VALID'], [['a.json', 'yes'], ['a-longer-name.json', 'no']])).toBe(
      'NAME                 VALID\na.json               yes\na-longer-name.json   no\n',
    );
    expect(renderTable(['A', 'B', 'C'], [['x', 'y', 'z']])).toBe('A         B         C\nx         y         z\n');
  });

  test('templates see the --format json object: fields, nested fields, json, Go printing', () => {
    const v = { Name: 'x', Spec: { Sid: 'S-1-5-21-1-2-3' }, List: [1, 2], None: null, Never: undefined };
    const f = parseFormat('{{.Name}}\t{{ .Spec.Sid }} {{json .List}} {{.List}} {{.Spec}} {{.None}} {{json .None}}');
    expect(renderObject(f, v, () => '')).toBe('x\tS-1-5-21-1-2-3 [1,2] [1 2] map[Sid:S-1-5-21-1-2-3] <no value> null\n');
    expect(renderObject(parseFormat('{{json .}}'), v, () => '')).toBe('{"Name":"x","Spec":{"Sid":"S-1-5-21-1-2-3"},"List":[1,2],"None":null}\n');
  });

  test('a field that is not there is an execution error (exit 1) that lists the fields, never <no value>', () => {
    const v = { Name: 'x', Account: 'webapp01', Never: undefined };
    for (const t of ['{{.Missing}}', '{{.Never}}', '{{.constructor}}', '{{.toString}}', '{{.__proto__}}', '{{.hasOwnProperty}}']) {
      const err = thrown(() => applyTemplate(parseFormat(t) as Extract<ReturnType<typeof parseFormat>, { kind: 'template' }>, v)) as InvalidInputError;
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(err.message).toMatch(new RegExp(`^cannot apply --format template '${t.replace(/[{}.]/g, '\\$&')}': template: :1:2: executing "" at <\\.\\w+>: can't evaluate field \\w+$`));
      expect(err.hint).toBe('The fields there are: Name, Account (see --format json).');
    }
    expect(thrown(() => renderObject(parseFormat('{{.Spec.Sid}}'), { Spec: null }, () => '')).message).toContain(
      "at <.Spec.Sid>: nil pointer evaluating interface {}.Sid",
    );
  });

  test('listings: json lines, templates with docker-style table headers, default columns', () => {
    const items = [
      { n: 'a', v: true, h: 'web01.contoso.com' },
      { n: 'bb', v: false, h: null },
    ];
    type I = (typeof items)[number];
    const cols: [string, (i: I) => string][] = [['NAME', (i) => i.n]];
    const json = (i: I) => ({ Name: i.n, Valid: i.v, DNSHostName: i.h });
    expect(renderListing({ kind: 'json' }, items, cols, json)).toBe(
      '{"Name":"a","Valid":true,"DNSHostName":"web01.contoso.com"}\n{"Name":"bb","Valid":false,"DNSHostName":null}\n',
    );
    expect(renderListing(parseFormat('table {{.Name}}\\t{{.Valid}}\\t{{.DNSHostName}}'), items, cols, json)).toBe(
      'NAME      VALID     DNS HOST NAME\na         true      web01.contoso.com\nbb        false     <no value>\n',
    );
    expect(renderListing(parseFormat('{{.Name}}\\t{{if .Valid}}ok{{else}}bad{{end}}'), items, cols, json)).toBe('a\tok\nbb\tbad\n');
    expect(renderListing(parseFormat('table {{.Name}}'), [], cols, json)).toBe('NAME\n');
    expect(renderListing({ kind: 'table' }, items, cols, json)).toBe('NAME\na\nbb\n');
  });

  test('a listing template reads \\t and \\n as docker ps does; a report template is used as written, as docker inspect does', () => {
    expect(renderListing(parseFormat('{{.A}}\\t{{.B}}'), [{ A: 1, B: 2 }], [], (i) => i)).toBe('1\t2\n');
    expect(renderObject(parseFormat('{{.A}}\\t{{.B}}'), { A: 1, B: 2 }, () => '')).toBe('1\\t2\n');
    // Readable only as a report (the \n would end the quoted string in a listing), and the other way round.
    expect(renderObject(parseFormat('{{"a\\n"}}'), {}, () => '')).toBe('a\n\n');
    expect(thrown(() => renderListing(parseFormat('{{"a\\n"}}'), [{}], [], (i) => i)).message).toContain('unterminated quoted string');
  });

  test('a table template on a single object is refused with the way out', () => {
    const err = thrown(() => renderObject(parseFormat('table {{.Name}}'), { Name: 'x' }, () => '')) as UsageError;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.hint).toMatch(/Leave out "table"/);
  });

  test('objects: json document or the human text', () => {
    expect(renderObject({ kind: 'json' }, { A: 1 }, () => 'human')).toBe('{\n  "A": 1\n}\n');
    expect(renderObject({ kind: 'table' }, { A: 1 }, () => 'human')).toBe('human');
  });
});
