// Side-by-side timing. The variants of a comparison run in rounds, each variant once per round, the
// order turning from round to round, so machine noise (other jobs share the cores) hits all alike. A
// ratio is the median of the per-round ratios: the two runs of a round ran back to back, so load that
// drifts over the bench cancels out instead of landing on whichever side it happened to hit. The middle
// half of the per-round ratios is printed with it: that is how much to trust the ratio.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function timeOnce(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr?.toString().slice(0, 400)}`);
  }
  return ms;
}

export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  return lo === at ? s[lo] : s[lo] + (s[lo + 1] - s[lo]) * (at - lo);
}

export const median = (xs) => quantile(xs, 0.5);

/** Runs every variant ({name, run: () => ms}) once per round; returns name -> the samples, round by round. */
export function interleave(variants, { runs, warmup = 3 }) {
  const samples = new Map(variants.map((v) => [v.name, []]));
  for (let round = -warmup; round < runs; round++) {
    const k = ((round % variants.length) + variants.length) % variants.length;
    const order = [...variants.slice(k), ...variants.slice(0, k)];
    if (round % 2) order.reverse();
    for (const v of order) {
      const ms = v.run();
      if (round >= 0) samples.get(v.name).push(ms);
    }
  }
  return samples;
}

/** Prints one comparison of two variants measured in the same rounds and returns its result. */
export function ratioRow({ title, candidate, baseline, samples, target, note }) {
  const c = samples.get(candidate);
  const b = samples.get(baseline);
  const perRound = c.map((x, i) => x / b[i]);
  const ratio = median(perRound);
  const verdict = target === undefined ? '' : `  (target <= ${target}x: ${ratio <= target ? 'met' : 'MISSED'})`;
  console.log(title);
  if (note) console.log(`  ${note}`);
  console.log(`  ${candidate.padEnd(48)} median ${median(c).toFixed(1)} ms`);
  console.log(`  ${baseline.padEnd(48)} median ${median(b).toFixed(1)} ms`);
  console.log(`  ratio ${ratio.toFixed(2)}x (middle half of the rounds ${quantile(perRound, 0.25).toFixed(2)}-${quantile(perRound, 0.75).toFixed(2)}x) over ${c.length} interleaved rounds${verdict}\n`);
  return { title, candidate: median(c), baseline: median(b), ratio, target };
}

/** Runs `candidate` and `baseline` (each {name, run: () => ms}) in rounds and prints one result row. */
export function sideBySide({ title, candidate, baseline, runs = 30, warmup = 3, target }) {
  const samples = interleave([candidate, baseline], { runs, warmup });
  return ratioRow({ title, candidate: candidate.name, baseline: baseline.name, samples, target });
}

/**
 * The plugin as `install` puts it into a cli-plugins folder (a fresh DOCKER_CONFIG): the file the docker
 * CLI runs for `docker gmsa ...`, with `gmsa` as its first argument. Returns how to run it directly, so a
 * bench measures what a user runs without the docker CLI's own start in front of it.
 */
export function installedPlugin(root, env = process.env) {
  const config = mkdtempSync(join(tmpdir(), 'gmsa-bench-plugin-'));
  timeOnce(process.execPath, [join(root, 'dist/docker-gmsa.js'), 'install'], { env: { ...env, DOCKER_CONFIG: config } });
  const file = join(config, 'cli-plugins', 'docker-gmsa');
  return { file, args: (...rest) => ['gmsa', ...rest] };
}
