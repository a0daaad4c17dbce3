import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import type { Registry } from 'prom-client';
import type { Logger } from '../log/logger';
import { adminAccess } from './admin-access';
import { runHealthChecks, type HealthCheck } from './health';

export interface HttpServerDeps {
  logger: Logger;
  routers: readonly Router[];
  health: readonly HealthCheck[];
  trustProxy: boolean;
  /** ADMIN_TOKEN: bearer token for /metrics and the detailed /healthz; unset, loopback clients only. */
  adminToken?: string | undefined;
  /** GET /metrics in Prometheus text format; `refresh` updates scrape-time gauges first. */
  metrics?: { registry: Registry; refresh(): Promise<void> };
}

export interface HttpServer {
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, lets in-flight requests finish (up to graceMs), then drops the rest. */
  close(graceMs?: number): Promise<void>;
  readonly koa: Koa;
}

export function createHttpServer(deps: HttpServerDeps): HttpServer {
  const koa = new Koa({ proxy: deps.trustProxy });
  koa.silent = true; // we log errors ourselves, once, structured

  koa.use(async (ctx, next) => {
    const given = ctx.get('x-request-id');
    ctx.state.reqId = /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    ctx.set('x-request-id', ctx.state.reqId as string);
    try {
      await next();
    } catch (err) {
      deps.logger.error({ err, reqId: ctx.state.reqId, path: ctx.path }, 'request failed');
      ctx.status = 500;
      ctx.body = 'internal error';
    }
  });

  const router = new Router();
  router.get('/healthz', async (ctx) => {
    const report = await runHealthChecks(deps.health);
    ctx.status = report.ok ? 200 : 503;
    // A load balancer needs only the status; where Redis is and what is wrong is for operators.
    ctx.body = adminAccess(ctx, deps.adminToken).granted ? report : { ok: report.ok };
  });
  const metrics = deps.metrics;
  if (metrics) {
    router.get('/metrics', async (ctx) => {
      const access = adminAccess(ctx, deps.adminToken);
      if (!access.granted) {
        ctx.status = 401;
        ctx.set('www-authenticate', 'Bearer realm="duban"');
        ctx.body = 'unauthorized';
        deps.logger.warn({ reqId: ctx.state.reqId, path: ctx.path, status: 401, reason: access.reason }, 'admin endpoint refused');
        return;
      }
      await metrics.refresh().catch((err: unknown) => deps.logger.warn({ err: (err as Error).message }, 'metrics refresh failed'));
      ctx.type = metrics.registry.contentType;
      ctx.body = await metrics.registry.metrics();
    });
  }
  // The callers' routers first (the WeCom callback is the first of them): every callback then skips
  // this router's match and its allowedMethods; the paths are disjoint, so the order changes no answer.
  for (const r of deps.routers) koa.use(r.routes()).use(r.allowedMethods());
  koa.use(router.routes()).use(router.allowedMethods());

  let server: Server | undefined;
  let closing: Promise<void> | undefined;
  return {
    koa,
    async listen(port, host) {
      server = koa.listen(port, host);
      await Promise.race([once(server, 'listening'), once(server, 'error').then(([e]) => Promise.reject(e))]);
      // Keep-alive sockets must not outlive the callback window, nor hold shutdown up.
      server.keepAliveTimeout = 5_000;
      return (server.address() as AddressInfo).port;
    },
    close(graceMs = 10_000) {
      closing ??= (async () => {
        if (!server?.listening) return;
        const closed = once(server, 'close');
        server.close();
        server.closeIdleConnections();
        const timer = setTimeout(() => server?.closeAllConnections(), graceMs);
        await closed;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
