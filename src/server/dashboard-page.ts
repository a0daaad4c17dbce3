import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Router from '@koa/router';
import { packageRoot } from '../config/paths';
import { page, refusal, signedIn, type DashboardDeps } from './dashboard-session';

/**
 * The dashboard page (docs/design.md §7.4): /dashboard/ is the built page (web/, built into
 * dist/web by `npm run build`) for a signed-in person, the refusal page with no data otherwise.
 * The page holds no data itself (it asks /api/*), so its assets are served to anyone; their
 * names carry a content hash, so browsers may keep them.
 */
export function defaultWebDir(): string {
  return path.join(packageRoot(), 'dist', 'web');
}

/** Asset names as web/build.ts writes them: flat, no path, a known kind. */
const ASSET = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:js|css|map|txt)$/u;

export function createDashboardPage(deps: DashboardDeps): Router {
  const router = new Router();
  const webDir = deps.webDir ?? defaultWebDir();

  // Not strict: /dashboard and /dashboard/ are the same page.
  router.get('/dashboard/', async (ctx) => {
    const s = await signedIn(deps, ctx);
    if (!s) return refusal(ctx, 401, '你还没有登录看板，或登录已过期。');
    const html = await readIfThere(path.join(webDir, 'index.html'));
    if (!html) {
      deps.logger.error({ reqId: ctx.state.reqId, webDir }, 'dashboard page is not built');
      return page(ctx, 503, '看板页面还没有生成', ['服务器上还没有生成看板页面。', '请管理员在服务器上运行 npm run build（或 make build）后再打开。']);
    }
    ctx.status = 200;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = html;
  });

  router.get('/dashboard/assets/:name', async (ctx) => {
    const name = ctx.params.name ?? '';
    const body = ASSET.test(name) ? await readIfThere(path.join(webDir, 'assets', name)) : undefined;
    if (!body) {
      ctx.status = 404;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'not found';
      return;
    }
    // koa derives the content type from the extension (mime-types): text/javascript, text/css …
    ctx.type = path.extname(name);
    ctx.set('cache-control', 'public, max-age=31536000, immutable');
    ctx.body = body;
  });
  // Browsers ask for it on every page without an icon (the refusal pages): nothing, for a day.
  router.get('/favicon.ico', (ctx) => {
    ctx.status = 204;
    ctx.set('cache-control', 'public, max-age=86400');
  });
  return router;
}

async function readIfThere(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
