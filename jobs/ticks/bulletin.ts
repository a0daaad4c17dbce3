import { adviceBound, ADVICE_OLDEST, ADVICE_UNITS_SHOWN, RECENT_TALK_DAYS, unitsPastThreshold, type TalkAdvice } from '../../src/domain/talk-advice';
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
import { MARKDOWN_MAX_BYTES } from '../outbound/channels';
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
  const text = bulletinText(org, rows, issues.map((issue) => ({ issue, days: overdueDays(issue, now) })), now, report.tasks.figures);
  const scores = deps.scores ? scoreLines(await deps.scores.board({ scope: { label: districtScope(org).label, unitIds: org.units.map((u) => u.id) }, period: parsePeriod('今年', now)! })) : [];
  const content = withAdvice([text, scores.join('\n')].filter((part) => part).join('\n\n'), org, await talkAdvice(org, deps.ledger, deps.talks, now), now);
  for (const chat of admins) {
    await deps.outbox.enqueue({ id: `bulletin-${jobIdPart(chat.chatid)}-${jobIdPart(tick)}`, chatId: chat.chatid, kind: 'bulletin', format: 'markdown', content, mentions: [], createdAt: now });
  }
  return { messages: admins.length };
}

/**
 * The 建议提醒约谈 section goes last, after the scores, with as many of its units as keep the whole
 * message within a markdown push (the channel would otherwise cut the end silently); the rest are
 * named as a count.
 */
function withAdvice(head: string, org: Org, advice: { shown: TalkAdvice[]; total: number }, now: number): string {
  const compose = (n: number) => [head, talkAdviceLines(org, advice.shown.slice(0, n), advice.total, org.policy.talkAdvice, now).join('\n')].filter((part) => part).join('\n\n');
  let n = advice.shown.length;
  while (n > 0 && Buffer.byteLength(compose(n)) > MARKDOWN_MAX_BYTES) n--;
  return compose(n);
}

/**
 * The units past policy.talkAdvice: one ZCOUNT per unit on its deadline set with `now − days`
 * as the bound (never a scan of the issues), then the oldest few of the first
 * ADVICE_UNITS_SHOWN that pass — only those are named.
 */
async function talkAdvice(org: Org, ledger: LedgerStore, talks: BulletinDeps['talks'], now: number): Promise<{ shown: TalkAdvice[]; total: number }> {
  const rule = org.policy.talkAdvice;
  const bound = adviceBound(rule, now);
  const counts = await ledger.overdue(org.units.map((u) => u.id), bound, undefined, 0);
  const passing = unitsPastThreshold(org, counts.perUnit, rule);
  const named = passing.slice(0, ADVICE_UNITS_SHOWN);
  if (!named.length) return { shown: [], total: 0 };
  const oldest = await Promise.all(named.map((u) => ledger.overdue([u], bound, undefined, ADVICE_OLDEST)));
  const secretaries = named.map((u) => ({ unitId: u, person: org.unit(u)?.secretary }));
  const recent = talks ? await talks.latestSince(secretaries, now - RECENT_TALK_DAYS * DAY_MS) : new Map<string, number>();
  const shown = named.map((unitId, i) => ({ unitId, secretary: secretaries[i]!.person, count: counts.perUnit.get(unitId) ?? 0, oldest: oldest[i]!.oldest.map((o) => o.id), lastTalk: recent.get(unitId) }));
  return { shown, total: passing.length };
}
