/**
 * Self-relative SECURITY_DESCRIPTOR (MS-DTYP 2.4.6), the syntax of msDS-GroupMSAMembership ("who may
 * read this gMSA's password") and nTSecurityDescriptor.
 *
 * Header (20 bytes, little-endian): Revision u8 (1), Sbz1 u8, Control u16, OffsetOwner u32,
 * OffsetGroup u32, OffsetSacl u32, OffsetDacl u32; an offset of 0 means "absent". The parts follow in
 * whatever order the writer chose, so this parser only ever follows the offsets:
 * - Active Directory (values written through ADWS / .NET, e.g. New-ADServiceAccount
 *   -PrincipalsAllowedToRetrieveManagedPassword, as read back from a DC) puts owner, group, SACL, DACL;
 * - Win32 MakeSelfRelativeSD (ConvertStringSecurityDescriptorToSecurityDescriptor, used by many
 *   scripts and tools that write the attribute) puts SACL, DACL, owner, group.
 *
 * ACL (8-byte header): AclRevision u8 (2 = ACL_REVISION, 4 = ACL_REVISION_DS; 3 tolerated), Sbz1 u8,
 * AclSize u16 (header included), AceCount u16, Sbz2 u16, then the ACEs, each with a 4-byte header
 * (AceType u8, AceFlags u8, AceSize u16). Plain ACEs carry Mask u32 + SID; object ACEs (types 5-8,
 * 11, 12, 15, 16) carry Mask u32, Flags u32, ObjectType GUID when Flags & 1, InheritedObjectType GUID
 * when Flags & 2, then the SID. Anything after the SID inside AceSize (a callback ACE's condition,
 * padding) is kept as applicationData.
 *
 * Malformed input gives InvalidInputError naming the field; no RangeError ever escapes.
 */
import { InvalidInputError } from '../../errors';
import { GUID_LENGTH, guidToBuffer, readGuid } from './guid';
import { normalizeSid, readSid, sddlAliasOf, sidToBuffer } from './sid';

// Security descriptor control bits.
export const SE_OWNER_DEFAULTED = 0x0001;
export const SE_GROUP_DEFAULTED = 0x0002;
export const SE_DACL_PRESENT = 0x0004;
export const SE_DACL_DEFAULTED = 0x0008;
export const SE_SACL_PRESENT = 0x0010;
export const SE_SACL_DEFAULTED = 0x0020;
export const SE_DACL_AUTO_INHERIT_REQ = 0x0100;
export const SE_SACL_AUTO_INHERIT_REQ = 0x0200;
export const SE_DACL_AUTO_INHERITED = 0x0400;
export const SE_SACL_AUTO_INHERITED = 0x0800;
export const SE_DACL_PROTECTED = 0x1000;
export const SE_SACL_PROTECTED = 0x2000;
export const SE_RM_CONTROL_VALID = 0x4000;
export const SE_SELF_RELATIVE = 0x8000;

export const SECURITY_DESCRIPTOR_REVISION = 1;
export const SECURITY_DESCRIPTOR_HEADER_LENGTH = 20;
export const ACL_REVISION = 2;
export const ACL_REVISION_DS = 4;
const ACL_HEADER_LENGTH = 8;

// ACE flags.
export const OBJECT_INHERIT_ACE = 0x01;
export const CONTAINER_INHERIT_ACE = 0x02;
export const NO_PROPAGATE_INHERIT_ACE = 0x04;
export const INHERIT_ONLY_ACE = 0x08;
export const INHERITED_ACE = 0x10;
export const SUCCESSFUL_ACCESS_ACE_FLAG = 0x40;
export const FAILED_ACCESS_ACE_FLAG = 0x80;

// Object ACE Flags field.
export const ACE_OBJECT_TYPE_PRESENT = 0x1;
export const ACE_INHERITED_OBJECT_TYPE_PRESENT = 0x2;

