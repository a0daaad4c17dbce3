import { fixedClock } from '../../src/clock';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { BOT_NAME, demoOrg, startTestApp, type TestApp } from '../support/app';
import { generateLedger } from '../support/generate-ledger';

/** /status, /清单 and /我的 over the encrypted protocol, on a ledger written by the real store. */
const NOW = '2026-06-15T10:00:00+08:00';
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ clock: fixedClock(NOW) });
});
afterAll(async () => {
  await t.stop();
});

const say = (userId: string, chatId: string, text: string) => t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });

describe('/status on a generated ledger of 276 found, 223 closed', () => {
  beforeAll(async () => {
    const org = demoOrg();
    const town = org.units.filter((u) => u.town === '福禄镇' && u.secretary);
    await generateLedger(new LedgerStore(t.redis, createKeys(t.prefix)), org, { found: 276, closed: 223, units: town, days: 60, now: Date.parse(NOW) });
  });

  it('gives 整改率 80.8% with every figure docs/design.md §4.10 names', async () => {
    const text = await say('u_admin', 'CHAT_ADMIN', '/status 福禄镇');
    expect(text).toContain('**福禄镇 · 累计**');
    const lines = text.split('\n');
    expect(lines.slice(1, 5)).toEqual([
      expect.stringMatching(/^发现 276　已销号 223　逾期 \d+$/),
      '整改中 53　待核验 0　待交办 0',
      expect.stringMatching(/^整改率 80\.8%　按期整改率 \d+\.\d%$/),
      expect.stringMatching(/^平均 \d+\.\d 天销号$/),
    ]);
    // One short line per unit instead of a 7-column table: it reads on a 375-px phone.
    expect(text).not.toContain('|');
    expect(text).toContain('**各单位**（发现 销号 🔴逾期 整改率）');
    const units = lines.filter((l) => /^\S+ 发现\d+ 销号\d+( 🔴\d+)? \d+%$/u.test(l));
    expect(units).toHaveLength(6);
    const found = units.map((l) => Number(/发现(\d+)/.exec(l)![1]));
    expect(found.reduce((a, b) => a + b, 0)).toBe(276);
    expect(units[0]).toMatch(/^斑竹村 发现\d+ 销号\d+ 🔴\d+ \d+%$/);
    expect(text).toContain('**逾期最久**');
    expect(text).toMatch(/\n🔴 #\d+ 福禄镇[^（）\n]*（\d+月\d+日周.[^（）\n]*已逾期\d+天 @[^（）\n]+）/u);
    // Headline figures and unit lines stay within about 20 characters.
    for (const l of lines.slice(0, lines.indexOf('**逾期最久**'))) expect([...l].length).toBeLessThanOrEqual(24);
  });

  it('is the team leader’s default in the team chat, and the same figures', async () => {
    const text = await say('u_luo', 'CHAT_T1', '/status');
    expect(text).toContain('**第一工作队 · 累计**');
    expect(text).toContain('发现 276　已销号 223');
  });

  it('counts by discovery month for a period', async () => {
    const month = await say('u_luo', 'CHAT_T1', '/进度 本月');
    expect(month).toContain('**第一工作队 · 2026年6月**');
    const found = Number(/发现 (\d+)/.exec(month)![1]);
    expect(found).toBeGreaterThan(0);
    expect(found).toBeLessThan(276);
    const year = await say('u_luo', 'CHAT_T1', '/统计 2026');
    expect(year).toContain('发现 276');
    expect(await say('u_luo', 'CHAT_T1', '/status 2022')).toContain('这个范围和时段还没有登记问题');
  });

  it('keeps another team to its own area and refuses them this one', async () => {
    const own = await say('u_t2_m1', 'CHAT_T2', '/status');
    expect(own).toContain('**第二工作队 · 累计**');
    expect(own).not.toContain('发现 276');
    expect(await say('u_t2_m1', 'CHAT_T2', '/status 福禄镇')).toBe('无权限：福禄镇不在第二工作队的片区（七塘镇、八塘镇）；本片区以外的情况请组织部查看。');
    // The command is named as it was typed.
    expect(await say('u_sec_banzhu', 'CHAT_T1', '/status')).toBe('无权限：/status 仅限组织部、队长或队员使用。\n你可以用：/我的（等你办理的）、/整改 #编号 整改情况、/延期 #编号 新期限 理由。');
    expect(await say('u_sec_banzhu', 'CHAT_T1', '/进度')).toBe('无权限：/进度 仅限组织部、队长或队员使用。\n你可以用：/我的（等你办理的）、/整改 #编号 整改情况、/延期 #编号 新期限 理由。');
  });

  it('gives the admin the whole district, by town', async () => {
    const text = await say('u_admin', 'CHAT_ADMIN', '/status 全区');
    expect(text).toContain('**全区（示例区） · 累计**');
    expect(text).toContain('**各镇街**（发现 销号 🔴逾期 整改率）');
    expect(text).toMatch(/\n福禄镇 发现276 销号223 🔴\d+ 80%\n/);
  });

  it('explains an argument it does not understand, with an example', async () => {
    expect(await say('u_luo', 'CHAT_T1', '/status 火星')).toBe(
      '⚠️ 看不懂“火星”：可以写镇街、单位、工作队或“全区”，以及“本月”“本季度”“2026”这样的时段\n例如：`/status 福禄镇 本月`',
    );
  });

  it('/清单 逾期 lists the most overdue first with colours and pages', async () => {
    const text = await say('u_luo', 'CHAT_T1', '/清单 逾期');
    expect(text).toMatch(/^\*\*第一工作队 · 逾期（最久的在前）\*\*（共 \d+ 条，第 1\/\d+ 页）/);
    const lines = text.split('\n').filter((l) => l.startsWith('🔴'));
    expect(lines).toHaveLength(10);
    expect(text).toContain('下一页：`/清单 逾期 第2页`');
    const second = await say('u_luo', 'CHAT_T1', '/清单 逾期 第2页');
    expect(second).toContain('第 2/');
    // The next page keeps the scope that was asked for, not the chat's default.
    const town = await say('u_admin', 'CHAT_ADMIN', '/清单 福禄镇 逾期');
    expect(town).toContain('下一页：`/清单 福禄镇 逾期 第2页`');
    expect(await say('u_admin', 'CHAT_ADMIN', '/清单 福禄镇 逾期 第2页')).toMatch(/^\*\*福禄镇 · 逾期/);
  });

  it('/清单 已销号 斑竹村 narrows to a unit, newest first', async () => {
    const text = await say('u_luo', 'CHAT_T1', '/清单 已销号 斑竹村');
    expect(text).toMatch(/^\*\*福禄镇斑竹村 · 已销号\*\*（共 \d+ 条/);
    const ids = [...text.matchAll(/#(\d+) 福禄镇斑竹村/g)].map((m) => Number(m[1]));
    expect(ids.length).toBeGreaterThan(1);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
  });

  it('/我的 shows a secretary what waits on them', async () => {
    const text = await say('u_sec_banzhu', 'CHAT_T1', '/我的');
    expect(text).toMatch(/^\*\*待我整改\*\*（\d+）/);
    expect(text).toContain('整改后回复：`/整改 #编号 整改情况`');
    // Her own list does not @ her, and a line has one pair of brackets, not two.
    const items = text.split('\n').filter((l) => /^(🔴|🟡|🟢) #\d+/u.test(l));
    expect(items.length).toBeGreaterThan(0);
    for (const l of items) {
      expect(l).not.toContain('@');
      expect(l).toMatch(/^(🔴|🟡|🟢) #\d+ 福禄镇斑竹村：[^（）]+（\d+月\d+日周.[^（）]*）$/u);
    }
    // Someone else reading the same issues sees whose they are.
    expect(await say('u_luo', 'CHAT_T1', '/清单 斑竹村')).toMatch(/（\d+月\d+日周.[^（）]* @陈晓燕）/u);
  });
});
