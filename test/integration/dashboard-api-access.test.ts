import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import ExcelJS from 'exceljs';
import { FILES_QUEUE, OUTBOUND_QUEUE } from '../../jobs/queues';
import { fixedClock } from '../../src/clock';
import type { ExportResponse, MeResponse, TableResponse } from '../../src/server/dashboard-contract';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { redisOptions } from '../../src/store/redis';
import { demoOrg, startTestApp, type TestApp } from '../support/app';
import { generateLedger } from '../support/generate-ledger';
import { testRedisUrl } from '../support/redis';
import { pollUntil } from '../support/wait';
import { client, qs, say, signIn, type ApiClient } from './dashboard-api.support';

/**
 * Who may reach what through the dashboard API, on a real Redis: no session is a 401 on every
 * route, another team's area a 403 on every route, and the export a POST that needs the
 * session's CSRF token and makes the /导出 workbook of the table's rows, served at its link only.
 */
const NOW = '2026-06-15T10:00:00+08:00';
const clock = fixedClock(NOW);
const org = demoOrg();
let t: TestApp;
let dir: string;
let luo: ApiClient;
let luoCsrf: string;
let admin: ApiClient;
let adminCsrf: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'duban-dash-export-'));
  t = await startTestApp({ clock, jobTimings: { backoffMs: 50 } });
  const units = org.units.filter((u) => (u.town === '福禄镇' || u.town === '七塘镇') && u.secretary);
  await generateLedger(new LedgerStore(t.redis, createKeys(t.prefix)), org, { found: 160, closed: 80, units, days: 90, now: Date.parse(NOW) });
  luo = await signIn(t, 'u_luo');
  luoCsrf = (await luo.json<MeResponse>('/api/me')).body.csrf;
  admin = await signIn(t, 'u_admin');
  adminCsrf = (await admin.json<MeResponse>('/api/me')).body.csrf;
});
afterAll(async () => {
  await t.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A POST through node:http, which sends the headers as given (fetch sets Origin itself). */
function postRaw(p: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  return postText(p, headers).then((r) => ({ status: r.status, body: JSON.parse(r.text) as unknown }));
}

function postText(p: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const body = '{}';
  return new Promise((resolve, reject) => {
    const req = http.request(`${t.baseUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const GETS = ['/api/me', '/api/figures', '/api/charts', '/api/issues', '/api/issues/1', '/api/scores'];

describe('without a session', () => {
  it.each(['', 'duban_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'])('answers 401 on every route (cookie “%s”)', async (cookie) => {
    const c = client(t, cookie);
    for (const p of GETS) {
      const res = await c.json<{ error: string; message: string }>(p);
      expect([p, res.status, res.body.error]).toEqual([p, 401, 'no-session']);
      expect(res.body.message).toContain('/看板');
    }
    const res = await c.post('/api/export', {}, { 'x-csrf-token': luoCsrf });
    expect(res.status).toBe(401);
    expect(await t.redis.keys(`${t.prefix}export:*`)).toEqual([]);
  });
});

describe('a leader outside their area', () => {
  it('is refused another team’s town on every route', async () => {
    const other = { scope: '七塘镇' };
    for (const p of ['/api/figures', '/api/charts', '/api/issues', '/api/scores']) {
      const res = await luo.json<{ error: string }>(`${p}?${qs(other)}`);
      expect([p, res.status, res.body.error]).toEqual([p, 403, 'outside-scope']);
      const town = await luo.json<{ error: string }>(`${p}?${qs({ town: '七塘镇' })}`);
      // figures, charts and scores read no town filter: a town is their scope word.
      if (p === '/api/issues') expect(town.status).toBe(403);
    }
    for (const body of [other, { town: '七塘镇' }, { unit: 'xiguan' }, { team: 't2' }]) {
      const res = await luo.post('/api/export', body, { 'x-csrf-token': luoCsrf });
      expect([body, res.status]).toEqual([body, 403]);
    }
    const ids = (await admin.json<TableResponse>(`/api/issues?${qs({ scope: '七塘镇', size: 5 })}`)).body.rows.map((r) => r.id);
    expect(ids).toHaveLength(5);
    for (const id of ids) expect((await luo.json(`/api/issues/${id}`)).status).toBe(403);
    expect(await t.redis.keys(`${t.prefix}export:*`)).toEqual([]);
  });
});

describe('POST /api/export', () => {
  it('is refused without the session’s CSRF token, with a wrong one, from another site, and to a member', async () => {
    expect((await luo.post('/api/export', {})).status).toBe(403);
    const wrong = await luo.post('/api/export', {}, { 'x-csrf-token': adminCsrf });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toMatchObject({ error: 'bad-csrf' });
    // fetch sets Origin itself: a plain HTTP request says it as another site's page would.
    expect(await postRaw('/api/export', { cookie: luo.cookie, 'x-csrf-token': luoCsrf, origin: 'https://evil.example' })).toMatchObject({ status: 403, body: { error: 'cross-site' } });
    const cross = await luo.post('/api/export', {}, { 'x-csrf-token': luoCsrf, 'sec-fetch-site': 'cross-site' });
    expect(await cross.json()).toMatchObject({ error: 'cross-site' });
    expect(await postRaw('/api/export', { cookie: luo.cookie, 'x-csrf-token': luoCsrf, origin: t.baseUrl, 'content-type': 'text/plain' })).toMatchObject({ status: 400 });
    const member = await signIn(t, 'u_t1_m2');
    const memberCsrf = (await member.json<MeResponse>('/api/me')).body.csrf;
    expect((await member.post('/api/export', {}, { 'x-csrf-token': memberCsrf })).status).toBe(403);
    const bad = await luo.post('/api/export', { state: 'done' }, { 'x-csrf-token': luoCsrf });
    expect(bad.status).toBe(400);
    expect(await t.redis.keys(`${t.prefix}export:*`)).toEqual([]);
  });

  it('gives a link to the /导出 workbook of the filtered table, served only there', async () => {
    const filter = { scope: '福禄镇', state: 'open', period: '本季度', q: '村务' };
    const want: number[] = [];
    for (let page = 1; ; page++) {
      const body = (await luo.json<TableResponse>(`/api/issues?${qs({ ...filter, size: 100, page, sort: 'age', order: 'asc' })}`)).body;
      want.push(...body.rows.map((r) => r.id));
      if (want.length >= body.total) break;
    }
    expect(want.length).toBeGreaterThan(0);
    const res = await luo.post('/api/export', filter, { 'x-csrf-token': luoCsrf, origin: t.baseUrl });
    expect(res.status).toBe(200);
    const out = (await res.json()) as ExportResponse;
    expect(out.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/[A-Za-z0-9_-]+\.xlsx\?u=u_luo&exp=\d+&sig=/u);
    expect(out.name).toBe('示例区福禄镇台账_2026年第2季度_20260615.xlsx');
    expect(out.expiresAt).toBeGreaterThan(Date.parse(NOW));
    // Logged without the link (its signature is a credential).
    const id = /\/files\/([A-Za-z0-9_-]+)\.xlsx/u.exec(out.url)![1]!;
    const line = t.logs.find((l) => l.msg === 'dashboard export requested' && l.file === id);
    expect(line).toMatchObject({ user: 'u_luo', scope: '福禄镇', period: '2026年第2季度', filter: ['states', 'q'] });
    expect(JSON.stringify(t.logs)).not.toContain(new URL(out.url).searchParams.get('sig')!);

    let file: Response | undefined;
    await pollUntil(async () => {
      file = await fetch(out.url);
      return file.status !== 202;
    }, 'the workbook to be made');
    expect(file!.status).toBe(200);
    const xlsx = path.join(dir, 'export.xlsx');
    await writeFile(xlsx, Buffer.from(await file!.arrayBuffer()));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    expect(wb.worksheets[0]!.name).toBe('台账');
    expect(wb.worksheets.map((s) => s.name)).toContain('汇总');
    const sheet = wb.worksheets[0]!;
    const refColumn = (sheet.getRow(2).values as unknown[]).indexOf('问题编号');
    expect(refColumn).toBeGreaterThan(0);
    const refs: number[] = [];
    sheet.eachRow((row, n) => {
      const ref = row.getCell(refColumn).value;
      if (n >= 3 && typeof ref === 'string' && ref.startsWith('#')) refs.push(Number(ref.slice(1)));
    });
    expect(refs.sort((a, b) => a - b)).toEqual([...want].sort((a, b) => a - b));

    // Served at the link only: the job ends without a file message for any chat.
    const connection = redisOptions(testRedisUrl());
    const files = new Queue(FILES_QUEUE, { connection, prefix: createKeys(t.prefix).bullPrefix });
    const outbound = new Queue(OUTBOUND_QUEUE, { connection, prefix: createKeys(t.prefix).bullPrefix });
    try {
      await pollUntil(async () => (await files.getJob(id)) === undefined, 'the file job to end');
      expect(await outbound.getJob(`file-${id}`)).toBeUndefined();
      expect(t.logs.filter((l) => l.msg === 'push sent' && JSON.stringify(l).includes(id))).toEqual([]);
      expect(t.logs.find((l) => l.msg === 'file ready' && l.file === id)).toMatchObject({ linkOnly: true });
    } finally {
      await files.close();
      await outbound.close();
    }
  });

  it('exports a leader’s own area when no scope is named', async () => {
    const res = await luo.post('/api/export', {}, { 'x-csrf-token': luoCsrf });
    expect(res.status).toBe(200);
    expect(((await res.json()) as ExportResponse).name).toMatch(/^示例区第一工作队台账_累计_/u);
    const adminRes = await admin.post('/api/export', { scope: '七塘镇' }, { 'x-csrf-token': adminCsrf });
    expect(adminRes.status).toBe(200);
  });

  it('keeps a description with markup as JSON text', async () => {
    const xss = '<script>alert(1)</script>公开栏未更新';
    const reply = await say(t, 'u_t1_m2', 'CHAT_T1', `/上报 斑竹村 ${xss} 期限:5天`);
    const id = Number(/#(\d+)/u.exec(reply)![1]);
    const res = await luo.get(`/api/issues/${id}`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/u);
    const text = await res.text();
    expect(text).toContain('"description":"<script>alert(1)</script>公开栏未更新"');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('a session made before sessions carried a CSRF token', () => {
  it('is told to sign in again to export, not to reload the page', async () => {
    const exports = await t.redis.keys(`${t.prefix}export:*`);
    const old = await signIn(t, 'u_luo');
    const id = old.cookie.split('=')[1]!;
    const key = createKeys(t.prefix).session(createHash('sha256').update(id).digest('base64url'));
    const stored = JSON.parse((await t.redis.get(key))!) as Record<string, unknown>;
    delete stored.csrf;
    await t.redis.set(key, JSON.stringify(stored), 'KEEPTTL');
    expect((await old.json<MeResponse>('/api/me')).body.csrf).toBe('');
    const res = await old.post('/api/export', {}, { 'x-csrf-token': '' });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'no-csrf', message: '这次登录不能导出，请在企业微信里单聊督办助手，重新发送 /看板 登录后再导出' });
    expect((await t.redis.keys(`${t.prefix}export:*`)).sort()).toEqual(exports.sort());
  });
});

describe('POST /dashboard/logout', () => {
  it('is refused from another site’s page, and the session goes on', async () => {
    const c = await signIn(t, 'u_luo');
    for (const headers of [{ origin: 'https://evil.example' } as Record<string, string>, { origin: 'null', 'sec-fetch-site': 'cross-site' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }]) {
      const res = await postText('/dashboard/logout', { cookie: c.cookie, ...headers });
      expect([headers, res.status]).toEqual([headers, 403]);
      expect(res.text).toContain('请在看板页面上点“退出登录”。');
      expect((await c.get('/api/figures')).status).toBe(200);
    }
  });

  it('ends the session from the page’s own form (Origin null under no-referrer, same-origin by the browser’s word)', async () => {
    for (const headers of [{ origin: 'null', 'sec-fetch-site': 'same-origin' }, { origin: t.baseUrl, 'sec-fetch-site': 'same-origin' }]) {
      const c = await signIn(t, 'u_luo');
      const res = await postText('/dashboard/logout', { cookie: c.cookie, ...headers });
      expect([headers, res.status]).toEqual([headers, 200]);
      expect(res.text).toContain('请在企业微信里单聊督办助手，发送 /看板，获取新的登录链接。');
      expect((await c.get('/api/figures')).status).toBe(401);
    }
  });
});
