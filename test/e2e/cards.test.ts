import { randomBytes } from 'node:crypto';
import type { TemplateCard } from '../../src/transport/template-card';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { Outbox } from '../../jobs/outbound/outbox';
import { pushSchema } from '../../jobs/push';
import { createQueues } from '../../jobs/queues';
import { processRevisit } from '../../jobs/timers/process-timer';
import { TimerScheduler } from '../../jobs/timers/timer-jobs';
import { systemClock } from '../../src/clock';
import { BOT_NAME } from '../support/app';
import { captureLogs } from '../support/log-capture';
import { testRedisUrl } from '../support/redis';
import { TRANSPORTS, type TransportUnderTest } from '../support/drivers';

/**
 * Button cards over each transport (docs/design.md §4.20): the notices carry cards with buttons,
 * a click acts as the clicker through the typed command and is answered with the card update in
 * the same callback (so within the event's 5 s), refusals and questions come as words.
 */
const LEADER = 'u_luo'; // 罗志刚, 第一工作队队长 (福禄镇)
const MEMBER = 'u_t1_m2'; // 唐建平, 第一工作队
const SECRETARY = 'u_sec_banzhu'; // 陈晓燕, 斑竹村书记
const OTHER_TEAM = 'u_t2_m1'; // 郑国强, 第二工作队 (七塘镇, 八塘镇)
const CHAT = 'CHAT_T1';

const keysOf = (card: TemplateCard | undefined) => card?.button_list?.map((b) => [b.text, b.key]);
const fields = (card: TemplateCard | undefined) => Object.fromEntries((card?.horizontal_content_list ?? []).map((f) => [f.keyname, f.value]));

