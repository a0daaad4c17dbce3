import Router from '@koa/router';
import compress from 'koa-compress';
import { z } from 'zod';
import { createDashboardApi } from './dashboard-api';
import { createDashboardPage } from './dashboard-page';
import { DASHBOARD_ROLES, fromOtherSite, NEW_LINK, page, refusal, securityHeaders, SESSION_COOKIE, type DashboardDeps } from './dashboard-session';

export { SESSION_COOKIE, type DashboardDeps } from './dashboard-session';

/**
 * The dashboard (docs/design.md §7.4): GET /dashboard/login?t= turns a one-time token from /看板
 * into a session cookie, POST /dashboard/logout ends it; the page (dashboard-page.ts) and the
 * JSON API (dashboard-api.ts) read that session. What a session may see is the chat's rule for
 * its person (domain/visibility), asked again on every request.
 */
const LoginQuery = z.object({ t: z.string().max(200).optional() });
/** Bytes below which an answer goes as it is. */
const COMPRESS_FROM = 1024;

export function createDashboardRouter(deps: DashboardDeps): Router {
  const router = new Router();
  router.use(['/dashboard', '/api'], securityHeaders);
  // The charts module is half a megabyte and a table page of 100 rows tens of kilobytes: over a
  // slow intranet link to a phone, the bytes are the wait. Only these paths: the WeCom callback
  // answers in its own encoding, and small answers are not worth the CPU.
  router.use(['/dashboard/assets', '/api'], compress({ threshold: COMPRESS_FROM }));
  const now = () => deps.clock.now().getTime();
  const secure = () => deps.publicUrl().startsWith('https:');

  router.get('/dashboard/login', async (ctx) => {
    const q = LoginQuery.safeParse(ctx.query);
    const token = q.success ? q.data.t : undefined;
    // Logged without the token: it is a credential until used.
    const refuse = (status: number, reason: string) => {
      deps.logger.warn({ reqId: ctx.state.reqId, path: ctx.path, status, reason, ip: ctx.ip }, 'dashboard sign-in refused');
      refusal(ctx, status, status === 410 ? '这个登录链接已过期。' : '这个登录链接无效或已经用过（每个链接只能打开一次）。');
    };
    if (!token) return refuse(403, 'missing');
    const used = await deps.sessions.consumeSignIn(token, now());
    if (!used.ok) return refuse(used.reason === 'expired' ? 410 : 403, used.reason);
    const m = deps.org().membership(used.userid);
    if (!DASHBOARD_ROLES.some((r) => m.roles.includes(r))) return refuse(403, 'not-in-org');
    const session = await deps.sessions.createSession(used.userid, now());
    // koa refuses a Secure cookie on a plain connection unless told the client side is https
    // (a TLS proxy without TRUST_PROXY): PUBLIC_URL says what the browser sees.
    if (secure()) ctx.cookies.secure = true;
    ctx.cookies.set(SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: secure(),
      expires: new Date(session.expiresAt),
      overwrite: true,
    });
    deps.logger.info({ reqId: ctx.state.reqId, user: used.userid, ip: ctx.ip }, 'dashboard sign-in');
    ctx.redirect('/dashboard/');
  });

  router.post('/dashboard/logout', async (ctx) => {
    // Another site's form could end the session (a nuisance in a meeting): the page's own only.
    if (fromOtherSite(deps, ctx)) {
      deps.logger.warn({ reqId: ctx.state.reqId, path: ctx.path, status: 403, ip: ctx.ip }, 'dashboard sign-out refused: another site');
      return page(ctx, 403, '无法退出', ['请在看板页面上点“退出登录”。']);
    }
    const id = ctx.cookies.get(SESSION_COOKIE);
    const ended = await deps.sessions.endSession(id);
    if (secure()) ctx.cookies.secure = true;
    ctx.cookies.set(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', secure: secure(), expires: new Date(0), overwrite: true });
    if (ended) deps.logger.info({ reqId: ctx.state.reqId, ip: ctx.ip }, 'dashboard sign-out');
    page(ctx, 200, '已退出看板', ['你已退出登录。', NEW_LINK]);
  });

  // The address people type and bookmark has no trailing slash (a regexp: the router's string
  // paths take a trailing slash as optional, and /dashboard/ must not redirect to itself).
  router.get(/^\/dashboard$/u, (ctx) => ctx.redirect('/dashboard/'));
  router.use(createDashboardPage(deps).routes(), createDashboardApi(deps).routes());
  // Whatever else under /dashboard a person opens: a page in their words, not koa's "Not Found".
  router.all(/^\/dashboard\/.*/u, (ctx) => page(ctx, 404, '找不到这个页面', ['看板上没有这个地址。', '请打开看板首页，或在企业微信里单聊督办助手，发送 /看板，获取登录链接。']));
  return router;
}
