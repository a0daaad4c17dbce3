import { decodeIssue, decodeStoredIssue, encodeIssue, evidenceOutcomeLine } from '../../src/store/issue-codec';

const hash = { id: '7', version: '3', state: 'submitted', unitId: 'banzhu', teamIds: '["t1"]', description: '闸阀漏水', reporter: 'u_t1_m2', homeChat: 'CHAT_T1', createdAt: '1' };
const SHA = 'a'.repeat(64);

describe('evidence entries in the issue record', () => {
  it('reads an entry written before duban kept files (WeCom link and key) as not kept, without the link', () => {
    const legacy = { ...hash, evidence: JSON.stringify([{ kind: 'image', url: 'https://wecom.invalid/x?sign=1', aesKey: 'k', msgid: 'm1', at: 5 }]) };
    const expected = [{ kind: 'image', msgid: 'm1', index: 0, at: 5, failed: { reason: 'before-keeping' } }];
    expect(decodeIssue(legacy).evidence).toEqual(expected);
    expect(decodeStoredIssue(legacy).evidence).toEqual(expected);
  });

  it('merges an outcome line into its entry, once, on both read paths', () => {
    const entry = { kind: 'image', msgid: 'm2', index: 1, at: 6 };
    const history = `e${JSON.stringify(entry)}\n${evidenceOutcomeLine('m2', 1, { stored: { sha256: SHA, size: 10, type: 'png' } }).line}${evidenceOutcomeLine('m2', 1, { failed: { reason: 'expired' } }).line}`;
    const expected = [{ ...entry, stored: { sha256: SHA, size: 10, type: 'png' } }];
    expect(decodeIssue(hash, history).evidence).toEqual(expected);
    expect(decodeStoredIssue(hash, history).evidence).toEqual(expected);
  });

  it('writes entries bare: an outcome read back is never written into the entry', () => {
    const before = decodeIssue(hash, `e${JSON.stringify({ kind: 'image', msgid: 'm2', index: 0, at: 6 })}\n${evidenceOutcomeLine('m2', 0, { failed: { reason: 'too-large' } }).line}`);
    const added = { kind: 'file' as const, msgid: 'm3', index: 0, at: 7, stored: { sha256: SHA, size: 1, type: 'pdf' as const } };
    expect(encodeIssue({ ...before, version: 4, evidence: [...before.evidence, added] }, before).append).toBe(`e${JSON.stringify({ kind: 'file', msgid: 'm3', index: 0, at: 7 })}\n`);
  });

  it('names the entry by the outcome line’s start, so the script can find it', () => {
    const { line, start } = evidenceOutcomeLine('CAIQ/+=', 2, { failed: { reason: 'expired' } });
    expect(line.startsWith(start)).toBe(true);
    expect(start).toBe('o{"msgid":"CAIQ/+=","index":2,');
  });
});
