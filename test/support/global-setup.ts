/**
 * jest globalSetup: start the lab once for the whole run and tell the test workers how it went.
 *
 * - Runs `scripts/lab up` when this machine can (root, or dockerd installed); about 0.2 s when the lab is
 *   already up, about 1.5 s to restart a stopped one (the Samba DC is the slow part), about 10 s the very
 *   first time (provisioning the DC) plus whatever installing missing Debian packages takes.
 *   `GMSA_LAB=skip` skips it (lab tests then report that they did not run; in CI that is a failure).
 * - Records the outcome (the lab's env, or why it could not start) as JSON in a file and puts its path in
 *   process.env.GMSA_LAB_STATE_FILE, which the workers inherit; test/support/lab.ts reads it
 *   synchronously so labDescribe can decide at module load.
 * - In CI (`CI` set) a lab that cannot start fails the whole run here. Elsewhere unit tests still run and
 *   the lab tests fail (lab should have started) or say loudly that they did not run (cannot start here).
 *
 * There is deliberately no globalTeardown: the lab stays up between runs so the next run is fast, and so
 * that two jest runs sharing it (or a developer poking at it) are not cut off by the other's teardown.
 * The same holds in CI, where the machine is thrown away afterwards. `scripts/lab down` stops it
 * (`scripts/lab down --purge` also deletes its state dir).
 */
import { isCI, LAB_STATE_FILE_ENV, loudWarning, startLab, writeLabState } from './lab';

export default async function globalSetup(): Promise<void> {
  const state = await startLab();
  const file = writeLabState(state);
  process.env[LAB_STATE_FILE_ENV] = file;

  if (state.status === 'up') return;
  if (isCI()) {
    throw new Error(`CI: the lab could not start, and in CI that is a failure, never a skip: ${state.reason}`);
  }
  if (state.status === 'failed') {
    process.stderr.write(`\nlab: THE LAB DID NOT START; the lab tests will fail: ${state.reason}\n`);
  } else {
    process.stderr.write(loudWarning(state.reason));
  }
}
