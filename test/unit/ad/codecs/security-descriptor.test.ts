import fc from 'fast-check';
import { InvalidInputError } from '../../../../src/errors';
import { formatSid, sddlAliasOf } from '../../../../src/ad/codecs/sid';
import {
  Ace,
  SecurityDescriptor,
  allowedSids,
  buildGmsaMembershipDescriptor,
  deniedSids,
  evaluatePasswordRead,
  parseSecurityDescriptor,
  serializeSecurityDescriptor,
  toSddl,
} from '../../../../src/ad/codecs/security-descriptor';

const DOMAIN = 'S-1-5-21-1004336348-1177238915-682003330';
const HOSTS = `${DOMAIN}-1105`;
const SDDL = `O:BAD:(A;;0xf01ff;;;${HOSTS})`;

const hex = (...parts: string[]): Buffer => Buffer.from(parts.join('').replace(/\s+/g, ''), 'hex');

// Pieces laid out by hand from MS-DTYP 2.4.2.2 (SID), 2.4.5 (ACL), 2.4.4.2 (ACCESS_ALLOWED_ACE).
const OWNER_BA = '0102 000000000005 20000000 20020000'; // S-1-5-32-544, 16 bytes
const SID_HOSTS = '0105 000000000005 15000000 dcf4dc3b 833d2b46 828ba628 51040000'; // 28 bytes
const ACE_HOSTS = `00 00 2400 ff010f00 ${SID_HOSTS}`; // type 0, flags 0, AceSize 36, mask 0x000F01FF
const dacl = (revision: string): string => `${revision} 00 2c00 0100 0000 ${ACE_HOSTS}`; // AclSize 44, 1 ACE

/** As a DC returns it (value written by New-ADServiceAccount): header, owner at 0x14, DACL at 0x24. */
const OWNER_FIRST = hex('01 00 0480', '14000000', '00000000', '00000000', '24000000', OWNER_BA, dacl('04'));
/** As Win32 MakeSelfRelativeSD lays it out (SDDL conversion): header, DACL at 0x14, owner at 0x40. */
const DACL_FIRST = hex('01 00 0480', '40000000', '00000000', '00000000', '14000000', dacl('02'), OWNER_BA);

describe('parseSecurityDescriptor: Windows vectors', () => {
  test.each([
    ['owner first (AD)', OWNER_FIRST, 4],
    ['DACL before the owner (MakeSelfRelativeSD)', DACL_FIRST, 2],
  ])('%s', (_, bytes, aclRevision) => {
    expect(bytes.length).toBe(80);
    const sd = parseSecurityDescriptor(bytes);
    expect(sd).toEqual({
      revision: 1,
      control: 0x8004,
      owner: 'S-1-5-32-544',
      dacl: {
        revision: aclRevision,
        aces: [{ type: 0, typeName: 'ACCESS_ALLOWED', flags: 0, mask: 0x000f01ff, sid: HOSTS }],
      },
    });
    expect(toSddl(sd)).toBe(SDDL);
    expect(allowedSids(sd)).toEqual([HOSTS]);
    expect(deniedSids(sd)).toEqual([]);
  });

  test('buildGmsaMembershipDescriptor writes exactly the owner-first bytes', () => {
    expect(buildGmsaMembershipDescriptor([HOSTS]).toString('hex')).toBe(OWNER_FIRST.toString('hex'));
    const rev2 = Buffer.from(OWNER_FIRST);
    rev2[0x24] = 2;
    expect(buildGmsaMembershipDescriptor([HOSTS], { aclRevision: 2 }).toString('hex')).toBe(rev2.toString('hex'));
  });

  test('matches the prefix of a value captured from a Windows DC (two account SIDs allowed)', () => {
    // msDS-GroupMSAMembership of a gMSA created with New-ADServiceAccount, as dumped over LDAP (first 50 bytes).
    const captured = '010004801400000000000000000000002400000001020000000000052000000020020000040050000200000000002400ff01';
    const built = buildGmsaMembershipDescriptor([`${DOMAIN}-1001`, `${DOMAIN}-1002`]);
    expect(built.toString('hex').startsWith(captured)).toBe(true);
    expect(built.length).toBe(0x24 + 0x50);
  });

  test('the serializer reproduces both layouts', () => {
    const sd = parseSecurityDescriptor(DACL_FIRST);
    expect(serializeSecurityDescriptor(sd, { layout: 'acls-first' }).equals(DACL_FIRST)).toBe(true);
    expect(serializeSecurityDescriptor({ ...sd, dacl: { ...sd.dacl!, revision: 4 } }).equals(OWNER_FIRST)).toBe(true);
  });

  test('builder: order kept, repeats dropped, SIDs normalised, empty list gives an empty DACL', () => {
    const a = `${DOMAIN}-1200`;
    const sd = parseSecurityDescriptor(buildGmsaMembershipDescriptor([a, 's-1-5-9', HOSTS, a]));
    expect(allowedSids(sd)).toEqual([a, 'S-1-5-9', HOSTS]);
    const empty = parseSecurityDescriptor(buildGmsaMembershipDescriptor([]));
    expect(empty.dacl).toEqual({ revision: 4, aces: [] });
    expect(allowedSids(empty)).toEqual([]);
    expect(toSddl(empty)).toBe('O:BAD:');
    expect(() => buildGmsaMembershipDescriptor(['S-1-5-21-x'])).toThrow(InvalidInputError);
  });
});

