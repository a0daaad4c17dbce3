import { cleanInput } from '../../src/parsing/clean-input';

/** What arrives is text: no control characters, no invisible format characters, one kind of line break. */
describe('cleanInput', () => {
  it.each<[string, string, string]>([
    ['plain Chinese as it is', '斑竹村 闸阀老化漏水，群众反映强烈', '斑竹村 闸阀老化漏水，群众反映强烈'],
    ['tabs and LF kept', 'a\tb\nc', 'a\tb\nc'],
    ['CR LF and a lone CR as LF', 'a\r\nb\rc', 'a\nb\nc'],
    ['VT, FF, NEL, LS and PS as LF', 'a\vb\fc\u0085d\u2028e\u2029f', 'a\nb\nc\nd\ne\nf'],
    ['ESC and the rest of a terminal escape', '\u001b[31m红字\u001b[0m', '[31m红字[0m'],
    ['NUL, BEL, BS and DEL', 'a\u0000b\u0007c\u0008d\u007fe', 'abcde'],
    ['C1 controls', 'a\u0080b\u009bc\u009fd', 'abcd'],
    ['bidi embeddings and overrides', 'a\u202ab\u202bc\u202cd\u202de\u202ef', 'abcdef'],
    ['bidi isolates', 'a\u2066b\u2067c\u2068d\u2069e', 'abcde'],
    ['LRM and RLM', 'a\u200eb\u200fc', 'abc'],
    ['zero-width space, non-joiner, word joiner and BOM', '\ufeffa\u200bb\u200cc\u2060d', 'abcd'],
    ['a joiner outside an emoji', '斑\u200d竹', '斑竹'],
    ['soft hyphen and other format characters', 'a\u00adb\u061cc\ufff9d', 'abcd'],
    ['an emoji ZWJ sequence intact', '👨‍👩‍👧 家庭 👩🏽‍💻', '👨‍👩‍👧 家庭 👩🏽‍💻'],
    ['variation selectors (not format characters)', '⚠️ ❤️', '⚠️ ❤️'],
    ['full-width and ideographic space', '＃１２\u3000斑竹村', '＃１２\u3000斑竹村'],
  ])('%s', (_case, input, output) => {
    expect(cleanInput(input)).toBe(output);
  });

  it('leaves no control or format character in any string', () => {
    let all = '';
    for (let cp = 0; cp < 0x3000; cp++) all += String.fromCodePoint(cp);
    all += '\ufeff\ufff9\ufffa\ufffb\u{e0001}\u{e0020}\u{e007f}';
    const out = cleanInput(all);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u);
    expect(out).not.toMatch(/\p{Cf}/u);
    expect(out).not.toMatch(/[\r\u2028\u2029\u0085]/u);
  });
});