// Access rights that matter here.
export const ADS_RIGHT_DS_READ_PROP = 0x00000010;
export const GENERIC_ALL = 0x10000000;
export const GENERIC_READ = 0x80000000;
/** The mask Windows puts in each ACE of msDS-GroupMSAMembership: all DS rights + standard rights. */
export const GMSA_MEMBERSHIP_ACCESS_MASK = 0x000f01ff;
/**
 * Rights that let a principal read the password. The DC (MS-ADTS 3.1.1.4.4, and Samba, which follows
 * it) runs an access check for RIGHT_DS_READ_PROPERTY against msDS-GroupMSAMembership. GENERIC_READ and
 * GENERIC_ALL are counted too, since both map to it; note that a DC may not map generic bits left
 * unmapped in a stored ACE, which is harmless for descriptors built here (they always carry 0xF01FF).
 */
export const PASSWORD_READ_RIGHTS = ADS_RIGHT_DS_READ_PROP | GENERIC_READ | GENERIC_ALL;

export const ACE_TYPES = {
  ACCESS_ALLOWED: 0,
  ACCESS_DENIED: 1,
  SYSTEM_AUDIT: 2,
  SYSTEM_ALARM: 3,
  ACCESS_ALLOWED_COMPOUND: 4,
  ACCESS_ALLOWED_OBJECT: 5,
  ACCESS_DENIED_OBJECT: 6,
  SYSTEM_AUDIT_OBJECT: 7,
  SYSTEM_ALARM_OBJECT: 8,
  ACCESS_ALLOWED_CALLBACK: 9,
  ACCESS_DENIED_CALLBACK: 10,
  ACCESS_ALLOWED_CALLBACK_OBJECT: 11,
  ACCESS_DENIED_CALLBACK_OBJECT: 12,
  SYSTEM_AUDIT_CALLBACK: 13,
  SYSTEM_ALARM_CALLBACK: 14,
  SYSTEM_AUDIT_CALLBACK_OBJECT: 15,
  SYSTEM_ALARM_CALLBACK_OBJECT: 16,
  SYSTEM_MANDATORY_LABEL: 17,
  SYSTEM_RESOURCE_ATTRIBUTE: 18,
  SYSTEM_SCOPED_POLICY_ID: 19,
} as const;

export type AceTypeName = keyof typeof ACE_TYPES | 'UNKNOWN';

const TYPE_NAMES = new Map<number, AceTypeName>(
  Object.entries(ACE_TYPES).map(([name, type]) => [type, name as AceTypeName]),
);
const OBJECT_ACE_TYPES = new Set<number>([5, 6, 7, 8, 11, 12, 15, 16]);
/** ACE types whose body is Mask + SID (+ optional application data). Type 4 and >= 20 are opaque. */
const PLAIN_ACE_TYPES = new Set<number>([0, 1, 2, 3, 9, 10, 13, 14, 17, 18, 19]);

export function aceTypeName(type: number): AceTypeName {
  return TYPE_NAMES.get(type) ?? 'UNKNOWN';
}

export interface Ace {
  type: number;
  typeName: AceTypeName;
  flags: number;
  /** Access mask, as an unsigned 32-bit number. */
  mask: number;
  /** The trustee. Empty for an ACE whose layout is not known (compound ACE, types >= 20): see `raw`. */
  sid: string;
  /** Object ACEs: the property, property set, extended right or child class the ACE is limited to. */
  objectType?: string;
  /** Object ACEs: the class of the descendants that inherit this ACE. */
  inheritedObjectType?: string;
  /** Bytes inside AceSize after the SID (a callback ACE's condition, or padding). */
  applicationData?: Buffer;
  /** For an ACE of unknown layout: everything after its 4-byte header, kept so it round-trips. */
  raw?: Buffer;
}

export interface Acl {
  revision: number;
  aces: Ace[];
}

