import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { FileRequest, MakerDeps } from '../../jobs/files/file-request';
import { makers } from '../../jobs/files/makers';
import { fixedClock } from '../../src/clock';
import { DAY_MS } from '../../src/domain/time';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { BOT_NAME, demoOrg, startTestApp, type TestApp } from '../support/app';
import { captureLogs } from '../support/log-capture';

/**
 * 完成效果 at /销号 and 群众评价 at /回访 (docs/design.md §4.16), end to end over the encrypted
 * protocol: typed the ways people type them, refused before anything is written when the word is
 * not in the scale, shown in the reply and /查看, written to the 台账 workbook, and scored on the
 * unit (the demo's scales: 一般 −0.5, 差 −2; 基本满意 −0.5, 不满意 −2).
 */
const START = '2026-06-01T09:00:00+08:00';
const clock = fixedClock(START);
let t: TestApp;
let store: LedgerStore;
let dir: string;
const org = demoOrg();

const MEMBER = 'u_t1_m2'; // 唐建平 reports
const VERIFIER = 'u_t1_m3'; // 冉小兵 verifies (not the one who fixed it)
const SEC = 'u_sec_banzhu'; // 陈晓燕, 斑竹村
const say = (userId: string, chatId: string, text: string) => t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });
const inT1 = (userId: string, text: string) => say(userId, 'CHAT_T1', text);
const admin = (text: string) => say('u_admin', 'CHAT_ADMIN', text);

/** Three issues of 斑竹村, each reported, fixed on time and waiting for 销号. */
let a: number;
let b: number;
let c: number;
/** Graded 较好 (costs nothing). */
let e: number;
/** Closed without a grade. */
let d: number;

