/**
 * `explain`: finds the codes and messages in what a user pasted and says what each means. Pure.
 *
 * One number may be written as decimal (3489792023), hex with or without 0x (0xD0020017, D0020017) or a
 * signed 32-bit decimal (-805175273); all read the same. An HRESULT whose bit 0x10000000 is set wraps an
 * NT status (0xD0020017 -> 0xC0020017); 0x8007xxxx and 0xC007xxxx wrap a Win32 code. A single word is
 * read every way it can be; in a longer line only numbers that look like codes count (after `#`, `0x`,
 * `Status =`, `error`, `event`, or 8 hex digits / 9+ decimal digits on their own), so timestamps and ids
 * do not match by accident.
 */
import { EXPLAIN_ENTRIES, type ExplainEntry, type ExplainKind } from './explain-table';

export interface ExplainMatch {
  entry: ExplainEntry;
  /** The text of the input that led to the entry ("#3489792023", "0x6fd", "event 8", a phrase). */
  matched: string;
  /** How the number was read and unwrapped, when that took a step ("3489792023 = 0xD0020017, an HRESULT wrapping NTSTATUS 0xC0020017"). */
  reading?: string;
}

type Form = 'decimal' | 'signed' | 'hex' | 'hex-bare';

interface Reading {
  value: number;
  form: Form;
  text: string;
  index: number;
  /** Event ids may match (a decimal number, alone or after "event"). */
  events: 'no' | 'yes' | 'only';
  /** Codes (not events) may match. */
  codes: boolean;
}

const CODE_KINDS: readonly ExplainKind[] = ['win32', 'ntstatus', 'hresult', 'kerberos'];

export function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

/** How a code is shown: 0xC0020017 for NT statuses and HRESULTs, 1789 (0x6FD) for Win32, 0x7 (7) for Kerberos, 8 for events. */
export function formatCode(e: ExplainEntry): string {
  if (e.code === undefined) return '';
  switch (e.kind) {
    case 'ntstatus':
    case 'hresult':
      return hex32(e.code);
    case 'win32':
      return `${e.code} (0x${e.code.toString(16).toUpperCase()})`;
    case 'kerberos':
      return `0x${e.code.toString(16).toUpperCase()} (${e.code})`;
    default:
      return String(e.code);
  }
}

export const KIND_LABEL: Record<ExplainKind, string> = {
  win32: 'Win32 error',
  ntstatus: 'NTSTATUS',
  hresult: 'HRESULT',
  kerberos: 'Kerberos error',
  event: 'event',
  message: 'message',
};

/** Reads one number in the given form; undefined when it is not a 32-bit value. */
function read(text: string, form: Form): number | undefined {
  let n: number;
  if (form === 'hex' || form === 'hex-bare') {
    const digits = form === 'hex' ? text.slice(2) : text;
    if (digits.length === 0 || digits.length > 8) return undefined;
    n = Number.parseInt(digits, 16);
  } else {
    n = Number(text);
  }
  if (!Number.isSafeInteger(n)) return undefined;
  if (n < 0) return n >= -0x80000000 ? n >>> 0 : undefined;
  return n <= 0xffffffff ? n : undefined;
}

function nameIndex(): Map<string, ExplainEntry[]> {
  const m = new Map<string, ExplainEntry[]>();
  for (const e of EXPLAIN_ENTRIES) {
    if (e.kind === 'event' || e.kind === 'message') continue;
    for (const n of [e.name, ...(e.aliases ?? [])]) {
      const key = n.toLowerCase();
      m.set(key, [...(m.get(key) ?? []), e]);
    }
  }
  return m;
}
const NAMES = nameIndex();

/** Which log a line names, if any (events are then taken from that log only). */
function logContext(text: string): string | undefined {
  if (/containers-ccg|\bccg\b|credential guard/i.test(text)) return 'Microsoft-Windows-Containers-CCG/Admin';
  if (/aksgmsaplugin|key ?vault plugin/i.test(text)) return 'Microsoft-AKSGMSAPlugin/Admin';
  if (/hyper-v-compute/i.test(text)) return 'Microsoft-Windows-Hyper-V-Compute-Admin';
  if (/netlogon/i.test(text)) return 'System (source NETLOGON)';
  return undefined;
}