export interface SecurityDescriptor {
  revision: number;
  control: number;
  owner?: string;
  group?: string;
  /**
   * The DACL. Undefined when SE_DACL_PRESENT is clear or the DACL offset is 0 (a NULL DACL, which
   * grants everyone everything); `control` tells which. An offset given while SE_DACL_PRESENT is clear
   * is ignored, as Windows does.
   */
  dacl?: Acl;
  /** The SACL, same rules with SE_SACL_PRESENT. */
  sacl?: Acl;
}

function bad(what: string, message: string): never {
  throw new InvalidInputError(`security descriptor: ${what}: ${message}`);
}

function parseAce(b: Buffer, start: number, size: number, what: string): Ace {
  const type = b[start] as number;
  const flags = b[start + 1] as number;
  const end = start + size;
  const ace: Ace = { type, typeName: aceTypeName(type), flags, mask: 0, sid: '' };

  if (!PLAIN_ACE_TYPES.has(type) && !OBJECT_ACE_TYPES.has(type)) {
    if (size >= 8) ace.mask = b.readUInt32LE(start + 4);
    ace.raw = Buffer.from(b.subarray(start + 4, end));
    return ace;
  }
  let p = start + 4;
  const need = (n: number, field: string): void => {
    if (p + n > end) bad(what, `AceSize ${size} is too small for its ${field}`);
  };
  need(4, 'access mask');
  ace.mask = b.readUInt32LE(p);
  p += 4;
  if (OBJECT_ACE_TYPES.has(type)) {
    need(4, 'object flags');
    const objectFlags = b.readUInt32LE(p);
    p += 4;
    if (objectFlags & ACE_OBJECT_TYPE_PRESENT) {
      need(GUID_LENGTH, 'ObjectType GUID');
      ace.objectType = readGuid(b, p, `${what} ObjectType`);
      p += GUID_LENGTH;
    }
    if (objectFlags & ACE_INHERITED_OBJECT_TYPE_PRESENT) {
      need(GUID_LENGTH, 'InheritedObjectType GUID');
      ace.inheritedObjectType = readGuid(b, p, `${what} InheritedObjectType`);
      p += GUID_LENGTH;
    }
  }
  // The SID must lie inside the ACE: parse it from a view that ends where the ACE ends.
  const { sid, length } = readSid(b.subarray(0, end), p, `${what} SID`);
  ace.sid = sid;
  p += length;
  if (p < end) ace.applicationData = Buffer.from(b.subarray(p, end));
  return ace;
}

function parseAcl(b: Buffer, offset: number, which: 'DACL' | 'SACL'): Acl {
  if (offset < SECURITY_DESCRIPTOR_HEADER_LENGTH || offset > b.length - ACL_HEADER_LENGTH) {
    bad(which, `offset ${offset} does not leave room for an ACL header in ${b.length} bytes`);
  }
  const revision = b[offset] as number;
  if (revision < 2 || revision > 4) bad(which, `ACL revision ${revision} is not 2 or 4`);
  const aclSize = b.readUInt16LE(offset + 2);
  const aceCount = b.readUInt16LE(offset + 4);
  if (aclSize < ACL_HEADER_LENGTH) bad(which, `AclSize ${aclSize} is smaller than the ACL header`);
  if (offset + aclSize > b.length) {
    bad(which, `AclSize ${aclSize} at offset ${offset} runs past the end (${b.length} bytes)`);
  }
  const end = offset + aclSize;
  const aces: Ace[] = [];
  let p = offset + ACL_HEADER_LENGTH;
  for (let i = 0; i < aceCount; i++) {
    const what = `${which} ACE ${i}`;
    if (p + 4 > end) bad(what, `AceCount ${aceCount} but the ACL (AclSize ${aclSize}) ends after ${i} ACEs`);
    const size = b.readUInt16LE(p + 2);
    if (size < 4) bad(what, `AceSize ${size} is smaller than the ACE header`);
    if (p + size > end) bad(what, `AceSize ${size} runs past the end of the ACL (AclSize ${aclSize})`);
    aces.push(parseAce(b, p, size, what));
    p += size;
  }
  return { revision, aces };
}

