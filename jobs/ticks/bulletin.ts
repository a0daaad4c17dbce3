import { rowsByTeam, scopeReport } from '../../src/domain/report';
import { districtScope } from '../../src/domain/visibility';
import { parsePeriod } from '../../src/parsing/period';
import { bulletinText, overdueDays, type TeamFigures } from '../../src/rendering/pushes';
import { scoreLines } from '../../src/rendering/scores';
import { jobIdPart } from '../push';
import type { TickDeps } from './digest';

/** The weekly 通报 (docs/design.md §5): per-team figures and the most overdue issues, to the admin chats. */
export async function runBulletin(tick: string, deps: TickDeps): Promise<{ messages: number }> {
  const org = deps.org();
  const now = deps.clock.now().getTime();
  const admins = org.chats.filter((c) => c.scope.kind === 'admin');
  if (!admins.length) return { messages: 0 };
  const report = await scopeReport(deps.ledger, org.units.map((u) => u.id), {}, now, 10);
  const rows: TeamFigures[] = rowsByTeam(report, org).map(({ label, figures: f }) => ({ team: label, found: f.found, rectified: f.rectified, overdue: f.overdue, ...(f.rate !== undefined ? { rate: f.rate } : {}) }));
  const issues = await deps.ledger.getMany(report.oldest.map((o) => o.id));
  const text = bulletinText(org, rows, issues.map((issue) => ({ issue, days: overdueDays(issue, now) })), now);
  const scores = deps.scores ? scoreLines(await deps.scores.board({ scope: { label: districtScope(org).label, unitIds: org.units.map((u) => u.id) }, period: parsePeriod('今年', now)! })) : [];
  const content = scores.length ? `${text}\n\n${scores.join('\n')}` : text;
  for (const chat of admins) {
    await deps.outbox.enqueue({ id: `bulletin-${jobIdPart(chat.chatid)}-${jobIdPart(tick)}`, chatId: chat.chatid, kind: 'bulletin', format: 'markdown', content, mentions: [], createdAt: now });
  }
  return { messages: admins.length };
}