async function reportAndFix(text: string): Promise<number> {
  const reply = await inT1(MEMBER, `/上报 斑竹村 ${text} 期限:10天`);
  const id = Number(/#(\d+)/.exec(reply)?.[1]);
  expect(await inT1(SEC, `/整改 #${id} 已整改到位`)).toContain('待核验');
  return id;
}

/** A unit's breakdown lines from /考核, without the title and as-of lines. */
async function breakdown(unit: string, period = ''): Promise<string[]> {
  return (await admin(`/考核 ${unit}${period ? ` ${period}` : ''}`)).split('\n').slice(3);
}

beforeAll(async () => {
  t = await startTestApp({ clock });
  store = new LedgerStore(t.redis, createKeys(t.prefix));
  dir = await mkdtemp(path.join(os.tmpdir(), 'duban-grades-'));
  a = await reportAndFix('闸阀老化漏水');
  b = await reportAndFix('村务公开栏未更新');
  c = await reportAndFix('路灯不亮');
});
afterAll(async () => {
  await t.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('完成效果 at /销号', () => {
  it('scores nothing before any grade (and caches the month, so the next /考核 must see the change)', async () => {
    expect(await breakdown('斑竹村')).toEqual(['**斑竹村 100 分**', '扣分：无']);
  });

  it('refuses a word not in the scale with the scale and a guess, and writes nothing', async () => {
    const before = await store.get(c);
    const history = await store.historyLength(c);
    expect(await inT1(VERIFIER, `/销号 #${c} 效果:好好 现场核验`)).toBe(
      `⚠️ 完成效果没有“好好”这一档，可选：好、较好、一般、差。是不是“好”或“较好”？\n例如：\`/销号 #${c} 效果:好 现场核验，整改到位\``,
    );
    expect(await inT1(VERIFIER, `/销号 #${c} 效果明显`)).toMatch(/^⚠️ 完成效果没有“明显”这一档/u);
    const after = await store.get(c);
    expect(after).toEqual(before);
    expect(after!.state).toBe('submitted');
    expect(await store.historyLength(c)).toBe(history);
  });

  it('takes the field, keeps the note, and says the grade in the reply', async () => {
    const reply = await inT1(VERIFIER, `/销号 #${a} 效果:一般 现场核验，闸阀运行正常`);
    expect(reply.split('\n').slice(0, 2)).toEqual([`☑️ **#${a}** 福禄镇斑竹村 已销号（按期整改）`, '完成效果：一般']);
    const issue = await store.get(a);
    expect(issue).toMatchObject({ state: 'closed', grade: '一般', verifyNote: '现场核验，闸阀运行正常' });
    expect((await store.history(a)).at(-1)!.note).toBe('完成效果：一般；现场核验，闸阀运行正常');
  });

  it('reads the grade glued to its key, and in Traditional characters with full-width punctuation', async () => {
    expect(await inT1(VERIFIER, `/销号 #${b} 效果一般，部分到位`)).toContain('\n完成效果：一般\n');
    expect(await store.get(b)).toMatchObject({ grade: '一般', verifyNote: '部分到位' });
    e = await reportAndFix('三会一课台账缺页');
    expect(await inT1(VERIFIER, `/銷號 ＃${e} 完成效果：較好。`)).toContain('\n完成效果：较好\n');
    expect(await store.get(e)).toMatchObject({ state: 'closed', grade: '较好' });
    expect((await store.get(e))!.verifyNote).toBeUndefined();
  });

  it('reads a scale word standing alone as the first word', async () => {
    expect(await inT1(VERIFIER, `/销号 #${c} 好`)).toContain('\n完成效果：好\n');
    expect((await store.get(c))!.grade).toBe('好');
  });

  it('shows the grade in /查看', async () => {
    const card = await inT1(MEMBER, `/查看 #${a}`);
    expect(card).toContain('\n完成效果：一般\n');
    expect(card).toContain('冉小兵 销号 → 已销号：完成效果：一般；现场核验，闸阀运行正常');
  });

  it('costs the unit the grade’s points at once (the cached month is recomputed)', async () => {
    // 斑竹村: #a and #b graded 一般, 0.5 each = 1; #c graded 好 costs nothing. 100 − 1 = 99.
    expect(await breakdown('斑竹村')).toEqual(['**斑竹村 99 分**', '扣分：', `- 完成效果“一般” 2 件 −1：#${a} #${b}`]);
  });

  it('leaves a closing without a grade alone', async () => {
    d = await reportAndFix('党员活动室长期锁门');
    const reply = await inT1(VERIFIER, `/销号 #${d} 好了，现场看过`);
    expect(reply).not.toContain('完成效果');
    expect(await store.get(d)).toMatchObject({ state: 'closed', verifyNote: '好了，现场看过' });
    expect((await store.get(d))!.grade).toBeUndefined();
  });
});

describe('群众评价 at /回访', () => {
  it('refuses a word not in the scale and writes nothing', async () => {
    const before = await store.get(a);
    expect(await inT1(MEMBER, `/回访 #${a} 正常 评价:还可以`)).toBe(
      `⚠️ 群众评价没有“还可以”这一档，可选：满意、基本满意、不满意。\n例如：\`/回访 #${a} 正常 评价:满意\``,
    );
    expect(await store.get(a)).toEqual(before);
  });

  it('takes 评价:, 群众… glued, and the word after 反弹; says it in the reply and /查看', async () => {
    expect(await inT1(MEMBER, `/回访 #${a} 正常 评价:满意`)).toBe(`🔁 **#${a}** 福禄镇斑竹村 回访正常，状态：已回访。\n群众评价：满意`);
    expect(await inT1(MEMBER, `/回访 #${b} 正常 群众基本满意，要求加固`)).toBe(`🔁 **#${b}** 福禄镇斑竹村 回访正常，状态：已回访。\n群众评价：基本满意`);
    expect(await store.get(b)).toMatchObject({ state: 'revisited', rating: '基本满意', revisitNote: '要求加固' });
    const relapse = await inT1(MEMBER, `/回访 #${c} 反弹 不满意 路灯又不亮了 期限:60天`);
    expect(relapse.split('\n').slice(0, 3)).toEqual([`⚠️ **#${c}** 福禄镇斑竹村 回访发现反弹（第 1 次），状态：整改中`, '群众评价：不满意', '情况：路灯又不亮了']);
    // The relapse drops the grade of the fix that failed; the villagers' word stays.
    const issue = await store.get(c);
    expect(issue).toMatchObject({ state: 'assigned', rating: '不满意' });
    expect(issue!.grade).toBeUndefined();
    const card = await inT1(MEMBER, `/查看 #${b}`);
    expect(card).toContain('\n完成效果：一般\n群众评价：基本满意\n');
  });

  it('reads the rating before the outcome, and glued to it', async () => {
    expect(await inT1(MEMBER, `/回访 #${d} 满意 正常`)).toBe(`🔁 **#${d}** 福禄镇斑竹村 回访正常，状态：已回访。\n群众评价：满意`);
    expect(await inT1(MEMBER, `/回访 #${e} 正常，群众满意`)).toContain('\n群众评价：满意');
    expect(await store.get(e)).toMatchObject({ state: 'revisited', rating: '满意' });
    expect((await store.get(e))!.revisitNote).toBeUndefined();
  });

  it('costs the unit the ratings’ points, named in the breakdown', async () => {
    // 斑竹村: #c relapsed 2; #a, #b 一般 0.5 each = 1 (#c's 好 is gone with the relapse);
    // #b 基本满意 0.5; #c 不满意 2. 100 − 2 − 1 − 0.5 − 2 = 94.5.
    expect(await breakdown('斑竹村')).toEqual([
      '**斑竹村 94.5 分**',
      '扣分：',
      `- 回头看反弹 1 次 −2：#${c}`,
      `- 完成效果“一般” 2 件 −1：#${a} #${b}`,
      `- 群众评价“基本满意” 1 件 −0.5：#${b}`,
      `- 群众评价“不满意” 1 件 −2：#${c}`,
    ]);
    expect(await admin('/考核 单位')).toContain('斑竹村 94.5 分');
  });

  it('counts them in the month the issues were found', async () => {
    clock.set('2026-07-06T09:00:00+08:00');
    expect((await breakdown('斑竹村', '2026年6月'))[0]).toBe('**斑竹村 94.5 分**');
    expect(await breakdown('斑竹村', '本月')).toEqual(['**斑竹村 100 分**', '扣分：无']);
  });
});

describe('the 台账 workbook', () => {
  let wb: ExcelJS.Workbook;
  beforeAll(async () => {
    const now = clock.now().getTime();
    const unitIds = org.units.filter((u) => u.town === '福禄镇').map((u) => u.id);
    const req: FileRequest = { id: 'grades1', kind: 'ledger', requester: 'u_admin', chatId: 'CHAT_ADMIN', scope: { label: '福禄镇', unitIds }, period: { label: '累计' }, createdAt: now, expiresAt: now + DAY_MS, extra: {} };
    const deps: MakerDeps = { redis: t.redis, keys: createKeys(t.prefix), ledger: store, org: () => org, clock, logger: captureLogs().logger };
    const file = path.join(dir, 'grades.xlsx');
    await makers.ledger!(req, file, deps);
    wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
  });

  it('has 完成效果 and 群众评价 after 回头看结果, filled per issue', () => {
    const ws = wb.getWorksheet('台账')!;
    const headers = (ws.getRow(2).values as ExcelJS.CellValue[]).slice(1).map(String);
    expect(headers.slice(-4)).toEqual(['回头看结果', '完成效果', '群众评价', '佐证材料']);
    expect(headers).toHaveLength(24);
    const col = (h: string) => headers.indexOf(h) + 1;
    const rowOf = (id: number) => {
      let found: ExcelJS.Row | undefined;
      ws.eachRow((r) => {
        if (r.getCell(col('问题编号')).value === `#${id}`) found = r;
      });
      if (!found) throw new Error(`#${id} not on the sheet`);
      return found;
    };
    const marks = (id: number) => [rowOf(id).getCell(col('完成效果')).value, rowOf(id).getCell(col('群众评价')).value];
    expect(marks(a)).toEqual(['一般', '满意']);
    expect(marks(b)).toEqual(['一般', '基本满意']);
    expect(marks(c)).toEqual([null, '不满意']);
    expect(marks(e)).toEqual(['较好', '满意']);
    expect(marks(d)).toEqual([null, '满意']);
    expect(rowOf(b).getCell(col('回头看结果')).value).toBe('正常：要求加固');
  });

  it('names the grade and rating deductions on the 考核 sheet', () => {
    const ws = wb.getWorksheet('考核')!;
    const texts = ws.getSheetValues().flat().filter((v): v is string => typeof v === 'string');
    expect(texts).toContain(`回头看反弹 1次 −2（#${c}）；完成效果“一般” 2件 −1（#${a} #${b}）；群众评价“基本满意” 1件 −0.5（#${b}）；群众评价“不满意” 1件 −2（#${c}）`);
  });
});