/** Decodes a self-relative security descriptor, following the offsets in its header. */
export function parseSecurityDescriptor(buf: Uint8Array): SecurityDescriptor {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < SECURITY_DESCRIPTOR_HEADER_LENGTH) {
    bad('header', `truncated: ${b.length} bytes, the header alone is ${SECURITY_DESCRIPTOR_HEADER_LENGTH}`);
  }
  const revision = b[0] as number;
  if (revision !== SECURITY_DESCRIPTOR_REVISION) bad('header', `revision ${revision} is not 1`);
  const control = b.readUInt16LE(2);
  if (!(control & SE_SELF_RELATIVE)) bad('header', 'control lacks SE_SELF_RELATIVE (0x8000)');
  const ownerOffset = b.readUInt32LE(4);
  const groupOffset = b.readUInt32LE(8);
  const saclOffset = b.readUInt32LE(12);
  const daclOffset = b.readUInt32LE(16);

  const sd: SecurityDescriptor = { revision, control };
  const sidAt = (offset: number, what: string): string => {
    if (offset < SECURITY_DESCRIPTOR_HEADER_LENGTH || offset >= b.length) {
      bad(what, `offset ${offset} is outside ${SECURITY_DESCRIPTOR_HEADER_LENGTH}..${b.length - 1}`);
    }
    return readSid(b, offset, `security descriptor: ${what}`).sid;
  };
  if (ownerOffset !== 0) sd.owner = sidAt(ownerOffset, 'owner SID');
  if (groupOffset !== 0) sd.group = sidAt(groupOffset, 'group SID');
  if (control & SE_SACL_PRESENT && saclOffset !== 0) sd.sacl = parseAcl(b, saclOffset, 'SACL');
  if (control & SE_DACL_PRESENT && daclOffset !== 0) sd.dacl = parseAcl(b, daclOffset, 'DACL');
  return sd;
}

function encodeAce(ace: Ace, what: string): Buffer {
  let body: Buffer;
  if (!PLAIN_ACE_TYPES.has(ace.type) && !OBJECT_ACE_TYPES.has(ace.type)) {
    if (!ace.raw) throw new InvalidInputError(`${what}: an ACE of type ${ace.type} needs its raw body`);
    body = ace.raw;
  } else {
    const parts: Buffer[] = [];
    const mask = Buffer.alloc(4);
    mask.writeUInt32LE(ace.mask >>> 0);
    parts.push(mask);
    if (OBJECT_ACE_TYPES.has(ace.type)) {
      const flags = Buffer.alloc(4);
      flags.writeUInt32LE(
        (ace.objectType !== undefined ? ACE_OBJECT_TYPE_PRESENT : 0) |
          (ace.inheritedObjectType !== undefined ? ACE_INHERITED_OBJECT_TYPE_PRESENT : 0),
      );
      parts.push(flags);
      if (ace.objectType !== undefined) parts.push(guidToBuffer(ace.objectType));
      if (ace.inheritedObjectType !== undefined) parts.push(guidToBuffer(ace.inheritedObjectType));
    }
    parts.push(sidToBuffer(ace.sid));
    if (ace.applicationData) parts.push(ace.applicationData);
    body = Buffer.concat(parts);
  }
  const size = 4 + body.length;
  if (size > 0xffff) throw new InvalidInputError(`${what}: ${size} bytes exceed the 16-bit AceSize`);
  const header = Buffer.alloc(4);
  header[0] = ace.type & 0xff;
  header[1] = ace.flags & 0xff;
  header.writeUInt16LE(size, 2);
  return Buffer.concat([header, body]);
}

