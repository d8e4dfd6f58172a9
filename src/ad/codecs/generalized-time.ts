/**
 * LDAP GeneralizedTime (RFC 4517 3.3.13), the syntax of whenCreated, whenChanged and other AD time
 * attributes: `20261201212458.0Z`, `199412161032Z`, `2026120121,5-0130`. Year, month, day and hour are
 * required; minutes and seconds are optional; a fraction (after `.` or `,`) belongs to the last unit
 * given; the zone is `Z` or an offset `+hhmm`/`-hhmm`. A Date keeps milliseconds, so finer fractions are
 * dropped (towards the past).
 */
import { InvalidInputError } from '../../errors';

const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{2}(?:\d{2})?)$/;

/** Parses GeneralizedTime text; throws InvalidInputError for anything else (or an impossible date). */
export function parseGeneralizedTime(text: string): Date {
  const m = GENERALIZED_TIME.exec(text);
  const bad = (): never => {
    throw new InvalidInputError(`${JSON.stringify(text)} is not an LDAP GeneralizedTime (such as 20261201212458.0Z)`);
  };
  if (!m) return bad();
  const [, y, mo, d, h, mi, s, frac, zone] = m as unknown as [string, string, string, string, string, string | undefined, string | undefined, string | undefined, string];
  if (s !== undefined && mi === undefined) return bad();
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi ?? '0', s ?? '0'].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return bad();
  // The fraction is of the last unit given: an hour, a minute or a second.
  const unitMs = s !== undefined ? 1000 : mi !== undefined ? 60_000 : 3_600_000;
  const fracMs = frac ? Math.floor(Number(`0.${frac}`) * unitMs) : 0;
  let offsetMin = 0;
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(3, 5) || '0');
    if (oh > 23 || om > 59) return bad();
    offsetMin = sign * (oh * 60 + om);
  }
  const base = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  const check = new Date(base);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return bad();
  // A leap second (:60) is the last moment of its minute here; Date has no room for it.
  return new Date(base + (second === 60 ? 999 : 0) + fracMs - offsetMin * 60_000);
}

/** ISO 8601 text for a GeneralizedTime, or null when the attribute is absent. */
export function generalizedTimeToIso(text: string | undefined): string | null {
  return text === undefined ? null : parseGeneralizedTime(text).toISOString();
}