describe('object ACEs', () => {
  const MANAGED_PASSWORD_ATTR = 'e362ed86-b728-0842-b27d-2dea7a9df218'; // schemaIDGUID of msDS-ManagedPassword
  const COMPUTER_CLASS = 'bf967a86-0de6-11d0-a285-00aa003049e2';
  // Type 5, CI, AceSize 56, mask RP, Flags 3 (both GUIDs), ObjectType, InheritedObjectType, S-1-5-11.
  const OA_BOTH = '05 02 3800 10000000 03000000 86ed62e3 28b7 4208 b27d2dea7a9df218 867a96bf e60d d011 a28500aa003049e2 0101 000000000005 0b000000';
  // Type 5, no flags, AceSize 40, mask RP, Flags 2 (inherited type only), InheritedObjectType, S-1-5-18.
  const OA_INHERITED = '05 00 2800 10000000 02000000 867a96bf e60d d011 a28500aa003049e2 0101 000000000005 12000000';
  // Type 6 (deny object), no GUID: AceSize 24, mask RP, Flags 0, S-1-1-0.
  const OD_PLAIN = '06 00 1800 10000000 00000000 0101 000000000001 00000000';
  const DACL = `04 00 ${(8 + 56 + 40 + 24).toString(16).padStart(2, '0')}00 0300 0000 ${OA_BOTH} ${OA_INHERITED} ${OD_PLAIN}`;
  const BYTES = hex('01 00 0480', '00000000', '00000000', '00000000', '14000000', DACL);

  test('GUID fields are controlled by the object flags', () => {
    const sd = parseSecurityDescriptor(BYTES);
    expect(sd.owner).toBeUndefined();
    expect(sd.dacl?.aces).toEqual([
      {
        type: 5,
        typeName: 'ACCESS_ALLOWED_OBJECT',
        flags: 2,
        mask: 0x10,
        sid: 'S-1-5-11',
        objectType: MANAGED_PASSWORD_ATTR,
        inheritedObjectType: COMPUTER_CLASS,
      },
      {
        type: 5,
        typeName: 'ACCESS_ALLOWED_OBJECT',
        flags: 0,
        mask: 0x10,
        sid: 'S-1-5-18',
        inheritedObjectType: COMPUTER_CLASS,
      },
      { type: 6, typeName: 'ACCESS_DENIED_OBJECT', flags: 0, mask: 0x10, sid: 'S-1-1-0' },
    ]);
    expect(toSddl(sd)).toBe(
      `D:(OA;CI;0x10;${MANAGED_PASSWORD_ATTR};${COMPUTER_CLASS};AU)(OA;;0x10;;${COMPUTER_CLASS};SY)(OD;;0x10;;;WD)`,
    );
    // An ACE limited to one property does not grant the whole object; the other one does.
    expect(allowedSids(sd)).toEqual(['S-1-5-18']);
    expect(deniedSids(sd)).toEqual(['S-1-1-0']);
    expect(serializeSecurityDescriptor(sd, { layout: 'acls-first' }).equals(BYTES)).toBe(true);
  });

  test('callback object ACEs (types 11, 12) carry the same fields plus application data', () => {
    const ace = `0b 00 2c00 10000000 01000000 86ed62e3 28b7 4208 b27d2dea7a9df218 0101 000000000005 0b000000 61727478`;
    const bytes = hex('01 00 0480 00000000 00000000 00000000 14000000', `04 00 3400 0100 0000 ${ace}`);
    const [parsed] = parseSecurityDescriptor(bytes).dacl!.aces;
    expect(parsed).toEqual({
      type: 11,
      typeName: 'ACCESS_ALLOWED_CALLBACK_OBJECT',
      flags: 0,
      mask: 0x10,
      sid: 'S-1-5-11',
      objectType: MANAGED_PASSWORD_ATTR,
      applicationData: Buffer.from('artx'),
    });
  });
});

