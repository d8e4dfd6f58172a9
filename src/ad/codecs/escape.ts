/**
 * Escaping for LDAP search filters (RFC 4515) and distinguished names (RFC 4514). Every value that
 * comes from a user or from a directory entry goes through one of these before it is put into a
 * filter or a DN, so that `*)(objectClass=*` stays a literal value and cannot change the query.
 */
import { InvalidInputError } from '../../errors';

const FILTER_SPECIALS: Readonly<Record<string, string>> = {
  '*': '\\2a',
  '(': '\\28',
  ')': '\\29',
  '\\': '\\5c',
  '\0': '\\00',
};

/**
 * Escapes an assertion value for an LDAP filter (RFC 4515 section 3): `*` `(` `)` `\` and NUL become
 * `\2a` `\28` `\29` `\5c` `\00`. Every other character, non-ASCII included, is left as it is (the
 * client encodes the filter as UTF-8).
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => FILTER_SPECIALS[c] as string);
}

/** Escapes raw bytes for a filter on a binary attribute (objectGUID, objectSid): `\xx` per byte. */
export function escapeFilterBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += `\\${b.toString(16).padStart(2, '0')}`;
  return out;
}

/**
 * Escapes an attribute value for a DN (RFC 4514 section 2.4): a backslash before `,` `+` `"` `\` `<`
 * `>` `;` `=`, before a leading space or `#` and before a trailing space; NUL becomes `\00`. Other
 * characters, non-ASCII included, are left as they are.
 */
export function escapeDnValue(value: string): string {
  let out = '';
  const last = value.length - 1;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\0') out += '\\00';
    else if (',+"\\<>;='.includes(c)) out += `\\${c}`;
    else if (c === ' ' && (i === 0 || i === last)) out += '\\ ';
    else if (c === '#' && i === 0) out += '\\#';
    else out += c;
  }
  return out;
}

const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)*)$/;

/**
 * Builds a DN from RDNs (most specific first) and a base DN that is already in DN form (not escaped
 * again): `buildDn([['CN', 'web,01']], 'DC=contoso,DC=com')` gives `CN=web\,01,DC=contoso,DC=com`.
 * Attribute types must be names or dotted OIDs. No RDNs gives the base; an empty base gives the RDNs.
 */
export function buildDn(rdns: ReadonlyArray<readonly [string, string]>, base: string): string {
  const parts = rdns.map(([attr, value]) => {
    if (!ATTRIBUTE_TYPE.test(attr)) {
      throw new InvalidInputError(`${JSON.stringify(attr)} is not a valid attribute type for a DN`);
    }
    return `${attr}=${escapeDnValue(value)}`;
  });
  if (base !== '') parts.push(base);
  return parts.join(',');
}
