import type { Context } from 'koa';
import type { z } from 'zod';
import type { Membership, Org } from '../../domain/org';
import { monthKey } from '../../domain/time';
import { defaultScope, readScopeWord, type Scope } from '../../domain/visibility';
import { ALL_TIME, parsePeriod, periodOfMonths, type Period } from '../../parsing/period';
import type { ApiError, ViewQuery } from '../dashboard-contract';
import { json, signedIn, type DashboardDeps } from '../dashboard-session';
import type { Stored } from '../../store/sessions';

/**
 * What every API route does first (docs/design.md §7.4, API): the session (401), the query read
 * by the contract's schema (400), and the scope and period read as /status reads them, refused
 * (403) where the person may not look in the chat. A route gets a Viewer or has answered already.
 */
export interface Viewer {
  membership: Membership;
  session: Stored;
  org: Org;
  now: number;
}

export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(body.message);
  }
}

export const NO_SESSION: ApiError = { error: 'no-session', message: '未登录或登录已过期，请在企业微信里单聊督办助手，发送 /看板 获取登录链接' };

export async function viewerOf(deps: DashboardDeps, ctx: Context): Promise<Viewer> {
  const s = await signedIn(deps, ctx);
  if (!s) throw new ApiRefusal(401, NO_SESSION);
  return { membership: s.membership, session: s.session, org: deps.org(), now: deps.clock.now().getTime() };
}

/** The query (or body) read by a contract schema; a 400 naming the first wrong parameter otherwise. */
export function readInput<S extends z.ZodType>(schema: S, input: unknown, example: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const name = issue?.path.length ? String(issue.path[0]) : '';
  throw new ApiRefusal(400, { error: 'bad-query', message: `${name ? `参数“${name}”` : '参数'}有误，例如 ${example}` });
}

/** Runs a route: its refusals become their JSON answers; anything else is a 500 for the app's error handler. */
export async function answer(ctx: Context, fn: () => Promise<unknown>): Promise<void> {
  try {
    json(ctx, 200, await fn());
  } catch (err) {
    if (err instanceof ApiRefusal) return json(ctx, err.status, err.body);
    throw err;
  }
}

const outside = (label: string) => new ApiRefusal(403, { error: 'outside-scope', message: `你没有查看“${label}”的权限` });

/** "2026-03" → "202603". */
const monthOf = (m: string) => m.replace('-', '');
/** A custom range may cover ten years at most: a longer one is a typo, and its keys would be many. */
const MAX_RANGE_MONTHS = 120;

/** The period of a view: a period word, or the custom range from..to (months of discovery). */
export function readPeriod(q: Pick<ViewQuery, 'period' | 'from' | 'to'>, now: number): Period {
  if (q.period && (q.from || q.to)) throw new ApiRefusal(400, { error: 'bad-period', message: '时段和起止月份只能选一种，例如 ?period=本季度 或 ?from=2026-01&to=2026-03' });
  let period: Period = ALL_TIME;
  if (q.from || q.to) {
    if (!q.from) throw new ApiRefusal(400, { error: 'bad-period', message: '请写起始月份，例如 ?from=2026-01&to=2026-03' });
    const from = monthOf(q.from);
    const to = q.to ? monthOf(q.to) : monthKey(now);
    const months = monthsBetween(from, to);
    if (!months.length) throw new ApiRefusal(400, { error: 'bad-period', message: `起始月份（${q.from}）晚于结束月份，例如 ?from=2026-01&to=2026-03` });
    if (months.length > MAX_RANGE_MONTHS) throw new ApiRefusal(400, { error: 'bad-period', message: `时段最长 ${MAX_RANGE_MONTHS / 12} 年，例如 ?from=2026-01&to=2026-12` });
    period = periodOfMonths(months);
  } else if (q.period) {
    const p = parsePeriod(q.period, now);
    if (!p) throw new ApiRefusal(400, { error: 'bad-period', message: `看不懂时段“${q.period}”，例如 本月、本季度、2026` });
    period = p;
  }
  if (period.months?.length && [...period.months].sort()[0]! > monthKey(now)) throw new ApiRefusal(400, { error: 'future-period', message: `${period.label}还没有到，请选今天以前的时段` });
  return period;
}

function monthsBetween(from: string, to: string): string[] {
  const index = (k: string) => Number(k.slice(0, 4)) * 12 + Number(k.slice(4)) - 1;
  const out: string[] = [];
  for (let i = index(from); i <= index(to) && out.length <= MAX_RANGE_MONTHS; i++) out.push(`${Math.floor(i / 12)}${String((i % 12) + 1).padStart(2, '0')}`);
  return out;
}

/** The scope of a view: the word read as the chat reads it; none = the person's own area (their single chat's). */
export function readScope(v: Viewer, word: string | undefined): { scope: Scope; named: boolean } {
  if (!word) return { scope: defaultScope(v.org, v.membership, undefined), named: false };
  const s = readScopeWord(v.org, v.membership, word);
  if (!s) throw new ApiRefusal(400, { error: 'bad-scope', message: `看不懂范围“${word}”，可以写镇街、单位、工作队或“全区”` });
  if (s.kind === 'outside') throw outside(s.label);
  if (s.kind === 'ambiguous') throw new ApiRefusal(400, { error: 'ambiguous-scope', message: `“${word}”对应多个单位：${s.units.slice(0, 5).map((u) => `${u.town}${u.name}`).join('、')}，请写全名` });
  return { scope: s.scope, named: true };
}

export function readView(v: Viewer, q: ViewQuery): { scope: Scope; period: Period; named: boolean } {
  const period = readPeriod(q, v.now);
  return { ...readScope(v, q.scope), period };
}

/**
 * What a 队长 may take out or rank (/导出, /考核): the area of the teams they lead. 组织部 any
 * scope. A named scope must lie inside; the default is narrowed to it (as the chat does).
 */
export function ledScope(v: Viewer, scope: Scope, named: boolean): Scope {
  const m = v.membership;
  if (m.roles.includes('admin')) return scope;
  const mine = new Set(m.leaderOf.flatMap((t) => t.coveredUnitIds));
  if (named) {
    if (scope.units.every((u) => mine.has(u.id))) return scope;
    throw new ApiRefusal(403, { error: 'outside-scope', message: `${scope.label}不在你带领的工作队的片区，请组织部办理` });
  }
  return { label: m.leaderOf.map((t) => t.name).join('、'), units: scope.units.filter((u) => mine.has(u.id)) };
}
