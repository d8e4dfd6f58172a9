/** explainReport: the PascalCase JSON of explain's matches, its human form, and the refusal of unknown input. */
import { explainReport, renderExplainReport } from '../../../src/windows/explain-report';
import { NotFoundError } from '../../../src/errors';

describe('explainReport', () => {
  test('unknown input is a NotFoundError with a hint', () => {
    expect(() => explainReport('hello world 12')).toThrow(NotFoundError);
    try {
      explainReport('0x12345');
    } catch (err) {
      expect((err as NotFoundError).message).toBe('no known code or message in "0x12345"');
      expect((err as NotFoundError).hint).toMatch(/decimal, hex/);
    }
  });

  test('PascalCase JSON and the human form', () => {
    const r = explainReport('winapi error #3489792023');
    expect(r).toEqual({
      Input: 'winapi error #3489792023',
      Matches: [
        expect.objectContaining({
          Matched: '3489792023',
          Kind: 'NTSTATUS',
          Code: '0xC0020017',
          Name: 'RPC_NT_SERVER_UNAVAILABLE',
          Reading: '3489792023 = 0xD0020017, an HRESULT that wraps NTSTATUS 0xC0020017',
          EventLog: null,
        }),
      ],
    });
    const text = renderExplainReport(r);
    expect(text.split('\n').slice(0, 2)).toEqual([
      'RPC_NT_SERVER_UNAVAILABLE (NTSTATUS 0xC0020017)',
      '  read:  3489792023 = 0xD0020017, an HRESULT that wraps NTSTATUS 0xC0020017',
    ]);
    expect(text).toMatch(/\n  cause: .*\n  next:  docker gmsa doctor .*\n  log:   Microsoft-Windows-Hyper-V-Compute-Admin/);
  });
});
