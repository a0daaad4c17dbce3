import Router from '@koa/router';
import { scopeReport } from '../domain/report';
import { LedgerTable } from '../store/ledger-table';
import { createScores } from '../store/scores';
import { TableQuery, ViewQuery, type FiguresResponse } from './dashboard-contract';
import type { DashboardDeps } from './dashboard-session';
import { chartsResponse } from './dashboard-api/charts';
import { issueResponse } from './dashboard-api/detail';
import { exportResponse } from './dashboard-api/export';
import { meResponse } from './dashboard-api/me';
import { scoresResponse } from './dashboard-api/scores';
import { tableResponse } from './dashboard-api/table';
import { answer, ApiRefusal, readInput, readView, viewerOf } from './dashboard-api/view';

/**
 * The dashboard's JSON API (docs/design.md §7.4, API; shapes in dashboard-contract.ts). Every
 * route checks the session and the scope on the server: 401 without a session, 403 outside what
 * the person may see in the chat, 400 on a bad query. The figures are the /status read model.
 */

export function createDashboardApi(deps: DashboardDeps): Router {
  const router = new Router();
  // One per server instance: built on first use, kept fresh from the audit stream.
  const table = new LedgerTable(deps.redis, deps.keys, { unitIds: () => deps.org().units.map((u) => u.id) });
  // The store /考核 reads: its cache lives in Redis, so this instance shares it with the chat's.
  const scores = createScores({ redis: deps.redis, keys: deps.keys, org: deps.org, clock: deps.clock });
  const warm = () => {
    table.fresh().catch((err: unknown) => deps.logger.error({ err }, 'dashboard table index failed to build'));
  };

  router.get('/api/me', (ctx) =>
    answer(ctx, async () => {
      const v = await viewerOf(deps, ctx);
      // The page asks for the table next: start the index now.
      warm();
      return meResponse(v);
    }),
  );

  router.get('/api/figures', (ctx) =>
    answer(ctx, async (): Promise<FiguresResponse> => {
      const v = await viewerOf(deps, ctx);
      const { scope, period } = readView(v, readInput(ViewQuery, ctx.query));
      const report = await scopeReport(deps.ledger, scope.units.map((u) => u.id), period, v.now);
      return { scope: scope.label, period: period.label, figures: report.figures, tasks: report.tasks.figures };
    }),
  );

  router.get('/api/issues', (ctx) =>
    answer(ctx, async () => {
      const v = await viewerOf(deps, ctx);
      return tableResponse(v, readInput(TableQuery, ctx.query), table, deps.ledger);
    }),
  );

  router.get('/api/charts', (ctx) =>
    answer(ctx, async () => {
      const v = await viewerOf(deps, ctx);
      const { scope, period } = readView(v, readInput(ViewQuery, ctx.query));
      return chartsResponse(deps, v, scope, period);
    }),
  );

  router.get('/api/issues/:id', (ctx) =>
    answer(ctx, async () => {
      const v = await viewerOf(deps, ctx);
      const id = /^[1-9]\d{0,9}$/u.test(ctx.params.id ?? '') ? Number(ctx.params.id) : undefined;
      if (id === undefined) throw new ApiRefusal(400, { error: 'bad-id', message: '问题编号应是数字，例如 12' });
      return issueResponse(v, id, deps.ledger, deps.evidenceLink);
    }),
  );

  router.get('/api/scores', (ctx) =>
    answer(ctx, async () => {
      const v = await viewerOf(deps, ctx);
      const { scope, period, named } = readView(v, readInput(ViewQuery, ctx.query));
      return scoresResponse(v, scope, named, period, scores, deps.records.practices);
    }),
  );

  router.post('/api/export', (ctx) =>
    answer(ctx, async () => {
      const v = await viewerOf(deps, ctx);
      return exportResponse(deps, ctx, v);
    }),
  );

  return router;
}
