import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { createBulletinMaker, createSummaryMaker, makeBulletinDocument, makeSummaryDocument } from '../../jobs/files/document-makers';
import { fileRequestSchema, type FileRequest, type MakerDeps } from '../../jobs/files/file-request';
import { fixedClock } from '../../src/clock';
import { periodSummary } from '../../src/domain/summary';
import { ALL_TIME, parsePeriod } from '../../src/parsing/period';
import { summaryText } from '../../src/rendering/summary';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { demoOrg } from '../support/app';
import { attr, paragraph, paragraphs, readDocx, tableRows } from '../support/docx';
import { captureLogs } from '../support/log-capture';
import { QUARTER_STORIES, writeStories } from '../support/period-ledger';
import { testPrefix, testRedis } from '../support/redis';

/**
 * A period's figures next to the previous period's, on a ledger small enough to count by hand
 * (test/support/period-ledger.ts): the summary text and the two .docx 公文, read back.
 */
const NOW = Date.parse('2026-10-08T09:00:00+08:00');
const org = demoOrg();
const all = { label: '全区', unitIds: org.units.map((u) => u.id) };
const Q3 = parsePeriod('2026Q3', NOW)!;
let redis: Redis;
let store: LedgerStore;
let deps: MakerDeps;
let dir: string;
let ids: number[];

beforeAll(async () => {
  redis = testRedis();
  const keys = createKeys(testPrefix());
  store = new LedgerStore(redis, keys);
  ids = (await writeStories(store, org, QUARTER_STORIES)).map((i) => i.id);
  deps = { redis, keys, ledger: store, org: () => org, clock: fixedClock(new Date(NOW)), logger: captureLogs().logger };
  dir = await mkdtemp(join(tmpdir(), 'duban-docx-'));
});
afterAll(async () => {
  await redis.quit();
  await rm(dir, { recursive: true, force: true });
});

/** The fixture's issues A–D by their ids (written in beforeAll). */
const A = () => ids[0]!;
const B = () => ids[1]!;
const C = () => ids[2]!;
const D = () => ids[3]!;

describe('periodSummary', () => {
  it('counts the quarter and the one before it as the fixture says', async () => {
    const s = await periodSummary(store, org, all, Q3, NOW);
    expect(s.previous?.label).toBe('2026年第2季度');
    expect(s.figures).toEqual({ found: 6, reported: 0, assigned: 3, submitted: 0, rectified: 3, overdue: 3, rate: 50, onTimeRate: 33.3, avgDaysToClose: 5 });
    expect(s.previousFigures).toEqual({ found: 3, reported: 0, assigned: 1, submitted: 0, rectified: 2, overdue: 1, rate: 66.7, onTimeRate: 66.7, avgDaysToClose: 2.5 });
    expect(s.teams.map((t) => [t.label, t.now.figures.found, t.now.figures.rectified, t.now.overdue, t.before?.figures.found, t.before?.overdue])).toEqual([
      ['第一工作队', 4, 1, 3, 2, 0],
      ['第二工作队', 2, 2, 0, 1, 1],
      ...['第三', '第四', '第五', '第六', '第七', '第八'].map((n) => [`${n}工作队`, 0, 0, 0, 0, 0]),
    ]);
    expect(s.mostOverdue).toEqual([
      { unitId: 'banzhu', overdue: 2 },
      { unitId: 'shiyan', overdue: 1 },
    ]);
    expect(s.relapses).toEqual({ total: 1, byTeam: [{ label: '第一工作队', count: 1 }], byUnit: [{ unitId: 'banzhu', count: 1 }] });
    // B (due 17 Aug), C (反弹, due 11 Sep), D (due 27 Sep): most overdue first.
    expect(s.oldest.map((o) => o.id)).toEqual([B(), C(), D()]);
  });

  it('names only the teams that cover the scope', async () => {
    const s = await periodSummary(store, org, { label: '福禄镇', unitIds: org.units.filter((u) => u.town === '福禄镇').map((u) => u.id) }, Q3, NOW);
    // 福禄镇中心小学 is a school: 第七工作队 covers it too.
    expect(s.teams.map((t) => t.label)).toEqual(['第一工作队', '第七工作队']);
    expect(s.figures.found).toBe(4);
  });

  it('has nothing to compare all time with', async () => {
    const s = await periodSummary(store, org, all, ALL_TIME, NOW);
    expect(s.previous).toBeUndefined();
    expect(s.previousFigures).toBeUndefined();
    expect(s.figures.found).toBe(9);
    expect(s.teams[0]!.before).toBeUndefined();
  });
});

