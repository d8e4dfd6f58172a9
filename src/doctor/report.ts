/** The doctor report: PascalCase JSON and the human text. Pure. */
import { GROUP_TITLES, type CheckResult, type Group } from './types';

export interface DoctorCheckJson {
  ID: string;
  Group: string;
  Title: string;
  Status: string;
  Detail: string;
  Fix: string | null;
}

export interface DoctorReport {
  Account: string | null;
  Host: string;
  Container: string | null;
  Image: string | null;
  OK: boolean;
  Counts: { Pass: number; Warn: number; Fail: number; Skip: number };
  Checks: DoctorCheckJson[];
}

export function buildReport(results: readonly CheckResult[], meta: { account: string | undefined; host: string; container: string | undefined; image: string | undefined }): DoctorReport {
  const count = (s: string): number => results.filter((r) => r.status === s).length;
  return {
    Account: meta.account ?? null,
    Host: meta.host,
    Container: meta.container ?? null,
    Image: meta.image ?? null,
    OK: count('FAIL') === 0,
    Counts: { Pass: count('PASS'), Warn: count('WARN'), Fail: count('FAIL'), Skip: count('SKIP') },
    Checks: results.map((r) => ({ ID: r.id, Group: r.group, Title: r.title, Status: r.status, Detail: r.detail, Fix: r.status === 'FAIL' || r.status === 'WARN' ? (r.fix ?? null) : null })),
  };
}

export function renderDoctorReport(r: DoctorReport): string {
  const lines: string[] = [`docker gmsa doctor: ${r.Account ?? '(no account)'}, host ${r.Host}${r.Container ? `, container ${r.Container}` : ''}${r.Image ? `, image ${r.Image}` : ''}`];
  const width = Math.max(...r.Checks.map((c) => c.ID.length));
  let group: string | undefined;
  for (const c of r.Checks) {
    if (c.Group !== group) {
      group = c.Group;
      lines.push('', GROUP_TITLES[c.Group as Group] ?? c.Group);
    }
    lines.push(`  ${c.Status.padEnd(4)}  ${c.ID.padEnd(width)}  ${c.Title}: ${c.Detail}`);
    if (c.Fix) lines.push(`  ${' '.repeat(4)}  ${' '.repeat(width)}  fix: ${c.Fix}`);
  }
  const k = r.Counts;
  lines.push('', `${k.Pass} passed, ${k.Warn} warning${k.Warn === 1 ? '' : 's'}, ${k.Fail} failed, ${k.Skip} skipped`);
  return lines.join('\n') + '\n';
}
