import type { Context } from 'koa';
import type { z } from 'zod';
import type { Membership, Org } from '../../domain/org';
import { monthKey } from '../../domain/time';
import { defaultScope, ledScope as ledScopeOf, readScopeWord, type Scope } from '../../domain/visibility';
import { ALL_TIME, monthsBetween, parsePeriod, periodOfMonths, shiftMonth, type Period } from '../../parsing/period';
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

/** What the page calls each query parameter (a refusal names the one that is wrong in its words). */
const PARAM_WORDS: Record<string, string> = {
  scope: '范围',
  period: '时段',
  from: '起始月份',
  to: '结束月份',
  state: '状态',
  town: '镇街',
  unit: '单位',
  team: '工作队',
  overdue: '是否逾期',
  category: '类别',
  q: '搜索内容',
  sort: '排序',
  order: '排序方向',
  page: '页码',
  size: '每页条数',
};

/**
 * The query (or body) read by a contract schema; a 400 naming the first wrong parameter
 * otherwise, in the page's words (the page shows the message as it is: no query syntax in it).
 */
export function readInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const name = issue?.path.length ? String(issue.path[0]) : '';
  const word = PARAM_WORDS[name];
  throw new ApiRefusal(400, { error: 'bad-query', message: word ? `“${word}”的取值看不懂，请在看板上重新选择` : '查询条件看不懂，请在看板上重新选择' });
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
/** "202603" → "2026年3月", as people write a month. */
const monthWords = (k: string) => `${k.slice(0, 4)}年${Number(k.slice(4))}月`;
/** A custom range may cover ten years at most: a longer one is a typo, and its keys would be many. */
const MAX_RANGE_MONTHS = 120;
const RANGE_EXAMPLE = '例如 2026年1月至3月';

/** The period of a view: a period word, or the custom range from..to (months of discovery). */
export function readPeriod(q: Pick<ViewQuery, 'period' | 'from' | 'to'>, now: number): Period {
  if (q.period && (q.from || q.to)) throw new ApiRefusal(400, { error: 'bad-period', message: '时段和起止月份只能选一种：选“本季度”这样的时段，或起止月份（例如 2026年1月至3月）' });
  let period: Period = ALL_TIME;
  if (q.from || q.to) {
    if (!q.from) throw new ApiRefusal(400, { error: 'bad-period', message: `请选起始月份，${RANGE_EXAMPLE}` });
    const from = monthOf(q.from);
    const to = q.to ? monthOf(q.to) : monthKey(now);
    if (from > to) throw new ApiRefusal(400, { error: 'bad-period', message: `起始月份（${monthWords(from)}）晚于结束月份（${monthWords(to)}），${RANGE_EXAMPLE}` });
    if (Number(shiftMonth(from, MAX_RANGE_MONTHS)) <= Number(to)) throw new ApiRefusal(400, { error: 'bad-period', message: `时段最长 ${MAX_RANGE_MONTHS / 12} 年，例如 2026年1月至12月` });
    period = periodOfMonths(monthsBetween(from, to));
  } else if (q.period) {
    const p = parsePeriod(q.period, now);
    if (!p) throw new ApiRefusal(400, { error: 'bad-period', message: `看不懂时段“${q.period}”，例如 本月、本季度、2026` });
    period = p;
  }
  if (period.months?.length && [...period.months].sort()[0]! > monthKey(now)) throw new ApiRefusal(400, { error: 'future-period', message: `${period.label}还没有到，请选今天以前的时段` });
  return period;
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
 * What a 队长 may take out or rank (/导出, /考核): domain/visibility ledScope, refused as a 403.
 * 组织部 any scope. A named scope must lie inside; the default is narrowed to it (as the chat does).
 */
export function ledScope(v: Viewer, scope: Scope, named: boolean): Scope {
  const area = ledScopeOf(v.membership, scope, named);
  if (!area) throw new ApiRefusal(403, { error: 'outside-scope', message: `${scope.label}不在你带领的工作队的片区，请组织部办理` });
  return area;
}
