/** What a doctor check is and what it reports. */
import type { DoctorContext } from './context';

export type Status = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';
export type Group = 'engine' | 'spec' | 'network' | 'ad' | 'container' | 'image';

export const GROUP_TITLES: Record<Group, string> = {
  engine: 'Engine',
  spec: 'Credential spec',
  network: 'Network (from this machine to the DC)',
  ad: 'Active Directory',
  container: 'Container',
  image: 'Image',
};

export interface Outcome {
  status: Status;
  /** What was seen (the evidence); for SKIP, why the check did not run. */
  detail: string;
  /** The fix, as a command where there is one (FAIL and WARN only). */
  fix?: string;
}

export interface CheckResult extends Outcome {
  id: string;
  group: Group;
  title: string;
}

export interface Check {
  id: string;
  group: Group;
  title: string;
  /** Talks to the DC: bounded by the run's deadline (--timeout plus a little). */
  network?: boolean;
  run(ctx: DoctorContext): Promise<Outcome>;
}

/** Thrown by a context getter when what a check needs is missing: the check is reported as SKIP. */
export class Skip extends Error {
  constructor(readonly why: string) {
    super(why);
  }
}

export const pass = (detail: string): Outcome => ({ status: 'PASS', detail });
export const warn = (detail: string, fix?: string): Outcome => ({ status: 'WARN', detail, ...(fix ? { fix } : {}) });
export const fail = (detail: string, fix?: string): Outcome => ({ status: 'FAIL', detail, ...(fix ? { fix } : {}) });
export const skip = (why: string): Outcome => ({ status: 'SKIP', detail: why });
