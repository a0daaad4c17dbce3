import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { fixedClock } from '../../src/clock';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import { BOT_NAME, startTestApp, type TestApp } from '../support/app';

/**
 * The department's commands keep to the area of the chat and of the person: a record or a score
 * entry is made only where its unit may be shown, and a 队长 exports only the teams they lead —
 * here 罗志刚 leads 第一工作队 and is also a member of 第二工作队.
 */
let t: TestApp;
beforeAll(async () => {
  const raw = parseYaml(readFileSync(demoOrgFile(), 'utf8')) as { teams: { id: string; members: string[] }[] };
  raw.teams.find((x) => x.id === 't2')!.members.push('u_luo');
  t = await startTestApp({ clock: fixedClock('2026-06-15T10:00:00+08:00'), org: parseOrg(stringifyYaml(raw), {}) });
});
afterAll(async () => {
  await t.stop();
});

const say = (userId: string, chatId: string, text: string) => t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });
/** A single chat with the bot (no chat id): what the person may see. */
const single = (userId: string, text: string) => t.client.say({ userId, text });

it('records a visit or a practice only in a chat that may show its unit', async () => {
  await say('u_t1_m2', 'CHAT_T1', '/上报 斑竹村 公开栏未更新');
  expect(await say('u_t1_m2', 'STRANGER', '/走访 斑竹村 看看')).toMatch(/^无权限：.*不是组织名册里登记的工作群/u);
  expect(await say('u_t1_m2', 'STRANGER', '/典型 斑竹村 陌生群里的做法')).toMatch(/^无权限：.*不是组织名册里登记的工作群/u);
  expect(await say('u_luo', 'CHAT_T2', '/走访 斑竹村 在二队群')).toMatch(/^无权限：福禄镇斑竹村不在本群的范围内/u);
  // Nothing was recorded by the refusals: the first visit in its own group is visit 1.
  expect(await say('u_t1_m2', 'CHAT_T1', '/走访 斑竹村 看看')).toContain('当天上报的问题：#1');
  expect(await say('u_admin', 'CHAT_ADMIN', '/典型 清单')).toContain('还没有记录典型经验。');
});

it('makes and withdraws a score entry only where its target may be shown', async () => {
  expect(await say('u_admin', 'CHAT_T1', '/加分 第二工作队 1 获市级表彰')).toMatch(/^无权限：第二工作队不在本群的范围内/u);
  expect(await say('u_admin', 'STRANGER', '/加分 第二工作队 1 获市级表彰')).toMatch(/^无权限/u);
  const made = await say('u_admin', 'CHAT_ADMIN', '/加分 第二工作队 1 获市级表彰');
  const n = /编号 (\d+)/.exec(made)![1];
  expect(await say('u_admin', 'CHAT_T1', `/撤回加减分 ${n}`)).toMatch(/^无权限：这条加减分不在本群的范围内/u);
  expect(await say('u_admin', 'CHAT_ADMIN', `/撤回加减分 ${n}`)).toContain(`已撤回加减分（编号 ${n}）`);
});

it('lets a 队长 export only the teams they lead, not every team they are in', async () => {
  await say('u_t2_m2', 'CHAT_T2', '/上报 喜观村 道路破损');
  const mine = await single('u_luo', '/导出');
  expect(mine.split('\n')[0]).toBe('**台账导出** 第一工作队 · 累计，共 1 个问题');
  expect(await single('u_luo', '/导出 喜观村')).toMatch(/^无权限：七塘镇喜观村不在你带领的工作队的片区；你带领的是第一工作队（福禄镇），其他片区的台账请组织部导出/u);
  expect(await single('u_luo', '/导出 福禄镇')).toMatch(/^\*\*台账导出\*\* 福禄镇 · 累计，共 1 个问题/u);
});
