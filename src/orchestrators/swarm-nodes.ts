/**
 * Which Windows build a service's tasks will run on, as far as a manager can tell. A node's description
 * carries its OS (Description.Platform.OS) but not its Windows build, so the build comes from, in order:
 *
 * 1. `--windows-build N` (the user knows);
 * 2. the label `io.docker-gmsa.windows-build` on the Windows nodes the service may be placed on: a node
 *    label (`docker node update --label-add io.docker-gmsa.windows-build=17763 NODE`) or an engine label
 *    (`"labels": ["io.docker-gmsa.windows-build=17763"]` in the node's daemon.json). The lowest build
 *    among those nodes decides, because its rules are the strictest;
 * 3. otherwise Windows Server 2019 (17763) or later is assumed, and the plugin says so.
 *
 * "May be placed on": Windows nodes that are not drained and that the service's `--constraint`s allow
 * (node.id, node.hostname, node.role, node.platform.os/arch, node.labels.*, engine.labels.*, with == and
 * !=, compared without case as swarm does). Pure.
 */
import { FREE_HOSTNAME_BUILD, releaseName } from '../engine/windows-builds';

export const WINDOWS_BUILD_LABEL = 'io.docker-gmsa.windows-build';

export interface SwarmNode {
  id: string;
  hostname: string;
  role: string;
  /** Description.Platform.OS, lower case ("windows", "linux"). */
  os: string;
  arch: string;
  /** Spec.Availability: active, pause, drain. */
  availability: string;
  /** Spec.Labels (node labels set from a manager). */
  labels: Record<string, string>;
  /** Description.Engine.Labels (engine labels from the node's daemon configuration). */
  engineLabels: Record<string, string>;
}

function labels(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string') out[k] = x;
  return out;
}

export function nodeFromApi(n: any): SwarmNode {
  const spec = n?.Spec ?? {};
  const desc = n?.Description ?? {};
  return {
    id: String(n?.ID ?? ''),
    hostname: String(desc.Hostname ?? ''),
    role: String(spec.Role ?? ''),
    os: String(desc.Platform?.OS ?? '').toLowerCase(),
    arch: String(desc.Platform?.Architecture ?? ''),
    availability: String(spec.Availability ?? 'active'),
    labels: labels(spec.Labels),
    engineLabels: labels(desc.Engine?.Labels),
  };
}

/** A build label's value: `17763`, or a version such as `10.0.17763` / `10.0.17763.1234`. */
export function parseBuildLabel(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  const m = /^(?:10\.0\.)?(\d{5})(?:\.\d+)?$/.exec(v);
  return m ? Number(m[1]) : undefined;
}

/** The node's Windows build from its labels (node label first), and where it came from. */
export function nodeBuild(n: SwarmNode): { build: number; from: 'node label' | 'engine label' } | undefined {
  const fromNode = parseBuildLabel(n.labels[WINDOWS_BUILD_LABEL]);
  if (fromNode !== undefined) return { build: fromNode, from: 'node label' };
  const fromEngine = parseBuildLabel(n.engineLabels[WINDOWS_BUILD_LABEL]);
  if (fromEngine !== undefined) return { build: fromEngine, from: 'engine label' };
  return undefined;
}

export interface Constraint {
  key: string;
  op: '==' | '!=';
  value: string;
}

/** `node.labels.x==y` -> { key, op, value }; undefined for anything else. */
export function parseConstraint(s: string): Constraint | undefined {
  const m = /^\s*([^=!\s]+)\s*(==|!=)\s*(.*?)\s*$/.exec(s);
  if (!m) return undefined;
  return { key: m[1] as string, op: m[2] as '==' | '!=', value: m[3] as string };
}

/** What a constraint key reads on a node; undefined when the key is not one this planner knows. */
function nodeValue(n: SwarmNode, key: string): string | undefined | null {
  const k = key.toLowerCase();
  if (k === 'node.id') return n.id;
  if (k === 'node.hostname') return n.hostname;
  if (k === 'node.role') return n.role;
  if (k === 'node.platform.os') return n.os;
  if (k === 'node.platform.arch') return n.arch;
  if (key.startsWith('node.labels.')) return n.labels[key.slice('node.labels.'.length)] ?? null;
  if (key.startsWith('engine.labels.')) return n.engineLabels[key.slice('engine.labels.'.length)] ?? null;
  return undefined;
}

