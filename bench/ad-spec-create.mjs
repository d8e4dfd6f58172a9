// spec create for 500 gMSAs in one call, against ldapsearch fetching the same attributes (the domain head,
// its crossRef and the 500 accounts) from the same lab DC, side by side. Needs the lab DC (scripts/lab up).
// Two comparisons: the directory side alone (--dry-run builds every spec and writes none), and with the
// 500 files written, where the baseline also writes 500 files of the same size the same safe way
// (bench/safe-writes.mjs), so both sides pay the same file system. The candidate is the plugin as
// installed (the file docker runs for `docker gmsa spec create`), run directly.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installedPlugin, interleave, ratioRow, sideBySide, timeOnce } from './lib.mjs';

const COUNT = 500;
const names = Array.from({ length: COUNT }, (_, i) => `bench${String(i + 1).padStart(4, '0')}`);

function labEnv(root) {
  const up = spawnSync('bash', [join(root, 'scripts/lab'), 'up'], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (up.status !== 0) return undefined;
  const text = execFileSync('bash', [join(root, 'scripts/lab'), 'env'], { encoding: 'utf8' });
  const env = {};
  for (const m of text.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)) env[m[1]] = m[2].replace(/\\(.)/g, '$1').replace(/^'(.*)'$/, '$1');
  return env.GMSA_LDAP_URL ? env : undefined;
}

