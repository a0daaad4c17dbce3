import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Clock } from '../clock';
import type { Logger } from '../log/logger';
import type { ExportFiles, ExportMeta } from '../store/export-files';
import type { FileExt, LinkSigner } from './signed-links';

/**
 * GET /files/<id>.<ext>?u=&exp=&sig= — the signed download links of generated files. People open
 * them in a browser, so every answer but the file itself is a short Chinese page; nothing a
 * user typed (a file name carries the scope) reaches the page unescaped.
 */
export interface DownloadDeps {
  links: LinkSigner;
  exports: ExportFiles;
  clock: Clock;
  logger: Logger;
}

const CONTENT_TYPES: Record<FileExt, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

/** The command that makes a file of that format again. */
const AGAIN: Record<FileExt, string> = { xlsx: '/导出', docx: '/通报' };

/** Seconds before the "being prepared" page reloads itself. */
export const REFRESH_SECONDS = 3;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function page(ctx: Context, status: number, title: string, lines: string[], refreshSeconds?: number): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  // The link is a credential: no caching on the way, no Referer carrying it elsewhere, no scripts.
  ctx.set('cache-control', 'no-store');
  ctx.set('referrer-policy', 'no-referrer');
  ctx.set('x-content-type-options', 'nosniff');
  ctx.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
  const refresh = refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : '';
  ctx.body =
    `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">${refresh}` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} - 督办</title>` +
    `<style>body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:36em;margin:4em auto;padding:0 1em;line-height:1.6;color:#222}</style></head>` +
    `<body><h1>${escapeHtml(title)}</h1>${lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</body></html>`;
}

export function createDownloadRouter(deps: DownloadDeps): Router {
  const router = new Router();
  router.get('/files/:name', async (ctx) => {
    const name = ctx.params.name ?? '';
    const now = deps.clock.now().getTime();
    const check = deps.links.verify(name, ctx.query, now);
    // One line per refusal: which file, for whom, why — never the signature.
    const refuse = (status: number, reason: string, extra: Record<string, unknown> = {}) =>
      deps.logger.warn({ reqId: ctx.state.reqId, path: ctx.path, status, reason, ip: ctx.ip, ...extra }, 'download refused');

    if (!check.ok && check.reason !== 'expired') {
      refuse(403, check.reason);
      return page(ctx, 403, '链接无效', ['这个下载链接不完整或被改动过，无法打开。', '请使用群里督办助手发出的原始链接。']);
    }
    if (!check.ok) {
      const link = check.link!;
      refuse(410, 'expired', { file: link.id, user: link.userid });
      return page(ctx, 410, '链接已过期', [`链接已过期，请在群里重新发送 ${AGAIN[link.ext]}`]);
    }
    const { link } = check;
    const who = { file: link.id, user: link.userid };
    const meta = await deps.exports.get(link.id);
    if (!meta || meta.ext !== link.ext) {
      refuse(404, 'unknown', who);
      return page(ctx, 404, '文件不存在', [`找不到这个文件，它可能已被清理。请在群里重新发送 ${AGAIN[link.ext]}。`]);
    }
    if (meta.status === 'pending') {
      page(ctx, 202, '文件正在生成', ['文件正在生成，请稍后刷新。', `本页每 ${REFRESH_SECONDS} 秒自动刷新，生成后即开始下载。`], REFRESH_SECONDS);
      return;
    }
    if (meta.status === 'failed') {
      refuse(500, 'failed', who);
      return page(ctx, 500, '文件生成失败', ['抱歉，这个文件没有生成成功。', `请稍后在群里重新发送 ${AGAIN[link.ext]}；如果仍然失败，请联系管理员。`]);
    }
    await sendFile(ctx, meta, link.ext, deps, who, refuse);
  });
  return router;
}

async function sendFile(
  ctx: Context,
  meta: ExportMeta,
  ext: FileExt,
  deps: DownloadDeps,
  who: { file: string; user: string },
  refuse: (status: number, reason: string, extra?: Record<string, unknown>) => void,
): Promise<void> {
  const full = deps.exports.pathOf(meta.id, ext);
  const info = await stat(full).catch(() => undefined);
  if (!info) {
    // Ready in Redis but not on this disk: swept, or DATA_DIR is not shared between instances.
    refuse(404, 'missing-on-disk', who);
    return page(ctx, 404, '文件不存在', [`文件已被清理或不在这台服务器上，请在群里重新发送 ${AGAIN[ext]}。`]);
  }
  const name = meta.name ?? `${meta.id}.${ext}`;
  // koa's attachment() writes Content-Disposition with the `content-disposition` package:
  // an ASCII fallback and RFC 5987 filename* for the Chinese name.
  ctx.attachment(name, { fallback: `${meta.id}.${ext}` });
  ctx.type = CONTENT_TYPES[ext];
  ctx.set('cache-control', 'private, no-store');
  ctx.set('referrer-policy', 'no-referrer');
  ctx.set('x-content-type-options', 'nosniff');
  ctx.length = info.size;
  ctx.body = createReadStream(full);
  deps.logger.info({ reqId: ctx.state.reqId, ...who, bytes: info.size }, 'file downloaded');
}