function encodeAcl(acl: Acl, which: string): Buffer {
  const aces = acl.aces.map((ace, i) => encodeAce(ace, `${which} ACE ${i}`));
  const size = ACL_HEADER_LENGTH + aces.reduce((n, a) => n + a.length, 0);
  if (size > 0xffff) throw new InvalidInputError(`${which}: ${size} bytes exceed the 16-bit AclSize`);
  if (aces.length > 0xffff) throw new InvalidInputError(`${which}: too many ACEs`);
  const header = Buffer.alloc(ACL_HEADER_LENGTH);
  header[0] = acl.revision & 0xff;
  header.writeUInt16LE(size, 2);
  header.writeUInt16LE(aces.length, 4);
  return Buffer.concat([header, ...aces]);
}

/**
 * Where the parts go after the header. 'owner-first' (owner, group, SACL, DACL) is what a DC returns
 * for values written through the AD tooling; 'acls-first' (SACL, DACL, owner, group) is what Win32
 * MakeSelfRelativeSD produces.
 */
export type DescriptorLayout = 'owner-first' | 'acls-first';

/**
 * Encodes a descriptor in self-relative form. SE_SELF_RELATIVE is always set, and SE_DACL_PRESENT /
 * SE_SACL_PRESENT are set when the ACL is there (they are kept, meaning NULL ACL, when it is not).
 */
export function serializeSecurityDescriptor(
  sd: SecurityDescriptor,
  options: { layout?: DescriptorLayout } = {},
): Buffer {
  const parts: Record<'owner' | 'group' | 'sacl' | 'dacl', Buffer | undefined> = {
    owner: sd.owner !== undefined ? sidToBuffer(sd.owner) : undefined,
    group: sd.group !== undefined ? sidToBuffer(sd.group) : undefined,
    sacl: sd.sacl ? encodeAcl(sd.sacl, 'SACL') : undefined,
    dacl: sd.dacl ? encodeAcl(sd.dacl, 'DACL') : undefined,
  };
  const order: Array<keyof typeof parts> =
    options.layout === 'acls-first' ? ['sacl', 'dacl', 'owner', 'group'] : ['owner', 'group', 'sacl', 'dacl'];
  const offsets = { owner: 0, group: 0, sacl: 0, dacl: 0 };
  const chunks: Buffer[] = [];
  let at = SECURITY_DESCRIPTOR_HEADER_LENGTH;
  for (const key of order) {
    const part = parts[key];
    if (!part) continue;
    offsets[key] = at;
    chunks.push(part);
    at += part.length;
  }
  const control =
    (sd.control | SE_SELF_RELATIVE | (sd.dacl ? SE_DACL_PRESENT : 0) | (sd.sacl ? SE_SACL_PRESENT : 0)) & 0xffff;
  const header = Buffer.alloc(SECURITY_DESCRIPTOR_HEADER_LENGTH);
  header[0] = sd.revision & 0xff;
  header.writeUInt16LE(control, 2);
  header.writeUInt32LE(offsets.owner, 4);
  header.writeUInt32LE(offsets.group, 8);
  header.writeUInt32LE(offsets.sacl, 12);
  header.writeUInt32LE(offsets.dacl, 16);
  return Buffer.concat([header, ...chunks]);
}

export const BUILTIN_ADMINISTRATORS_SID = 'S-1-5-32-544';

/**
 * The msDS-GroupMSAMembership value that lets exactly `allowedSids` read the password, as Windows
 * writes it: revision 1, control 0x8004 (self-relative, DACL present), owner BUILTIN\Administrators, no
 * group, no SACL, and a DACL of one ACCESS_ALLOWED ACE (flags 0, mask 0x000F01FF) per SID in the order
 * given (repeats dropped). Layout: header, owner at 20, DACL right after, the order a DC returns.
 *
 * ACL revision: a value captured from a Windows DC (written by New-ADServiceAccount) has AclRevision 4
 * (ACL_REVISION_DS, what .NET uses for directory ACLs), so that is the default; pass
 * `{ aclRevision: 2 }` for ACL_REVISION, what ConvertStringSecurityDescriptorToSecurityDescriptor
 * writes. Windows accepts both. An empty list gives a DACL with no ACE: nobody may read the password.
 */
