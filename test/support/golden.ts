/**
 * Expected-output ("golden") files. A test compares its output with a committed file; the file is
 * written only when GMSA_UPDATE_FIXTURES=1 is set (then review the diff before committing). Without it a
 * missing expected file fails the test, so a golden test can never pass by comparing its output with
 * itself.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { ROOT } from './cli';

export const UPDATE_VARIABLE = 'GMSA_UPDATE_FIXTURES';

export function updating(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[UPDATE_VARIABLE] === '1';
}

/**
 * The expected text of `expectedPath`: written from `actual` first when updating, else read; throws,
 * naming the file and how to create it, when it does not exist.
 */
export function golden(actual: string, expectedPath: string, env: NodeJS.ProcessEnv = process.env): string {
  if (updating(env)) {
    mkdirSync(dirname(expectedPath), { recursive: true });
    writeFileSync(expectedPath, actual);
  }
  if (!existsSync(expectedPath)) {
    const test = expect.getState().testPath;
    throw new Error(
      `the expected file ${relative(ROOT, expectedPath)} does not exist: create it with ` +
        `${UPDATE_VARIABLE}=1 npx jest ${test ? relative(ROOT, test) : '<this test>'}, read it, and commit it`,
    );
  }
  return readFileSync(expectedPath, 'utf8');
}

/** Compares `actual` with the expected file (see golden). */
export function expectGolden(actual: string, expectedPath: string): void {
  expect(actual).toBe(golden(actual, expectedPath));
}
