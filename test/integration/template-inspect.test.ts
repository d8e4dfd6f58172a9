/**
 * The template evaluator against `docker inspect` on the lab's real dockerd: docker renders each template
 * on its typed swarm node, we render it on the node's JSON ({{json .}}), and the text must be the same.
 * (Fields shown here are the ones whose JSON and Go forms print alike: no time.Time, no structs printed
 * whole.)
 */
import { cleanEnv, docker, tempDir } from '../support/cli';
import { labDescribe, labEngine } from '../support/lab';
import { parseFormat, renderObject } from '../../src/util/format';

labDescribe('templates as docker inspect renders them', () => {
  let env: NodeJS.ProcessEnv;
  let host: string;
  let node: unknown;

  beforeAll(async () => {
    const engine = await labEngine();
    if (!engine) throw new Error('labDescribe registered these tests, so the lab must be up');
    host = engine.host;
    env = cleanEnv({ DOCKER_CONFIG: tempDir('tmpl-inspect') });
    const r = await docker(['-H', host, 'node', 'inspect', 'self', '--format', '{{json .}}'], env);
    expect(r.status).toBe(0);
    node = JSON.parse(r.stdout) as unknown;
  });

  test.each([
    '{{.ID}} {{.Spec.Role}} {{.Spec.Availability}} {{.Status.State}} {{.ManagerStatus.Leader}} {{.ManagerStatus.Reachability}}',
    '{{.Description.Hostname}} {{.Description.Platform.OS}}/{{.Description.Platform.Architecture}} {{.Description.Resources.NanoCPUs}} {{.Description.Resources.MemoryBytes}} {{.Version.Index}}',
    '{{range .Description.Engine.Plugins}}{{.Type}}={{.Name}};{{end}}',
    '{{range $i, $p := .Description.Engine.Plugins}}{{if eq $p.Type "Network"}}{{$i}}:{{$p.Name | upper}} {{end}}{{end}}',
    '{{len .Description.Engine.Plugins}} {{json .Spec}} {{json .Description.Platform}} {{json .Description.Engine.Plugins}}',
    '{{with .ManagerStatus}}{{.Addr}}{{else}}not a manager{{end}} {{printf "%s|%v|%d|%08.3f" .Spec.Role .ManagerStatus.Leader .Version.Index 2.5}}',
    '{{if and .ManagerStatus.Leader (eq .Spec.Role "manager")}}leader{{end}} {{index .Description.Engine.Plugins 0 | json}} {{(index .Description.Engine.Plugins 1).Name}}',
    '{{range .Spec.Labels}}x{{else}}no labels{{end}} {{len .Spec.Labels}} {{join (split .Description.Engine.EngineVersion ".") "-"}}',
    '{{- /* the whole node */ -}} {{json .}}',
  ])('docker node inspect --format %s', async (t) => {
    const want = await docker(['-H', host, 'node', 'inspect', 'self', '--format', t], env);
    expect(want.stderr).toBe('');
    expect(renderObject(parseFormat(t), node, () => '')).toBe(want.stdout);
  });
});
