import { fail, pass, warn, type Check } from './types';

const AES128 = 0x8;
const AES256 = 0x10;

export const adEtypes: Check = {
  id: 'ad-etypes',
  group: 'ad',
  title: 'AES in msDS-SupportedEncryptionTypes',
  network: true,
  async run(ctx) {
    const g = await ctx.gmsa();
    const v = g.encryptionTypes;
    if (v === undefined) return warn(`${g.name} has no msDS-SupportedEncryptionTypes: the KDC falls back to its default (RC4 on older DCs)`, `Set it to 24 (AES) or 28 (RC4+AES): Set-ADServiceAccount ${g.name} -KerberosEncryptionType AES128,AES256`);
    if ((v & (AES128 | AES256)) === 0) return fail(`${g.name} allows ${v} (0x${v.toString(16)}), no AES: Kerberos fails with KDC_ERR_ETYPE_NOSUPP where RC4 is off`, `Set-ADServiceAccount ${g.name} -KerberosEncryptionType AES128,AES256`);
    return pass(`${v} (0x${v.toString(16)}): ${[(v & 0x4) !== 0 ? 'RC4' : '', (v & AES128) !== 0 ? 'AES128' : '', (v & AES256) !== 0 ? 'AES256' : ''].filter(Boolean).join(', ')}`);
  },
};