describe('access evaluation', () => {
  const A = `${DOMAIN}-2001`;
  const B = `${DOMAIN}-2002`;
  const sd = (aces: Array<Partial<Ace> & { type: number; sid: string }>, control = 0x8004): SecurityDescriptor => ({
    revision: 1,
    control,
    dacl: { revision: 2, aces: aces.map((a) => ({ typeName: 'UNKNOWN', flags: 0, mask: 0xf01ff, ...a }) as Ace) },
  });

  test('allowed/denied lists follow the rule', () => {
    const d = sd([
      { type: 1, sid: B, mask: 0x10 },
      { type: 0, sid: A },
      { type: 0, sid: B },
      { type: 0, sid: 'S-1-5-18', mask: 0x4 }, // no read-property right
      { type: 0, sid: 'S-1-5-9', mask: 0x80000000 }, // GENERIC_READ
      { type: 0, sid: 'S-1-5-20', mask: 0x10000000 }, // GENERIC_ALL
      { type: 0, sid: 'S-1-5-11', flags: 0x08 }, // inherit-only: not for this object
      { type: 9, sid: 'S-1-1-0' }, // conditional: not evaluated
      { type: 0, sid: A },
    ]);
    expect(allowedSids(d)).toEqual([A, B, 'S-1-5-9', 'S-1-5-20']);
    expect(deniedSids(d)).toEqual([B]);
  });

  test('evaluatePasswordRead walks the DACL in order', () => {
    const denyFirst = sd([{ type: 1, sid: B, mask: 0x10 }, { type: 0, sid: A }, { type: 0, sid: B }]);
    expect(evaluatePasswordRead(denyFirst, [A]).allowed).toBe(true);
    expect(evaluatePasswordRead(denyFirst, ['s-1-5-21-1004336348-1177238915-682003330-02002'])).toMatchObject({
      allowed: false,
      reason: 'ace',
      ace: { type: 1 },
    });
    const allowFirst = sd([{ type: 0, sid: B }, { type: 1, sid: B, mask: 0x10 }]);
    expect(evaluatePasswordRead(allowFirst, [B]).allowed).toBe(true);
    expect(evaluatePasswordRead(allowFirst, ['S-1-5-18'])).toEqual({ allowed: false, reason: 'no-match' });
    expect(evaluatePasswordRead({ revision: 1, control: 0x8004 }, [])).toEqual({ allowed: true, reason: 'null-dacl' });
  });
});

