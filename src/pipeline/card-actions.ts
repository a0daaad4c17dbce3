import { createHash } from 'node:crypto';
import type { PushInput } from '../../jobs/push';
import type { Issue } from '../domain/issue';
import { ACTION_WORDS, type ActionType } from '../domain/lifecycle';
import type { Org } from '../domain/org';
import { revisitAt } from '../domain/revisit';
import { officialCalendar } from '../parsing/deadline';
import { afterCard, cardIsCurrent, cardKeySchema, cardTaskSchema, cardWords, commandFor, doneLine, DONE_WORDS, type AfterCardInput, type CardKey } from '../rendering/issue-card';
import { unitLabel } from '../rendering/issue';
import { STATE_WORDS, type IssueState } from '../domain/issue';
import type { TemplateCard } from '../transport/template-card';
import type { CardAction, IncomingMessage, Reply } from '../transport/types';
import type { PipelineDeps } from './pipeline';

/** What a card click may reuse of the message path: a typed command run once per msgid, as the clicker. */
export interface ActionRunner {
  runMessage(message: IncomingMessage): Promise<Reply>;
}

/**
 * How long a click may take before it is answered without an update. WeCom drops a card event's
 * answer after 5 s (docs/wecom-protocol.md §1.7, §3.5), and a late answer leaves the card with its
 * buttons although the step was done; 4 s leaves a second for the encryption, the transport's
 * frame and the network. The command is not cut short: its result reaches the chat as a push.
 */
export const CARD_ANSWER_BUDGET_MS = 4_000;

/**
 * The command's own card goes out this long after the click is answered: the words that explain
 * it ("请 @责任人 重新整改…") are sent only after the update's acknowledgement, and WeCom shows
 * messages in the order they arrive, so the card comes second.
 */
export const NEXT_CARD_DELAY_MS = 1_000;

/** The state a successful click leaves the issue in: known without reading the issue again. */
const AFTER: Partial<Record<CardKey, IssueState>> = { fix: 'submitted', verify: 'closed', reject: 'assigned', 'revisit-ok': 'revisited', 'revisit-relapse': 'assigned' };

const UNKNOWN = '⚠️ 这个按钮已失效，请直接发送命令，例如：`/查看 #12`';

/**
 * What a click came to: the answer in the event's callback, the update in words (for a result
 * that comes too late for the callback), and the card the command itself answered with (反弹
 * reopens the issue: the assignment card, with 已整改 for the 责任人), which must reach the chat.
 */
interface Decided {
  reply: Reply;
  updated?: string;
  next?: TemplateCard;
}

/**
 * A click on a card's button (docs/design.md §4.20): the card's task_id names the issue, the
 * state it was made for and when the issue entered it, the button's key the step. A card whose
 * issue moved on (another state, or the same state in a later round) is updated to the issue's
 * state and nothing is done; otherwise the key's typed command runs through the message path as
 * the clicker, in the card's chat, with the event's msgid — the same role and area checks as
 * typed, once per event. The answer is raced against the event's budget: when the command takes
 * longer, the click is answered without an update (the card stays) and the result follows as a
 * push into the card's chat.
 */
export async function handleCardAction(deps: PipelineDeps, action: CardAction, runner: ActionRunner): Promise<Reply> {
  const started = performance.now();
  const work = decide(deps, action, runner);
  const decided = await within(work, deps.cardBudgetMs ?? CARD_ANSWER_BUDGET_MS);
  if (decided) {
    await pushNext(deps, action, decided);
    return decided.reply;
  }
  work.then(
    async (late) => {
      const pushed = await pushLate(deps, action, late);
      deps.logger.warn({ reqId: action.requestId, msgid: action.msgid, command: late.reply.handled?.command, outcome: late.reply.handled?.outcome, ms: Math.round(performance.now() - started), pushed }, 'card_late');
    },
    (err: unknown) => deps.logger.error({ err, reqId: action.requestId, msgid: action.msgid }, 'card_late: the click failed after its answer'),
  );
  return { markdown: '', handled: { command: '-', outcome: 'card_late' } };
}

/**
 * The work's result if it is ready within `ms`, else undefined (the work goes on). A budget of 0
 * or less is out already: only a result that is settled by now counts.
 */
