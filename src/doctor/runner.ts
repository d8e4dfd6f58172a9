/**
 * Runs every check at once. Each check awaits what it needs from the context (fetched once); network
 * checks are cut off at the run's deadline (--timeout plus a margin), so an unreachable DC ends the run
 * within its timeout. A check that throws Skip is SKIP; any other exception is a FAIL that shows it.
 */
import { CHECKS } from './checks';
import { DoctorContext, type DoctorEnv, type DoctorOptions } from './context';
import { buildReport, type DoctorReport } from './report';
import { Skip, type Check, type CheckResult, type Outcome } from './types';

/** How far past --timeout a network check may run (answers in flight, the report). */
export const DEADLINE_MARGIN_MS = 500;

export async function runChecks(checks: readonly Check[], ctx: DoctorContext): Promise<CheckResult[]> {
  const deadlineMs = ctx.timeoutMs + DEADLINE_MARGIN_MS;
  const timers: NodeJS.Timeout[] = [];
  const cutOff = new Promise<Outcome>((resolve) => {
    timers.push(setTimeout(() => resolve({ status: 'FAIL', detail: `no answer within ${deadlineMs / 1000} s (--timeout ${ctx.timeoutMs / 1000})`, fix: 'Check that the DC is reachable from here (the network checks say which port), or raise --timeout.' }), deadlineMs));
  });
  const one = async (c: Check): Promise<CheckResult> => {
    const run = c.run(ctx).catch((err: unknown): Outcome => {
      if (err instanceof Skip) return { status: 'SKIP', detail: err.why };
      const hint = (err as { hint?: string }).hint;
      return { status: 'FAIL', detail: err instanceof Error ? err.message : String(err), ...(hint ? { fix: hint } : {}) };
    });
    const outcome = c.network ? await Promise.race([run, cutOff]) : await run;
    return { id: c.id, group: c.group, title: c.title, ...outcome };
  };
  try {
    return await Promise.all(checks.map(one));
  } finally {
    for (const t of timers) clearTimeout(t);
  }
}

export async function doctor(o: DoctorOptions, env: DoctorEnv): Promise<DoctorReport> {
  const ctx = new DoctorContext(o, env);
  try {
    const results = await runChecks(CHECKS, ctx);
    let account: string | undefined;
    try {
      account = await ctx.account();
    } catch {
      account = undefined;
    }
    return buildReport(results, { account, host: o.host, container: o.container, image: o.image });
  } finally {
    // Never wait long for a goodbye to a DC that did not answer.
    await Promise.race([ctx.close(), new Promise((r) => setTimeout(r, 200).unref())]);
  }
}
