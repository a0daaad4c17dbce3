import { emptyCounts, figuresFrom, COUNTERS } from '../../src/domain/stats';
import { bulletinText, overdueDays, type TeamFigures } from '../../src/rendering/pushes';
import { jobIdPart } from '../push';
import type { TickDeps } from './digest';

/** The weekly 通报 (docs/design.md §5): per-team figures and the most overdue issues, to the admin chats. */
export async function runBulletin(tick: string, deps: TickDeps): Promise<{ messages: number }> {
  const org = deps.org();
  const now = deps.clock.now().getTime();
  const admins = org.chats.filter((c) => c.scope.kind === 'admin');
  if (!admins.length) return { messages: 0 };
  const rows: TeamFigures[] = [];
  for (const team of org.teams) {
    const counts = await deps.ledger.unitCounts(team.coveredUnitIds, ['all']);
    const total = emptyCounts();
    for (const c of counts.values()) for (const k of COUNTERS) total[k] += c[k];
    const overdue = await deps.ledger.overdue(team.coveredUnitIds, now, undefined, 0);
    const f = figuresFrom(total, overdue.total);
    rows.push({ team: team.name, found: f.found, rectified: f.rectified, overdue: f.overdue, ...(f.rate !== undefined ? { rate: f.rate } : {}) });
  }
  const oldest = await deps.ledger.overdue(org.units.map((u) => u.id), now, undefined, 10);
  const issues = await deps.ledger.getMany(oldest.oldest.map((o) => o.id));
  const content = bulletinText(org, rows, issues.map((issue) => ({ issue, days: overdueDays(issue, now) })), now);
  for (const chat of admins) {
    await deps.outbox.enqueue({ id: `bulletin-${jobIdPart(chat.chatid)}-${jobIdPart(tick)}`, chatId: chat.chatid, kind: 'bulletin', format: 'markdown', content, mentions: [], createdAt: now });
  }
  return { messages: admins.length };
}
