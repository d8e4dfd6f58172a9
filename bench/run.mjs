// npm run bench: every benchmark, each a ratio against its baseline measured side by side in this run.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchAdSpecCreate } from './ad-spec-create.mjs';
import { benchDockerHelp } from './docker-help.mjs';
import { benchExeHandshake } from './exe-handshake.mjs';
import { benchHandshake } from './handshake.mjs';
import { benchRunDryRun } from './run-dry-run.mjs';
import { benchComposeRewrite } from './compose-rewrite.mjs';
import { benchDoctor } from './doctor.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = [benchHandshake(root), benchDockerHelp(root), await benchRunDryRun(root), benchExeHandshake(root), await benchComposeRewrite(root), benchAdSpecCreate(root), await benchDoctor(root)].flat().filter(Boolean);
const missed = results.filter((r) => r.target !== undefined && r.ratio > r.target);
console.log(missed.length ? `${missed.length} target(s) missed` : 'all targets met');
