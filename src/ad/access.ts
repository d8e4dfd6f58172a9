/**
 * Test-ADServiceAccount without the host's password: a host may retrieve a gMSA's password when its SID,
 * or one of the groups in its token (tokenGroups: all transitive groups), is allowed by an ACE of the
 * gMSA's msDS-GroupMSAMembership (walked in order: the first matching ACE decides). No descriptor
 * at all means nobody may.
 */
import { allowedSids, deniedSids, evaluatePasswordRead, parseSecurityDescriptor } from './codecs/security-descriptor';
import { sidToString } from './codecs/sid';
import { attrBuffers, type Directory } from './connection';
import type { Principal } from './accounts';

export interface AccessVerdict {
  allowed: boolean;
  /** SIDs through which access is granted (the host itself or its groups). */
  via: string[];
  /** SIDs that deny access (an explicit deny wins). */
  deniedVia: string[];
  /** The SIDs in the gMSA's descriptor that allow retrieval. */
  allowedPrincipals: string[];
  /** The host's own SID plus its token groups. */
  hostToken: string[];
}

/** Pure: the decision from the descriptor and the host's token. */
export function decideAccess(membership: Buffer | undefined, hostToken: readonly string[]): AccessVerdict {
  const sd = membership ? parseSecurityDescriptor(membership) : undefined;
  const allow = sd ? allowedSids(sd) : [];
  const deny = sd ? deniedSids(sd) : [];
  const token = new Set(hostToken);
  const via = allow.filter((s) => token.has(s));
  const deniedVia = deny.filter((s) => token.has(s));
  // The DC walks the DACL in order and the first ACE that matches the token decides.
  const allowed = sd ? evaluatePasswordRead(sd, hostToken).allowed : false;
  return { allowed, via, deniedVia, allowedPrincipals: allow, hostToken: [...hostToken] };
}

/** The host's SID plus every group SID in its token, as the DC computes it (tokenGroups, base scope only). */
export async function hostToken(dir: Directory, host: Principal): Promise<string[]> {
  const [e] = await dir.search(host.dn, { scope: 'base', filter: '(objectClass=*)', attributes: ['tokenGroups'], binary: ['tokenGroups'] }, `read the groups of ${host.name}`);
  const groups = e ? attrBuffers(e, 'tokenGroups').map(sidToString) : [];
  return [host.sid, ...groups];
}
