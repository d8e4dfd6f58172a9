/**
 * FILETIME values (AD "large integer" times such as msKds-UseStartTime, pwdLastSet, accountExpires):
 * the number of 100-nanosecond ticks since 1601-01-01T00:00:00Z, sent over LDAP as decimal text.
 * All arithmetic is done on bigints, so nothing is lost to floating point; a Date keeps milliseconds,
 * so ticks below one millisecond are dropped (rounded towards the past).
 */
import { InvalidInputError } from '../../errors';

/** Ticks between 1601-01-01 and 1970-01-01. */
export const FILETIME_UNIX_EPOCH = 116444736000000000n;
export const TICKS_PER_MILLISECOND = 10000n;
/** The largest FILETIME (2^63 - 1); AD uses it, like 0, for "never". */
export const FILETIME_NEVER = 0x7fffffffffffffffn;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Parses the decimal text of a FILETIME (or takes a bigint); rejects anything outside 0..2^63-1. */
export function parseFiletime(value: string | bigint): bigint {
  let ticks: bigint;
  if (typeof value === 'bigint') {
    ticks = value;
  } else if (typeof value === 'string' && /^[0-9]{1,19}$/.test(value)) {
    ticks = BigInt(value);
  } else {
    throw new InvalidInputError(`${JSON.stringify(value)} is not a FILETIME (a non-negative decimal integer)`);
  }
  if (ticks < 0n || ticks > FILETIME_NEVER) {
    throw new InvalidInputError(`FILETIME ${ticks} is outside 0..${FILETIME_NEVER}`);
  }
  return ticks;
}

/**
 * A FILETIME to a Date, exact to the millisecond. 0 and 0x7FFFFFFFFFFFFFFF mean "never" and give
 * undefined. Throws InvalidInputError for text that is not a decimal integer in 0..2^63-1.
 */
export function filetimeToDate(value: string | bigint): Date | undefined {
  const ticks = parseFiletime(value);
  if (ticks === 0n || ticks === FILETIME_NEVER) return undefined;
  const ms = floorDiv(ticks - FILETIME_UNIX_EPOCH, TICKS_PER_MILLISECOND);
  // |ms| < 2^53 for every tick count up to 2^63 - 1 (year 30828), so Number() is exact.
  return new Date(Number(ms));
}

/** A Date to the decimal text of its FILETIME. Throws for an invalid Date or one before 1601. */
export function dateToFiletime(d: Date): string {
  const ms = d instanceof Date ? d.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new InvalidInputError('cannot convert an invalid date to a FILETIME');
  const ticks = BigInt(ms) * TICKS_PER_MILLISECOND + FILETIME_UNIX_EPOCH;
  if (ticks < 0n) {
    throw new InvalidInputError(`${d.toISOString()} is before 1601-01-01, which a FILETIME cannot express`);
  }
  if (ticks > FILETIME_NEVER) throw new InvalidInputError(`${d.toISOString()} is too late for a FILETIME`);
  return ticks.toString();
}

/** A duration in 100 ns ticks to whole milliseconds (rounded down). Exact: u64 ticks / 10^4 < 2^53. */
export function ticksToMilliseconds(ticks: bigint): number {
  return Number(floorDiv(ticks, TICKS_PER_MILLISECOND));
}