describe('toSddl', () => {
  test('group, SACL, flags, NULL DACL, aliases for the own domain', () => {
    const sd: SecurityDescriptor = {
      revision: 1,
      control: 0x8000 | 0x0004 | 0x0010 | 0x1000 | 0x0400,
      owner: `${DOMAIN}-512`,
      group: 'S-1-5-18',
      dacl: { revision: 2, aces: [{ type: 0, typeName: 'ACCESS_ALLOWED', flags: 0x13, mask: 0, sid: `${DOMAIN}-516` }] },
      sacl: { revision: 2, aces: [{ type: 2, typeName: 'SYSTEM_AUDIT', flags: 0xc0, mask: 0x10000000, sid: 'S-1-1-0' }] },
    };
    expect(toSddl(sd)).toBe(`O:${DOMAIN}-512G:SYD:PAI(A;OICIID;0x0;;;${DOMAIN}-516)S:(AU;SAFA;0x10000000;;;WD)`);
    expect(toSddl(sd, { domainSid: DOMAIN })).toBe('O:DAG:SYD:PAI(A;OICIID;0x0;;;DD)S:(AU;SAFA;0x10000000;;;WD)');
    expect(toSddl({ revision: 1, control: 0x8004 })).toBe('D:NO_ACCESS_CONTROL');
    expect(toSddl({ revision: 1, control: 0x8000, owner: 'S-1-5-32-544' })).toBe('O:BA');
  });
});

