/**
 * The evaluator's own rules. What docker prints for the same templates is checked against the docker
 * CLI itself in template.oracle.test.ts; this file covers what the oracle's data cannot reach (maps,
 * nulls, numbers from JSON, table headers, the tabwriter's blocks).
 */
import { executeTemplate, headerName, parseTemplate, tabwrite, TemplateError } from '../../../src/util/template';

const render = (t: string, data: unknown): string => executeTemplate(parseTemplate(t), data);

function error(t: string, data: unknown = {}): TemplateError {
  try {
    render(t, data);
  } catch (err) {
    if (err instanceof TemplateError) return err;
    throw err;
  }
  throw new Error(`${t} did not fail`);
}

describe('Go text/template', () => {
  const data = {
    Name: 'webapp01',
    SPNs: ['HTTP/web01', 'HTTP/web01.contoso.com'],
    Labels: { zeta: 'z', alpha: 'a', 'io.docker-gmsa.account': 'webapp01' },
    Keys: [
      { ID: 'k1', UsableNow: true, Created: '2026-12-01T21:24:58.000Z' },
      { ID: 'k2', UsableNow: false, Created: null },
    ],
    Count: 3,
    Ratio: 0.25,
    Empty: [],
    None: null,
  };

  test('range over a map visits keys in sorted order; $k, $v and the element as dot', () => {
    expect(render('{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}', data)).toBe('alpha=a;io.docker-gmsa.account=webapp01;zeta=z;');
    expect(render('{{range .Keys}}{{.ID}}:{{if .UsableNow}}yes{{else}}no{{end}} {{end}}', data)).toBe('k1:yes k2:no ');
    expect(render('{{range .Empty}}x{{else}}none{{end}}|{{range .None}}x{{else}}nil{{end}}', data)).toBe('none|nil');
    expect(render('{{range $i, $k := .Keys}}{{if $i}}, {{end}}{{$k.ID}}{{end}}', data)).toBe('k1, k2');
  });

  test('Go truthiness: false, 0, "", empty list or map, nil are false', () => {
    const t = '{{range .}}{{if .}}T{{else}}F{{end}}{{end}}';
    expect(render(t, [false, 0, '', [], {}, null, true, 1, 'x', [0], { a: null }, 0.5])).toBe('FFFFFFTTTTTT');
  });

  test('printing: maps as map[k:v] in key order, nil inside a list as <nil>, a nil entry as <no value>', () => {
    expect(render('{{.Labels}}', data)).toBe('map[alpha:a io.docker-gmsa.account:webapp01 zeta:z]');
    expect(render('{{.Keys}}', data)).toBe('[map[Created:2026-12-01T21:24:58.000Z ID:k1 UsableNow:true] map[Created:<nil> ID:k2 UsableNow:false]]');
    expect(render('{{.None}}|{{index .Keys 1 "Created"}}|{{index .Labels "nope"}}', data)).toBe('<no value>|<no value>|<no value>');
    expect(render('{{.Count}} {{.Ratio}} {{printf "%.1f%%" .Ratio}} {{len .SPNs}} {{len .Labels}}', data)).toBe('3 0.25 0.2% 2 3');
    // strconv rounds the exact binary value, half to even: 0.25 -> 0.2, 0.35 (0.34999...) -> 0.3, 2.5 -> 2
    expect(render('{{printf "%.1f %.1f %.0f %.0f %.2e %.3g %.1f" 0.25 0.35 2.5 3.5 1.125 1.0005 -0.05}}', {})).toBe('0.2 0.3 2 4 1.12e+00 1 -0.1');
  });

  test('json keeps the order of the object, like docker on its structs', () => {
    expect(render('{{json .Keys}}', data)).toBe('[{"ID":"k1","UsableNow":true,"Created":"2026-12-01T21:24:58.000Z"},{"ID":"k2","UsableNow":false,"Created":null}]');
  });

  test('variables: declared in a block live until its end; = assigns an outer one', () => {
    expect(render('{{$n := 0}}{{range .SPNs}}{{$n = 1}}{{end}}{{$n}}', data)).toBe('1');
    expect(error('{{if true}}{{$x := 1}}{{end}}{{$x}}').message).toBe('template: :1: undefined variable "$x"');
    expect(render('{{with $x := .Name}}{{$x}}{{end}} {{$.Count}}', data)).toBe('webapp01 3');
    expect(render('{{with .None}}a{{else with .Name}}b:{{.}}{{end}}', data)).toBe('b:webapp01');
  });

  test('trim markers eat the whitespace, newlines included, next to them; comments print nothing', () => {
    const t = 'A  \n  {{- .Name -}}  \n\t B{{/* note */}}C{{- /* note */ -}}  D';
    expect(render(t, data)).toBe('Awebapp01BCD');
    expect(render('{{-3}} {{- 3}}', {})).toBe('-3 3'.replace(' 3', '3'));
  });

  test('pipelines pass the value as the last argument', () => {
    expect(render('{{.Name | upper | printf "%s!"}}', data)).toBe('WEBAPP01!');
    expect(render('{{join .SPNs ", " | len}}', data)).toBe(String('HTTP/web01, HTTP/web01.contoso.com'.length));
    expect(error('{{.Name | .Count}}', data).message).toBe('template: :1:10: executing "" at <.Count>: Count is not a method but has arguments');
  });

  test('errors name the place and the problem', () => {
    expect(error('{{.Keys.ID}}', data).message).toBe('template: :1:7: executing "" at <.Keys.ID>: can\'t evaluate field ID in type []interface {}');
    expect(error('x\n{{.Nope}}', data)).toMatchObject({ phase: 'exec', message: 'template: :2:2: executing "" at <.Nope>: can\'t evaluate field Nope' });
    expect(error('{{.Nope}}', data).fields).toEqual(Object.keys(data));
    expect(error('{{template "x"}}').phase).toBe('parse');
    expect(error('{{range .Name}}{{end}}', data).message).toMatch(/range can't iterate over webapp01$/);
    expect(error('{{lt .Name 3}}', data).message).toMatch(/error calling lt: incompatible types for comparison$/);
  });

  test('a table header: each field is its column name, docker\'s header functions leave it as it is', () => {
    const head = (t: string): string => executeTemplate(parseTemplate(t), null, { header: true });
    expect(head('{{.Name}}\t{{.DNSHostName}}\t{{json .SPNs}}\t{{.Spec.DomainJoinConfig.Sid}}\t{{join .AllowedPrincipals ","}}')).toBe(
      'NAME\tDNS HOST NAME\tSPNS\tSID\tALLOWED PRINCIPALS',
    );
    // As docker: execution stops at the first thing a column name cannot do, keeping what was written.
    expect(head('{{.Name}}\t{{range .Keys}}{{.ID}}{{end}}\t{{.Count}}')).toBe('NAME\t');
    for (const [field, name] of [['UsableNow', 'USABLE NOW'], ['ID', 'ID'], ['OSType', 'OS TYPE'], ['MembershipSDDL', 'MEMBERSHIP SDDL'], ['APIVersion', 'API VERSION'], ['Sha256', 'SHA256']]) {
      expect(headerName(field as string)).toBe(name);
    }
  });

  test("docker's tabwriter: a line without a tab ends a block of aligned columns", () => {
    expect(tabwrite('a\tb\nlonger-than-ten\tc\n')).toBe('a                 b\nlonger-than-ten   c\n');
    expect(tabwrite('a\tb\nno tab here\nxyz\tc\n')).toBe('a         b\nno tab here\nxyz       c\n');
    expect(tabwrite('a\tb\tc\nd\n')).toBe('a         b         c\nd\n');
    expect(tabwrite('名前\tx\n')).toBe('名前      x\n');
  });
});