async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  if (ms <= 0) return Promise.race([work, Promise.resolve(undefined)]);
  let timer: NodeJS.Timeout | undefined;
  const out = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([work, out]);
  } finally {
    clearTimeout(timer);
  }
}

async function decide(deps: PipelineDeps, action: CardAction, runner: ActionRunner): Promise<Decided> {
  const task = cardTaskSchema.safeParse(action.taskId);
  const key = cardKeySchema.safeParse(action.eventKey);
  // Not a card of ours (or an older shape): refused, the card stays.
  if (!task.success || !key.success) return { reply: { markdown: UNKNOWN, handled: { command: '-', outcome: 'card_unknown' } } };
  const issue = await deps.ledger.get(task.data.issueId);
  if (!issue) return { reply: { markdown: `⚠️ 没有找到问题 #${task.data.issueId}`, handled: { command: '-', outcome: 'card_not_found' } } };

  if (!cardIsCurrent(task.data, issue)) {
    // Stale: the card is brought up to date; a click on it acts on nothing (a 查看 still reads).
    const shown = key.data === 'show' ? (await run(action, runner, key.data, issue.id)).markdown : '';
    return withUpdate(deps, await currentCard(deps, issue, action.taskId), { markdown: shown, handled: { command: '-', outcome: 'card_stale' } });
  }

  const reply = await run(action, runner, key.data, issue.id);
  const outcome = reply.handled?.outcome ?? 'ok';
  const command = reply.handled?.command ?? '-';
  if (key.data === 'show' || reply.pending) {
    // A read, or a re-sent event whose first attempt still runs: the card stays.
    return { reply: { markdown: reply.pending ? '' : reply.markdown, handled: { command, outcome: `card_${outcome}` } } };
  }
  if (outcome === 'ok') {
    const state = AFTER[key.data] ?? issue.state;
    const org = deps.org();
    const line = doneLine(org, action.userId, DONE_WORDS[key.data]);
    // Closed just now (the command's own clock stamped it): its 回头看 counts from now.
    const now = deps.clock.now().getTime();
    const closed = state === 'closed' ? closedFacts(org, now, now, undefined) : undefined;
    const done = { card: afterCard(org, issue, { state, line, taskId: action.taskId, ...(closed ? { closed } : {}) }), issue, state, line };
    // The command's own card is the next step (反弹: the assignment card for the 责任人): its words
    // go besides the update ("请 @责任人 重新整改…"), the card follows as a push.
    if (reply.card) return { ...withUpdate(deps, done, { markdown: reply.markdown, handled: { command, outcome: 'card_done' } }), next: reply.card };
    return withUpdate(deps, done, { markdown: besides(org, key.data, issue.id, reply.markdown), handled: { command, outcome: 'card_done' } });
  }
  if (outcome === 'duplicate') {
    // The same event again (both attempts passed the state check): the recorded answer, unless
    // the first attempt moved the issue on — then the card shows that, as for a stale card.
    const now = await deps.ledger.get(issue.id);
    if (now && !cardIsCurrent(task.data, now)) return withUpdate(deps, await currentCard(deps, now, action.taskId), { markdown: '', handled: { command, outcome: 'card_duplicate' } });
    return { reply: { markdown: reply.markdown, handled: { command, outcome: 'card_duplicate' } } };
  }
  // A question (驳回 needs a reason: the dialogue starts as typed) or a refusal: words, card stays.
  return { reply: { markdown: reply.markdown, handled: { command, outcome: `card_${outcome}` } } };
}

/**
 * The words a done click sends besides its update: what the typed command answers, so a click
 * says no less than typing (销号: 按期 or not, the 回头看 date and how to revisit) — unless that is
 * one line, which the update says already. A click carries no 完成效果, so 销号's says how to add one.
 */
function besides(org: Org, key: CardKey, id: number, typed: string): string {
  const lines = typed.split('\n');
  const words = lines.length > 1 ? typed : '';
  if (key !== 'verify' || !words) return words;
  const grade = org.policy.grades[0]?.word;
  return grade ? `${words}\n完成效果未评定；要评定请发送：\`/销号 #${id} 效果:${grade}\`` : words;
}

