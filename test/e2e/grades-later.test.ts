import { fixedClock } from '../../src/clock';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { BOT_NAME, startTestApp, type TestApp } from '../support/app';

/**
 * 完成效果 and 群众评价 as a new user types them (docs/design.md §4.16): degrees (很好, 都很满意),
 * an outcome glued to the rating, a dialogue that always ends once the outcome is said, a rating
 * the note speaks of but the scale does not read (asked, never dropped), and a grade given after
 * 销号 (audited, two people, changed only by 组织部).
 */
const clock = fixedClock('2026-06-01T09:00:00+08:00');
let t: TestApp;
let store: LedgerStore;

const MEMBER = 'u_t1_m2'; // 唐建平 reports
const VERIFIER = 'u_t1_m3'; // 冉小兵 verifies
const SEC = 'u_sec_banzhu'; // 陈晓燕 fixes
const say = (userId: string, chatId: string, text: string) => t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });
const inT1 = (userId: string, text: string) => say(userId, 'CHAT_T1', text);
const admin = (text: string) => say('u_admin', 'CHAT_ADMIN', text);

async function reportAndFix(text: string): Promise<number> {
  const reply = await inT1(MEMBER, `/上报 斑竹村 ${text} 期限:10天`);
  const id = Number(/#(\d+)/.exec(reply)?.[1]);
  expect(await inT1(SEC, `/整改 #${id} 已整改到位`)).toContain('待核验');
  return id;
}
async function closed(text: string, verify = ''): Promise<number> {
  const id = await reportAndFix(text);
  expect(await inT1(VERIFIER, `/销号 #${id} ${verify}`)).toContain('已销号');
  return id;
}

beforeAll(async () => {
  t = await startTestApp({ clock });
  store = new LedgerStore(t.redis, createKeys(t.prefix));
});
afterAll(() => t.stop());

describe('/回访: the outcome and the rating as people type them', () => {
  it('reads the outcome glued to the rating: 正常群众满意', async () => {
    const id = await closed('闸阀漏水');
    expect(await inT1(MEMBER, `/回访 #${id} 正常群众满意`)).toBe(`🔁 **#${id}** 福禄镇斑竹村 回访正常，状态：已回访。\n群众评价：满意`);
    expect(await store.get(id)).toMatchObject({ state: 'revisited', rating: '满意' });
  });

  it('reads a rating in a 群众… phrase with a degree: 群众都很满意, 群众比较满意, 群众不太满意', async () => {
    const x = await closed('路灯不亮');
    expect(await inT1(MEMBER, `/回访 #${x} 正常 群众都很满意`)).toContain('\n群众评价：满意');
    const y = await closed('公开栏未更新');
    expect(await inT1(MEMBER, `/回访 #${y} 一切正常，群众比较满意`)).toContain('\n群众评价：基本满意');
    const z = await closed('活动室锁门');
    expect(await inT1(MEMBER, `/回访 #${z} 反弹 群众不太满意 又锁门了 期限:30天`)).toContain('\n群众评价：不满意\n情况：又锁门了');
    expect((await store.get(x))!.rating).toBe('满意');
    expect((await store.get(y))!.rating).toBe('基本满意');
    expect((await store.get(z))!.rating).toBe('不满意');
  });

  it('ends the dialogue once the answer says the outcome, with or without a rating', async () => {
    const a = await closed('井盖缺失');
    expect(await inT1(MEMBER, `/回访 #${a} 群众很满意`)).toMatch(new RegExp(`^❓ #${a} 回访结果是“正常”还是“反弹”？`, 'u'));
    expect(await inT1(MEMBER, '正常 评价:满意')).toMatch(new RegExp(`^🔁 \\*\\*#${a}\\*\\* 福禄镇斑竹村 回访正常`, 'u'));
    expect(await store.get(a)).toMatchObject({ state: 'revisited', rating: '满意' });

    const b = await closed('水沟堵塞');
    expect(await inT1(MEMBER, `/回访 #${b} 已去现场`)).toMatch(/^❓/u);
    expect(await inT1(MEMBER, '正常')).toMatch(/^🔁/u);
    expect(await store.get(b)).toMatchObject({ state: 'revisited', revisitNote: '已去现场' });

    // An answer that names the outcome but cannot be read is refused, and the dialogue is over.
    const c = await closed('围墙破损');
    expect(await inT1(MEMBER, `/回访 #${c} 看过了`)).toMatch(/^❓/u);
    expect(await inT1(MEMBER, '不正常')).toBe(`⚠️ 没看出 #${c} 的回访结果“不正常”：请写“正常”或“反弹”\n例如：\`/回访 #${c} 正常 评价:满意\``);
    expect(await inT1(MEMBER, '正常')).not.toMatch(/^[❓🔁]/u);
    expect((await store.get(c))!.state).toBe('closed');
  });

  it('asks for a rating the note speaks of but the scale does not read, and asks once', async () => {
    const a = await closed('垃圾乱堆');
    const history = await store.historyLength(a);
    expect(await inT1(MEMBER, `/回访 #${a} 正常 群众满意度很高`)).toMatch(new RegExp(`^❓ #${a} 的说明提到群众评价，是“满意”“基本满意”“不满意”中的哪一档？`, 'u'));
    expect(await store.historyLength(a)).toBe(history);
    expect(await inT1(MEMBER, '满意')).toBe(`🔁 **#${a}** 福禄镇斑竹村 回访正常，状态：已回访。\n群众评价：满意`);
    expect(await store.get(a)).toMatchObject({ rating: '满意', revisitNote: '群众满意度很高' });

    const b = await closed('护栏松动');
    expect(await inT1(MEMBER, `/回访 #${b} 正常 群众基本上都还挺满意吧`)).toMatch(/^❓/u);
    expect(await inT1(MEMBER, '不记')).toMatch(/^🔁/u);
    expect((await store.get(b))!.rating).toBeUndefined();
  });
});

describe('/销号: degrees, and a grade given after 销号', () => {
  it('reads 很好 / 比较好 / 不太好 as the scale’s words', async () => {
    const a = await reportAndFix('路面坑洼');
    expect(await inT1(VERIFIER, `/销号 #${a} 效果很好`)).toContain('\n完成效果：好\n');
    const b = await reportAndFix('标识缺失');
    expect(await inT1(VERIFIER, `/销号 #${b} 效果:比较好，现场核验`)).toContain('\n完成效果：较好\n');
    expect(await store.get(b)).toMatchObject({ grade: '较好', verifyNote: '现场核验' });
    const c = await reportAndFix('台账缺页');
    expect(await inT1(VERIFIER, `/销号 #${c} 效果:不太好`)).toContain('\n完成效果：差\n');
  });

  it('grades a closed issue that has none, audited and scored; says how when no grade is given', async () => {
    const a = await closed('路灯闪烁');
    expect(await inT1(VERIFIER, `/销号 #${a}`)).toBe(`⚠️ #${a} 当前是已销号状态，不能销号；要补记完成效果，请发送：/销号 #${a} 效果:好`);
    expect(await inT1(VERIFIER, `/销号 #${a} 效果:好好`)).toBe(
      `⚠️ 完成效果没有“好好”这一档，可选：好、较好、一般、差。是不是“好”或“较好”？\n例如：\`/销号 #${a} 效果:好\``,
    );
    // Two people: the one who fixed it does not grade it either.
    expect(await inT1(SEC, `/销号 #${a} 效果:好`)).toMatch(/^无权限：/u);
    expect(await inT1(VERIFIER, `/销号 #${a} 效果:一般 补一句`)).toBe(`⚠️ #${a} 已销号，只能补记完成效果，不能再加核验意见\n例如：\`/销号 #${a} 效果:好\``);
    expect(await inT1(VERIFIER, `/销号 #${a} 效果:一般`)).toBe(`☑️ **#${a}** 福禄镇斑竹村 补记完成效果：一般，状态：已销号`);
    const issue = await store.get(a);
    expect(issue).toMatchObject({ state: 'closed', grade: '一般' });
    expect((await store.history(a)).at(-1)).toMatchObject({ action: 'grade', actor: VERIFIER, from: 'closed', to: 'closed', note: '完成效果：一般' });
    expect(await inT1(MEMBER, `/查看 #${a}`)).toContain('\n完成效果：一般\n');
    expect((await admin('/考核 斑竹村')).split('\n')).toContain(`- 完成效果“一般” 1 件 −0.5：#${a}`);
  });

  it('once graded: the refusal comes before the word, and only 组织部 changes it', async () => {
    const a = await closed('电线裸露', '效果:较好');
    expect(await inT1(VERIFIER, `/销号 #${a}`)).toBe(`⚠️ #${a} 当前是已销号状态，不能销号（完成效果：较好）`);
    expect(await inT1(MEMBER, `/销号 #${a} 效果:好好`)).toBe(`无权限：#${a} 的完成效果已评定为“较好”，更改须由组织部办理。`);
    expect(await admin(`/销号 #${a} 效果:好`)).toBe(`☑️ **#${a}** 福禄镇斑竹村 补记完成效果：好（原为“较好”），状态：已销号`);
    expect((await store.history(a)).at(-1)).toMatchObject({ action: 'grade', actor: 'u_admin', note: '完成效果：较好 → 好' });
    // A revisited issue without a grade may be graded too.
    const b = await closed('广场积水');
    expect(await inT1(MEMBER, `/回访 #${b} 正常`)).toMatch(/^🔁/u);
    expect(await inT1(VERIFIER, `/销号 #${b} 好`)).toBe(`☑️ **#${b}** 福禄镇斑竹村 补记完成效果：好，状态：已回访`);
  });
});

describe('a field the command does not take is refused, never dropped (docs/design.md §4.4)', () => {
  it('refuses 评价 at /销号, 效果 at /回访 and at /整改, 范围 at /清单, before anything is written', async () => {
    const a = await reportAndFix('墙面脱落');
    const before = await store.get(a);
    expect(await inT1(VERIFIER, `/销号 #${a} 现场核验 评价:满意`)).toBe(`⚠️ 评价请在回访时填写\n例如：\`/回访 #${a} 正常 评价:满意\``);
    expect(await inT1(SEC, `/整改 #${a} 已完成 效果:良好`)).toBe(`⚠️ 效果请在销号时填写\n例如：\`/销号 #${a} 效果:好\``);
    expect(await store.get(a)).toEqual(before);
    expect(await inT1(VERIFIER, `/销号 #${a} 效果:好`)).toContain('已销号');
    const closedOne = await store.get(a);
    expect(await inT1(MEMBER, `/回访 #${a} 正常 效果:好`)).toBe(`⚠️ 效果请在销号时填写\n例如：\`/销号 #${a} 效果:好\``);
    expect(await store.get(a)).toEqual(closedOne);
    expect(await inT1(MEMBER, '/清单 范围:福禄镇')).toBe('⚠️ 范围请在布置任务或开始巡查时填写\n例如：`/布置 开展党员大会会议记录自查 期限:12月20日 范围:福禄镇`');
    // The fields a command reads still work.
    expect(await inT1(MEMBER, `/回访 #${a} 反弹 评价:不满意 又脱落了 期限:30天`)).toContain('\n群众评价：不满意\n');
  });
});
