import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { BOT_NAME, demoOrgWith } from '../support/app';
import { TRANSPORTS, type TransportUnderTest } from '../support/drivers';
import { pollUntil } from '../support/wait';

/**
 * A click whose command outlasts WeCom's 5 s for a card event (docs/design.md §4.20): the app
 * gives it a budget, answers without an update when it runs out (the card stays), and tells the
 * card's chat the result once the command is done. The budget is 0 here: every click is late,
 * without a sleep or a slowed command.
 */
const LEADER = 'u_luo'; // 罗志刚, 第一工作队队长
const MEMBER = 'u_t1_m2'; // 唐建平, 第一工作队
const SECRETARY = 'u_sec_banzhu'; // 陈晓燕, 斑竹村书记
const CHAT = 'CHAT_T1';

describe.each(TRANSPORTS)('a late card click over $name', (transport) => {
  let u: TransportUnderTest;
  let ledger: LedgerStore;
  beforeAll(async () => {
    // Every chat has a group robot: in webhook mode the result goes there, on ws over the connection.
    u = await transport.start({ org: demoOrgWith({}), cardBudgetMs: 0 });
    ledger = new LedgerStore(u.t.redis, createKeys(u.t.prefix));
  });
  afterAll(async () => {
    await u.stop();
  });

  const say = (userId: string, text: string) => u.driver.say({ chatId: CHAT, userId, text: `@${BOT_NAME} ${text}` });
  const idOf = (markdown: string) => Number(/\*\*#(\d+)\*\*/u.exec(markdown)![1]);

  /** The words pushed into the card's chat, on the transport's push channel. */
  async function pushed(match: (content: string) => boolean): Promise<string[]> {
    if (transport.name === 'webhook') {
      await u.wecom.waitFor((ms) => ms.some((m) => m.key === `KEY_${CHAT}` && match(m.content)));
      return u.wecom.delivered(`KEY_${CHAT}`).map((m) => m.content).filter(match);
    }
    const markdownOf = (f: { body?: Record<string, unknown> }) => (f.body?.msgtype === 'markdown' ? (f.body as { markdown: { content: string } }).markdown.content : '');
    await u.ws!.waitForFrame(() => u.ws!.sends(CHAT).some((f) => match(markdownOf(f))));
    return u.ws!.sends(CHAT).map(markdownOf).filter(match);
  }

  async function submitted(): Promise<{ id: number; taskId: string }> {
    const r = await say(LEADER, '/上报 斑竹村 闸阀老化漏水');
    const id = idOf(r.markdown);
    const fixed = await say(SECRETARY, `/整改 #${id} 闸阀已更换`);
    return { id, taskId: fixed.card!.task_id! };
  }

  it('answers without an update when the budget runs out, does the step, and tells the chat the result', async () => {
    const { id, taskId } = await submitted();
    const click = await u.driver.click({ chatId: CHAT, userId: MEMBER, taskId, eventKey: 'verify' });
    // No update: the answer would arrive after WeCom stopped waiting; the card stays. (On ws the
    // driver may read the result's push, sent meanwhile, as a follow-up: the words are checked below.)
    expect(click.update).toBeUndefined();
    if (transport.name === 'webhook') expect(click).toEqual({});
    const words = await pushed((c) => c.includes(`#${id}**`));
    // The update in words, then what the typed 销号 says (its 回头看 date), as an answered click sends besides the update.
    expect(words).toHaveLength(1);
    expect(words[0]).toMatch(new RegExp(`^\\*\\*#${id}\\*\\* 福禄镇斑竹村 已由 唐建平 销号，状态：已销号\\n☑️ \\*\\*#${id}\\*\\* 福禄镇斑竹村 已销号（按期整改）\\n回头看：`, 'u'));
    expect((await ledger.get(id))!.state).toBe('closed');
    expect((await ledger.history(id)).map((e) => e.action)).toEqual(['report', 'fix', 'verify']);
    await pollUntil(() => u.t.logs.some((l) => l.msg === 'card_late' && l.outcome === 'card_done' && l.pushed === true), 'the card_late line');
    // The 销号 committed after the click was answered: its work after the reply (the 回头看 timer)
    // still ran in this process, not left to the sweeper.
    await u.t.app.settled();
    expect(await u.t.redis.zrange(createKeys(u.t.prefix).followUpsDue, '0', '-1')).toEqual([]);
    // The event's own line says it was answered late.
    expect(u.t.logs.some((l) => (l.msg === 'wecom frame' || l.msg === 'wecom callback') && l.result === 'card_late')).toBe(true);
  });

  it('pushes a late question as words: the 驳回 dialogue starts as typed and the typed reason closes it', async () => {
    const { id, taskId } = await submitted();
    const click = await u.driver.click({ chatId: CHAT, userId: MEMBER, taskId, eventKey: 'reject' });
    expect(click.update).toBeUndefined();
    if (transport.name === 'webhook') expect(click).toEqual({});
    const words = await pushed((c) => c.startsWith(`❓ 请说明驳回 #${id} 的原因`));
    expect(words).toHaveLength(1);
    const answer = await say(MEMBER, '照片看不清闸阀，请补拍');
    expect(answer.markdown).toMatch(new RegExp(`^↩️ \\*\\*#${id}\\*\\* 福禄镇斑竹村 已驳回，状态：整改中`, 'u'));
  });
});
