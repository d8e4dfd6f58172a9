/**
 * The template evaluator against the docker CLI itself: the same template on the same data must print
 * the same text. The data is what docker prints with {{json .}}; docker then renders each template on
 * its own typed objects, and we render it on that JSON.
 *
 * - `docker version --format` (an object, the template used as written; the client part needs no engine)
 * - `docker context ls --format` (a listing: docker's formatter, with `table`, `\t` and its tabwriter)
 */
import { cleanEnv, docker, tempDir } from '../../support/cli';
import { parseFormat, renderListing, renderObject } from '../../../src/util/format';
import { InvalidInputError, UsageError } from '../../../src/errors';

const env = cleanEnv({ DOCKER_CONFIG: tempDir('tmpl-oracle'), DOCKER_HOST: 'unix:///nonexistent/docker.sock' });

/**
 * docker version prints the client part and exits 1 without an engine; stdout is the rendered template.
 * It swallows execution errors and keeps the partial output, so a marker at the end shows it ran through.
 */
async function dockerVersion(template: string): Promise<string> {
  const r = await docker(['version', '--format', `${template}<END>`], env);
  expect(r.stdout.endsWith('<END>\n')).toBe(true);
  return r.stdout.slice(0, -'<END>\n'.length) + '\n';
}

const OBJECT_TEMPLATES = [
  '{{.Version}}',
  '{{.Os}}/{{.Arch}} {{.GoVersion | upper}} {{.Context | printf "%q"}}',
  '{{json .}}',
  '{{printf "%-10s|%5s|%q|%v|%x|%X|%.3s|%8.3s|" .Os .Arch .Version .Context .Os .Arch .GoVersion .GoVersion}}',
  '{{len .Version}} {{title .Os}} {{split .Version "."}} {{json (split .Version ".")}} {{join (split .Version ".") "-"}}',
  '{{if eq .Os "linux"}}L{{else if eq .Os "windows"}}W{{else}}?{{end}} {{if not .Os}}empty{{else}}set{{end}}',
  '{{range $i, $p := split .Version "."}}{{$i}}:{{$p}};{{end}} {{range $p := split .Arch ""}}<{{$p}}>{{end}}',
  '{{- /* a comment */ -}}   {{ .Os -}}   |   {{- .Arch }}  {{/* another */}}.',
  '{{$v := .Version}}{{with $v}}{{.}}{{end}} {{$v}} {{$v = "changed"}}{{$v}} {{with .Os}}{{.}}{{else}}none{{end}}',
  '{{printf "%d|%5d|%-5d|%05d|%+d|%x|%#x|%o|%#o|%b|%c|%q|%U|%#U" 42 42 42 42 42 255 255 8 8 5 65 66 233 233}}',
  '{{printf "%e|%E|%.2f|%8.3f|%-8.2f|%g|%G|%.3g|%v|%v|%v|%v|%v" 1234.5678 0.000123 3.14159 2.5 2.5 0.000012 1e21 1234.5678 1e6 1e5 123456.0 0.5 -0.0}}',
  '{{printf "%s %d" .Os}}|{{printf "%d" .Os}}|{{printf "%s" 3}}|{{printf "x" 1 "y"}}|{{printf "%t %v" true false}}|{{printf "%%"}}|{{printf "%!"}}',
  '{{printf "%v %s %d %q" (split "a,b" ",") (split "a,b" ",") (split "a,b" ",") (split "a,b" ",")}}',
  '{{print 1 2 "a" "b" 3 true}}|{{println "x" 1 true}}|{{print}}|{{print "" ""}}',
  '{{and .Os .Arch}} {{or "" .Os}} {{not .Os}} {{and "" .Os}} {{or "" ""}} {{and 1 0 2}}',
  '{{lt 1 2}} {{le "a" "b"}} {{gt 2.5 1.5}} {{ge 3 3}} {{ne .Os "x"}} {{eq .Os "a" "linux"}} {{eq 1 1}} {{lt "B" "a"}}',
  '{{index (split .Version ".") 1}} {{slice .Version 0 2}} {{slice .Version 3}} {{len (split .Version ".")}} {{index "abc" 1}}',
  '{{pad .Os 2 3}}|{{pad "" 2 3}}|{{truncate .Version 3}}|{{truncate "ab" 5}}|{{lower "ABC"}}|{{upper .Arch}}|{{title "hello wORLD-x_y z9a 2b"}}',
  '{{range 3}}{{.}}{{end}}|{{range $i, $e := split "a,b,c" ","}}{{if eq $i 1}}{{continue}}{{end}}{{$e}}{{end}}|{{range split "a,b,c" ","}}{{if eq . "b"}}{{break}}{{end}}{{.}}{{end}}|{{range split "" ","}}[{{.}}]{{else}}none{{end}}',
  '{{html "<a href=\'x\'>&\\"</a>"}} {{js "it\'s <b> \\"q\\" a=b"}} {{urlquery "a b&c/d?é"}}',
  '{{`raw\\n`}} {{"esc\\\\\\"\\u00e9\\x41\\101"}} {{\'a\'}} {{\'\\n\'}} {{0x1F}} {{0o17}} {{017}} {{0b101}} {{1e3}} {{-2}} {{+3}} {{1_000}} {{.5}}',
  '{{json "<&>\\u2028"}} {{json 1.5}} {{json 1e21}} {{json 100}} {{json true}} {{json (split "" "")}}',
  '{{(split .Version ".") | len}} {{.Version | split "." | len}} {{"x" | printf "%s-%s" "y"}}',
  '{{printf "%5t|%-7v|%3c|%-4q|%x|% x|%#v" true "ab" 65 "a" "héllo" "hi" 3}}',
];