/** The entries one reading names, with the unwrapping it took. */
function lookup(r: Reading, opts: { kerberos: boolean; log: string | undefined }): { entry: ExplainEntry; reading?: string }[] {
  const out: { entry: ExplainEntry; reading?: string }[] = [];
  const v = r.value;
  const shown = r.form === 'hex' || r.form === 'hex-bare' ? '' : `${r.text} = ${hex32(v)}`;
  const note = (extra?: string): string | undefined => {
    const parts = [r.form === 'hex-bare' && /^\d+$/.test(r.text) ? `${r.text} read as hex 0x${r.text.toUpperCase()}` : shown, extra].filter((s): s is string => !!s);
    return parts.length > 0 ? parts.join(', ') : undefined;
  };
  if (r.events !== 'no' && r.form === 'decimal') {
    for (const e of EXPLAIN_ENTRIES) {
      if (e.kind === 'event' && e.code === v && (opts.log === undefined || e.eventLog === opts.log)) out.push({ entry: e });
    }
  }
  if (!r.codes || r.events === 'only') return out;
  const direct = EXPLAIN_ENTRIES.filter(
    (e) => CODE_KINDS.includes(e.kind) && e.code === v && (e.kind !== 'kerberos' || opts.kerberos),
  );
  for (const e of direct) {
    const n = note();
    out.push(n ? { entry: e, reading: n } : { entry: e });
  }
  if (direct.length > 0) return out;
  const unwrap = (kind: ExplainKind, code: number, how: string): void => {
    for (const e of EXPLAIN_ENTRIES) {
      if (e.kind === kind && e.code === code) {
        const n = note(how);
        out.push(n ? { entry: e, reading: n } : { entry: e });
      }
    }
  };
  const high = (v & 0xffff0000) >>> 0;
  if (v >>> 31 === 1 && (v & 0x10000000) !== 0) {
    const nt = (v & ~0x10000000) >>> 0;
    unwrap('ntstatus', nt, `an HRESULT that wraps NTSTATUS ${hex32(nt)}`);
  }
  if (high === 0x80070000) unwrap('win32', v & 0xffff, `an HRESULT that wraps Win32 error ${v & 0xffff}`);
  if (high === 0xc0070000) unwrap('win32', v & 0xffff, `an NTSTATUS that wraps Win32 error ${v & 0xffff}`);
  return out;
}