describe.each(TRANSPORTS)('button cards over $name', (transport) => {
  let u: TransportUnderTest;
  let ledger: LedgerStore;
  beforeAll(async () => {
    u = await transport.start();
    ledger = new LedgerStore(u.t.redis, createKeys(u.t.prefix));
  });
  afterAll(async () => {
    await u.stop();
  });

  const say = (userId: string, text: string, chatId: string | undefined = CHAT) => u.driver.say({ userId, text: chatId ? `@${BOT_NAME} ${text}` : text, ...(chatId ? { chatId } : {}) });
  const idOf = (markdown: string) => Number(/\*\*#(\d+)\*\*/u.exec(markdown)![1]);
  const state = async (id: number) => (await ledger.get(id))!.state;

  /** Reported by the leader, assigned to 斑竹村's secretary: the assignment card. */
  async function reported(description = '闸阀老化漏水') {
    const r = await say(LEADER, `/上报 斑竹村 ${description}`);
    return { id: idOf(r.markdown), reply: r };
  }

  /** Reported, then fixed by the secretary in the group: the 待核验 card. */
  async function submitted() {
    const { id } = await reported();
    const r = await say(SECRETARY, `/整改 #${id} 闸阀已更换`);
    expect(r.markdown).toContain('已反馈整改');
    return { id, reply: r };
  }

  it('sends the assignment notice as a card with 已整改 and 查看 (no 销号: nothing to verify yet); the text stays the whole answer', async () => {
    const { id, reply } = await reported();
    expect(reply.markdown).toMatch(new RegExp(`^📌 已登记 \\*\\*#${id}\\*\\* 福禄镇斑竹村：闸阀老化漏水\\n状态：整改中\\n责任人：@陈晓燕`, 'u'));
    expect(reply.card).toMatchObject({ card_type: 'button_interaction', main_title: { title: `#${id} 福禄镇斑竹村`, desc: '闸阀老化漏水' } });
    expect(keysOf(reply.card)).toEqual([['已整改', 'fix'], ['查看', 'show']]);
    expect(fields(reply.card)).toMatchObject({ 状态: '整改中', 责任人: '陈晓燕' });
    expect(reply.card!.task_id).toMatch(new RegExp(`^i${id}-assigned-[0-9a-z]+-[0-9a-f]{8}$`, 'u'));
  });

  it('sends the 待核验 notice after /整改 with 销号, 驳回 and 查看', async () => {
    const { id, reply } = await submitted();
    expect(keysOf(reply.card)).toEqual([['销号', 'verify'], ['驳回', 'reject'], ['查看', 'show']]);
    expect(fields(reply.card)).toMatchObject({ 状态: '待核验', 整改: '闸阀已更换', 反馈人: '陈晓燕' });
    expect(reply.card!.task_id).toMatch(new RegExp(`^i${id}-submitted-[0-9a-z]+-[0-9a-f]{8}$`, 'u'));
  });

  it('closes the issue on a team member’s 销号 click and answers the card update in the same callback', async () => {
    const { id, reply } = await submitted();
    const click = await u.driver.click({ chatId: CHAT, userId: MEMBER, taskId: reply.card!.task_id!, eventKey: 'verify' });
    // The update came back as the event's own answer: within WeCom's 5 s by construction.
    expect(click.update).toMatchObject({ main_title: { title: `#${id} 福禄镇斑竹村`, desc: '已由 唐建平 销号' } });
    expect(fields(click.update)).toMatchObject({ 状态: '已销号' });
    expect(keysOf(click.update)).toEqual([['查看', 'show']]);
    expect(await state(id)).toBe('closed');
    const audit = await ledger.history(id);
    expect(audit.at(-1)).toMatchObject({ action: 'verify', actor: MEMBER, from: 'submitted', to: 'closed' });
  });

  it('refuses a click by someone without the role: the card stays, the refusal comes as words, nothing changes', async () => {
    const { id, reply } = await submitted();
    // A secretary may not 销号 at all: refused on the role, as the typed command is.
    const own = await u.driver.click({ chatId: CHAT, userId: SECRETARY, taskId: reply.card!.task_id!, eventKey: 'verify', expectFollowUp: true });
    expect(own.update).toBeUndefined();
    expect(own.followUp).toBe('无权限：/销号 仅限组织部、队长或队员使用。\n你可以用：/我的（等你办理的）、/整改 #编号 整改情况、/延期 #编号 新期限 理由。');
    // Another team's leader: outside the area.
    const other = await u.driver.click({ chatId: CHAT, userId: OTHER_TEAM, taskId: reply.card!.task_id!, eventKey: 'verify', expectFollowUp: true });
    expect(other.update).toBeUndefined();
    expect(other.followUp).toMatch(/^无权限：.*斑竹村（福禄镇）不在第二工作队的片区/u);
    expect(await state(id)).toBe('submitted');
    expect((await ledger.history(id)).map((e) => e.action)).toEqual(['report', 'fix']);
  });

  it('keeps duties apart on a click as typed: whoever reported the fix cannot 销号 it, and a re-sent refusal is the same words', async () => {
    const { id } = await reported();
    const fixed = await say(MEMBER, `/整改 #${id} 已派人更换`);
    const msgid = randomBytes(12).toString('base64');
    const click = () => u.driver.click({ chatId: CHAT, userId: MEMBER, taskId: fixed.card!.task_id!, eventKey: 'verify', msgid, expectFollowUp: true });
    const first = await click();
    expect(first).toEqual({ followUp: `无权限：#${id} 的整改由你反馈，销号需由本片区工作队的其他同志核验（两人核验）。` });
    expect(await click()).toEqual(first);
    expect(await state(id)).toBe('submitted');
  });

  it('updates a stale card to the issue’s state and does nothing else', async () => {
    const { id, reply } = await submitted();
    await say(MEMBER, `/销号 #${id}`);
    const before = await ledger.history(id);
    const click = await u.driver.click({ chatId: CHAT, userId: LEADER, taskId: reply.card!.task_id!, eventKey: 'reject' });
    expect(click.update).toMatchObject({ main_title: { desc: '已由 唐建平 销号' } });
    expect(fields(click.update)).toMatchObject({ 状态: '已销号' });
    expect(await ledger.history(id)).toEqual(before);
    expect(await state(id)).toBe('closed');
  });

  it('treats a card of an earlier round as stale: 销号 on the first 待核验 card does not close the second fix', async () => {
    const { id, reply: first } = await submitted();
    await say(MEMBER, `/驳回 #${id} 照片看不清闸阀，请补拍`);
    const second = await say(SECRETARY, `/整改 #${id} 已补拍照片，闸阀已换新`);
    expect(await state(id)).toBe('submitted');
    expect(second.card!.task_id).not.toBe(first.card!.task_id);
    const before = await ledger.history(id);
    const click = await u.driver.click({ chatId: CHAT, userId: MEMBER, taskId: first.card!.task_id!, eventKey: 'verify' });
    // Brought up to date (the second round's fix, by the secretary), nothing acted.
    expect(click.update).toMatchObject({ main_title: { desc: '已由 陈晓燕 反馈整改' } });
    expect(fields(click.update)).toMatchObject({ 状态: '待核验' });
    expect(keysOf(click.update)).toEqual([['查看', 'show']]);
    expect(await ledger.history(id)).toEqual(before);
    expect(await state(id)).toBe('submitted');
    // The current card still acts.
    const now = await u.driver.click({ chatId: CHAT, userId: MEMBER, taskId: second.card!.task_id!, eventKey: 'verify' });
    expect(now.update?.main_title?.desc).toBe('已由 唐建平 销号');
    expect(await state(id)).toBe('closed');
  });

  it('acts once on a re-delivered event (same msgid): the second delivery gets the card again, no second step', async () => {
    const { id, reply } = await submitted();
    const msgid = randomBytes(12).toString('base64');
    const first = await u.driver.click({ chatId: CHAT, userId: MEMBER, taskId: reply.card!.task_id!, eventKey: 'verify', msgid });
    const again = await u.driver.click({ chatId: CHAT, userId: MEMBER, taskId: reply.card!.task_id!, eventKey: 'verify', msgid });
    expect(first.update?.main_title?.desc).toBe('已由 唐建平 销号');
    expect(again.update?.main_title?.desc).toBe('已由 唐建平 销号');
    expect((await ledger.history(id)).map((e) => e.action)).toEqual(['report', 'fix', 'verify']);
  });

  it('asks for the reason on a 驳回 click, keeps the card, and the typed reason closes the dialogue', async () => {
    const { id, reply } = await submitted();
    const click = await u.driver.click({ chatId: CHAT, userId: MEMBER, taskId: reply.card!.task_id!, eventKey: 'reject', expectFollowUp: true });
    expect(click.update).toBeUndefined();
    expect(click.followUp).toMatch(new RegExp(`^❓ 请说明驳回 #${id} 的原因\\n例如：`, 'u'));
    expect(await state(id)).toBe('submitted');
    const answer = await say(MEMBER, '照片看不清闸阀，请补拍');
    expect(answer.markdown).toMatch(new RegExp(`^↩️ \\*\\*#${id}\\*\\* 福禄镇斑竹村 已驳回，状态：整改中\\n原因：照片看不清闸阀，请补拍`, 'u'));
    // Back to the unit: the assignment card again.
    expect(keysOf(answer.card)).toEqual([['已整改', 'fix'], ['查看', 'show']]);
    expect(await state(id)).toBe('assigned');
  });

  it('asks the secretary for the fix on an 已整改 click, then takes the typed answer', async () => {
    const { id, reply } = await reported();
    const click = await u.driver.click({ chatId: CHAT, userId: SECRETARY, taskId: reply.card!.task_id!, eventKey: 'fix', expectFollowUp: true });
    expect(click.update).toBeUndefined();
    expect(click.followUp).toMatch(new RegExp(`^❓ 请简要说明 #${id} 的整改情况`, 'u'));
    const answer = await say(SECRETARY, '已更换新闸阀');
    expect(answer.markdown).toContain(`✅ **#${id}** 福禄镇斑竹村 已反馈整改，状态：待核验`);
    expect(keysOf(answer.card)).toEqual([['销号', 'verify'], ['驳回', 'reject'], ['查看', 'show']]);
  });

  it('puts 回访正常 and 反弹 on the 回头看 push; a click revisits as the clicker, and 反弹 reopens the issue', async () => {
    const { id } = await submitted();
    await say(MEMBER, `/销号 #${id}`);
    const closed = (await ledger.get(id))!;
    // The timer's own step, on a queue of its own (the app's workers would send and drop the push).
    const { logger } = captureLogs();
    const queues = createQueues(testRedisUrl(), createKeys(`${u.t.prefix}rv:`).bullPrefix, logger);
    try {
      const deps = { ledger, outbox: new Outbox(queues.outbound), timers: new TimerScheduler(queues.timers, () => u.t.app.org()), org: () => u.t.app.org(), clock: systemClock, logger };
      expect(await processRevisit({ issueId: id, closedAt: closed.closedAt }, deps)).toBe('pushed');
      const push = pushSchema.parse((await queues.outbound.getJobs(['waiting', 'delayed', 'prioritized']))[0]!.data);
      expect(push.content).toMatch(new RegExp(`^🔁 回头看 #${id} `, 'u'));
      expect(keysOf(push.card)).toEqual([['回访正常', 'revisit-ok'], ['反弹', 'revisit-relapse'], ['查看', 'show']]);
      expect(push.card!.task_id).toMatch(new RegExp(`^i${id}-closed-[0-9a-z]+-[0-9a-f]{8}$`, 'u'));
      const click = await u.driver.click({ chatId: CHAT, userId: LEADER, taskId: push.card!.task_id!, eventKey: 'revisit-relapse', expectFollowUp: true });
      expect(click.update?.main_title?.desc).toBe('已由 罗志刚 回访：反弹');
      expect(fields(click.update)).toMatchObject({ 状态: '整改中' });
      expect(await ledger.get(id)).toMatchObject({ state: 'assigned', relapseCount: 1 });
      // The command's own answer is the next step: its words for the 责任人 besides the update …
      expect(click.followUp).toMatch(new RegExp(`^⚠️ \\*\\*#${id}\\*\\* 福禄镇斑竹村 回访发现反弹（第 1 次），状态：整改中\\n请 @陈晓燕 重新整改，期限：`, 'u'));
      if (transport.name === 'ws') {
        // … and the assignment card with 已整改 in the chat, as the long connection can push it.
        const isCard = (f: { body?: Record<string, unknown> }) => f.body?.msgtype === 'template_card';
        const frames = await u.ws!.waitForFrame(() => u.ws!.sends(CHAT).some(isCard));
        const cards = frames.filter((f) => f.cmd === 'aibot_send_msg' && f.body?.chatid === CHAT && isCard(f)).map((f) => (f.body as { template_card: TemplateCard }).template_card);
        expect(cards).toHaveLength(1);
        expect(keysOf(cards[0])).toEqual([['已整改', 'fix'], ['查看', 'show']]);
        expect(cards[0]!.task_id).toMatch(new RegExp(`^i${id}-assigned-[0-9a-z]+-[0-9a-f]{8}$`, 'u'));
        expect(fields(cards[0])).toMatchObject({ 状态: '整改中', 责任人: '陈晓燕' });
        // That card acts: the 责任人's 已整改 asks for the fix.
        const fix = await u.driver.click({ chatId: CHAT, userId: SECRETARY, taskId: cards[0]!.task_id!, eventKey: 'fix', expectFollowUp: true });
        expect(fix.followUp).toMatch(new RegExp(`^❓ 请简要说明 #${id} 的整改情况`, 'u'));
      }
    } finally {
      await queues.outbound.obliterate({ force: true });
      await queues.close();
    }
  });

  it('answers 查看 with the /查看 text as words and leaves the card', async () => {
    const { id, reply } = await reported();
    const click = await u.driver.click({ chatId: CHAT, userId: SECRETARY, taskId: reply.card!.task_id!, eventKey: 'show', expectFollowUp: true });
    expect(click.update).toBeUndefined();
    expect(click.followUp).toMatch(new RegExp(`^\\*\\*#${id} 福禄镇斑竹村\\*\\*（整改中）\\n问题：闸阀老化漏水`, 'u'));
  });

  it('keeps user text in a card to one line within the field’s limit', async () => {
    const { reply } = await reported('路灯不亮\n第二行 **粗体**\r\n[链接](http://x.invalid) 这是一段很长很长很长很长很长很长很长很长的问题描述');
    const desc = reply.card!.main_title!.desc!;
    expect(desc).not.toMatch(/[\n\r]/u);
    expect([...desc].length).toBeLessThanOrEqual(30);
    expect(desc.startsWith('路灯不亮 第二行')).toBe(true);
    expect(desc.endsWith('…')).toBe(true);
  });

  it('refuses a click whose task_id or key is not one of its cards, changing nothing', async () => {
    const { id, reply } = await reported();
    for (const [taskId, eventKey] of [
      ['fBmjTL7ErRCQSNA6GZKMlcFiWX1shOvg', 'verify'],
      [`i${id}-nonsense-00000000`, 'fix'],
      [reply.card!.task_id!, 'delete'],
    ] as const) {
      const click = await u.driver.click({ chatId: CHAT, userId: LEADER, taskId, eventKey, expectFollowUp: true });
      expect(click).toEqual({ followUp: '⚠️ 这个按钮已失效，请直接发送命令，例如：`/查看 #12`' });
    }
    expect((await ledger.history(id)).map((e) => e.action)).toEqual(['report']);
  });
});
