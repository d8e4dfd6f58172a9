/**
 * Runs the real atomic-write and SpecStore code in several separate node processes at once, to test
 * what happens when writers race. The TypeScript sources are bundled with esbuild (a dev dependency) into
 * a temporary CommonJS file that the children require; the children wait for a shared start signal so
 * that they really run concurrently.
 */
import { ChildProcess, spawn } from 'child_process';
import { once } from 'events';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../../..');

const CHILD_SCRIPT = String.raw`
const fs = require('fs');
const [bundle, goFile, mode, ...args] = process.argv.slice(2);
const lib = require(bundle);
const nap = new Int32Array(new SharedArrayBuffer(4));
const deadline = Date.now() + 20000;
while (!fs.existsSync(goFile)) {
  if (Date.now() > deadline) { console.log(JSON.stringify({ result: 'no-start-signal' })); process.exit(3); }
  Atomics.wait(nap, 0, 0, 1);
}
const report = (o) => process.stdout.write(JSON.stringify(o) + '\n');
(async () => {
  try {
    if (mode === 'exclusive') {
      const [target, contentFile] = args;
      await lib.writeFileAtomic(target, fs.readFileSync(contentFile), { overwrite: false });
      report({ result: 'won' });
    } else if (mode === 'overwrite-loop') {
      const [target, aFile, bFile, count] = args;
      const a = fs.readFileSync(aFile);
      const b = fs.readFileSync(bFile);
      for (let i = 0; i < Number(count); i++) await lib.writeFileAtomic(target, i % 2 ? a : b);
      report({ result: 'done' });
    } else if (mode === 'install') {
      const [dir, name, contentFile, force] = args;
      const r = await new lib.SpecStore(dir).install(name, fs.readFileSync(contentFile), { force: force === 'true' });
      report({ result: 'won', replaced: r.replaced, unchanged: r.unchanged });
    } else if (mode === 'install-many') {
      // args: dir, force, then pairs of name and content file.
      const [dir, force, ...pairs] = args;
      const items = [];
      for (let i = 0; i + 1 < pairs.length; i += 2) items.push({ name: pairs[i], bytes: fs.readFileSync(pairs[i + 1]) });
      const rs = await new lib.SpecStore(dir).installMany(items, { force: force === 'true' });
      report({ result: 'won', replaced: rs.some((r) => r.replaced), unchanged: rs.every((r) => r.unchanged) });
    } else if (mode === 'write-forever') {
      // Keeps writing a large file until killed, so that a kill lands in the middle of a write.
      const [target, size] = args;
      const data = Buffer.alloc(Number(size), 0x61);
      for (;;) await lib.writeFileAtomic(target, data);
    } else {
      report({ result: 'bad-mode' });
    }
  } catch (err) {
    report({ result: err && err.name, message: err && err.message });
  }
})();
`;

export interface ChildResult {
  result: string;
  message?: string;
  replaced?: boolean;
  unchanged?: boolean;
}

export class ChildHarness {
  private readonly bundle: string;
  private readonly script: string;

  constructor(private readonly workDir: string) {
    // esbuild is a dev dependency of the project; loaded lazily so only these tests need it.
    const esbuild = require('esbuild') as typeof import('esbuild');
    this.bundle = path.join(workDir, 'bundle.cjs');
    esbuild.buildSync({
      stdin: {
        contents: "export * from './src/util/atomic-write'; export { SpecStore } from './src/credspec/store';",
        resolveDir: ROOT,
        loader: 'ts',
        sourcefile: 'harness-entry.ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: this.bundle,
      logLevel: 'silent',
    });
    this.script = path.join(workDir, 'child.cjs');
    fs.writeFileSync(this.script, CHILD_SCRIPT);
  }

  /** Starts one child per argument list, releases them together, and collects their reports. */
  async race(runs: string[][]): Promise<ChildResult[]> {
    const goFile = path.join(this.workDir, `go-${Date.now()}-${Math.random().toString(16).slice(2)}`);
    const children = runs.map(
      (args) =>
        new Promise<ChildResult>((resolve, reject) => {
          const child = spawn(process.execPath, [this.script, this.bundle, goFile, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          child.on('error', reject);
          child.on('close', () => {
            const line = out.trim().split('\n').pop() ?? '';
            try {
              resolve(JSON.parse(line) as ChildResult);
            } catch {
              reject(new Error(`child produced no report; stdout=${out} stderr=${err}`));
            }
          });
        }),
    );
    // Give every child time to load before the start signal.
    await new Promise((r) => setTimeout(r, 300));
    fs.writeFileSync(goFile, '');
    return Promise.all(children);
  }

  /** Starts one child that runs at once (no start signal), for tests that kill it. */
  spawnNow(args: string[]): ChildProcess {
    const goFile = path.join(this.workDir, `go-now-${Date.now()}-${Math.random().toString(16).slice(2)}`);
    fs.writeFileSync(goFile, '');
    return spawn(process.execPath, [this.script, this.bundle, goFile, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /**
   * Starts a child that keeps writing `target` (16 MiB, so a write takes a while), kills it with SIGKILL
   * once one of its temporary files is there, and returns its pid and the temporary files it left.
   */
  async killMidWrite(target: string): Promise<{ pid: number; left: string[] }> {
    const folder = path.dirname(target);
    const temps = (): string[] => fs.readdirSync(folder).filter((n) => /^\..+\.\d+\.[0-9a-f]{12}\.tmp$/.test(n));
    for (let attempt = 0; attempt < 5; attempt++) {
      const child = this.spawnNow(['write-forever', target, String(16 * 1024 * 1024)]);
      const closed = once(child, 'close');
      const deadline = Date.now() + 20_000;
      while (!temps().some((n) => n.includes(`.${child.pid}.`))) {
        if (Date.now() > deadline) throw new Error('the child never started a write');
        await new Promise((r) => setTimeout(r, 2));
      }
      child.kill('SIGKILL');
      await closed;
      const left = temps().filter((n) => n.includes(`.${child.pid}.`)).sort();
      if (left.length > 0) return { pid: child.pid as number, left };
    }
    throw new Error('no kill landed inside a write in 5 attempts');
  }

  /** Runs one child (released once loaded) and returns its report, for running alongside other work. */
  start(args: string[]): Promise<ChildResult> {
    return this.race([args]).then((r) => r[0] as ChildResult);
  }
}
