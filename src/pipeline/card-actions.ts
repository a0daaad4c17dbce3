import type { Issue } from '../domain/issue';
import { ACTION_WORDS, type ActionType } from '../domain/lifecycle';
import { afterCard, cardKeySchema, cardTaskSchema, commandFor, doneLine, DONE_WORDS, type CardKey } from '../rendering/issue-card';
import { STATE_WORDS, type IssueState } from '../domain/issue';
import type { CardAction, IncomingMessage, Reply } from '../transport/types';
import type { PipelineDeps } from './pipeline';

/** What a card click may reuse of the message path: a typed command run once per msgid, as the clicker. */
export interface ActionRunner {
  runMessage(message: IncomingMessage): Promise<Reply>;
}

/** The state a successful click leaves the issue in: known without reading the issue again. */
const AFTER: Partial<Record<CardKey, IssueState>> = { fix: 'submitted', verify: 'closed', reject: 'assigned', 'revisit-ok': 'revisited', 'revisit-relapse': 'assigned' };

const UNKNOWN = '⚠️ 这个按钮已失效，请直接发送命令，例如：`/查看 #12`';

/**
 * A click on a card's button (docs/design.md §4.20): the card's task_id names the issue and the
 * state it was made for, the button's key the step. A card whose issue moved on is updated to
 * the issue's state and nothing is done; otherwise the key's typed command runs through the
 * message path as the clicker, in the card's chat, with the event's msgid — the same role and
 * area checks as typed, once per event. Nothing here writes.
 */
export async function handleCardAction(deps: PipelineDeps, action: CardAction, runner: ActionRunner): Promise<Reply> {
  const task = cardTaskSchema.safeParse(action.taskId);
  const key = cardKeySchema.safeParse(action.eventKey);
  // Not a card of ours (or an older shape): refused, the card stays.
  if (!task.success || !key.success) return { markdown: UNKNOWN, handled: { command: '-', outcome: 'card_unknown' } };
  const issue = await deps.ledger.get(task.data.issueId);
  if (!issue) return { markdown: `⚠️ 没有找到问题 #${task.data.issueId}`, handled: { command: '-', outcome: 'card_not_found' } };

  if (issue.state !== task.data.state) {
    // Stale: the card is brought up to date; a click on it acts on nothing (a 查看 still reads).
    const card = await currentCard(deps, issue, action.taskId);
    const shown = key.data === 'show' ? (await run(action, runner, key.data, issue.id)).markdown : '';
    return { markdown: shown, card, handled: { command: '-', outcome: 'card_stale' } };
  }

  const reply = await run(action, runner, key.data, issue.id);
  const outcome = reply.handled?.outcome ?? 'ok';
  const command = reply.handled?.command ?? '-';
  if (key.data === 'show' || reply.pending) {
    // A read, or a re-sent event whose first attempt still runs: the card stays.
    return { markdown: reply.pending ? '' : reply.markdown, handled: { command, outcome: `card_${outcome}` } };
  }
  if (outcome === 'ok') {
    const state = AFTER[key.data] ?? issue.state;
    const card = afterCard(deps.org(), issue, { state, line: doneLine(deps.org(), action.userId, DONE_WORDS[key.data]), taskId: action.taskId });
    return { markdown: '', card, handled: { command, outcome: 'card_done' } };
  }
  if (outcome === 'duplicate') {
    // The same event again (both attempts passed the state check): the recorded answer, unless
    // the first attempt moved the issue on — then the card shows that, as for a stale card.
    const now = await deps.ledger.get(issue.id);
    if (now && now.state !== task.data.state) return { markdown: '', card: await currentCard(deps, now, action.taskId), handled: { command, outcome: 'card_duplicate' } };
    return { markdown: reply.markdown, handled: { command, outcome: 'card_duplicate' } };
  }
  // A question (驳回 needs a reason: the dialogue starts as typed) or a refusal: words, card stays.
  return { markdown: reply.markdown, handled: { command, outcome: `card_${outcome}` } };
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
async function currentCard(deps: PipelineDeps, issue: Issue, taskId: string) {
  const org = deps.org();
  const step = (await deps.ledger.history(issue.id, 10)).findLast((e) => e.to === issue.state && e.from !== e.to);
  const what = step ? (Object.hasOwn(ACTION_WORDS, step.action) ? ACTION_WORDS[step.action as ActionType] : step.action) : undefined;
  const line = step && what ? doneLine(org, step.actor, what) : `状态已变为${STATE_WORDS[issue.state]}`;
  return afterCard(org, issue, { state: issue.state, line, taskId });
}
