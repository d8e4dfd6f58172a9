// The file-system half of `spec create`'s baseline: writes COUNT files of BYTES bytes into DIR the way the
// store writes a batch of new specs, written here on its own (no project code): a temporary file opened
// exclusively, written, flushed and closed, hard-linked to its name (a name that exists is never
// replaced) and removed, 32 files at a time; then the folder is listed once and flushed once.
// Usage: node bench/safe-writes.mjs DIR COUNT BYTES
import { closeSync, constants } from 'node:fs';
import * as fs from 'node:fs';
import { join } from 'node:path';

const [dir, countArg, bytesArg] = process.argv.slice(2);
const count = Number(countArg);
const data = Buffer.alloc(Number(bytesArg), 0x61);
const IN_FLIGHT = 32;

async function writeOne(i) {
  const target = join(dir, `contoso_bench${String(i + 1).padStart(4, '0')}.json`);
  const tmp = join(dir, `.contoso_bench${i}.json.${process.pid}.tmp`);
  const fh = await fs.promises.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    await fh.write(data, 0, data.length, 0);
    await fh.sync();
    await fh.stat();
  } finally {
    await fh.close();
  }
  await fs.promises.link(tmp, target);
  await fs.promises.unlink(tmp);
}

fs.mkdirSync(dir, { recursive: true });
let next = 0;
await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
  while (next < count) await writeOne(next++);
}));
await fs.promises.readdir(dir);
const fd = fs.openSync(dir, 'r');
fs.fsyncSync(fd);
closeSync(fd);
