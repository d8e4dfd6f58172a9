// Side-by-side timing: the candidate and its baseline run interleaved in the same loop, so machine noise
// hits both alike; the result is the ratio of medians.
import { spawnSync } from 'node:child_process';

export function timeOnce(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr?.toString().slice(0, 400)}`);
  }
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Runs `candidate` and `baseline` (each {name, run: () => ms}) alternately and prints one result row. */
export function sideBySide({ title, candidate, baseline, runs = 30, warmup = 3, target }) {
  for (let i = 0; i < warmup; i++) {
    candidate.run();
    baseline.run();
  }
  const c = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    if (i % 2) {
      c.push(candidate.run());
      b.push(baseline.run());
    } else {
      b.push(baseline.run());
      c.push(candidate.run());
    }
  }
  const mc = median(c);
  const mb = median(b);
  const ratio = mc / mb;
  const verdict = target === undefined ? '' : ratio <= target ? `  (target <= ${target}x: met)` : `  (target <= ${target}x: MISSED)`;
  console.log(`${title}`);
  console.log(`  ${candidate.name.padEnd(48)} median ${mc.toFixed(1)} ms`);
  console.log(`  ${baseline.name.padEnd(48)} median ${mb.toFixed(1)} ms`);
  console.log(`  ratio ${ratio.toFixed(2)}x over ${runs} interleaved runs${verdict}\n`);
  return { title, candidate: mc, baseline: mb, ratio, target };
}
