/** The `explain` answer as a report: JSON (PascalCase keys) and the human text. Pure. */
import { NotFoundError } from '../errors';
import { explain, formatCode, KIND_LABEL, type ExplainMatch } from './explain';

export interface ExplainMatchJson {
  Matched: string;
  Kind: string;
  Code: string | null;
  Name: string;
  Reading: string | null;
  EventLog: string | null;
  Cause: string;
  Next: string;
  Log: string;
}

export interface ExplainReport {
  Input: string;
  Matches: ExplainMatchJson[];
}

function matchJson(m: ExplainMatch): ExplainMatchJson {
  const e = m.entry;
  return {
    Matched: m.matched,
    Kind: KIND_LABEL[e.kind],
    Code: e.code === undefined ? null : formatCode(e),
    Name: e.name,
    Reading: m.reading ?? null,
    EventLog: e.eventLog ?? null,
    Cause: e.cause,
    Next: e.next,
    Log: e.log,
  };
}

/** The report for `input`; NotFoundError (exit 1) with a hint when nothing in it is known. */
export function explainReport(input: string): ExplainReport {
  const matches = explain(input);
  if (matches.length === 0) {
    const shown = input.trim().length > 80 ? `${input.trim().slice(0, 77)}...` : input.trim();
    throw new NotFoundError(
      `no known code or message in ${JSON.stringify(shown)}`,
      'Give the number as printed (decimal, hex with or without 0x, or negative), a name such as ERROR_NO_LOGON_SERVERS, or paste the whole line; docker gmsa doctor ACCOUNT checks the setup itself.',
    );
  }
  return { Input: input.trim(), Matches: matches.map(matchJson) };
}

export function renderExplainReport(r: ExplainReport): string {
  const lines: string[] = [];
  for (const m of r.Matches) {
    if (lines.length > 0) lines.push('');
    const what = m.Kind === 'event' ? `event ${m.Code} in ${m.EventLog}` : m.Code ? `${m.Kind} ${m.Code}` : m.Kind;
    lines.push(`${m.Name} (${what})`);
    if (m.Reading) lines.push(`  read:  ${m.Reading}`);
    lines.push(`  cause: ${m.Cause}`);
    lines.push(`  next:  ${m.Next}`);
    lines.push(`  log:   ${m.Log}`);
  }
  return lines.join('\n') + '\n';
}
