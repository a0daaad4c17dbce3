import { adviceBound, ADVICE_OLDEST, RECENT_TALK_DAYS, unitsPastThreshold, type TalkAdvice } from '../../src/domain/talk-advice';
import { rowsByTeam, scopeReport } from '../../src/domain/report';
import { DAY_MS } from '../../src/domain/time';
import { districtScope } from '../../src/domain/visibility';
import { parsePeriod } from '../../src/parsing/period';
import { bulletinText, overdueDays, type TeamFigures } from '../../src/rendering/pushes';
import { scoreLines } from '../../src/rendering/scores';
import { talkAdviceLines } from '../../src/rendering/talks';
import type { LedgerStore } from '../../src/store/ledger-store';
import type { TalkStore } from '../../src/store/talk-store';
import type { Org } from '../../src/domain/org';
import { jobIdPart } from '../push';
import type { TickDeps } from './digest';

export interface BulletinDeps extends TickDeps {
  /** The 约谈 records, for "已于 11月20日 约谈" next to a suggestion (absent: named without). */
  talks?: Pick<TalkStore, 'latestSince'>;
}

/** The weekly 通报 (docs/design.md §5): per-team figures, the most overdue issues and 建议提醒约谈, to the admin chats. */
export async function runBulletin(tick: string, deps: BulletinDeps): Promise<{ messages: number }> {
  const org = deps.org();
  const now = deps.clock.now().getTime();
  const admins = org.chats.filter((c) => c.scope.kind === 'admin');
  if (!admins.length) return { messages: 0 };
  const report = await scopeReport(deps.ledger, org.units.map((u) => u.id), {}, now, 10);
  const rows: TeamFigures[] = rowsByTeam(report, org).map(({ label, figures: f }) => ({ team: label, found: f.found, rectified: f.rectified, overdue: f.overdue, ...(f.rate !== undefined ? { rate: f.rate } : {}) }));
  const issues = await deps.ledger.getMany(report.oldest.map((o) => o.id));
  const text = bulletinText(org, rows, issues.map((issue) => ({ issue, days: overdueDays(issue, now) })), now);
  const advice = talkAdviceLines(org, await talkAdvice(org, deps.ledger, deps.talks, now), org.policy.talkAdvice, now);
  const scores = deps.scores ? scoreLines(await deps.scores.board({ scope: { label: districtScope(org).label, unitIds: org.units.map((u) => u.id) }, period: parsePeriod('今年', now)! })) : [];
  const content = [text, advice.join('\n'), scores.join('\n')].filter((part) => part).join('\n\n');
  for (const chat of admins) {
    await deps.outbox.enqueue({ id: `bulletin-${jobIdPart(chat.chatid)}-${jobIdPart(tick)}`, chatId: chat.chatid, kind: 'bulletin', format: 'markdown', content, mentions: [], createdAt: now });
  }
  return { messages: admins.length };
}

/**
 * The units past policy.talkAdvice: one ZCOUNT per unit on its deadline set with `now − days`
 * as the bound (never a scan of the issues), then the oldest few of those that pass.
 */
async function talkAdvice(org: Org, ledger: LedgerStore, talks: BulletinDeps['talks'], now: number): Promise<TalkAdvice[]> {
  const rule = org.policy.talkAdvice;
  const bound = adviceBound(rule, now);
  const counts = await ledger.overdue(org.units.map((u) => u.id), bound, undefined, 0);
  const passing = unitsPastThreshold(org, counts.perUnit, rule);
  if (!passing.length) return [];
  const oldest = await Promise.all(passing.map((u) => ledger.overdue([u], bound, undefined, ADVICE_OLDEST)));
  const secretaries = passing.map((u) => ({ unitId: u, person: org.unit(u)?.secretary }));
  const recent = talks ? await talks.latestSince(secretaries, now - RECENT_TALK_DAYS * DAY_MS) : new Map<string, number>();
  return passing.map((unitId, i) => ({ unitId, secretary: secretaries[i]!.person, count: counts.perUnit.get(unitId) ?? 0, oldest: oldest[i]!.oldest.map((o) => o.id), lastTalk: recent.get(unitId) }));
}
