import type { GroupRow } from '../../src/domain/report';
import { emptyCounts, figuresFrom } from '../../src/domain/stats';
import type { PeriodSummary } from '../../src/domain/summary';
import { parsePeriod } from '../../src/parsing/period';
import { chineseDate, chineseNumber, signatureIndents } from '../../src/rendering/docx/official-document';
import { delta, MARKDOWN_MAX_BYTES, summaryText } from '../../src/rendering/summary';
import { demoOrg } from '../support/app';

/** The summary's text on data built by hand: the ▲/▼ words, escaping, the byte budget; and the 公文's dates and 落款. */
const org = demoOrg();
const NOW = Date.parse('2026-10-08T09:00:00+08:00');

function row(label: string, found: number, closed: number, overdue: number): GroupRow {
  const counts = { ...emptyCounts(), found, closed, assigned: found - closed };
  return { key: label, label, counts, overdue, figures: figuresFrom(counts, overdue) };
}

function summary(more: Partial<PeriodSummary> = {}): PeriodSummary {
  const period = parsePeriod('2026Q3', NOW)!;
  const now = row('第一工作队', 10, 8, 1);
  const before = row('第一工作队', 10, 5, 3);
  return {
    scope: { label: '全区', unitIds: ['banzhu'] },
    period,
    previous: parsePeriod('2026Q2', NOW)!,
    at: NOW,
    figures: now.figures,
    previousFigures: before.figures,
    teams: [{ key: 't1', label: '第一工作队', now, before }],
    mostOverdue: [{ unitId: 'banzhu', overdue: 1 }],
    relapses: { total: 0, byTeam: [], byUnit: [] },
    oldest: [],
    ...more,
  };
}

describe('delta', () => {
  it.each<[number | undefined, number | undefined, number, string]>([
    [5, 2, 0, '▲3'],
    [2, 5, 0, '▼3'],
    [4, 4, 0, '—'],
    [0, 0, 0, '—'],
    [3, undefined, 0, '—'],
    [undefined, 3, 0, '—'],
    [80.8, 78.7, 1, '▲2.1'],
    [50, 66.7, 1, '▼16.7'],
    // 0.1 − 0.3 in floating point is −0.19999…: rounded to the digits shown.
    [0.1, 0.3, 1, '▼0.2'],
    [66.7, 66.7, 1, '—'],
  ])('%p against %p → %s', (now, before, digits, want) => {
    expect(delta(now, before, digits)).toBe(want);
  });
});

describe('summaryText', () => {
  it('compares the team row with the previous period', () => {
    const text = summaryText(org, summary(), { title: '小结' });
    expect(text).toContain('> 第一工作队：发现 10 —，销号 8 ▲3，逾期 1 ▼2，整改率 80.0% ▲30.0');
    expect(text).toContain('全区：发现 10 —　已销号 8 ▲3　逾期 1 ▼2');
    expect(text).toContain('没有反弹。');
  });

  it('shows what people typed, and the extra sections, as inert text', () => {
    const s = summary({ teams: [{ key: 'x', label: '**假队**<@u_admin>', now: row('x', 1, 0, 0) }] });
    const text = summaryText(org, s, { title: '[点我](http://evil)', extraSections: [{ title: '典型经验 <font color="warning">', lines: ['斑竹村“213工作法”\n# 标题', '`code` | 表格'] }] });
    expect(text).toContain('**［点我］(http://evil)**');
    expect(text).toContain('> ＊＊假队＊＊＜@u_admin＞：');
    expect(text).toContain('**典型经验 ＜font color="warning"＞**\n斑竹村“213工作法” # 标题\n｀code｀ ｜ 表格');
    expect(text).not.toMatch(/<(?!font)/u);
  });

  it('skips an extra section with no lines', () => {
    expect(summaryText(org, summary(), { title: '小结', extraSections: [{ title: '典型经验', lines: [] }] })).not.toContain('典型经验');
  });

  it('keeps under the robot’s 4096 bytes by dropping whole lines from the end, never the links', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `第${i + 1}条 斑竹村推行“213工作法”，群众满意度明显提升`);
    const links = [
      { label: '台账', url: `http://127.0.0.1:3000/files/${'a'.repeat(40)}.xlsx?sig=${'b'.repeat(64)}` },
      { label: '小结（公文）', url: `http://127.0.0.1:3000/files/${'c'.repeat(40)}.docx?sig=${'d'.repeat(64)}` },
    ];
    const text = summaryText(org, summary(), { title: '小结', extraSections: [{ title: '典型经验', lines }], links, footer: '文件生成后会发到本群。' });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MARKDOWN_MAX_BYTES);
    expect(Buffer.byteLength(text)).toBeGreaterThan(MARKDOWN_MAX_BYTES - 200);
    const out = text.split('\n');
    expect(out.slice(-5)).toEqual(['…（内容较多，详见附件）', '', `📎 [台账](${links[0]!.url})`, `📎 [小结（公文）](${links[1]!.url})`, '文件生成后会发到本群。']);
    // Whole lines only: every kept line of the section is one of the given ones.
    const kept = out.slice(out.indexOf('**典型经验**') + 1, out.indexOf('…（内容较多，详见附件）'));
    expect(kept.length).toBeGreaterThan(10);
    expect(kept.every((l) => lines.includes(l))).toBe(true);
  });

  it('obeys a smaller budget', () => {
    const text = summaryText(org, summary(), { title: '小结', maxBytes: 300 });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(300);
    expect(text.startsWith('**小结**\n')).toBe(true);
    expect(text.endsWith('…（内容较多，详见附件）')).toBe(true);
  });
});

describe('the 公文’s numbers and 落款', () => {
  it.each<[number, string]>([
    [1, '一'],
    [9, '九'],
    [10, '十'],
    [12, '十二'],
    [20, '二十'],
    [31, '三十一'],
  ])('%d → %s', (n, want) => {
    expect(chineseNumber(n)).toBe(want);
  });

  it.each<[string, string]>([
    ['2026-12-01T10:00:00+08:00', '二〇二六年十二月一日'],
    ['2026-10-08T09:00:00+08:00', '二〇二六年十月八日'],
    ['2030-01-31T10:00:00+08:00', '二〇三〇年一月三十一日'],
    // 23:30 UTC on 31 December is already 1 January in Shanghai.
    ['2026-12-31T23:30:00Z', '二〇二七年一月一日'],
  ])('the date of %s is %s', (at, want) => {
    expect(chineseDate(Date.parse(at))).toBe(want);
  });

  it.each<[string, string, number, number]>([
    // The issuer two characters from the margin; the date starts two characters right of it.
    ['中共示例区委组织部办公室', '二〇二六年十月八日', 2, 3],
    // A date as long as (or longer than) the issuer keeps two characters; the issuer moves left.
    ['中共示例区委组织部', '二〇二六年十月八日', 4, 2],
    ['组织部', '二〇二六年十二月十一日', 12, 2],
  ])('%s over %s: issuer %d, date %d characters from the right', (issuer, date, i, d) => {
    expect(signatureIndents(issuer, date)).toEqual({ issuerRightChars: i, dateRightChars: d });
    // Whatever the lengths, the date starts two characters right of the issuer.
    const { issuerRightChars, dateRightChars } = signatureIndents(issuer, date);
    expect([...issuer].length + issuerRightChars - ([...date].length + dateRightChars)).toBe(2);
  });
});