describe('summaryText', () => {
  it('shows the figures with ▲/▼ against the previous quarter, the most overdue units, relapses, extra sections and links', async () => {
    const s = await periodSummary(store, org, all, Q3, NOW);
    const text = summaryText(org, s, {
      title: '示例区2026年第3季度整改工作小结',
      extraSections: [{ title: '百分量化考核', lines: ['第一工作队 96.5 分', '第二工作队 99 分'] }],
      links: [{ label: '2026年第3季度台账', url: 'http://127.0.0.1:3000/files/abc.xlsx?sig=1' }],
      footer: '文件生成后会发到本群。',
    });
    expect(text).toBe(
      [
        '**示例区2026年第3季度整改工作小结**',
        '2026年7月1日至9月30日发现的问题，截至2026年10月8日；▲▼为与2026年第2季度相比',
        '全区：发现 6 ▲3　已销号 3 ▲1　逾期 3 ▲2',
        '整改率 50.0% ▼16.7　按期整改率 33.3% ▼33.4',
        '平均 5.0 天销号',
        '',
        '**各工作队**（发现 销号 逾期 整改率，较上期）',
        '> 第一工作队：发现 4 ▲2，销号 1 ▼1，逾期 3 ▲3，整改率 25.0% ▼75.0',
        '> 第二工作队：发现 2 ▲1，销号 2 ▲2，逾期 0 ▼1，整改率 100.0% ▲100.0',
        '> 第三工作队、第四工作队、第五工作队、第六工作队、第七工作队、第八工作队：本期和上期都没有登记问题',
        '',
        '**逾期最多的单位**',
        '🔴 福禄镇斑竹村 逾期 2 件',
        '🔴 福禄镇石堰村 逾期 1 件',
        '',
        '**回头看反弹**',
        '共 1 件次：第一工作队 1',
        '反弹较多：福禄镇斑竹村 1',
        '',
        '**百分量化考核**',
        '第一工作队 96.5 分',
        '第二工作队 99 分',
        '',
        '📎 [2026年第3季度台账](http://127.0.0.1:3000/files/abc.xlsx?sig=1)',
        '文件生成后会发到本群。',
      ].join('\n'),
    );
  });

  it('gives the figures alone when the period is all time (nothing to compare with)', async () => {
    const s = await periodSummary(store, org, all, ALL_TIME, NOW);
    const text = summaryText(org, s, { title: '累计', short: true });
    expect(text).toContain('全区：发现 9　已销号 5　逾期 4\n');
    expect(text).toContain('> 第二工作队：发现 3，销号 2，逾期 1，整改率 66.7%\n');
    expect(text).toMatch(/\n> (第.工作队、)*第三工作队(、第.工作队)*：没有登记问题\n/u);
    expect(text).not.toContain('▲▼为与');
    // short: the relapses and extra sections are the document's.
    expect(text).not.toContain('回头看反弹');
  });
});

function request(kind: FileRequest['kind'], period = Q3, scope = all): FileRequest {
  return fileRequestSchema.parse({
    id: `test-${kind}-0001`,
    kind,
    requester: 'u_admin',
    chatId: 'CHAT_ADMIN',
    scope: { label: scope.label, unitIds: [...scope.unitIds] },
    period: { label: period.label, ...(period.months ? { months: period.months } : {}) },
    createdAt: NOW,
    expiresAt: NOW + 86_400_000,
  });
}

const mm = (twips: string | undefined) => Math.round((Number(twips) / 1440) * 25.4);

