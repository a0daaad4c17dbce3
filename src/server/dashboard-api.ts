import Router from '@koa/router';
import { z } from 'zod';
import { scopeReport } from '../domain/report';
import { defaultScope, readScopeWord, type Scope } from '../domain/visibility';
import type { Membership, Org } from '../domain/org';
import { monthKey } from '../domain/time';
import { ALL_TIME, parsePeriod, type Period } from '../parsing/period';
import { json, signedIn, type DashboardDeps } from './dashboard-session';

/**
 * The dashboard's JSON API (docs/design.md §7.4; shapes in dashboard-contract.ts). Every route
 * checks the session and the scope on the server; the figures are the /status read model.
 */
export function createDashboardApi(deps: DashboardDeps): Router {
  const router = new Router();
  const now = () => deps.clock.now().getTime();

  router.get('/api/figures', async (ctx) => {
    const s = await signedIn(deps, ctx);
    if (!s) return json(ctx, 401, { error: 'no-session', message: '未登录或登录已过期，请在群里发送 /看板 获取登录链接' });
    const q = FiguresQuery.safeParse(ctx.query);
    if (!q.success) return json(ctx, 400, { error: 'bad-query', message: '参数有误，例如 ?scope=福禄镇&period=本月' });
    const read = readQuery(deps.org(), s.membership, q.data, now());
    if ('status' in read) return json(ctx, read.status, read.body);
    const { scope, period } = read;
    const report = await scopeReport(deps.ledger, scope.units.map((u) => u.id), period, now());
    json(ctx, 200, { scope: scope.label, period: period.label, figures: report.figures, tasks: report.tasks.figures });
  });
  return router;
}

const FiguresQuery = z.object({ scope: z.string().trim().max(50).optional(), period: z.string().trim().max(30).optional() });

type Refused = { status: number; body: { error: string; message: string } };

/** The scope and period words, read as /status reads them, and refused where the person may not look. */
function readQuery(org: Org, m: Membership, q: { scope?: string | undefined; period?: string | undefined }, now: number): { scope: Scope; period: Period } | Refused {
  let period: Period = ALL_TIME;
  if (q.period) {
    const p = parsePeriod(q.period, now);
    if (!p) return { status: 400, body: { error: 'bad-period', message: `看不懂时段“${q.period}”，例如 本月、本季度、2026` } };
    if (p.months?.length && [...p.months].sort()[0]! > monthKey(now)) return { status: 400, body: { error: 'future-period', message: `${p.label}还没有到` } };
    period = p;
  }
  if (!q.scope) return { scope: defaultScope(org, m, undefined), period };
  const s = readScopeWord(org, m, q.scope);
  if (!s) return { status: 400, body: { error: 'bad-scope', message: `看不懂范围“${q.scope}”，可以写镇街、单位、工作队或“全区”` } };
  if (s.kind === 'outside') return { status: 403, body: { error: 'outside-scope', message: `你没有查看“${s.label}”的权限` } };
  if (s.kind === 'ambiguous') return { status: 400, body: { error: 'ambiguous-scope', message: `“${q.scope}”对应多个单位，请写全名` } };
  return { scope: s.scope, period };
}
