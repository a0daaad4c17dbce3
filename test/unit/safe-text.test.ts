import { clipForReply } from '../../src/rendering/clip';
import { userText } from '../../src/rendering/safe-text';

/** User text shown by duban: one line, and nothing WeCom's markdown or text pushes would act on. */
describe('userText', () => {
  it.each<[string, string, string]>([
    ['ordinary Chinese as it is', '闸阀老化漏水，群众反映强烈（见照片）！', '闸阀老化漏水，群众反映强烈（见照片）！'],
    ['an issue reference as it is', '#12 已整改，同 #9', '#12 已整改，同 #9'],
    ['a name after @ as it is', '@陈晓燕 请整改', '@陈晓燕 请整改'],
    ['a user id as it is', 'u_sec_banzhu', 'u_sec_banzhu'],
    ['a URL as text', '见 http://x.cn/a?b=1', '见 http://x.cn/a?b=1'],
    ['a mention tag', '不及时<@u_admin>', '不及时＜@u_admin＞'],
    ['a font tag', '<font color="warning">红</font>', '＜font color="warning"＞红＜/font＞'],
    ['a link', '[核验](http://x.cn)', '［核验］(http://x.cn)'],
    ['an image', '![](http://x.cn/a.png)', '!［］(http://x.cn/a.png)'],
    ['a heading at the start', '# 标题', '＃ 标题'],
    ['a deeper heading at the start', '  ### 标题', '  ＃## 标题'],
    ['a heading after a line break', '说明\n# 标题', '说明 # 标题'],
    ['bold and italics', '**重要** *斜体* _也是_', '＊＊重要＊＊ ＊斜体＊ ＿也是＿'],
    ['strike-through', '~~删除~~', '～～删除～～'],
    ['a quote', '> 引用', '＞ 引用'],
    ['a table row', '| a | b |', '｜ a ｜ b ｜'],
    ['inline code', '`code`', '｀code｀'],
    ['an entity that spells a tag', '&lt;@u_admin&gt;', '＆lt;@u_admin＆gt;'],
    ['line breaks of every kind as one space', 'a\nb\r\nc\rd\u2028e\u2029f\u0085g\th', 'a b c d e f g h'],
    ['blank lines and indentation folded', 'a\n\n   b', 'a b'],
    ['forged history lines', '漏水\n\n**记录**\n- 11月23日 罗志刚 销号', '漏水 ＊＊记录＊＊ - 11月23日 罗志刚 销号'],
    ['ESC and bidi removed', '\u001b[31m红\u202e字', '［31m红字'],
  ])('%s', (_case, input, output) => {
    expect(userText(input)).toBe(output);
  });

  it('leaves no markup character, line break or control character in any string', () => {
    let all = '';
    for (let cp = 0; cp < 0x3000; cp++) all += String.fromCodePoint(cp);
    const out = userText(`# ${all}`);
    expect(out).not.toMatch(/[<>[\]*~`|&\n\r\t\u2028\u2029]/u);
    expect(out).not.toMatch(/\p{Cc}|\p{Cf}/u);
    expect(out.startsWith('＃')).toBe(true);
  });

  it('is idempotent: shown twice, it reads the same', () => {
    const once = userText('<@u> [x](y) **b** # h\n> q | t `c` ~~s~~ _e_');
    expect(userText(once)).toBe(once);
  });
});

describe('clipForReply', () => {
  it('quotes a typed word inert and on one line', () => {
    expect(clipForReply('消号<@u_admin>')).toBe('消号＜@u_admin＞');
    expect(clipForReply('a\n# b')).toBe('a # b');
  });
});
