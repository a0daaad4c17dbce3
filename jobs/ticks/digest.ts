import type { Clock } from '../../src/clock';
import type { Issue } from '../../src/domain/issue';
import type { Org } from '../../src/domain/org';
import { digestText, escalationText, overdueDays, type OverdueItem } from '../../src/rendering/pushes';
import type { LedgerStore } from '../../src/store/ledger-store';
import type { Scores } from '../../src/store/scores';
import type { Outbox } from '../outbound/outbox';
import { jobIdPart } from '../push';
import { issueMentions } from '../../src/domain/issue-people';

export interface TickDeps {
  ledger: LedgerStore;
  outbox: Outbox;
  org: () => Org;
  clock: Clock;
  /** The scores, for the weekly 通报's 考核 lines (absent: the 通报 goes without them). */
  scores?: Pick<Scores, 'board'>;
}

/** Lines per message: the group robot's text is at most 2048 bytes. */
const MAX_LINES = 20;

/**
 * The overdue digest (docs/design.md §5): one message per chat per tick listing its overdue issues with
 * @ the assignees; issues overdue past `escalate … to: leader` add the team leaders (@); those
 * past `… to: admins` go to the admin chats, one message each. Nothing is sent where nothing is
 * overdue. `tick` names the tick, so the pushes of one tick are queued once.
 */
export async function runDigest(tick: string, deps: TickDeps): Promise<{ messages: number }> {
  const org = deps.org();
  const now = deps.clock.now().getTime();
  const toLeader = org.policy.escalate.find((e) => e.to === 'leader');
  const toAdmins = org.policy.escalate.find((e) => e.to === 'admins');
  let messages = 0;
  const forAdmins = new Map<number, OverdueItem>();

  for (const chat of org.chats) {
    if (chat.scope.kind === 'admin') continue;
    const units = org.unitsInScope(chat.scope).map((u) => u.id);
    const overdue = await deps.ledger.overdue(units, now, undefined, 500);
    if (!overdue.total) continue;
    const issues = await deps.ledger.getMany(overdue.oldest.map((o) => o.id));
    const items: OverdueItem[] = issues.map((issue) => ({ issue, days: overdueDays(issue, now) }));
    const shown = items.slice(0, MAX_LINES);
    const old = toLeader ? items.filter((o) => now - o.issue.deadline! >= toLeader.after.ms) : [];
    const leaders = old.length ? leadersOf(org, old.map((o) => o.issue)) : [];
    const mentions = [...new Set([...shown.flatMap((o) => issueMentions(org, o.issue)), ...leaders])];
    await deps.outbox.enqueue({
      id: `digest-${jobIdPart(chat.chatid)}-${jobIdPart(tick)}`,
      chatId: chat.chatid,
      kind: 'overdue-digest',
      format: 'text',
      content: digestText(org, shown, leaders, toLeader?.after.text, overdue.total - shown.length),
      mentions,
      createdAt: now,
    });
    messages++;
    if (toAdmins) for (const o of items) if (now - o.issue.deadline! >= toAdmins.after.ms) forAdmins.set(o.issue.id, o);
  }

  if (toAdmins && forAdmins.size) {
    const items = [...forAdmins.values()].sort((a, b) => a.issue.deadline! - b.issue.deadline!);
    const shown = items.slice(0, MAX_LINES);
    for (const chat of org.chats.filter((c) => c.scope.kind === 'admin')) {
      await deps.outbox.enqueue({
        id: `escalation-${jobIdPart(chat.chatid)}-${jobIdPart(tick)}`,
        chatId: chat.chatid,
        kind: 'escalation',
        format: 'text',
        content: escalationText(org, shown, toAdmins.after.text, items.length - shown.length),
        mentions: [],
        createdAt: now,
      });
      messages++;
    }
  }
  return { messages };
}

/** The leaders of every team covering these issues' units. */
function leadersOf(org: Org, issues: readonly Issue[]): string[] {
  return [...new Set(issues.flatMap((i) => org.teamsCovering(i.unitId).map((t) => t.leader)))];
}
