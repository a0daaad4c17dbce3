import { ENTRY_LIMITS } from '../../src/domain/limits';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { appForFile, BOT_NAME } from '../support/app';
import { testRedis } from '../support/redis';
import { pollUntil } from '../support/wait';
import { monitorRedis, type Monitor } from '../support/monitor';

/**
 * Nothing a chat can send makes one issue grow without end: text is capped (and the reply says
 * the limit with an example), a message carries at most 9 photos, every history of an issue has
 * a ceiling, histories live beside the issue hash and each commit sends only what changed. Once,
 * 300 /延期 with long reasons made one issue hash 4.8 MB, and each commit carried 1.75 MB.
 */
const { app } = appForFile('2026-04-27T09:00:00+08:00');

const MEMBER = 'u_t1_m2'; // 唐建平
const SEC_BANZHU = 'u_sec_banzhu'; // 陈晓燕

function say(userId: string, text: string, images?: string[]): Promise<string> {
  return app().client.say({ userId, chatId: 'CHAT_T1', text: `@${BOT_NAME} ${text}`, ...(images ? { images } : {}) });
}

async function report(text: string): Promise<number> {
  const reply = await say(MEMBER, `/上报 ${text}`);
  const m = /#(\d+)/.exec(reply);
  if (!m) throw new Error(`no issue id in: ${reply}`);
  return Number(m[1]);
}

const photos = (n: number) => Array.from({ length: n }, (_, i) => `https://img.example/p${i}.jpg`);
/** Exactly `n` characters of Chinese (three bytes each in UTF-8). */
const chinese = (n: number) => '配件需从厂家订购并等待'.repeat(Math.ceil(n / 11)).slice(0, n);

describe('text over its limit is refused, saying the limit, with an example', () => {
  it.each<[string, (id: number) => string, string]>([
    ['a 延期 reason', (id) => `/延期 #${id} 5月20日 ${chinese(201)}`, '⚠️ 延期理由请控制在 200 字以内（现在 201 字）\n例如：`/延期 #12 5月20日 配件需从厂家订购`'],
    ['a 驳回 reason', (id) => `/驳回 #${id} ${chinese(250)}`, '⚠️ 驳回原因请控制在 200 字以内（现在 250 字）\n例如：`/驳回 #12 照片看不清闸阀，请补拍`'],
    ['a 撤销 reason', (id) => `/撤销 #${id} ${chinese(201)}`, '⚠️ 撤销原因请控制在 200 字以内（现在 201 字）\n例如：`/撤销 #12 重复上报，同 #9`'],
    ['a 类别', () => `/上报 斑竹村 路灯不亮 类别:${chinese(21)}`, '⚠️ 类别请控制在 20 字以内（现在 21 字）\n例如：`/上报 斑竹村 闸阀老化漏水 期限:5个工作日内`'],
    ['a 来源', () => `/上报 斑竹村 路灯不亮 来源:${chinese(30)}`, '⚠️ 来源请控制在 20 字以内（现在 30 字）\n例如：`/上报 斑竹村 闸阀老化漏水 期限:5个工作日内`'],
  ])('%s', async (_what, command, reply) => {
    const id = await report('斑竹村 文化室门窗破损');
    const before = await new LedgerStore(app().redis, createKeys(app().prefix)).get(id);
    expect(await say(MEMBER, command(id))).toBe(reply);
    expect(await new LedgerStore(app().redis, createKeys(app().prefix)).get(id)).toEqual(before);
  });

  it('accepts a reason of exactly 200 characters', async () => {
    const id = await report('斑竹村 路灯不亮');
    expect(await say(MEMBER, `/延期 #${id} 5月20日 ${chinese(200)}`)).toContain('期限调整为');
  });
});