/** The readings of a single word: every form it can be. */
function wordReadings(word: string): Reading[] {
  const w = word.replace(/^#/, '');
  const base = { text: w, index: 0 };
  if (/^-\d+$/.test(w)) {
    const v = read(w, 'signed');
    return v === undefined ? [] : [{ ...base, value: v, form: 'signed', events: 'no', codes: true }];
  }
  if (/^\d+$/.test(w)) {
    const rs: Reading[] = [];
    const v = read(w, 'decimal');
    if (v !== undefined) rs.push({ ...base, value: v, form: 'decimal', events: 'yes', codes: true });
    const h = read(w, 'hex-bare');
    if (h !== undefined && h !== v) rs.push({ ...base, value: h, form: 'hex-bare', events: 'no', codes: true });
    return rs;
  }
  if (/^0x[0-9a-f]+$/i.test(w)) {
    const v = read(w, 'hex');
    return v === undefined ? [] : [{ ...base, value: v, form: 'hex', events: 'no', codes: true }];
  }
  if (/^[0-9a-f]+$/i.test(w)) {
    const v = read(w, 'hex-bare');
    return v === undefined ? [] : [{ ...base, value: v, form: 'hex-bare', events: 'no', codes: true }];
  }
  return [];
}

/** Numbers in a longer line that look like codes. */
function lineReadings(text: string): Reading[] {
  const rs: Reading[] = [];
  const add = (m: RegExpExecArray, group: string, form: Form, events: Reading['events']): void => {
    const v = read(group, form);
    if (v === undefined) return;
    rs.push({ value: v, form, text: group, index: m.index + m[0].indexOf(group), events, codes: events !== 'only' });
  };
  const scan = (re: RegExp, fn: (m: RegExpExecArray) => void): void => {
    for (let m = re.exec(text); m; m = re.exec(text)) fn(m);
  };
  scan(/\bevent(?:\s*id)?\s*[:#=]?\s*(\d{1,5})\b/gi, (m) => add(m, m[1] as string, 'decimal', 'only'));
  scan(/\bid\s*[:=]\s*(\d{1,5})\b/gi, (m) => add(m, m[1] as string, 'decimal', 'only'));
  scan(/#(-?\d+)\b/g, (m) => add(m, m[1] as string, (m[1] as string).startsWith('-') ? 'signed' : 'decimal', 'no'));
  scan(/(?<![\w-])0x[0-9a-f]{1,8}(?![\w-])/gi, (m) => add(m, m[0], 'hex', 'no'));
  scan(/\b(?:status|error|code|result|hr|rc)\s*[=:]?\s*(-?\d+)(?![\w.])/gi, (m) => add(m, m[1] as string, (m[1] as string).startsWith('-') ? 'signed' : 'decimal', 'no'));
  scan(/(?<![\w#-])([0-9a-f]{8})(?![\w-])/gi, (m) => {
    if (/[a-f]/i.test(m[1] as string)) add(m, m[1] as string, 'hex-bare', 'no');
  });
  scan(/(?<![\w#.-])(-?\d{9,10})(?![\w.])/g, (m) => add(m, m[1] as string, (m[1] as string).startsWith('-') ? 'signed' : 'decimal', 'no'));
  return rs.sort((a, b) => a.index - b.index);
}

/**
 * Every entry the input names, in the order they appear in it, each once. Empty when nothing is known.
 */
export function explain(input: string): ExplainMatch[] {
  const text = input.trim();
  const found: (ExplainMatch & { index: number })[] = [];
  const seen = new Set<ExplainEntry>();
  const push = (entry: ExplainEntry, matched: string, index: number, reading?: string): void => {
    if (seen.has(entry)) return;
    seen.add(entry);
    found.push({ entry, matched, index, ...(reading ? { reading } : {}) });
  };
  const lower = text.toLowerCase();
  const single = /^\S+$/.test(text);
  const word = text.replace(/[.,;:)\]]+$/, '').replace(/^[([]+/, '');

  // Symbolic names anywhere (ERROR_NO_LOGON_SERVERS, SEC_E_WRONG_PRINCIPAL, NERR_Success...).
  for (let re = /[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+/g, m = re.exec(text); m; m = re.exec(text)) {
    for (const e of NAMES.get(m[0].toLowerCase()) ?? []) push(e, m[0], m.index);
  }
  // Phrases of known messages.
  for (const e of EXPLAIN_ENTRIES) {
    for (const p of e.phrases ?? []) {
      const at = lower.indexOf(p);
      if (at >= 0) push(e, text.slice(at, at + p.length), at);
    }
  }

  const log = logContext(text);
  if (single) {
    const readings = wordReadings(word);
    // Read a digits-only word as hex only when it means nothing as decimal (1311 is ERROR_NO_LOGON_SERVERS, not 0x1311).
    let any = false;
    for (const r of readings) {
      if (r.form === 'hex-bare' && /^\d+$/.test(r.text) && any) continue;
      for (const m of lookup(r, { kerberos: true, log: undefined })) {
        any = true;
        push(m.entry, word, 0, m.reading);
      }
    }
  } else {
    const kerberos = /kerberos|\bkrb|\bkdc|klist/i.test(text);
    for (const r of lineReadings(text)) {
      for (const m of lookup(r, { kerberos: kerberos || r.form === 'hex', log })) push(m.entry, r.text, r.index, m.reading);
    }
  }
  return found.sort((a, b) => a.index - b.index).map(({ index: _i, ...m }) => m);
}