describe('malformed descriptors', () => {
  const patch = (base: Buffer, at: number, bytes: string): Buffer => {
    const b = Buffer.from(base);
    hex(bytes).copy(b, at);
    return b;
  };
  test.each<[string, Buffer, RegExp]>([
    ['empty', Buffer.alloc(0), /header: truncated/],
    ['19 bytes', OWNER_FIRST.subarray(0, 19), /header: truncated/],
    ['revision 2', patch(OWNER_FIRST, 0, '02'), /header: revision 2/],
    ['not self-relative', patch(OWNER_FIRST, 2, '0400'), /SE_SELF_RELATIVE/],
    ['owner offset past the end', patch(OWNER_FIRST, 4, '50000000'), /owner SID: offset 80/],
    ['owner offset inside the header', patch(OWNER_FIRST, 4, '04000000'), /owner SID: offset 4/],
    ['owner SID truncated', OWNER_FIRST.subarray(0, 30), /owner SID: truncated/],
    ['group offset huge', patch(OWNER_FIRST, 8, 'ffffffff'), /group SID/],
    ['owner SID with 16 sub-authorities', patch(OWNER_FIRST, 0x15, '10'), /owner SID: 16 sub-authorities/],
    ['DACL offset past the end', patch(OWNER_FIRST, 16, '4c000000'), /DACL: offset 76/],
    ['DACL revision 9', patch(OWNER_FIRST, 0x24, '09'), /DACL: ACL revision 9/],
    ['AclSize past the end', patch(OWNER_FIRST, 0x26, '2d00'), /DACL: AclSize 45/],
    ['AclSize below the header', patch(OWNER_FIRST, 0x26, '0400'), /DACL: AclSize 4/],
    ['AceCount too large', patch(OWNER_FIRST, 0x28, '0200'), /DACL ACE 1: AceCount 2/],
    ['AceSize 0', patch(OWNER_FIRST, 0x2e, '0000'), /DACL ACE 0: AceSize 0/],
    ['AceSize past the ACL', patch(OWNER_FIRST, 0x2e, '2800'), /DACL ACE 0: AceSize 40/],
    ['AceSize too small for the mask', patch(OWNER_FIRST, 0x2e, '0600'), /DACL ACE 0: AceSize 6 .*access mask/],
    ['ACE SID past AceSize', patch(patch(OWNER_FIRST, 0x2e, '2000'), 0x26, '2c00'), /DACL ACE 0 SID: truncated/],
    ['ACE SID revision 0', patch(OWNER_FIRST, 0x34, '00'), /DACL ACE 0 SID: revision 0/],
    ['truncated DACL', OWNER_FIRST.subarray(0, 79), /DACL: AclSize 44/],
    ['truncated DACL-first', DACL_FIRST.subarray(0, 70), /owner SID: truncated/],
  ])('%s', (_, bytes, message) => {
    expect(() => parseSecurityDescriptor(bytes)).toThrow(InvalidInputError);
    expect(() => parseSecurityDescriptor(bytes)).toThrow(message);
  });

  test('every truncation of the Windows vectors is rejected', () => {
    for (const full of [OWNER_FIRST, DACL_FIRST]) {
      for (let n = 0; n < full.length; n++) {
        expect(() => parseSecurityDescriptor(full.subarray(0, n))).toThrow(InvalidInputError);
      }
    }
  });

  test('an ACL offset without its PRESENT bit is ignored, as Windows does', () => {
    const sd = parseSecurityDescriptor(patch(OWNER_FIRST, 2, '0080'));
    expect(sd.dacl).toBeUndefined();
    expect(toSddl(sd)).toBe('O:BA');
  });

  test('an ACE of unknown layout is kept raw and round-trips', () => {
    const bytes = hex('01 00 0480 00000000 00000000 00000000 14000000', '02 00 1400 0100 0000', '2a 03 0c00 01020304 05060708');
    const sd = parseSecurityDescriptor(bytes);
    expect(sd.dacl?.aces).toEqual([
      { type: 42, typeName: 'UNKNOWN', flags: 3, mask: 0x04030201, sid: '', raw: hex('01020304 05060708') },
    ]);
    expect(serializeSecurityDescriptor(sd).equals(bytes)).toBe(true);
    expect(allowedSids(sd)).toEqual([]);
  });

  const onlyInvalidInput = (bytes: Uint8Array): void => {
    try {
      parseSecurityDescriptor(bytes);
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidInputError);
    }
  };

  test('random bytes never throw anything but InvalidInputError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), onlyInvalidInput), { numRuns: 2000 });
    // Random bytes behind a plausible header reach the ACL and ACE code.
    const header = fc
      .tuple(fc.integer({ min: 0, max: 0xffff }), fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 4, maxLength: 4 }))
      .map(([control, offs]) => {
        const h = Buffer.alloc(20);
        h[0] = 1;
        h.writeUInt16LE(control | 0x8000, 2);
        offs.forEach((o, i) => h.writeUInt32LE(o, 4 + 4 * i));
        return h;
      });
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 120 }), (h, rest) => onlyInvalidInput(Buffer.concat([h, rest]))),
      { numRuns: 2000 },
    );
  });

  test('mutated Windows vectors never throw anything but InvalidInputError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(OWNER_FIRST, DACL_FIRST),
        fc.array(fc.tuple(fc.nat(79), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(80),
        (base, edits, cut) => {
          const b = Buffer.from(base);
          for (const [at, v] of edits) b[at] = v;
          onlyInvalidInput(b);
          onlyInvalidInput(b.subarray(0, cut));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('round trips', () => {
  const sid = fc
    .record({
      authority: fc.oneof(fc.constant(5), fc.integer({ min: 0, max: 2 ** 48 - 1 })),
      subAuthorities: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
    })
    .map(formatSid);
  const accountSid = fc
    .tuple(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 0xffffffff }))
    .map(([dom, rid]) => `S-1-5-21-${dom.join('-')}-${rid}`);

  test('descriptors built from random SID lists parse back to the same SIDs', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(accountSid, sid, fc.constantFrom('S-1-5-32-544', 'S-1-5-18', 'S-1-1-0', 'S-1-5-9')), { maxLength: 40 }), fc.constantFrom<2 | 4>(2, 4), (sids, rev) => {
        const bytes = buildGmsaMembershipDescriptor(sids, { aclRevision: rev });
        const sd = parseSecurityDescriptor(bytes);
        const unique = [...new Set(sids)];
        expect(allowedSids(sd)).toEqual(unique);
        expect(sd.owner).toBe('S-1-5-32-544');
        expect(sd.control).toBe(0x8004);
        expect(sd.group).toBeUndefined();
        expect(sd.sacl).toBeUndefined();
        expect(toSddl(sd)).toBe(`O:BAD:${unique.map((s) => `(A;;0xf01ff;;;${sddlAliasOf(s) ?? s})`).join('')}`);
      }),
    );
  });

  const guid = fc.uuid().map((u) => u.toLowerCase());
  const ace: fc.Arbitrary<Ace> = fc.oneof(
    fc.record({
      type: fc.constantFrom(0, 1, 2, 3, 9, 10, 13, 14, 17, 18, 19),
      flags: fc.integer({ min: 0, max: 255 }),
      mask: fc.integer({ min: 0, max: 0xffffffff }),
      sid,
      app: fc.option(fc.uint8Array({ minLength: 1, maxLength: 12 }), { nil: undefined }),
    }),
    fc.record({
      type: fc.constantFrom(5, 6, 7, 8, 11, 12, 15, 16),
      flags: fc.integer({ min: 0, max: 255 }),
      mask: fc.integer({ min: 0, max: 0xffffffff }),
      sid,
      objectType: fc.option(guid, { nil: undefined }),
      inheritedObjectType: fc.option(guid, { nil: undefined }),
      app: fc.option(fc.uint8Array({ minLength: 1, maxLength: 12 }), { nil: undefined }),
    }),
  ).map((r) => {
    const a: Ace = { type: r.type, typeName: 'UNKNOWN', flags: r.flags, mask: r.mask, sid: r.sid };
    if ('objectType' in r && r.objectType !== undefined) a.objectType = r.objectType;
    if ('inheritedObjectType' in r && r.inheritedObjectType !== undefined) a.inheritedObjectType = r.inheritedObjectType;
    if (r.app) a.applicationData = Buffer.from(r.app);
    return a;
  });
  const acl = fc.record({ revision: fc.constantFrom(2, 4), aces: fc.array(ace, { maxLength: 6 }) });

  test('random descriptors survive serialize -> parse in both layouts', () => {
    fc.assert(
      fc.property(
        fc.record({
          owner: fc.option(sid, { nil: undefined }),
          group: fc.option(sid, { nil: undefined }),
          dacl: fc.option(acl, { nil: undefined }),
          sacl: fc.option(acl, { nil: undefined }),
          control: fc.integer({ min: 0, max: 0xffff }),
        }),
        fc.constantFrom<'owner-first' | 'acls-first'>('owner-first', 'acls-first'),
        (r, layout) => {
          const control = r.control | 0x8000 | (r.dacl ? 0x4 : 0) | (r.sacl ? 0x10 : 0);
          const sd: SecurityDescriptor = { revision: 1, control };
          if (r.owner !== undefined) sd.owner = r.owner;
          if (r.group !== undefined) sd.group = r.group;
          if (r.dacl) sd.dacl = r.dacl;
          if (r.sacl) sd.sacl = r.sacl;
          const parsed = parseSecurityDescriptor(serializeSecurityDescriptor(sd, { layout }));
          const named = (a?: { revision: number; aces: Ace[] }) =>
            a && { revision: a.revision, aces: a.aces.map((x) => ({ ...x, typeName: expect.any(String) })) };
          expect(parsed).toEqual({ ...sd, dacl: named(sd.dacl), sacl: named(sd.sacl) });
          for (const a of [...(parsed.dacl?.aces ?? []), ...(parsed.sacl?.aces ?? [])]) expect(a.typeName).not.toBe('UNKNOWN');
        },
      ),
    );
  });
});
