/** Which gMSA a container runs with: the plugin's label, else the spec its credentialspec option names. */
import type { DoctorContext } from './context';

function fromJson(json: string): string | undefined {
  try {
    const v = JSON.parse(json.replace(/^\uFEFF/, '')) as { DomainJoinConfig?: { MachineAccountName?: unknown } };
    const m = v?.DomainJoinConfig?.MachineAccountName;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The credentialspec= value of a container's security options (the last one wins, as on the engine). */
export function credentialSpecOption(c: any): string | undefined {
  const opts = ((c?.HostConfig?.SecurityOpt ?? []) as unknown[]).filter((o): o is string => typeof o === 'string' && /^credentialspec=/i.test(o));
  const last = opts[opts.length - 1];
  return last === undefined ? undefined : last.slice('credentialspec='.length);
}

export async function containerGmsa(c: any, ctx: DoctorContext): Promise<string | undefined> {
  const { ACCOUNT_LABEL } = require('../engine/run-plan') as typeof import('../engine/run-plan');
  const label = c?.Config?.Labels?.[ACCOUNT_LABEL];
  if (typeof label === 'string' && label !== '') return label;
  const value = credentialSpecOption(c);
  if (!value) return undefined;
  if (/^raw:\/\//i.test(value)) return fromJson(value.slice('raw://'.length));
  if (/^file:\/\//i.test(value)) {
    const { localStore } = require('../cli/run-spec') as typeof import('../cli/run-spec');
    let profile;
    try {
      profile = await ctx.profileRaw();
    } catch {
      return undefined;
    }
    const store = localStore(ctx.o.root, profile, ctx.deps.cwd);
    if (!store) return undefined;
    try {
      const found = await store.read(value.slice('file://'.length));
      return fromJson(found.bytes.toString('utf8'));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The other running containers with the same gMSA: name and hostname. */
export async function peersOfGmsa(ctx: DoctorContext, account: string, selfId: string): Promise<{ name: string; hostname: string }[]> {
  const session = await ctx.session();
  const running = await session.client.listContainers(false);
  const peers: { name: string; hostname: string }[] = [];
  await Promise.all(
    running
      .filter((r) => r.Id !== selfId)
      .map(async (r) => {
        const c = await session.client.inspectContainer(r.Id);
        if (!c?.State?.Running) return;
        const a = await containerGmsa(c, ctx);
        if (a && a.toLowerCase() === account.toLowerCase()) peers.push({ name: String(c.Name ?? r.Id).replace(/^\//, ''), hostname: String(c.Config?.Hostname ?? '') });
      }),
  );
  return peers.sort((x, y) => x.name.localeCompare(y.name));
}