export function buildGmsaMembershipDescriptor(
  allowedSids: readonly string[],
  options: { aclRevision?: 2 | 4 } = {},
): Buffer {
  const seen = new Set<string>();
  const aces: Ace[] = [];
  for (const raw of allowedSids) {
    const sid = normalizeSid(raw);
    if (seen.has(sid)) continue;
    seen.add(sid);
    aces.push({ type: 0, typeName: 'ACCESS_ALLOWED', flags: 0, mask: GMSA_MEMBERSHIP_ACCESS_MASK, sid });
  }
  return serializeSecurityDescriptor(
    {
      revision: SECURITY_DESCRIPTOR_REVISION,
      control: SE_SELF_RELATIVE | SE_DACL_PRESENT,
      owner: BUILTIN_ADMINISTRATORS_SID,
      dacl: { revision: options.aclRevision ?? ACL_REVISION_DS, aces },
    },
    { layout: 'owner-first' },
  );
}

/** True when the ACE applies to the object itself and decides the password-read right. */
function decidesPasswordRead(ace: Ace): boolean {
  if (ace.flags & INHERIT_ONLY_ACE) return false;
  if ((ace.mask & PASSWORD_READ_RIGHTS) === 0) return false;
  // An object ACE limited to one property/right does not answer an access check for the whole object.
  return ace.objectType === undefined;
}

const isAllow = (ace: Ace): boolean => ace.type === 0 || ace.type === 5;
const isDeny = (ace: Ace): boolean => ace.type === 1 || ace.type === 6;

function uniqueSids(aces: Ace[]): string[] {
  return [...new Set(aces.map((a) => a.sid))];
}

/**
 * The principals the DACL lets read the password: SIDs of ACCESS_ALLOWED (type 0) and
 * ACCESS_ALLOWED_OBJECT (type 5, without an ObjectType) ACEs that apply to the object itself (not
 * INHERIT_ONLY) and whose mask has RIGHT_DS_READ_PROPERTY, GENERIC_READ or GENERIC_ALL. In DACL order,
 * without repeats. Conditional (callback) ACEs are not counted. Deny ACEs are listed by deniedSids; a
 * principal in both is decided by ACE order (see evaluatePasswordRead). A NULL or absent DACL, which
 * lets everyone read, gives [] here: check `sd.dacl` when that matters.
 */
export function allowedSids(sd: SecurityDescriptor): string[] {
  return uniqueSids((sd.dacl?.aces ?? []).filter((a) => isAllow(a) && decidesPasswordRead(a)));
}

/** SIDs of deny ACEs (types 1 and 6) that take the password-read right away, same rules as allowedSids. */
export function deniedSids(sd: SecurityDescriptor): string[] {
  return uniqueSids((sd.dacl?.aces ?? []).filter((a) => isDeny(a) && decidesPasswordRead(a)));
}

export interface PasswordReadDecision {
  allowed: boolean;
  /** 'null-dacl': no DACL, everyone may read; 'ace': `ace` decided; 'no-match': no ACE matched. */
  reason: 'null-dacl' | 'ace' | 'no-match';
  ace?: Ace;
}

/**
 * Would a reader whose token holds `tokenSids` (its own SID and every group it is a transitive member
 * of) be allowed to read the password? Walks the DACL in order like an access check for
 * RIGHT_DS_READ_PROPERTY: the first applicable ACE naming one of the SIDs decides (deny or allow).
 */
export function evaluatePasswordRead(sd: SecurityDescriptor, tokenSids: Iterable<string>): PasswordReadDecision {
  if (!sd.dacl) return { allowed: true, reason: 'null-dacl' };
  const token = new Set<string>();
  for (const sid of tokenSids) token.add(normalizeSid(sid));
  for (const ace of sd.dacl.aces) {
    if (!decidesPasswordRead(ace) || !token.has(ace.sid)) continue;
    if (isDeny(ace)) return { allowed: false, reason: 'ace', ace };
    if (isAllow(ace)) return { allowed: true, reason: 'ace', ace };
  }
  return { allowed: false, reason: 'no-match' };
}

