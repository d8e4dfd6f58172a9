/**
 * The built plugin against hostile inputs and store folders (issue 8): endless inputs, FIFOs, devices,
 * links out of the store, special --root and --dir folders, a missing or empty --root, two specs for one
 * account, and spec create with no engine. Each of these used to hang, read without bound, use a file
 * outside the store, or succeed silently; now each ends at once with an error that names the input.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, utimesSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTempName, STALE_TEMP_AGE_MS } from '../../src/util/atomic-write';
import { cleanEnv, DOMAIN_FLAGS, ensureBuilt, plugin, tempDir, type RunResult } from '../support/cli';

const onLinux = process.platform === 'linux' ? test : test.skip;
// No engine anywhere: every command here must get by without one (or say so).
const env = cleanEnv({ DOCKER_HOST: 'unix:///nonexistent/gmsa-no-engine.sock', DOCKER_CONFIG: tempDir('store-cfg') });

let work: string;
let spec: string;
beforeAll(async () => {
  work = tempDir('store-e2e');
  const r = await plugin(['spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--path', join(work, 'contoso_webapp01.json')], env);
  expect(r.status).toBe(0);
  spec = join(work, 'contoso_webapp01.json');
});

/** A fresh Docker root with an empty CredentialSpecs folder. */
function newRoot(): { root: string; store: string } {
  const root = tempDir('store-root');
  const store = join(root, 'CredentialSpecs');
  mkdirSync(store);
  return { root, store };
}

/** `--format json` listings: one object per line. */
const jsonLines = (out: string): unknown[] => out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);

/** Runs the plugin with standard input fed from an endless stream of zeros until it exits. */
function withEndlessStdin(args: string[]): Promise<RunResult & { fed: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ensureBuilt(), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 });
    let out = '';
    let err = '';
    let fed = 0;
    let open = true;
    const zeros = Buffer.alloc(64 * 1024);
    const feed = (): void => {
      while (open && child.stdin.write(zeros)) fed += zeros.length;
      if (open) child.stdin.once('drain', feed);
    };
    child.stdin.on('error', () => (open = false)); // EPIPE once the plugin stops reading
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      open = false;
      resolve({ status: code ?? (signal ? 128 : -1), stdout: out, stderr: err, fed });
    });
    feed();
  });
}

