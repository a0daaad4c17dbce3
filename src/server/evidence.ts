import { createReadStream } from 'node:fs';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Clock } from '../clock';
import type { Org } from '../domain/org';
import { maySeeIssue } from '../domain/visibility';
import type { Logger } from '../log/logger';
import { EVIDENCE_CONTENT_TYPES, EVIDENCE_EXTENSIONS, type EvidenceFiles } from '../store/evidence-files';
import { evidenceLabel, evidenceState, storedWords, unsavedWords } from '../rendering/evidence';
import type { LedgerStore } from '../store/ledger-store';
import { escapeHtml } from './downloads';
import type { LinkSigner } from './signed-links';

/**
 * The signed evidence links (docs/design.md §6.6):
 * - GET /evidence/<sha256>.<ext>?u=&exp=&sig= — one kept file, with its own content type,
 *   `nosniff`, and a CSP that allows nothing (sandboxed: no script, no plugin, no form), so a file
 *   cannot run anything on our origin; a PDF is sent as an attachment (browsers render PDFs with
 *   script of their own), an image inline.
 * - GET /evidence/issues/<id>?u=&exp=&sig= — a page listing an issue's files, each with a fresh
 *   signed link (the 台账's 佐证材料 cell opens it), for the person the link was made for, while
 *   they may still see the issue.
 * A tampered link answers 403, an expired one 410: a short Chinese page, never the file.
 */
export interface EvidenceRouteDeps {
  links: LinkSigner;
  files: EvidenceFiles;
  ledger: LedgerStore;
  org: () => Org;
  clock: Clock;
  logger: Logger;
}

/** The CSP of every evidence answer: nothing may load or run; a page may only use its inline style. */
const FILE_CSP = "default-src 'none'; sandbox";
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'";

function noStore(ctx: Context, csp: string): void {
  // The link is a credential: no caching on the way, no Referer carrying it elsewhere.
  ctx.set('cache-control', 'private, no-store');
  ctx.set('referrer-policy', 'no-referrer');
  ctx.set('x-content-type-options', 'nosniff');
  ctx.set('content-security-policy', csp);
  ctx.set('cross-origin-resource-policy', 'same-origin');
}

function page(ctx: Context, status: number, title: string, body: string): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  noStore(ctx, PAGE_CSP);
  ctx.body =
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} - 督办</title>` +
    `<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:36em;margin:4em auto;padding:0 1em;line-height:1.6;color:#222}</style></head>` +
    `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

const lines = (...texts: string[]) => texts.map((t) => `<p>${escapeHtml(t)}</p>`).join('');
const AGAIN = '请在群里重新发送 /查看 #编号 获取新链接。';

export function createEvidenceRouter(deps: EvidenceRouteDeps): Router {
  const router = new Router();
  const refuse = (ctx: Context, status: number, reason: string, extra: Record<string, unknown> = {}) =>
    deps.logger.warn({ reqId: ctx.state.reqId, path: ctx.path, status, reason, ip: ctx.ip, ...extra }, 'evidence link refused');
  const refused = (ctx: Context, reason: 'unsigned' | 'forged' | 'expired', user?: string): void => {
    if (reason === 'expired') {
      refuse(ctx, 410, reason, { user });
      return page(ctx, 410, '链接已过期', lines('这个照片链接已过期。', AGAIN));
    }
    refuse(ctx, 403, reason);
    return page(ctx, 403, '链接无效', lines('这个链接不完整或被改动过，无法打开。', '请使用督办助手发出的原始链接。'));
  };

  router.get('/evidence/issues/:id', async (ctx) => {
    const now = deps.clock.now().getTime();
    const check = deps.links.verifyIssueEvidence(ctx.params.id ?? '', ctx.query, now);
    if (!check.ok) return refused(ctx, check.reason, check.link?.userid);
    const { issueId, userid } = check.link;
    const issue = await deps.ledger.get(issueId);
    const org = deps.org();
    if (!issue || !maySeeIssue(org, userid, issue)) {
      refuse(ctx, 404, issue ? 'outside-scope' : 'unknown-issue', { issue: issueId, user: userid });
      return page(ctx, 404, '找不到问题', lines(`没有可以查看的问题 #${issueId}。`));
    }
    const items = issue.evidence.map((e, i) => {
      const label = evidenceLabel(e, i + 1);
      const state = evidenceState(e, now);
      if (state.status === 'stored') {
        const href = deps.links.evidencePath({ sha256: state.stored.sha256, type: state.stored.type, userid, expiresAt: check.link.expiresAt });
        return `<li><a href="${escapeHtml(href)}" rel="noreferrer">${escapeHtml(`${label}（${storedWords(state.stored)}）`)}</a></li>`;
      }
      return `<li>${escapeHtml(`${label}：${unsavedWords(state)}`)}</li>`;
    });
    deps.logger.info({ reqId: ctx.state.reqId, issue: issueId, user: userid }, 'evidence list opened');
    return page(ctx, 200, `#${issueId} 佐证材料`, items.length ? `<ol>${items.join('')}</ol>` : lines('这个问题没有照片或文件。'));
  });

  router.get('/evidence/:name', async (ctx) => {
    const now = deps.clock.now().getTime();
    const check = deps.links.verifyEvidence(ctx.params.name ?? '', ctx.query, now);
    if (!check.ok) return refused(ctx, check.reason, check.link?.userid);
    const { sha256, type, userid } = check.link;
    const size = await deps.files.size(sha256, type);
    if (size === undefined) {
      // Signed, so once kept: not on this disk (DATA_DIR not shared between instances?).
      refuse(ctx, 404, 'missing-on-disk', { file: sha256, user: userid });
      return page(ctx, 404, '文件不存在', lines('这份材料不在这台服务器上，请联系管理员。'));
    }
    noStore(ctx, FILE_CSP);
    ctx.type = EVIDENCE_CONTENT_TYPES[type];
    const name = `${sha256.slice(0, 16)}.${EVIDENCE_EXTENSIONS[type]}`;
    ctx.set('content-disposition', `${type === 'pdf' ? 'attachment' : 'inline'}; filename="${name}"`);
    ctx.length = size;
    ctx.body = createReadStream(deps.files.pathOf(sha256, type));
    deps.logger.info({ reqId: ctx.state.reqId, file: sha256, user: userid, bytes: size }, 'evidence file served');
  });
  return router;
}