/** Adds the bench gMSAs that are missing (ldapadd -c keeps going past "already exists"). */
function ensureAccounts(env) {
  const ldif = names
    .map((n) =>
      [
        `dn: CN=${n},CN=Managed Service Accounts,DC=contoso,DC=com`,
        'objectClass: msDS-GroupManagedServiceAccount',
        `sAMAccountName: ${n}$`,
        'msDS-ManagedPasswordInterval: 30',
        'userAccountControl: 4096',
        `dNSHostName: ${n}.contoso.com`,
        '',
      ].join('\n'),
    )
    .join('\n');
  spawnSync('ldapadd', ['-c', '-H', env.GMSA_LDAP_URL, '-x', '-D', env.GMSA_LDAP_USER, '-w', env.GMSA_LDAP_PASSWORD], {
    input: ldif,
    env: { ...process.env, LDAPTLS_CACERT: env.GMSA_LDAP_CA },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
}

export function benchAdSpecCreate(root) {
  const env = labEnv(root);
  if (!env) {
    console.log('spec create x500 vs ldapsearch: NOT RUN (the lab DC did not start: run as root, see scripts/lab)\n');
    return undefined;
  }
  ensureAccounts(env);
  const plugin = installedPlugin(root);
  const gmsa = (...args) => timeOnce(plugin.file, plugin.args(...args), { env: { ...process.env, ...env } });
  // The size of the files spec create writes, for the baseline's writes.
  const sample = mkdtempSync(join(tmpdir(), 'gmsa-bench-'));
  gmsa('spec', 'create', ...names, '--root', sample);
  const files = readdirSync(join(sample, 'CredentialSpecs'));
  const bytes = Math.round(files.reduce((n, f) => n + statSync(join(sample, 'CredentialSpecs', f)).size, 0) / files.length);
  rmSync(sample, { recursive: true, force: true });
  const ldapEnv = { ...process.env, LDAPTLS_CACERT: env.GMSA_LDAP_CA };
  const ldap = (base, scope, filter, attrs) =>
    timeOnce('ldapsearch', ['-LLL', '-H', env.GMSA_LDAP_URL, '-x', '-D', env.GMSA_LDAP_USER, '-w', env.GMSA_LDAP_PASSWORD, '-b', base, '-s', scope, filter, ...attrs], { env: ldapEnv });
  const orFilter = `(|${names.map((n) => `(sAMAccountName=${n}$)`).join('')})`;
  const baseline = {
    name: 'ldapsearch x3 (domain head, crossRef, the accounts)',
    run: () =>
      ldap('DC=contoso,DC=com', 'base', '(objectClass=*)', ['objectSid', 'objectGUID']) +
      ldap('CN=Partitions,CN=Configuration,DC=contoso,DC=com', 'one', '(nCName=DC=contoso,DC=com)', ['nETBIOSName', 'dnsRoot']) +
      ldap('DC=contoso,DC=com', 'sub', orFilter, ['sAMAccountName', 'objectClass', 'objectSid']),
  };
  // The directory side alone: the same command with --dry-run checks every account and builds every spec
  // but creates no file (creating 500 files is a file-system cost ldapsearch does not pay). Beside it, the
  // floor of any Node plugin: ldapts alone fetching the same (bench/ldap-floor.mjs).
  const DRY = `docker gmsa spec create x${COUNT} --dry-run`;
  const FLOOR = `node + ldapts alone, the same searches`;
  const floorEnv = { ...process.env, ...env };
  const variants = [
    { name: DRY, run: () => gmsa('spec', 'create', ...names, '--dry-run', '--root', tmpdir()) },
    { name: FLOOR, run: () => timeOnce(process.execPath, [join(root, 'bench/ldap-floor.mjs'), String(COUNT)], { env: floorEnv }) },
    baseline,
  ];
  // NODE_EXTRA_CA_CERTS makes every Node start read and parse that bundle before any code runs (a system
  // bundle is some 140 certificates); ldapsearch never pays it. Where it is set, the same two Node variants
  // also run without it, printed only, so the figure of a machine without it is in the same run.
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  const DRY_PLAIN = `${DRY}, no NODE_EXTRA_CA_CERTS`;
  const FLOOR_PLAIN = `${FLOOR}, no NODE_EXTRA_CA_CERTS`;
  if (extraCa) {
    const { NODE_EXTRA_CA_CERTS: _drop, ...plain } = { ...process.env, ...env };
    variants.push(
      { name: DRY_PLAIN, run: () => timeOnce(plugin.file, plugin.args('spec', 'create', ...names, '--dry-run', '--root', tmpdir()), { env: plain }) },
      { name: FLOOR_PLAIN, run: () => timeOnce(process.execPath, [join(root, 'bench/ldap-floor.mjs'), String(COUNT)], { env: plain }) },
    );
  }
  const samples = interleave(variants, { runs: 12, warmup: 2 });
  const dry = [
    ratioRow({ title: `AD, directory side: spec create --dry-run for ${COUNT} gMSAs vs the same ldapsearch`, candidate: DRY, baseline: baseline.name, samples, target: 1.5 }),
    ratioRow({
      title: `AD, directory side: the floor of a plugin in Node (ldapts alone) vs the same ldapsearch (printed only)`,
      note: 'one Node start, TLS and BER decoding in JavaScript: a plugin in Node on ldapts starts from this row',
      candidate: FLOOR,
      baseline: baseline.name,
      samples,
    }),
    ratioRow({ title: `AD, directory side: spec create --dry-run vs that floor (what docker gmsa itself adds)`, candidate: DRY, baseline: FLOOR, samples, target: 1.2 }),
  ];
  if (extraCa) {
    dry.push(
      ratioRow({ title: `AD, directory side: spec create --dry-run with NODE_EXTRA_CA_CERTS (${extraCa}) unset vs the same ldapsearch (printed only)`, candidate: DRY_PLAIN, baseline: baseline.name, samples }),
      ratioRow({ title: `AD, directory side: the floor with NODE_EXTRA_CA_CERTS unset vs the same ldapsearch (printed only)`, candidate: FLOOR_PLAIN, baseline: baseline.name, samples }),
    );
  }
  // Node 20 parses its bundled root certificates the first time a TLS context is given a CA (it copies
  // them into that context's store), also when only --ca-file is to be trusted: printed, as part of the floor.
  const rootStore = execFileSync(
    process.execPath,
    ['-e', `const t=require('tls'),c=require('fs').readFileSync(process.argv[1]);const s=performance.now();t.createSecureContext({ca:[c]});process.stdout.write((performance.now()-s).toFixed(1))`, env.GMSA_LDAP_CA],
    { encoding: 'utf8', env: (({ NODE_EXTRA_CA_CERTS: _drop, ...rest }) => rest)(process.env) },
  );
  console.log(
    `AD: Node's first TLS context with the lab CA (it parses Node's bundled roots): ${rootStore} ms of the floor's runs; the installed plugin's launcher settles the root store without them (util/trust.ts) (printed only)\n`,
  );
  const full = sideBySide({
    title: `AD: spec create for ${COUNT} gMSAs in one call vs the same ldapsearch plus ${COUNT} files of ${bytes} bytes written the same safe way`,
    candidate: {
      name: `docker-gmsa spec create bench0001..bench${String(COUNT).padStart(4, '0')}`,
      run: () => {
        const dir = mkdtempSync(join(tmpdir(), 'gmsa-bench-'));
        try {
          return gmsa('spec', 'create', ...names, '--root', dir);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    },
    baseline: {
      name: `ldapsearch x3 + ${COUNT} safe writes (node)`,
      run: () => {
        const dir = mkdtempSync(join(tmpdir(), 'gmsa-bench-'));
        try {
          return baseline.run() + timeOnce(process.execPath, [join(root, 'bench/safe-writes.mjs'), join(dir, 'CredentialSpecs'), String(COUNT), String(bytes)]);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    },
    runs: 10,
    warmup: 2,
    target: 1.5,
  });
  return [...dry, full];
}