const SDDL_ACE_TYPES: Readonly<Record<number, string>> = {
  0: 'A',
  1: 'D',
  2: 'AU',
  3: 'AL',
  5: 'OA',
  6: 'OD',
  7: 'OU',
  8: 'OL',
  9: 'XA',
  10: 'XD',
  11: 'ZA',
  13: 'XU',
  17: 'ML',
  18: 'RA',
  19: 'SP',
};

const SDDL_ACE_FLAGS: ReadonlyArray<readonly [number, string]> = [
  [OBJECT_INHERIT_ACE, 'OI'],
  [CONTAINER_INHERIT_ACE, 'CI'],
  [NO_PROPAGATE_INHERIT_ACE, 'NP'],
  [INHERIT_ONLY_ACE, 'IO'],
  [INHERITED_ACE, 'ID'],
  [SUCCESSFUL_ACCESS_ACE_FLAG, 'SA'],
  [FAILED_ACCESS_ACE_FLAG, 'FA'],
];

function sddlSid(sid: string, domainSid: string | undefined): string {
  return sddlAliasOf(sid, domainSid) ?? sid;
}

function sddlAce(ace: Ace, domainSid: string | undefined): string {
  const type = SDDL_ACE_TYPES[ace.type] ?? `0x${ace.type.toString(16)}`;
  const flags = SDDL_ACE_FLAGS.filter(([bit]) => ace.flags & bit)
    .map(([, s]) => s)
    .join('');
  const mask = `0x${(ace.mask >>> 0).toString(16)}`;
  return `(${type};${flags};${mask};${ace.objectType ?? ''};${ace.inheritedObjectType ?? ''};${sddlSid(ace.sid, domainSid)})`;
}

function sddlAcl(
  sd: SecurityDescriptor,
  acl: Acl | undefined,
  bits: { present: number; protect: number; autoReq: number; autoInh: number },
  domainSid: string | undefined,
): string | undefined {
  if (!(sd.control & bits.present)) return undefined;
  let flags = '';
  if (sd.control & bits.protect) flags += 'P';
  if (sd.control & bits.autoReq) flags += 'AR';
  if (sd.control & bits.autoInh) flags += 'AI';
  if (!acl) return `${flags}NO_ACCESS_CONTROL`;
  return flags + acl.aces.map((a) => sddlAce(a, domainSid)).join('');
}

/**
 * SDDL text of a descriptor, e.g. `O:BAD:(A;;0xf01ff;;;S-1-5-21-1-2-3-1105)`. Well-known SIDs use
 * their aliases (BA, SY, WD...); domain-relative ones (DA, DC, DD...) only when `domainSid` is given and
 * matches. Masks are always hex. Callback ACE conditions and resource attributes are not rendered.
 */
export function toSddl(sd: SecurityDescriptor, options: { domainSid?: string } = {}): string {
  const { domainSid } = options;
  let out = '';
  if (sd.owner !== undefined) out += `O:${sddlSid(sd.owner, domainSid)}`;
  if (sd.group !== undefined) out += `G:${sddlSid(sd.group, domainSid)}`;
  const d = sddlAcl(
    sd,
    sd.dacl,
    {
      present: SE_DACL_PRESENT,
      protect: SE_DACL_PROTECTED,
      autoReq: SE_DACL_AUTO_INHERIT_REQ,
      autoInh: SE_DACL_AUTO_INHERITED,
    },
    domainSid,
  );
  if (d !== undefined) out += `D:${d}`;
  const s = sddlAcl(
    sd,
    sd.sacl,
    {
      present: SE_SACL_PRESENT,
      protect: SE_SACL_PROTECTED,
      autoReq: SE_SACL_AUTO_INHERIT_REQ,
      autoInh: SE_SACL_AUTO_INHERITED,
    },
    domainSid,
  );
  if (s !== undefined) out += `S:${s}`;
  return out;
}
