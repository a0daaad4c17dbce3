import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import type { Clock } from '../clock';
import { scopeReport } from '../domain/report';
import { defaultScope, readScopeWord, type Scope } from '../domain/visibility';
import type { Membership, Org } from '../domain/org';
import { monthKey } from '../domain/time';
import type { Logger } from '../log/logger';
import { ALL_TIME, parsePeriod, type Period } from '../parsing/period';
import type { LedgerStore } from '../store/ledger-store';
import type { SessionStore } from '../store/sessions';
import { escapeHtml } from './downloads';

/**
 * The dashboard's sign-in and its JSON API (docs/design.md §7.4): GET /dashboard/login?t= turns
 * a one-time token from /看板 into a session cookie; /dashboard/ and /api/* read that session.
 * What a session may see is the chat's rule for its person (domain/visibility), asked again on
 * every request, so leaving the org file ends the access at once.
 */
export interface DashboardDeps {
  sessions: SessionStore;
  ledger: LedgerStore;
  org: () => Org;
  clock: Clock;
  logger: Logger;
  /** PUBLIC_URL (or this host): decides whether the cookie is Secure. */
  publicUrl: () => string;
}

export const SESSION_COOKIE = 'duban_session';
/** Who may sign in: the roles of /看板. */
const DASHBOARD_ROLES = ['admin', 'leader', 'member'] as const;

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  ctx.set(SECURITY_HEADERS);
  await next();
}

function page(ctx: Context, status: number, title: string, lines: string[], extraHtml = ''): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body =
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} - 督办看板</title></head>` +
    `<body><h1>${escapeHtml(title)}</h1>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}${extraHtml}</body></html>`;
}

const NEW_LINK = '请在企业微信里单聊督办助手，发送 /看板，获取新的登录链接。';
function refusal(ctx: Context, status: number, why: string): void {
  page(ctx, status, '无法进入看板', [why, NEW_LINK]);
}

const LoginQuery = z.object({ t: z.string().max(200).optional() });
const FiguresQuery = z.object({ scope: z.string().trim().max(50).optional(), period: z.string().trim().max(30).optional() });

export function createDashboardRouter(deps: DashboardDeps): Router {
  const router = new Router();
  router.use(['/dashboard', '/api'], securityHeaders);
  const now = () => deps.clock.now().getTime();
  const secure = () => deps.publicUrl().startsWith('https:');

  /** The signed-in person, while they still may use the dashboard. */
  async function person(ctx: Context): Promise<Membership | undefined> {
    const session = await deps.sessions.session(ctx.cookies.get(SESSION_COOKIE), now());
    if (!session) return undefined;
    const m = deps.org().membership(session.userid);
    return DASHBOARD_ROLES.some((r) => m.roles.includes(r)) ? m : undefined;
  }

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

  // Not strict: /dashboard and /dashboard/ are the same page.
  router.get('/dashboard/', async (ctx) => {
    const m = await person(ctx);
    if (!m) return refusal(ctx, 401, '你还没有登录看板，或登录已过期。');
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

  router.post('/dashboard/logout', async (ctx) => {
    const id = ctx.cookies.get(SESSION_COOKIE);
    const ended = await deps.sessions.endSession(id);
    if (secure()) ctx.cookies.secure = true;
    ctx.cookies.set(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', secure: secure(), expires: new Date(0), overwrite: true });
    if (ended) deps.logger.info({ reqId: ctx.state.reqId, ip: ctx.ip }, 'dashboard sign-out');
    page(ctx, 200, '已退出看板', ['你已退出登录。', '需要时请在群里发送 /看板 重新获取登录链接。']);
  });

  router.get('/api/figures', async (ctx) => {
    const m = await person(ctx);
    if (!m) return json(ctx, 401, { error: 'no-session', message: '未登录或登录已过期，请在群里发送 /看板 获取登录链接' });
    const q = FiguresQuery.safeParse(ctx.query);
    if (!q.success) return json(ctx, 400, { error: 'bad-query', message: '参数有误，例如 ?scope=福禄镇&period=本月' });
    const read = readQuery(deps.org(), m, q.data, now());
    if ('status' in read) return json(ctx, read.status, read.body);
    const { scope, period } = read;
    const report = await scopeReport(deps.ledger, scope.units.map((u) => u.id), period, now());
    json(ctx, 200, { scope: scope.label, period: period.label, figures: report.figures, tasks: report.tasks.figures });
  });
  return router;
}

function json(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.body = body;
}

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
