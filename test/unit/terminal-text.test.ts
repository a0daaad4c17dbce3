import fc from 'fast-check';
import { terminalSafe } from '../../src/cli/terminal-text';

/** What a terminal would act on instead of showing: escape, C0 but \n and \t, DEL, C1, bidi controls. */
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

describe('terminalSafe (what the chat client prints from the server and pushes)', () => {
  it.each([
    ['clear screen and home the cursor', '\u001b[2J\u001b[H#7 喜观村', '#7 喜观村'],
    ['move the cursor up and erase the line (forging an earlier line)', '已整改\u001b[1A\u001b[2K☑️ #7 已销号', '已整改☑️ #7 已销号'],
    ['colours', '\u001b[31;1m逾期\u001b[0m 1 件', '逾期 1 件'],
    ['set the window title (OSC ended by BEL)', '\u001b]0;督办 — 已全部销号\u0007提醒', '提醒'],
    ['a hyperlink (OSC 8 ended by ESC \\)', '\u001b]8;;http://x.cn\u001b\\核验\u001b]8;;\u001b\\', '核验'],
    ['an 8-bit CSI (C1)', '\u009b2J路灯不亮', '路灯不亮'],
    ['a device control string', '\u001bP+q544e\u001b\\回访', '回访'],
    ['other C0 controls and a lone ESC', 'a\u0007b\u0008c\u0000d\u001b', 'abcd'],
    ['a carriage return that would overwrite the line', '整改中\r已销号', '整改中已销号'],
    ['DEL and C1 controls', 'x\u007fy\u0085z\u009dw', 'xyzw'],
    ['a right-to-left override reordering the rest of the line', '期限：\u202e日03月11\u202c', '期限：日03月11'],
    ['isolates and marks', '\u2066@陈晓燕\u2069 \u2067x\u2068y\u200e\u200f\u061c', '@陈晓燕 xy'],
  ])('removes %s', (_what, input, expected) => {
    expect(terminalSafe(input)).toBe(expected);
  });

  it('keeps what a reply is made of: Chinese, emoji, markdown, newlines and tabs', () => {
    const reply = '📌 已登记 **#1** 福禄镇斑竹村：闸阀老化漏水\n状态：整改中\t责任人：@陈晓燕　期限：11月30日（周一）\n🔴🟡🟢 ☑️ ✅ ⚠️ 👨‍👩‍👧';
    expect(terminalSafe(reply)).toBe(reply);
  });

  it('leaves nothing a terminal would act on, whatever the text', () => {
    const piece = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.constantFrom('\u001b', '[', ']', '\u0007', '\u009b', '\u009d', '\u202e', '\u2066', '\r', '\n', '\t', '2J', ';', '\\', '闸', '😀'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const out = terminalSafe(pieces.join(''));
        expect(out).not.toMatch(ACTIVE);
        // Idempotent: printing twice through it changes nothing more.
        expect(terminalSafe(out)).toBe(out);
      }),
      { numRuns: 500 },
    );
  });
});
