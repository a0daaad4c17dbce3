import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import exportCommand from '../../../handlers/export';
import { ledgerFileName, ROWS_EXTRA } from '../../../jobs/files/ledger-maker';
import { isEmptyFilter } from '../../domain/issue-filter';
import { mayUse } from '../../domain/visibility';
import { ExportBody, type ExportResponse } from '../dashboard-contract';
import { fromOtherSite, type DashboardDeps } from '../dashboard-session';
import { readTableView } from './table';
import { ApiRefusal, ledScope, readInput, type Viewer } from './view';

/** An export body is a handful of filter words. */
const MAX_BODY_BYTES = 4 * 1024;
/** What the page sends is always JSON: a body that is not came from elsewhere, or from a stale page. */
const BAD_BODY = '导出条件看不懂，请刷新看板后再导出';

/**
 * A POST that changes nothing in the ledger but makes a file on the person's behalf: it must
 * come from the dashboard's own page. SameSite=Strict keeps the cookie off other sites'
 * requests; the CSRF token (from /api/me, held by the page) and the Origin check hold even where
 * a browser or a proxy lets a cookie through.
 */
export function checkSameSite(deps: DashboardDeps, ctx: Context, v: Viewer): void {
  if (fromOtherSite(deps, ctx)) throw new ApiRefusal(403, { error: 'cross-site', message: '请从看板页面导出' });
  // A session made before sessions carried a token has none: a new sign-in gives one.
  if (!v.session.csrf) throw new ApiRefusal(403, { error: 'no-csrf', message: '这次登录不能导出，请在企业微信里单聊督办助手，重新发送 /看板 登录后再导出' });
  const sent = Buffer.from(ctx.get('x-csrf-token'));
  const want = Buffer.from(v.session.csrf);
  if (sent.length !== want.length || !timingSafeEqual(sent, want)) {
    throw new ApiRefusal(403, { error: 'bad-csrf', message: '页面已过期，请刷新看板后再导出' });
  }
}

async function readBody(ctx: Context): Promise<unknown> {
  if (!ctx.is('application/json')) throw new ApiRefusal(400, { error: 'bad-body', message: BAD_BODY });
  let text: string;
  try {
    text = await getRawBody(ctx.req, { limit: MAX_BODY_BYTES, encoding: 'utf8', length: ctx.get('content-length') || undefined });
  } catch {
    throw new ApiRefusal(400, { error: 'bad-body', message: BAD_BODY });
  }
  try {
    return text.trim() ? (JSON.parse(text) as unknown) : {};
  } catch {
    throw new ApiRefusal(400, { error: 'bad-body', message: BAD_BODY });
  }
}

/**
 * POST /api/export: the same 'ledger' workbook /导出 makes for the scope and period (who may ask,
 * and for which area, as /导出 allows: handlers/export.ts), its 台账 rows filtered as the table
 * is; made by the files worker and served at the signed link, never pushed into a chat.
 */
export async function exportResponse(deps: DashboardDeps, ctx: Context, v: Viewer): Promise<ExportResponse> {
  if (!mayUse(exportCommand.roles, v.membership)) throw new ApiRefusal(403, { error: 'forbidden', message: '导出台账只有组织部和队长可以办理' });
  checkSameSite(deps, ctx, v);
  const body = readInput(ExportBody, await readBody(ctx));
  const view = readTableView(v, body);
  // A scope or filter the person named must lie in the area they lead; the default is narrowed to it (as /导出 does).
  const asked = view.named || Boolean(body.town || body.unit || body.team);
  const area = ledScope(v, view.scope, view.named);
  const led = new Set(area.units.map((u) => u.id));
  if (asked && !view.units.every((u) => led.has(u.id))) throw new ApiRefusal(403, { error: 'outside-scope', message: `${view.label}不在你带领的工作队的片区，请组织部导出` });
  const units = view.units.filter((u) => led.has(u.id));
  const label = asked ? view.label : area.label;
  const ticket = await deps.files.request({
    kind: 'ledger',
    requester: v.membership.userid,
    // A single chat's id is its person's userid (src/wecom/to-incoming.ts): the export shows what their single chat would.
    chatId: v.membership.userid,
    scope: { label, unitIds: units.map((u) => u.id) },
    period: { label: view.period.label, ...(view.period.months ? { months: [...view.period.months] } : {}) },
    extra: isEmptyFilter(view.filter) ? {} : { [ROWS_EXTRA]: JSON.stringify(view.filter) },
    linkOnly: true,
  });
  // No link or token in the log: the signed link is a credential until it expires.
  deps.logger.info({ reqId: ctx.state.reqId, user: v.membership.userid, file: ticket.id, scope: label, units: units.length, period: view.period.label, filter: Object.keys(view.filter) }, 'dashboard export requested');
  return { url: ticket.url, name: ledgerFileName(v.org, label, view.period.label, v.now), expiresAt: ticket.expiresAt };
}