describe('reads are bounded', () => {
  test('spec install - with endless standard input stops at 1 MiB and refuses', async () => {
    const { root } = newRoot();
    const r = await withEndlessStdin(['spec', 'install', '-', '--name', 'zero', '--root', root]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'Error: standard input is too large (more than 1 MiB); nothing beyond that was read\nHint: A credential spec is a few KiB of JSON: check that this is the right file.\n',
    );
    expect(readdirSync(join(root, 'CredentialSpecs'))).toEqual([]);
  }, 60_000);

  test('spec validate - with endless standard input: the same refusal', async () => {
    const r = await withEndlessStdin(['spec', 'validate', '-']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Error: standard input is too large (more than 1 MiB)');
  }, 60_000);

  onLinux('spec validate /dev/zero is refused before reading', async () => {
    const r = await plugin(['spec', 'validate', '/dev/zero'], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('Error: /dev/zero is a device, not a regular file; nothing was read from it\nHint: Name an ordinary file (or - for standard input).\n');
  });

  onLinux('spec validate and install of a FIFO are refused without waiting for a writer', async () => {
    const fifo = join(work, 'pipe.json');
    if (!existsSync(fifo)) execFileSync('mkfifo', [fifo]);
    const { root } = newRoot();
    for (const args of [['spec', 'validate', fifo], ['spec', 'install', fifo, '--root', root], ['spec', 'inspect', fifo]]) {
      const r = await plugin(args, env);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`Error: ${fifo} is a named pipe (FIFO), not a regular file; nothing was read from it`);
    }
    // Named without a path, from its own folder: still a file (not a store name), and still refused.
    const bare = spawnSync(process.execPath, [ensureBuilt(), 'spec', 'validate', 'pipe.json'], { env, cwd: work, encoding: 'utf8', timeout: 20_000 });
    expect(bare.status).toBe(1);
    expect(bare.stderr).toContain(`Error: ${fifo} is a named pipe (FIFO), not a regular file`);
  }, 30_000);

  test('a file over 1 MiB is refused by name and size', async () => {
    const big = join(work, 'big.json');
    writeFileSync(big, Buffer.alloc(2 * 1024 * 1024, 0x20));
    const r = await plugin(['spec', 'validate', big], env);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Error: ${big} is too large (2097152 bytes, more than 1 MiB); nothing beyond that was read`);
  });
});

describe('links in the store', () => {
  onLinux('spec inspect and install --force do not hang on a link to a FIFO; run --spec does not use a file outside the store', async () => {
    const { root, store } = newRoot();
    const fifo = join(work, 'outside-fifo');
    if (!existsSync(fifo)) execFileSync('mkfifo', [fifo]);
    symlinkSync(fifo, join(store, 'pipe.json'));
    const outside = join(work, 'outside.json');
    copyFileSync(spec, outside);
    symlinkSync(outside, join(store, 'link.json'));

    const inspect = await plugin(['spec', 'inspect', 'pipe', '--root', root], env);
    expect(inspect.status).toBe(1);
    expect(inspect.stderr).toContain(`pipe.json is a link to ${fifo}, outside ${store}; it was not followed`);

    const force = await plugin(['spec', 'install', spec, '--name', 'pipe', '--force', '--root', root], env);
    expect(force.stderr).toBe('Replaced the previous spec of that name.\n');
    expect(force.status).toBe(0);

    const run = await plugin(['run', '--dry-run', '--root', root, '--spec', 'link', 'webapp01', 'local/app:1'], env);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`link.json is a link to ${outside}, outside ${store}; it was not followed`);
  }, 30_000);
});

describe('--root and --dir', () => {
  test("--root '' is a usage error, not the current folder", async () => {
    const cwdStore = join(process.cwd(), 'CredentialSpecs');
    for (const args of [['spec', 'ls', '--root', ''], ['spec', 'install', spec, '--root', '']]) {
      const r = await plugin(args, env);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe('Error: --root needs a folder, and an empty one was given\nHint: Name the Docker root folder, e.g. --root /mnt/docker (--root . for the current folder).\n');
    }
    expect(existsSync(cwdStore)).toBe(false);
  });

  test('a --root that does not exist is an error for reads and writes, naming the root; nothing is created', async () => {
    const missing = join(work, 'no', 'such', 'dir');
    for (const args of [['spec', 'ls'], ['spec', 'inspect', 'x'], ['spec', 'rm', 'x'], ['spec', 'install', spec], ['spec', 'create', 'webapp01', ...DOMAIN_FLAGS], ['spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--dry-run']]) {
      const r = await plugin([...args, '--root', missing], env);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^Error: the Docker root ${missing} does not exist\nHint: Check the path: --root names an existing Docker root folder`));
    }
    expect(existsSync(join(work, 'no'))).toBe(false);
  }, 30_000);

  test('writes create the CredentialSpecs folder inside an existing root', async () => {
    const root = tempDir('store-bare-root');
    const r = await plugin(['spec', 'install', spec, '--root', root], env);
    expect(r.status).toBe(0);
    expect(readdirSync(join(root, 'CredentialSpecs'))).toEqual(['contoso_webapp01.json']);
  });

  onLinux('--root on /proc, /sys or /dev and install --dir under /proc are refused at once', async () => {
    for (const r of ['/proc/1', '/sys/kernel', '/dev']) {
      const i = await plugin(['spec', 'install', spec, '--root', r], env);
      expect(i.status).toBe(1);
      expect(i.stderr).toContain(`Error: the Docker root ${r} is on /`);
    }
    const d = await plugin(['install', '--dir', '/proc/x'], env);
    expect(d.status).toBe(1);
    expect(d.stderr).toContain('Error: the plugin folder /proc/x is on /proc');
  }, 30_000);
});

onLinux('spec create --path in /dev or /proc is refused before anything is written there', async () => {
  const target = `/dev/gmsa-e2e-${process.pid}.json`;
  try {
    // (Not /dev/stdout itself: should this check ever break, the test must not replace the machine's.)
    for (const p of [target, '/proc/self/gmsa.json']) {
      const r = await plugin(['spec', 'create', 'webapp01', ...DOMAIN_FLAGS, '--path', p], env);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`Error: --path ${p} is on /`);
    }
    expect(existsSync(target)).toBe(false);
    expect(readdirSync('/dev').filter((n) => n.startsWith(`.gmsa-e2e-${process.pid}`))).toEqual([]);
  } finally {
    rmSync(target, { force: true });
  }
}, 30_000);

