import type { Context, Next } from 'koa';
import type { StoredEvidence } from '../domain/issue';
import type { Clock } from '../clock';
import type { Membership, Org } from '../domain/org';
import type { Logger } from '../log/logger';
import type { LedgerStore } from '../store/ledger-store';
import type { RecordStores } from '../store/record-stores';
import type { Keys } from '../store/keys';
import type { RedisClient } from '../store/redis';
import type { SessionStore, Stored } from '../store/sessions';
import type { FileRequests } from '../../jobs/files/requests';
import { escapeHtml } from './downloads';

/**
 * What the dashboard's three routers share (docs/design.md §7.4): their dependencies, the
 * session cookie, the security headers, and who the signed-in person is. The person is asked
 * of the org file on every request, so leaving it ends the access at once.
 */
export interface DashboardDeps {
  sessions: SessionStore;
  ledger: LedgerStore;
  records: RecordStores;
  /** The files worker: the export button asks it for the same 台账 as /导出. */
  files: FileRequests;
  redis: RedisClient;
  keys: Keys;
  org: () => Org;
  clock: Clock;
  logger: Logger;
  /** PUBLIC_URL (or this host): decides whether the cookie is Secure. */
  publicUrl: () => string;
  /** Where the built page lives (index.html and its assets); default dist/web. */
  webDir?: string;
  /** Signed links to kept evidence files (the issue dialog's photos), as paths on this origin; absent: photos without links. */
  evidenceLink?: (file: StoredEvidence, userid: string) => { url: string };
}

export const SESSION_COOKIE = 'duban_session';
/** Who may sign in: the roles of /看板. */
export const DASHBOARD_ROLES = ['admin', 'leader', 'member'] as const;

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  ctx.set(SECURITY_HEADERS);
  await next();
}

/**
 * Whether a POST comes from another site's page (the Origin / Sec-Fetch-Site half of CSRF
 * safety; SameSite=Strict is the other). Allowed: PUBLIC_URL's origin, or this host as the
 * browser named it (koa's ctx.origin is not the Origin header). A form POST from the page sends
 * `Origin: null` (its Referrer-Policy is no-referrer), so a null origin needs the browser's own
 * word that it is same-origin. No header at all (a client that is not a browser) is not refused
 * here: the cookie and, for the export, the CSRF token still have to be right.
 */
export function fromOtherSite(deps: Pick<DashboardDeps, 'publicUrl'>, ctx: Context): boolean {
  const origin = ctx.get('origin');
  const site = ctx.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') return true;
  if (!origin) return false;
  if (origin === 'null') return site !== 'same-origin';
  return !new Set([new URL(deps.publicUrl()).origin, `${ctx.protocol}://${ctx.host}`]).has(origin);
}

/** A signed-in person who may still use the dashboard, with their session. */
export interface Signed {
  membership: Membership;
  session: Stored;
}

export async function signedIn(deps: DashboardDeps, ctx: Context): Promise<Signed | undefined> {
  const session = await deps.sessions.session(ctx.cookies.get(SESSION_COOKIE), deps.clock.now().getTime());
  if (!session) return undefined;
  const m = deps.org().membership(session.userid);
  return DASHBOARD_ROLES.some((r) => m.roles.includes(r)) ? { membership: m, session } : undefined;
}

/** A small server-rendered page (refusals, sign-out): every line is text, escaped. */
export function page(ctx: Context, status: number, title: string, lines: string[], extraHtml = ''): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body =
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} - 督办看板</title></head>` +
    `<body><h1>${escapeHtml(title)}</h1>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}${extraHtml}</body></html>`;
}

export const NEW_LINK = '请在企业微信里单聊督办助手，发送 /看板，获取新的登录链接。';
export function refusal(ctx: Context, status: number, why: string): void {
  page(ctx, status, '无法进入看板', [why, NEW_LINK]);
}

export function json(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.body = body;
}
