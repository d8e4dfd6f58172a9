/** `docker gmsa explain` through the real command tree: negative numbers as operands, stdin, exit codes. */
import { runInProcess } from '../../support/in-process';

function gmsa(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  return runInProcess(['gmsa', 'explain', ...args], stdin);
}

describe('docker gmsa explain', () => {
  test('a negative (signed 32-bit) number is an operand, not an option', async () => {
    const r = await gmsa(['-1073741790']);
    expect(r).toEqual({ code: 0, out: expect.stringMatching(/^STATUS_ACCESS_DENIED \(NTSTATUS 0xC0000022\)\n  read:  -1073741790 = 0xC0000022\n/), err: '' });
  });

  test('several words are one pasted line; --format json', async () => {
    const r = await gmsa(['Trust', 'Verification', 'Status', '=', '1789', '0x6fd', '--format', 'json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.Input).toBe('Trust Verification Status = 1789 0x6fd');
    expect(doc.Matches.map((m: { Name: string }) => m.Name)).toEqual(['ERROR_TRUSTED_RELATIONSHIP_FAILURE']);
    expect(Object.keys(doc.Matches[0])).toEqual(['Matched', 'Kind', 'Code', 'Name', 'Reading', 'EventLog', 'Cause', 'Next', 'Log']);
  });

  test('- reads the text from standard input', async () => {
    const r = await gmsa(['-'], 'failed: hcsshim::CreateComputeSystem abc: winapi error #3489792023\n');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^RPC_NT_SERVER_UNAVAILABLE/);
  });

  test('unknown input: exit 1, Error and Hint', async () => {
    const r = await gmsa(['nothing', 'known', 'here']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^Error: no known code or message in "nothing known here"\nHint: Give the number as printed/);
  });
});