describe('templates render as the docker CLI renders them', () => {
  let client: unknown;

  beforeAll(async () => {
    client = JSON.parse(await dockerVersion('{{json .Client}}')) as unknown;
    expect(client).toHaveProperty('Version');
  });

  test.each(OBJECT_TEMPLATES)('docker version --format %s', async (t) => {
    const want = await dockerVersion(`{{with .Client}}${t}{{end}}`);
    expect(renderObject(parseFormat(`{{with .}}${t}{{end}}`), client, () => '')).toBe(want);
  });

  describe('listings: docker context ls', () => {
    let items: unknown[];

    beforeAll(async () => {
      for (const [name, desc, host] of [
        ['lab-a', 'First lab engine', 'tcp://10.0.0.1:2376'],
        ['a-much-longer-context-name', 'ünïcode desc', 'ssh://admin@winhost01'],
      ] as const) {
        const r = await docker(['context', 'create', name, '--description', desc, '--docker', `host=${host}`], env);
        expect(r.stderr).toMatch(/Successfully created context/);
      }
      const r = await docker(['context', 'ls', '--format', '{{json .}}'], env);
      items = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown);
      expect(items).toHaveLength(3);
    });

    test.each([
      'table {{.Name}}\\t{{.Description}}\\t{{.DockerEndpoint}}',
      'table {{.Name}}\t{{.DockerEndpoint}}',
      'table {{.Name}}\\t{{upper .Description}}\\t{{pad .Name 1 1}}|{{json .Error}}',
      'table{{.DockerEndpoint}}\\t{{.Name}}',
      'table {{.Name}}',
      '{{.Name}}\\t{{.Current}}\\n--',
      '  {{.Name}}|{{.Error}}|{{json .}}  ',
      '{{range $k, $v := split .DockerEndpoint ":"}}{{$k}}={{$v}} {{end}}',
    ])('docker context ls --format %s', async (t) => {
      const want = await docker(['context', 'ls', '--format', t], env);
      expect(want.status).toBe(0);
      expect(renderListing(parseFormat(t), items, [], (i) => i)).toBe(want.stdout);
    });

    test('random templates, valid or not: the same output, or the same error', async () => {
      // Pieces of templates glued at random (a fixed seed, so a failure can be replayed): most do not
      // parse, which checks that the first error found is the one Go's parser finds first.
      const pieces = ['{{', '}}', '{{- ', ' -}}', '.Name', '.Current', '.Error', ' ', '|', 'printf', '"%s"', '"%v|%d"', '(', ')', '$x', ' := ', ' = ', 'if ', 'else', 'end', 'range ', 'with ', '/*', '*/', '1', '2.5', ',', 'len', 'json', 'lower', 'eq', 'not', 'and', '"a"', '`b`', "'c'", '\n', 'x', 'nil', 'true', 'index', 'split', '":"', 'join', '.Name.X', 'break', 'continue', '-', '}', '{'];
      let seed = 20261201;
      const pick = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      let compared = 0;
      while (compared < 200) {
        let t = '{{';
        for (let k = 1 + pick(10); k > 0; k--) t += pieces[pick(pieces.length)];
        if (/\s$/.test(t)) continue; // docker trims a listing template; so do we, but keep the cases plain
        compared++;
        const want = await docker(['context', 'ls', '--format', t], env);
        let got: string | undefined;
        let err: Error | undefined;
        try {
          got = renderListing(parseFormat(t), items, [], (i) => i);
        } catch (e) {
          err = e as Error;
        }
        const dockerError = /template parsing error: (.*)/.exec(want.stderr)?.[1];
        if (want.status === 0) expect({ t, out: got }).toEqual({ t, out: want.stdout });
        else {
          expect(dockerError).toBeDefined();
          // docker's context rows are Go structs; ours are objects, which have no type name to print
          expect({ t, err: err?.message.slice(err.message.indexOf(': template: ') + 2) }).toEqual({
            t,
            err: dockerError?.replace(/ in type \*formatter\.clientContextContext$/, ''),
          });
        }
      }
    });

    test.each([
      ['{{.Name', 'template: :1: unclosed action'],
      ['{{.Name}', "template: :1: bad character U+007D '}'"],
      ['{{ | .Name}}', 'template: :1: unexpected "|" in command'],
      ['{{nope .Name}}', 'template: :1: function "nope" not defined'],
      ['{{if .Name}}x', 'template: :1: unexpected EOF'],
      ['{{end}}', 'template: :1: unexpected {{end}}'],
      ['{{.Name | "x"}}', 'template: :1: non executable command in pipeline stage 2'],
      ['{{$x}}', 'template: :1: undefined variable "$x"'],
      ['{{/* open', 'template: :1: unclosed comment'],
      ['{{"abc}}', 'template: :1: unterminated quoted string'],
      ['{{range $i, $e, $f := .}}{{end}}', 'template: :1: too many declarations in range'],
      ['{{break}}', 'template: :1: {{break}} outside {{range}}'],
      ['{{3x}}', 'template: :1: bad number syntax: "3x"'],
      ['{{)}}', 'template: :1: unexpected right paren'],
      ['{{(.Name}}', 'template: :1: unclosed left paren'],
      ['{{}}', 'template: :1: missing value for command'],
      ['{{.Name}}\n{{else}}', 'template: :2: unexpected {{else}}'],
    ])('a template that does not parse, %s: the same message, exit 2 (usage)', async (t, msg) => {
      const want = await docker(['context', 'ls', '--format', t], env);
      expect(want.stderr).toContain(`template parsing error: ${msg}\n`);
      let err: unknown;
      try {
        parseFormat(t);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toBe(`invalid --format template '${t}': ${msg}`);
    });

    test.each([
      ['{{.Foo}}', 'template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo'],
      ['{{.Name.Foo}}', 'template: :1:7: executing "" at <.Name.Foo>: can\'t evaluate field Foo in type string'],
      ['{{lower .Current}}', 'template: :1:8: executing "" at <.Current>: wrong type for value; expected string; got bool'],
      ['{{index .Name 99}}', 'template: :1:2: executing "" at <index .Name 99>: error calling index: index out of range: 99'],
      ['{{len .Current}}', 'template: :1:2: executing "" at <len .Current>: error calling len: len of type bool'],
      ['{{lower "a" "b"}}', 'template: :1:2: executing "" at <lower>: wrong number of args for lower: want 1 got 2'],
      ['{{range .Name}}{{end}}', 'template: :1:8: executing "" at <.Name>: range can\'t iterate over '],
      ['{{nil | print}}', 'template: :1:2: executing "" at <nil>: nil is not a command'],
      ['{{eq .Name 1}}', 'template: :1:2: executing "" at <eq .Name 1>: error calling eq: incompatible types for comparison'],
    ])('an execution error, %s: the same message, exit 1', async (t, msg) => {
      const want = await docker(['context', 'ls', '--format', t], env);
      expect(want.status).toBe(1);
      expect(want.stderr).toContain(msg);
      let err: unknown;
      try {
        renderListing(parseFormat(t), items, [], (i) => i);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as Error).message).toContain(msg);
    });
  });
});