/** True when the node satisfies every constraint this planner understands (unknown keys do not exclude). */
export function matchesConstraints(n: SwarmNode, constraints: readonly string[]): boolean {
  for (const raw of constraints) {
    const c = parseConstraint(raw);
    if (!c) continue;
    const v = nodeValue(n, c.key);
    if (v === undefined) continue;
    // A missing label never equals anything and always differs (as in swarm).
    const equal = v !== null && v.toLowerCase() === c.value.toLowerCase();
    if (c.op === '==' ? !equal : equal) return false;
  }
  return true;
}

export interface BuildDecision {
  /** The build whose rules apply. */
  build: number;
  source: 'option' | 'nodes' | 'assumed';
  /** The Windows nodes the service may land on (hostnames), when the nodes could be read. */
  windowsNodes: string[];
  /** One sentence for stderr: what was decided and why. */
  note: string;
}

export interface BuildInput {
  /** --windows-build N. */
  explicit?: number;
  /** The swarm's nodes; undefined when they could not be read (--dry-run without a manager). */
  nodes?: readonly SwarmNode[];
  /** The service's placement constraints (--constraint). */
  constraints: readonly string[];
}

const HOW_TO_LABEL = `label the Windows nodes (docker node update --label-add ${WINDOWS_BUILD_LABEL}=17763 NODE) or pass --windows-build N`;

export function decideWindowsBuild(input: BuildInput): BuildDecision {
  const candidates = (input.nodes ?? []).filter((n) => n.os === 'windows' && n.availability !== 'drain' && matchesConstraints(n, input.constraints));
  const windowsNodes = candidates.map((n) => n.hostname || n.id);
  if (input.explicit !== undefined) {
    return { build: input.explicit, source: 'option', windowsNodes, note: `Windows build ${input.explicit} (${releaseName(input.explicit)}), from --windows-build.` };
  }
  const assumed = `Windows Server 2019 (${FREE_HOSTNAME_BUILD}) or later assumed`;
  if (input.nodes === undefined) {
    return { build: FREE_HOSTNAME_BUILD, source: 'assumed', windowsNodes, note: `${assumed}: the swarm's nodes could not be read; pass --windows-build N to plan for another build.` };
  }
  if (candidates.length === 0) {
    return {
      build: FREE_HOSTNAME_BUILD,
      source: 'assumed',
      windowsNodes,
      note: `${assumed}: the swarm has no Windows node${input.constraints.length > 0 ? ' that the constraints allow' : ''} (the tasks stay pending until one joins); pass --windows-build N to plan for another build.`,
    };
  }
  const known = candidates.flatMap((n) => {
    const b = nodeBuild(n);
    return b ? [{ node: n, ...b }] : [];
  });
  const unknown = candidates.filter((n) => nodeBuild(n) === undefined).map((n) => n.hostname || n.id);
  if (known.length === 0) {
    return {
      build: FREE_HOSTNAME_BUILD,
      source: 'assumed',
      windowsNodes,
      note: `${assumed}: the Windows node${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} do${unknown.length === 1 ? 'es' : ''} not say ${unknown.length === 1 ? 'its' : 'their'} build; ${HOW_TO_LABEL}.`,
    };
  }
  const lowest = known.reduce((a, b) => (b.build < a.build ? b : a));
  const where = `${lowest.from} ${WINDOWS_BUILD_LABEL} on ${lowest.node.hostname || lowest.node.id}`;
  const others = unknown.length > 0 ? `; ${unknown.join(', ')} do${unknown.length === 1 ? 'es' : ''} not say ${unknown.length === 1 ? 'its' : 'their'} build (${HOW_TO_LABEL})` : '';
  return {
    build: lowest.build,
    source: 'nodes',
    windowsNodes,
    note: `Windows build ${lowest.build} (${releaseName(lowest.build)}), from the ${where}${known.length > 1 ? ' (the lowest of the Windows nodes)' : ''}${others}.`,
  };
}