describe('photos per message', () => {
  const REFUSED = '⚠️ 一条消息最多附 9 张照片（这条有 99 张），请挑选 9 张以内重新发送';

  it('refuses a report with 99 photos and takes no id', async () => {
    const keys = createKeys(app().prefix);
    await report('斑竹村 先登记一个问题');
    const seq = await app().redis.get(keys.issueSeq);
    expect(await say(MEMBER, '/上报 斑竹村 垃圾堆放', photos(99))).toBe(REFUSED);
    expect(await app().redis.get(keys.issueSeq)).toBe(seq);
  });

  it('refuses a fix with 99 photos and changes nothing; 9 are kept', async () => {
    const ledger = new LedgerStore(app().redis, createKeys(app().prefix));
    const id = await report('斑竹村 道路坑洼');
    expect(await say(SEC_BANZHU, `/整改 #${id} 已修补`, photos(99))).toBe(REFUSED);
    expect(await ledger.get(id)).toMatchObject({ state: 'assigned', version: 1, evidence: [] });
    expect(await say(SEC_BANZHU, `/整改 #${id} 已修补`, photos(9))).toContain('（照片 9 张）');
    expect((await ledger.get(id))!.evidence).toHaveLength(9);
    // Their downloads settle (img.example is no WeCom media host: refused at once) before the
    // next test watches every command with MONITOR.
    await pollUntil(async () => (await ledger.get(id))!.evidence.every((e) => e.failed?.reason === 'foreign-host'), 'the 9 photos settled');
  });
});

describe('300 /延期 with 200-character reasons', () => {
  const client = testRedis();
  let monitor: Monitor | undefined;
  afterAll(async () => {
    monitor?.disconnect();
    await client.quit();
  });

  it('keep the issue hash small, every history bounded and each commit small', async () => {
    const keys = createKeys(app().prefix);
    const id = await report('斑竹村 闸阀老化漏水');

    // Every commit script call for this issue, as Redis received it.
    // (monitorRedis resolves once Redis has acknowledged MONITOR, so nothing after it is missed.)
    monitor = await monitorRedis(client);
    const commits: number[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if ((args[0] === 'evalsha' || args[0] === 'eval') && args[3] === keys.issue(id)) commits.push(args.reduce((n, a) => n + Buffer.byteLength(a), 0));
    });

    // The secretary asks, the team member extends at once, in turn: both kinds of history grow.
    const replies: string[] = [];
    for (let i = 0; i < 300; i++) {
      const who = i % 2 === 0 ? SEC_BANZHU : MEMBER;
      // Always later than the deadline in force: /延期 only moves it later.
      replies.push(await say(who, `/延期 #${id} ${10 + i}天 ${chinese(200)}`));
    }
    const accepted = replies.filter((r) => r.startsWith('🗓')).length;
    // 50 requests and 49 changes (上报 made the first deadline change).
    expect(accepted).toBe(ENTRY_LIMITS.extensionRequests + ENTRY_LIMITS.deadlineChanges - 1);
    expect(replies).toContain(`⚠️ #${id} 已申请延期 50 次，达到上限，不能再申请`);
    expect(replies).toContain(`⚠️ #${id} 的期限已调整 50 次，达到上限，不能再调整`);

    const hashBytes = Number(await app().redis.memory('USAGE', keys.issue(id), 'SAMPLES', 0));
    expect(hashBytes).toBeLessThan(2048);
    // The hash keeps only the deadline set at 上报; the 49 changes since are in the history.
    expect(await app().redis.hstrlen(keys.issue(id), 'deadlineChanges')).toBeLessThan(200);
    expect(await app().redis.hstrlen(keys.issue(id), 'extensionRequest')).toBeLessThan(800);
    // 50 deadline changes of ~650 bytes each, and nothing else.
    expect(await app().redis.strlen(keys.issueHistory(id))).toBeLessThan(ENTRY_LIMITS.deadlineChanges * 700);

    // Each commit carries one change: its fields, one history entry and the audit entry — never the history.
    await pollUntil(() => commits.length >= accepted, `${accepted} commits seen by MONITOR`);
    expect(commits).toHaveLength(accepted);
    // A 200-character reason is 600 bytes; the change carries it three times (its field or history
    // entry, the district stream, the issue's audit list) and the reply recorded with it a fourth.
    expect(Math.max(...commits)).toBeLessThan(4 * 1024);

    // The issue still reads back whole.
    const issue = await new LedgerStore(app().redis, keys).get(id);
    expect(issue!.deadlineChanges).toHaveLength(ENTRY_LIMITS.deadlineChanges);
    expect(issue).toMatchObject({ extensionRequestCount: ENTRY_LIMITS.extensionRequests, version: 1 + accepted });
  });
});