describe('two specs for one account', () => {
  test('the default name wins and the choice is printed; without a default name it is ambiguous', async () => {
    const { root, store } = newRoot();
    copyFileSync(spec, join(store, 'contoso_webapp01.json'));
    copyFileSync(spec, join(store, 'x.json'));
    const r = await plugin(['run', '--dry-run', '--root', root, 'webapp01', 'local/app:1'], env);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('spec for webapp01: contoso_webapp01.json (also matching: x.json)\n');
    expect(r.stdout).toContain('credentialspec=file://contoso_webapp01.json');

    const other = newRoot();
    copyFileSync(spec, join(other.store, 'x.json'));
    copyFileSync(spec, join(other.store, 'y.json'));
    const a = await plugin(['run', '--dry-run', '--root', other.root, 'webapp01', 'local/app:1'], env);
    expect(a.status).toBe(1);
    expect(a.stderr).toContain(
      'Error: 2 credential specs are for webapp01, and not exactly one of them has the default name <netbios>_<account>.json: x.json, y.json\nHint: Pick one with --spec NAME.\n',
    );
  }, 30_000);
});

test('spec create with no reachable engine points at --path and --root', async () => {
  const r = await plugin(['spec', 'create', 'webapp01', ...DOMAIN_FLAGS], env);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^Error: cannot connect to the Docker engine/);
  expect(r.stderr).toMatch(/\nHint: .*--path FILE writes it to a file \(--path - prints it\), --root DIR writes it into a Docker root folder\.\n$/);
});

describe('batch creates killed mid-write (SIGKILL)', () => {
  onLinux('leave only whole specs; their temp files are never listed and go once stale', async () => {
    const { root, store } = newRoot();
    const accounts = Array.from({ length: 400 }, (_, i) => `app${String(i).padStart(3, '0')}`);
    let killed = 0;
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [ensureBuilt(), 'spec', 'create', ...accounts, ...DOMAIN_FLAGS, '--root', root, '--no-clobber'], {
        env,
        stdio: 'ignore',
      });
      const closed = new Promise((r) => child.on('close', r));
      // Kill as soon as a temporary file shows up: the batch is then in the middle of its writes.
      const watcher = watch(store, (_event, name) => {
        if (name !== null && isTempName(String(name)) && child.exitCode === null) {
          if (child.kill('SIGKILL')) killed++;
        }
      });
      await closed;
      watcher.close();
      // Start over so that the next round writes again.
      for (const n of readdirSync(store)) if (!isTempName(n)) rmSync(join(store, n));
    }
    expect(killed).toBeGreaterThan(0);
    const left = readdirSync(store).filter(isTempName);
    expect(left.length).toBeGreaterThan(0);
    // Fresh temp files of a dead process stay (their process may be another machine's), and are never listed.
    const ls = await plugin(['spec', 'ls', '--root', root, '--format', 'json'], env);
    expect(ls.status).toBe(0);
    expect(jsonLines(ls.stdout)).toEqual([]);
    expect(readdirSync(store).filter(isTempName).sort()).toEqual(left.sort());
    // Once they are old, the next spec ls removes them.
    const old = new Date(Date.now() - STALE_TEMP_AGE_MS - 1000);
    for (const n of left) utimesSync(join(store, n), old, old);
    expect((await plugin(['spec', 'ls', '--root', root], env)).status).toBe(0);
    expect(readdirSync(store).filter(isTempName)).toEqual([]);
  }, 120_000);

  onLinux('every spec a killed batch left is whole and valid', async () => {
    const { root, store } = newRoot();
    const accounts = Array.from({ length: 400 }, (_, i) => `web${String(i).padStart(3, '0')}`);
    const child = spawn(process.execPath, [ensureBuilt(), 'spec', 'create', ...accounts, ...DOMAIN_FLAGS, '--root', root], { env, stdio: 'ignore' });
    const closed = new Promise((r) => child.on('close', r));
    let seen = 0;
    const watcher = watch(store, (_event, name) => {
      if (name !== null && /\.json$/.test(String(name)) && ++seen === 50) child.kill('SIGKILL');
    });
    await closed;
    watcher.close();
    const ls = await plugin(['spec', 'ls', '--root', root, '--format', 'json'], env);
    const entries = jsonLines(ls.stdout) as { Name: string; Valid: boolean }[];
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e).toMatchObject({ Valid: true });
  }, 120_000);
});
