import Router from '@koa/router';
import { defaultScope } from '../domain/visibility';
import { page, refusal, signedIn, type DashboardDeps } from './dashboard-session';

/**
 * The dashboard page itself (docs/design.md §7.4): /dashboard/ for a signed-in person, a
 * refusal page with no data otherwise. Placeholder until the built page lands.
 */
export function createDashboardPage(deps: DashboardDeps): Router {
  const router = new Router();
  // Not strict: /dashboard and /dashboard/ are the same page.
  router.get('/dashboard/', async (ctx) => {
    const s = await signedIn(deps, ctx);
    if (!s) return refusal(ctx, 401, '你还没有登录看板，或登录已过期。');
    const m = s.membership;
    const scope = defaultScope(deps.org(), m, undefined);
    page(
      ctx,
      200,
      '督办看板',
      [`已登录：${deps.org().person(m.userid)?.name ?? m.userid}`, `范围：${scope.label}`, '图表页面即将上线；目前可查看数据接口：'],
      '<p><a href="/api/figures">/api/figures（整改进度 JSON）</a></p>' +
        '<form method="post" action="/dashboard/logout"><button type="submit">退出登录</button></form>',
    );
  });
  return router;
}