/** What a card of an issue left 已销号 shows: when its 回头看 is due, and its 完成效果. */
function closedFacts(org: Org, closedAt: number, now: number, grade: string | undefined): NonNullable<AfterCardInput['closed']> {
  return { revisitDue: revisitAt(closedAt, org.policy, officialCalendar), now, grade };
}

/** The card that replaces the clicked one, and what it says was done ("已由 唐建平 销号"). */
type Update = { card: TemplateCard; issue: Issue; state: IssueState; line: string };

/** The reply with the card update, and the update in words for a result that comes late. */
function withUpdate(deps: PipelineDeps, u: Update, reply: Omit<Reply, 'card'>): Decided {
  const updated = `**#${u.issue.id}** ${unitLabel(deps.org(), u.issue.unitId)} ${u.line}，状态：${STATE_WORDS[u.state]}`;
  return { reply: { ...reply, card: u.card }, updated };
}

function run(action: CardAction, runner: ActionRunner, key: CardKey, issueId: number): Promise<Reply> {
  return runner.runMessage({
    kind: 'message',
    transport: action.transport,
    msgid: action.msgid,
    chatType: action.chatType,
    chatId: action.chatId,
    userId: action.userId,
    text: commandFor(key, issueId),
    media: [],
    ...(action.responseUrl ? { responseUrl: action.responseUrl } : {}),
    ...(action.requestId ? { requestId: action.requestId } : {}),
  });
}

/** The issue as it is now, and the step that brought it there and who took it, from its history. */
async function currentCard(deps: PipelineDeps, issue: Issue, taskId: string): Promise<Update> {
  const org = deps.org();
  const step = (await deps.ledger.history(issue.id, 10)).findLast((e) => e.to === issue.state && e.from !== e.to);
  const what = step ? (Object.hasOwn(ACTION_WORDS, step.action) ? ACTION_WORDS[step.action as ActionType] : step.action) : undefined;
  const line = step && what ? doneLine(org, step.actor, what) : `状态已变为${STATE_WORDS[issue.state]}`;
  const closed = issue.state === 'closed' && issue.closedAt !== undefined ? closedFacts(org, issue.closedAt, deps.clock.now().getTime(), issue.grade) : undefined;
  return { card: afterCard(org, issue, { state: issue.state, line, taskId, ...(closed ? { closed } : {}) }), issue, state: issue.state, line };
}

/** One push per event and part: a re-run of the same click queues nothing new. */
function pushId(action: CardAction, part: 'late' | 'card'): string {
  return `card-${part}-${createHash('sha1').update(action.msgid).digest('hex').slice(0, 16)}`;
}

/**
 * The command's own card, into the card's chat. Only on the long connection: in webhook mode no
 * channel carries a card with buttons unprompted (docs/wecom-protocol.md §5; the group robot's
 * cards have no callback), and the card's words already went as the follow-up.
 */
async function pushNext(deps: PipelineDeps, action: CardAction, decided: Decided): Promise<void> {
  if (!decided.next || action.transport !== 'ws') return;
  const card = decided.next;
  const push: PushInput = { id: pushId(action, 'card'), chatId: action.chatId, kind: 'card-result', format: 'text', content: cardWords(card), mentions: [], card, createdAt: deps.clock.now().getTime() };
  try {
    await deps.jobs.push(push, NEXT_CARD_DELAY_MS);
  } catch (err) {
    // The step is committed: a card not queued is logged, never a failed click (it would be clicked again).
    deps.logger.error({ err, push: push.id, reqId: action.requestId }, 'could not queue a push after a committed change');
  }
}

/** A result that missed the callback, told in the card's chat: the update in words, then the words besides it. */
async function pushLate(deps: PipelineDeps, action: CardAction, late: Decided): Promise<boolean> {
  const lines = [...(late.updated ? [late.updated] : []), ...(late.reply.markdown ? [late.reply.markdown] : [])];
  const pushes: PushInput[] = [];
  const now = deps.clock.now().getTime();
  if (lines.length) pushes.push({ id: pushId(action, 'late'), chatId: action.chatId, kind: 'card-result', format: 'markdown', content: lines.join('\n'), mentions: [], createdAt: now });
  const failed = await deps.jobs.pushAfterCommit(pushes);
  await pushNext(deps, action, late);
  return pushes.length > 0 && failed === 0;
}
