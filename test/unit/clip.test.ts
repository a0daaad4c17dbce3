import { clipForReply } from '../../src/rendering/clip';

/** A user's word quoted back in a reply: at most 20 characters and "…", never half a character. */
describe('clipForReply', () => {
  it.each<[string, string, string]>([
    ['a short word as it is', '开会', '开会'],
    ['nothing', '', ''],
    ['exactly 20 characters as they are', '漏'.repeat(20), '漏'.repeat(20)],
    ['21 characters: the first 20 and …', '漏'.repeat(21), `${'漏'.repeat(20)}…`],
    ['emoji counted as one character each, never split', '😀'.repeat(30), `${'😀'.repeat(20)}…`],
    ['a mix of emoji and CJK cut after the 20th character', `${'ab😀'.repeat(7)}x`, `${'ab😀'.repeat(6)}ab…`],
  ])('keeps %s', (_case, word, clipped) => {
    expect(clipForReply(word)).toBe(clipped);
    expect(clipForReply(word).isWellFormed()).toBe(true);
  });

  it('takes another limit', () => {
    expect(clipForReply('斑竹村闸阀老化漏水', 3)).toBe('斑竹村…');
    expect(clipForReply('𠀋𠀋𠀋', 2)).toBe('𠀋𠀋…');
  });

  it('clips a 100 000-character word to a few bytes', () => {
    const clipped = clipForReply('漏'.repeat(100_000));
    expect(clipped).toBe(`${'漏'.repeat(20)}…`);
    expect(Buffer.byteLength(clipped)).toBe(63);
  });
});
