/**
 * Which gMSA a container runs with, and the other running containers of that gMSA, for doctor's checks:
 * engine/container-gmsa.ts with the readers this doctor run has (the store of --root or of the engine
 * when this machine reads it; the swarm's configs).
 */
import type { GmsaPeer, SpecReader } from '../engine/container-gmsa';
import type { DoctorContext } from './context';

async function readerOf(ctx: DoctorContext): Promise<SpecReader> {
  const { specReader } = require('../engine/container-gmsa') as typeof import('../engine/container-gmsa');
  const { localStore } = require('../cli/run-spec') as typeof import('../cli/run-spec');
  let store;
  try {
    store = localStore(ctx.o.root, await ctx.profileRaw(), ctx.deps.cwd);
  } catch {
    store = undefined;
  }
  let client;
  try {
    client = (await ctx.session()).client;
  } catch {
    client = undefined;
  }
  return specReader(store, client);
}

export async function containerGmsa(c: any, ctx: DoctorContext): Promise<string | undefined> {
  const { containerGmsa: of } = require('../engine/container-gmsa') as typeof import('../engine/container-gmsa');
  return (await of(c, await readerOf(ctx)))?.account;
}

/** The other running containers with the same gMSA: name and hostname. */
export async function peersOfGmsa(ctx: DoctorContext, account: string, selfId: string): Promise<GmsaPeer[]> {
  const { runningWithGmsa } = require('../engine/container-gmsa') as typeof import('../engine/container-gmsa');
  const session = await ctx.session();
  return runningWithGmsa(session.client, account, { read: await readerOf(ctx), exceptId: selfId });
}
