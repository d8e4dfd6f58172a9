import { fail, pass, warn, type Check } from './types';

export const specAd: Check = {
  id: 'spec-ad',
  group: 'spec',
  title: "Credential spec fields equal AD's",
  network: true,
  async run(ctx) {
    const { readDirectoryView } = require('../ad/spec-facts') as typeof import('../ad/spec-facts');
    const { compareWithDirectory } = require('../credspec/against-ad') as typeof import('../credspec/against-ad');
    const [spec, dir, domain] = await Promise.all([ctx.spec(), ctx.directory(), ctx.domainInfo()]);
    const findings = compareWithDirectory(spec, await readDirectoryView(dir, spec, domain));
    const errors = findings.filter((f) => f.severity === 'error');
    const text = findings.map((f) => `${f.path}: ${f.message}`).join(' | ');
    const fix = `docker gmsa spec create ${spec.DomainJoinConfig.MachineAccountName} (rebuilds it from AD), or: ${findings[0]?.fix ?? ''}`;
    if (errors.length > 0) return fail(text, fix);
    if (findings.length > 0) return warn(text, findings[0]?.fix);
    return pass(`Sid, Guid, DnsName, NetBiosName, DnsTreeName and accounts match ${domain.dnsName}`);
  },
};
