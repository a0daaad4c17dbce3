import { UnrecoverableError, type Job } from 'bullmq';
import type { Clock } from '../../src/clock';
import type { Org } from '../../src/domain/org';
import type { Logger } from '../../src/log/logger';
import { reminderText, revisitText } from '../../src/rendering/pushes';
import { revisitCard } from '../../src/rendering/issue-card';
import type { LedgerStore } from '../../src/store/ledger-store';
import type { Outbox } from '../outbound/outbox';
import { reminderJobSchema, revisitJobSchema, type TimerScheduler } from './timer-jobs';
import { reminderSlots } from './slots';
import { jobIdPart } from '../push';
import { issueMentions } from '../../src/domain/issue-people';
import { issueChat } from '../../src/domain/issue-chat';

export interface TimerDeps {
  ledger: LedgerStore;
  outbox: Outbox;
  timers: TimerScheduler;
  org: () => Org;
  clock: Clock;
  logger: Logger;
}

/**
 * A timer fired: re-read the issue; when it changed since the timer was set (another deadline,
 * fixed, closed, reopened), do nothing. Otherwise queue the push with the slot's own id and set
 * the next slot.
 */
export async function processTimer(job: Job, deps: TimerDeps): Promise<'pushed' | 'stale' | 'late'> {
  if (job.name === 'remind') return processReminder(job.data, deps);
  if (job.name === 'revisit') return processRevisit(job.data, deps);
  throw new UnrecoverableError(`unknown timer ${job.name}`);
}

/**
 * 'late': the timer ran at or after the deadline (workers were down, retries): a reminder then
 * would only say what the overdue digest says, so nothing is pushed and no slot follows.
 */
export async function processReminder(data: unknown, deps: TimerDeps): Promise<'pushed' | 'stale' | 'late'> {
  const parsed = reminderJobSchema.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError('invalid reminder data');
  const { issueId, deadline, slot } = parsed.data;
  const issue = await deps.ledger.get(issueId);
  if (!issue || issue.state !== 'assigned' || issue.deadline !== deadline || !issue.assignee) return 'stale';
  const now = deps.clock.now().getTime();
  if (now >= deadline) return 'late';
  const org = deps.org();
  await deps.outbox.enqueue({
    id: `remind-${issueId}-${jobIdPart(deadline)}-${slot}`,
    chatId: issueChat(org, issue),
    kind: 'reminder',
    format: 'text',
    content: reminderText(org, issue, now),
    // The assignee and the unit's secretary and contacts (驻村第一书记, 联络员), each once.
    mentions: issueMentions(org, issue),
    createdAt: now,
  });
  // The following slot of the same deadline (a later slot than this one, even if this one ran late).
  const fired = reminderSlots(deadline, org.policy).find((s) => s.index === slot)?.fireAt ?? now;
  await deps.timers.scheduleReminder(issueId, deadline, Math.max(now, fired));
  return 'pushed';
}

export async function processRevisit(data: unknown, deps: TimerDeps): Promise<'pushed' | 'stale'> {
  const parsed = revisitJobSchema.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError('invalid revisit data');
  const { issueId, closedAt } = parsed.data;
  const issue = await deps.ledger.get(issueId);
  if (!issue || issue.state !== 'closed' || issue.closedAt !== closedAt) return 'stale';
  const now = deps.clock.now().getTime();
  const id = `revisit-${issueId}-${jobIdPart(closedAt)}`;
  await deps.outbox.enqueue({
    id,
    chatId: issueChat(deps.org(), issue),
    kind: 'revisit',
    format: 'text',
    content: revisitText(deps.org(), issue, now),
    mentions: [issue.reporter],
    // 回访正常 / 反弹 as buttons where the channel carries cards (the long connection); the text says the same.
    card: revisitCard(deps.org(), issue, now, id),
    createdAt: now,
  });
  return 'pushed';
}
