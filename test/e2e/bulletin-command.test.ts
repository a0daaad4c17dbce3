import type { FileOrder } from '../../jobs/files/file-jobs';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { appForFile, BOT_NAME } from '../support/app';
import { QUARTER_STORIES, writeStories } from '../support/period-ledger';
import { pollUntil } from '../support/wait';

/**
 * /通报 [时段] [范围] over the encrypted callback protocol: admins only; the reply is the short
 * text at once with the signed link of the .docx, which the real files worker makes and the
 * link then serves. What the handler asks of the files client is recorded on the way through.
 */
const { app } = appForFile('2026-10-08T09:00:00+08:00');
const asked: FileOrder[] = [];

beforeAll(async () => {
  await writeStories(new LedgerStore(app().redis, createKeys(app().prefix)), app().app.org(), QUARTER_STORIES);
  const real = app().app.jobs.files;
  app().app.jobs.files = {
    ...real,
    request(order) {
      asked.push(order);
      return real.request(order);
    },
  };
});
beforeEach(() => {
  asked.length = 0;
});

const say = (userId: string, chatId: string, text: string, msgid?: string) => app().client.say({ userId, chatId, text: `@${BOT_NAME} ${text}`, ...(msgid ? { msgid } : {}) });

describe('who may', () => {
  it.each([
    ['a team leader', 'u_luo', 'CHAT_T1'],
    ['a team member', 'u_t1_m2', 'CHAT_T1'],
    ['a secretary', 'u_sec_banzhu', 'CHAT_T1'],
    ['someone not in the org file', 'u_stranger', 'CHAT_T1'],
  ])('refuses %s', async (_who, user, chat) => {
    const reply = await say(user, chat, '/通报 上季度');
    expect(reply).toMatch(/^无权限/);
    expect(reply).toContain('组织部');
    expect(asked).toEqual([]);
  });
});

describe('an admin', () => {
  it('gets the period’s short text and the link to the .docx at once', async () => {
    const reply = await say('u_admin', 'CHAT_ADMIN', '/通报 上季度');
    expect(asked).toHaveLength(1);
    const req = asked[0]!;
    expect(req).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      kind: 'bulletin',
      requester: 'u_admin',
      chatId: 'CHAT_ADMIN',
      scope: { label: '全区（示例区）', unitIds: app().app.org().units.map((u) => u.id) },
      period: { label: '2026年第3季度', months: ['202607', '202608', '202609'] },
    });
    const lines = reply.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      '**全区（示例区） · 2026年第3季度 整改情况通报**',
      '2026年7月1日至9月30日发现的问题，截至2026年10月8日；▲▼为与2026年第2季度相比',
      '全区（示例区）：发现 6 ▲3　已销号 3 ▲1　逾期 3 ▲2',
      '整改率 50.0% ▼16.7　按期整改率 33.3% ▼33.4',
    ]);
    expect(reply).toContain('> 第一工作队：发现 4 ▲2，销号 1 ▼1，逾期 3 ▲3，整改率 25.0% ▼75.0');
    expect(reply).toContain('🔴 福禄镇斑竹村 逾期 2 件');
    // Short: the relapses are the document's.
    expect(reply).not.toContain('回头看反弹');
    const url = /\]\((http[^)]+)\)/.exec(lines.at(-2)!)![1]!;
    expect(lines.slice(-2)).toEqual([`📎 [通报（公文 .docx）](${url})`, '文件正在生成，稍后发到本群；链接在文件生成后可以打开（24 小时内有效）。']);
    expect(url).toMatch(new RegExp(`/files/${req.id}\\.docx\\?u=u_admin&exp=\\d+&sig=`));
    // The real worker makes it; the link then serves the .docx.
    let res: Response | undefined;
    await pollUntil(async () => {
      res = await fetch(url);
      return res.status !== 202;
    }, 'the .docx to be made');
    expect([url, res!.status]).toEqual([url, 200]);
    expect(res!.headers.get('content-type')).toContain('officedocument.wordprocessingml');
    expect(Buffer.from(await res!.arrayBuffer()).subarray(0, 2).toString()).toBe('PK');
  });

  it('names a scope and a period in any order, Traditional and full-width too', async () => {
    const reply = await say('u_admin', 'CHAT_ADMIN', '/通報 ２０２６年第３季度 福禄镇');
    expect(reply.split('\n')[0]).toBe('**福禄镇 · 2026年第3季度 整改情况通报**');
    expect(asked.map((r) => [r.scope.label, r.scope.unitIds.length, r.period.label])).toEqual([['福禄镇', app().app.org().units.filter((u) => u.town === '福禄镇').length, '2026年第3季度']]);
    expect(reply).toContain('> 第一工作队：发现 4 ▲2');
    expect(reply).toMatch(/\n> (第.工作队、)*第七工作队(、第.工作队)*：本期和上期都没有登记问题\n/u);
    expect(reply).not.toContain('第二工作队');
  });

  it('defaults to all time, with nothing to compare', async () => {
    const reply = await say('u_admin', 'CHAT_ADMIN', '/bulletin');
    expect(reply.split('\n').slice(0, 3)).toEqual(['**全区（示例区） · 累计 整改情况通报**', '截至2026年10月8日', '全区（示例区）：发现 9　已销号 5　逾期 4']);
    expect(asked[0]!.period).toEqual({ label: '累计' });
  });

  it('asks for one file per message, however often WeCom re-sends it', async () => {
    const first = await say('u_admin', 'CHAT_ADMIN', '/通报 本月', 'msg-bulletin-once');
    const again = await say('u_admin', 'CHAT_ADMIN', '/通报 本月', 'msg-bulletin-once');
    expect(again).toBe(first);
    expect(asked).toHaveLength(1);
  });

  it('refuses a word that is neither a period nor a scope, with an example, and asks for nothing', async () => {
    const reply = await say('u_admin', 'CHAT_ADMIN', '/通报 火星');
    expect(reply).toMatch(/^⚠️ 看不懂“火星”/);
    expect(reply).toContain('/通报 上季度');
    expect(asked).toEqual([]);
  });
});