describe('the .docx 公文 (GB/T 9704 layout)', () => {
  it('writes the 季度小结 on A4 with the standard margins, fonts, title, 主送, ▲/▼ table, 落款 and date', async () => {
    const out = join(dir, 'summary.docx');
    const made = await makeSummaryDocument(request('summary'), out, deps);
    if (process.env.DUBAN_KEEP_DOCX) await copyFile(out, process.env.DUBAN_KEEP_DOCX);
    expect(made).toEqual({ name: '全区2026年第3季度小结.docx', caption: '📄 示例区2026年第3季度巡回指导问题整改工作小结' });
    const docx = await readDocx(out);
    const doc = docx.document;

    // A4 portrait, margins 37 / 35 / 28 / 26 mm.
    expect([attr(doc, 'w:pgSz', 'w:w'), attr(doc, 'w:pgSz', 'w:h')]).toEqual(['11906', '16838']);
    expect(['w:top', 'w:bottom', 'w:left', 'w:right'].map((side) => mm(attr(doc, 'w:pgMar', side)))).toEqual([37, 35, 28, 26]);
    expect(attr(doc, 'w:docGrid', 'w:linePitch')).toBe('579');

    // Title: 方正小标宋简体 二号 (22 pt = 44 half-points), centred, in two lines.
    const titleLines = paragraphs(doc).slice(0, 2);
    expect(titleLines.map((p) => p.text)).toEqual(['示例区2026年第3季度', '巡回指导问题整改工作小结']);
    for (const p of titleLines) {
      expect(attr(p.xml, 'w:jc', 'w:val')).toBe('center');
      expect(attr(p.xml, 'w:rFonts', 'w:eastAsia')).toBe('方正小标宋简体');
      expect(attr(p.xml, 'w:sz', 'w:val')).toBe('44');
    }

    // 主送 flush left, then the body in 仿宋_GB2312 三号 with a 2-character first-line indent and fixed spacing.
    const recipient = paragraph(doc, '各镇（街道）党（工）委，各工作队：');
    expect(attr(recipient.xml, 'w:ind', 'w:firstLine')).toBe('0');
    const overall = paragraph(doc, /^2026年第3季度（2026年7月1日至9月30日），全区共发现问题6个/);
    expect(overall.text).toBe(
      '2026年第3季度（2026年7月1日至9月30日），全区共发现问题6个，已整改销号3个，整改率50.0%，按期整改率33.3%，平均5.0天整改销号。截至2026年10月8日，整改中3个、待核验0个、待交办0个，逾期未整改3个。',
    );
    expect(attr(overall.xml, 'w:rFonts', 'w:eastAsia')).toBe('仿宋_GB2312');
    expect(attr(overall.xml, 'w:sz', 'w:val')).toBe('32');
    expect(attr(overall.xml, 'w:ind', 'w:firstLine')).toBe('640');
    expect([attr(overall.xml, 'w:spacing', 'w:line'), attr(overall.xml, 'w:spacing', 'w:lineRule')]).toEqual(['579', 'exact']);
    expect(paragraph(doc, /^与2026年第2季度相比/).text).toBe('与2026年第2季度相比，发现问题增加3个，整改销号增加1个，整改率下降16.7个百分点，逾期未整改问题增加2个。');

    // Headings: 一、 in 黑体, （一） in 楷体_GB2312.
    const h1 = paragraph(doc, '一、总体情况');
    expect(attr(h1.xml, 'w:rFonts', 'w:eastAsia')).toBe('黑体');
    expect(paragraphs(doc).map((p) => p.text).filter((t) => /^[一二三四五六]、/u.test(t))).toEqual(['一、总体情况', '二、各工作队情况', '三、逾期未整改问题', '四、回头看情况', '五、下一步工作打算']);
    const h2 = paragraph(doc, /^（一）压实整改责任。/);
    expect(attr(h2.xml, 'w:rFonts', 'w:eastAsia')).toBe('楷体_GB2312');

    // The ▲/▼ table.
    const rows = tableRows(doc);
    expect(rows[0]).toEqual(['工作队', '发现', '较上期', '已销号', '较上期', '逾期', '较上期', '整改率', '较上期']);
    expect(rows[1]).toEqual(['第一工作队', '4', '▲2', '1', '▼1', '3', '▲3', '25.0%', '▼75.0']);
    expect(rows[2]).toEqual(['第二工作队', '2', '▲1', '2', '▲2', '0', '▼1', '100.0%', '▲100.0']);
    expect(rows[3]).toEqual(['第三工作队', '0', '—', '0', '—', '0', '—', '—', '—']);

    // The most overdue units and issues, the relapses.
    expect(paragraph(doc, /^截至2026年10月8日，逾期未整改问题较多的单位是/).text).toBe('截至2026年10月8日，逾期未整改问题较多的单位是：福禄镇斑竹村（2个）、福禄镇石堰村（1个）。');
    expect(paragraph(doc, /^1\. #/).text).toBe(`1. #${B()} 福禄镇斑竹村：村务公开栏未更新（整改期限2026年8月17日，已逾期52天，责任人陈晓燕）。`);
    expect(paragraph(doc, /^回头看中发现/).text).toBe('回头看中发现整改后反弹的问题1个次，其中第一工作队1个次，已重新交办整改。反弹较多的单位是：福禄镇斑竹村（1个次）。');

    // 落款 (unsealed): the issuer, then the date in Chinese numerals two characters further right.
    const issuer = paragraph(doc, '中共示例区委组织部');
    const date = paragraph(doc, '2026年10月8日');
    expect(attr(issuer.xml, 'w:jc', 'w:val')).toBe('right');
    expect(attr(date.xml, 'w:jc', 'w:val')).toBe('right');
    // 9 characters over 9: the date keeps 2 characters, the issuer 2 + 9 + 2 − 9 = 4 (× 320 twips).
    expect([attr(issuer.xml, 'w:ind', 'w:right'), attr(date.xml, 'w:ind', 'w:right')]).toEqual(['640', '800']);
    expect(paragraphs(doc).map((p) => p.text).slice(-2)).toEqual(['中共示例区委组织部', '2026年10月8日']);

    // Page numbers "— 1 —" in 宋体 四号: odd pages right, even pages left.
    expect(docx.settings).toContain('<w:evenAndOddHeaders');
    expect(docx.footers).toHaveLength(2);
    for (const footer of docx.footers) {
      expect(footer).toMatch(/<w:t[^>]*>— <\/w:t>[\s\S]*PAGE[\s\S]*<w:t[^>]*> —<\/w:t>/);
      expect(attr(footer, 'w:rFonts', 'w:eastAsia')).toBe('宋体');
      expect(attr(footer, 'w:sz', 'w:val')).toBe('28');
    }
    expect(docx.footers.map((f) => attr(f, 'w:jc', 'w:val')).sort()).toEqual(['left', 'right']);

    // The font table names each font's substitute for machines without it.
    expect(docx.fontTable).toContain('<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>');
    expect(docx.fontTable).toContain('<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>');
    expect(docx.fontTable).toContain('<w:font w:name="楷体_GB2312"><w:altName w:val="楷体"/>');
    expect(docx.fontTable).toContain('<w:charset w:val="86"/>');
    // The body's default font (what a new paragraph typed by the office gets).
    expect(attr(docx.styles, 'w:rFonts', 'w:eastAsia')).toBe('仿宋_GB2312');
  });

  it('writes the 通报 with the figures per team, the most overdue issues and the extra sections', async () => {
    const out = join(dir, 'bulletin.docx');
    const maker = createBulletinMaker({ extraSections: async (req) => [{ title: '百分量化考核', lines: [`${req.scope.label}：第一工作队 96.5 分`] }] });
    const made = await maker(request('bulletin'), out, deps);
    expect(made).toEqual({ name: '全区2026年第3季度整改情况通报.docx', caption: '📄 关于2026年第3季度全区问题整改情况的通报' });
    const doc = (await readDocx(out)).document;
    expect(paragraphs(doc).slice(0, 2).map((p) => p.text)).toEqual(['关于2026年第3季度全区', '问题整改情况的通报']);
    paragraph(doc, '各镇（街道）党（工）委，各工作队：');
    paragraph(doc, '为推动巡回指导发现问题整改落实到位，现将2026年第3季度（2026年7月1日至9月30日）全区问题整改情况通报如下。');
    const rows = tableRows(doc);
    expect(rows[0]).toEqual(['工作队', '发现', '已销号', '整改中', '待核验', '逾期', '整改率', '按期整改率']);
    expect(rows.slice(1, 3)).toEqual([
      ['第一工作队', '4', '1', '3', '0', '3', '25.0%', '25.0%'],
      ['第二工作队', '2', '2', '0', '0', '0', '100.0%', '50.0%'],
    ]);
    expect(paragraphs(doc).map((p) => p.text).filter((t) => /^\d\. #/.test(t))).toEqual([
      `1. #${B()} 福禄镇斑竹村：村务公开栏未更新（整改期限2026年8月17日，已逾期52天，责任人陈晓燕）。`,
      `2. #${C()} 福禄镇斑竹村：垃圾清运不及时（整改期限2026年9月11日，已逾期27天，责任人陈晓燕）。`,
      `3. #${D()} 福禄镇石堰村：道路破损（整改期限2026年9月27日，已逾期11天，责任人李大勇）。`,
    ]);
    expect(paragraph(doc, '五、百分量化考核').text).toBe('五、百分量化考核');
    paragraph(doc, '全区：第一工作队 96.5 分');
    paragraph(doc, '六、下一步工作要求');
    paragraph(doc, '2026年10月8日');
  });

  it('writes an all-time 通报 of one town with the recipients concerned', async () => {
    const town = { label: '福禄镇', unitIds: org.units.filter((u) => u.town === '福禄镇').map((u) => u.id) };
    const out = join(dir, 'town.docx');
    const made = await makeBulletinDocument(request('bulletin', ALL_TIME, town), out, deps);
    expect(made.name).toBe('福禄镇整改情况通报.docx');
    const doc = (await readDocx(out)).document;
    expect(paragraphs(doc)[0]!.text).toBe('关于福禄镇问题整改情况的通报');
    paragraph(doc, '有关镇（街道）党（工）委，有关工作队：');
    paragraph(doc, /^截至2026年10月8日，福禄镇共发现问题6个/);
    expect(tableRows(doc).map((r) => r[0])).toEqual(['工作队', '第一工作队', '第七工作队']);
  });

  it('writes the 年度汇总 of a year', async () => {
    const out = join(dir, 'year.docx');
    const maker = createSummaryMaker();
    const made = await maker(request('summary', parsePeriod('2026', NOW)!), out, deps);
    expect(made.name).toBe('全区2026年年度汇总.docx');
    const doc = (await readDocx(out)).document;
    expect(paragraphs(doc).slice(0, 2).map((p) => p.text)).toEqual(['示例区2026年', '巡回指导问题整改工作年度汇总']);
    paragraph(doc, /^与2025年相比，发现问题增加9个/);
  });

  it('keeps a description with control characters from breaking the file', async () => {
    const extra = createBulletinMaker({ extraSections: async () => [{ title: '典型经验', lines: ['“213工作法”\u0007<w:t>&amp;\ud800'] }] });
    const out = join(dir, 'odd.docx');
    await extra(request('bulletin'), out, deps);
    const doc = (await readDocx(out)).document;
    expect(paragraph(doc, /213工作法/).text).toBe('“213工作法”<w:t>&amp;');
    expect(doc).not.toMatch(/[\u0007]/);
  });
});

// Issue A (closed on time) is not in the overdue list.
it('leaves closed issues out of the overdue list', async () => {
  const s = await periodSummary(store, org, all, Q3, NOW);
  expect(s.oldest.map((o) => o.id)).not.toContain(A());
});
