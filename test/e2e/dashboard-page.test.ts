import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { fixedClock } from '../../src/clock';
import type { WebBuild } from '../../web/build';
import { startTestApp, type TestApp } from '../support/app';
import { builtWeb, removeBuiltWeb } from '../support/web-build';
import { firstViewUrls } from '../../web/src/view';
import { rawGet } from '../integration/dashboard-api.support';

/** The built page and its assets as the server hands them out (the browser tests use them in chromium). */
const clock = fixedClock('2026-06-15T10:00:00+08:00');
let t: TestApp;
let web: WebBuild;

beforeAll(async () => {
  web = await builtWeb();
  t = await startTestApp({ clock, webDir: web.outDir });
});
afterAll(async () => {
  await t.stop();
  await removeBuiltWeb();
});

async function cookieFor(app: TestApp, userId: string): Promise<string> {
  const reply = await app.client.say({ userId, text: '/看板' });
  const u = new URL(/\]\((http[^)\s]+)\)/u.exec(reply)![1]!);
  const res = await fetch(`${app.baseUrl}${u.pathname}${u.search}`, { redirect: 'manual' });
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

describe('the dashboard page', () => {
  it('is the built index.html for a signed-in person, naming its hashed assets', async () => {
    const res = await fetch(`${t.baseUrl}/dashboard/`, { headers: { cookie: await cookieFor(t, 'u_luo') } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toBe(readFileSync(path.join(web.outDir, 'index.html'), 'utf8'));
    expect(html).toContain(`<script src="/dashboard/assets/${web.script}"></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="/dashboard/assets/${web.style}">`);
    // The first view's answers and ECharts asked while <head> is read, before the page's script
    // runs: the same URLs as the page's own requests (a preload is used only by an equal one).
    const preloads = [...html.matchAll(/<link rel="preload" as="fetch" crossorigin href="([^"]+)">/gu)].map((m) => m[1]!.replaceAll('&amp;', '&'));
    expect(preloads).toEqual(Object.values(firstViewUrls()));
    expect(preloads).toContain('/api/issues?sort=age&order=desc&page=1&size=20');
    expect(html).toContain(`<link rel="modulepreload" href="/dashboard/assets/${web.charts}">`);
    for (const url of preloads) {
      const res = await fetch(`${t.baseUrl}${url}`, { headers: { cookie: await cookieFor(t, 'u_luo') } });
      expect([url, res.status]).toEqual([url, 200]);
    }
    // No inline script or style for the CSP to refuse.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)|<style|\sstyle=|\son[a-z]+=/u);
  });

  it('serves the assets to anyone with their content types, cached for good', async () => {
    for (const [name, type] of [
      [web.script, 'text/javascript; charset=utf-8'],
      [web.charts, 'text/javascript; charset=utf-8'],
      [web.style, 'text/css; charset=utf-8'],
    ] as const) {
      const res = await fetch(`${t.baseUrl}/dashboard/assets/${name}`);
      expect([name, res.status, res.headers.get('content-type')]).toEqual([name, 200, type]);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(path.join(web.outDir, 'assets', name)))).toBe(true);
    }
    // ECharts is bundled (no CDN) into the charts module, which the page imports.
    const charts = await (await fetch(`${t.baseUrl}/dashboard/assets/${web.charts}`)).text();
    expect(charts).toMatch(/echarts/iu);
    const js = await (await fetch(`${t.baseUrl}/dashboard/assets/${web.script}`)).text();
    expect(js).toContain(`import("/dashboard/assets/${web.charts}")`);
  });

  it('sends the assets compressed when the browser asks, with the security headers', async () => {
    for (const name of [web.script, web.charts, web.style]) {
      const file = readFileSync(path.join(web.outDir, 'assets', name));
      const gz = await rawGet(`${t.baseUrl}/dashboard/assets/${name}`, { 'accept-encoding': 'gzip' });
      expect([name, gz.status, gz.headers['content-encoding']]).toEqual([name, 200, 'gzip']);
      expect(gunzipSync(gz.body).equals(file)).toBe(true);
      expect(gz.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=31536000, immutable' });
      expect(gz.headers['content-security-policy']).toContain("default-src 'self'");
      expect(gz.headers.vary).toMatch(/accept-encoding/iu);
      // Chromium asks for br first.
      const br = await rawGet(`${t.baseUrl}/dashboard/assets/${name}`, { 'accept-encoding': 'gzip, deflate, br' });
      expect([name, br.headers['content-encoding']]).toEqual([name, 'br']);
      expect(brotliDecompressSync(br.body).equals(file)).toBe(true);
      const plain = await rawGet(`${t.baseUrl}/dashboard/assets/${name}`);
      expect([name, plain.headers['content-encoding'], plain.body.equals(file)]).toEqual([name, undefined, true]);
    }
    const charts = await rawGet(`${t.baseUrl}/dashboard/assets/${web.charts}`, { 'accept-encoding': 'gzip' });
    expect(charts.body.length).toBeLessThan(readFileSync(path.join(web.outDir, 'assets', web.charts)).length / 2);
  });

  it('sends /dashboard to /dashboard/, and answers any other address under it with a Chinese page', async () => {
    const res = await fetch(`${t.baseUrl}/dashboard`, { redirect: 'manual' });
    expect([res.status, res.headers.get('location')]).toEqual([302, '/dashboard/']);
    for (const bad of ['/dashboard/nothing', '/dashboard/a/b', '/dashboard/login/x']) {
      const r = await fetch(`${t.baseUrl}${bad}`);
      expect([bad, r.status, r.headers.get('content-type')]).toEqual([bad, 404, 'text/html; charset=utf-8']);
      const html = await r.text();
      expect(html).toContain('找不到这个页面');
      expect(html).toContain('/看板');
      expect(html).not.toMatch(/Not Found/iu);
      expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
  });

  it('answers 404 to anything else under assets, a way out of the folder included', async () => {
    for (const bad of ['nothing.js', '..%2Findex.html', '%2E%2E%2F%2E%2E%2Fpackage.json', 'index.html', 'a.exe', '.hidden.js']) {
      const res = await fetch(`${t.baseUrl}/dashboard/assets/${bad}`);
      expect([bad, res.status]).toEqual([bad, 404]);
      expect(await res.text()).toBe('not found');
    }
    expect((await fetch(`${t.baseUrl}/dashboard/assets/../../package.json`)).status).toBe(404);
  });

  it('answers the browser’s /favicon.ico with nothing rather than a 404', async () => {
    const res = await fetch(`${t.baseUrl}/favicon.ico`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('says so in Chinese, with no data, when the page was never built', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'duban-noweb-'));
    const bare = await startTestApp({ clock, webDir: empty });
    try {
      const res = await fetch(`${bare.baseUrl}/dashboard/`, { headers: { cookie: await cookieFor(bare, 'u_admin') } });
      expect(res.status).toBe(503);
      const html = await res.text();
      expect(html).toContain('看板页面还没有生成');
      expect(html).toContain('npm run build');
      expect(bare.logs.some((l) => l.msg === 'dashboard page is not built')).toBe(true);
    } finally {
      await bare.stop();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
