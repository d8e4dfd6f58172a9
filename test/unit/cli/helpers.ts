/**
 * Shared setup of the k8s and servicefabric command tests: a store made by the built plugin
 * (`spec create --offline --root`) with an invalid spec beside it, and spec files outside any store.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, DOMAIN_FLAGS, plugin } from '../../support/cli';
import { GOLDEN_DIR, putSpec, specFor, tempRoot } from '../orchestrators/support';

export const golden = (name: string): string => readFileSync(join(GOLDEN_DIR, name), 'utf8');

export async function failure(run: Promise<void>): Promise<any> {
  try {
    await run;
  } catch (err) {
    return err;
  }
  throw new Error('the command succeeded');
}

export interface SpecFolders {
  /** A --root whose CredentialSpecs holds contoso_webapp01.json (by spec create) and contoso_bad01.json (invalid). */
  root: string;
  /** A working folder with specs/contoso_webapp01.json, specs/web&app's spec.json and specs/nul.json. */
  elsewhere: string;
  /** root's contoso_webapp01.json. */
  storeFile: string;
}

/** Makes the folders in beforeAll and removes them in afterAll of the calling test file. */
export function specFolders(prefix: string): SpecFolders {
  const root = tempRoot(`${prefix}-cli`);
  const elsewhere = tempRoot(`${prefix}-files`);
  const storeFile = join(root, 'CredentialSpecs', 'contoso_webapp01.json');

  beforeAll(async () => {
    const r = await plugin(['spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--root', root], cleanEnv());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(storeFile);
    // A spec whose Sid is the gMSA's own SID (the classic mistake): invalid.
    const bad = specFor('bad01') as any;
    bad.DomainJoinConfig.Sid = 'S-1-5-21-1111111111-2222222222-3333333333-1104';
    putSpec(root, 'contoso_bad01.json', bad);
    mkdirSync(join(elsewhere, 'specs'));
    copyFileSync(storeFile, join(elsewhere, 'specs', 'contoso_webapp01.json'));
    copyFileSync(storeFile, join(elsewhere, 'specs', "web&app's spec.json"));
    copyFileSync(storeFile, join(elsewhere, 'specs', 'nul.json'));
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  });

  return { root, elsewhere, storeFile };
}
