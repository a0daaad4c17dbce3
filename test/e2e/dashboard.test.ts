import { readFileSync } from 'node:fs';
import { fixedClock } from '../../src/clock';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import type { Figures } from '../../src/domain/stats';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { SIGN_IN_TTL_MS } from '../../src/store/sessions';
import { BOT_NAME, demoOrg, startTestApp, type TestApp } from '../support/app';
import { generateLedger } from '../support/generate-ledger';
import { builtWeb, removeBuiltWeb } from '../support/web-build';
import { statusFigures, pct } from '../support/status-figures';

/** The dashboard's sign-in (/看板 → one-time link → session cookie) and /api/figures, through the real server. */
const NOW = '2026-06-15T10:00:00+08:00';
const clock = fixedClock(NOW);
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ clock, webDir: (await builtWeb()).outDir });
  const org = demoOrg();
  const units = org.units.filter((u) => (u.town === '福禄镇' || u.town === '七塘镇') && u.secretary);
  await generateLedger(new LedgerStore(t.redis, createKeys(t.prefix)), org, { found: 120, closed: 80, units, days: 60, now: Date.parse(NOW) });
});
afterAll(async () => {
  await t.stop();
  await removeBuiltWeb();
});
afterEach(() => clock.set(NOW));

// "" is the single chat with the bot (the only place /看板 hands out a link).
const say = (userId: string, chatId: string, text: string) => t.client.say({ userId, ...(chatId ? { chatId } : {}), text: chatId ? `@${BOT_NAME} ${text}` : text });
const get = (path: string, cookie?: string) => fetch(`${t.baseUrl}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });

/** /看板's reply and the sign-in path of its link. */
async function linkFor(userId: string, _chatId?: string): Promise<{ reply: string; path: string; token: string }> {
  const reply = await say(userId, '', '/看板');
  const url = /\]\((http[^)\s]+)\)/u.exec(reply)?.[1];
  if (!url) throw new Error(`no link in ${reply}`);
  const u = new URL(url);
  return { reply, path: `${u.pathname}${u.search}`, token: u.searchParams.get('t')! };
}

/** Signs in through a fresh link; the cookie header to send afterwards. */
async function signIn(userId: string, chatId: string): Promise<string> {
  const { path } = await linkFor(userId, chatId);
  const res = await get(path);
  expect(res.status).toBe(302);
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

function expectRefusalPage(html: string): void {
  expect(html).toContain('无法进入看板');
  expect(html).toContain('请在企业微信里单聊督办助手，发送 /看板，获取新的登录链接。');
  expect(html).not.toMatch(/发现|整改率/u);
}

describe('/看板 sign-in', () => {
  it('hands out no link in a group: its members could open it first', async () => {
    const before = await t.redis.keys(`${t.prefix}*signin*`);
    const reply = await say('u_luo', 'CHAT_T1', '/看板');
    expect(reply).toBe('⚠️ 看板登录链接只在单聊中发送：请在企业微信里单聊督办助手，发送 /看板。');
    expect(await t.redis.keys(`${t.prefix}*signin*`)).toEqual(before);
  });


  it('replies with a personal one-time link valid 10 minutes that signs in once with a strict cookie', async () => {
    const { reply, path, token } = await linkFor('u_luo', 'CHAT_T1');
    expect(reply.split('\n')[0]).toBe('🔐 **看板登录链接**（仅限本人使用）');
    expect(reply).toContain('链接 10 分钟内有效，只能打开一次');
    expect(path).toMatch(/^\/dashboard\/login\?t=[A-Za-z0-9_-]{22}$/u);
    const res = await get(path);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/dashboard/');
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const attrs = cookies[0]!.split(/;\s*/u);
    expect(attrs[0]).toMatch(/^duban_session=[A-Za-z0-9_-]{43}$/u);
    expect(attrs.map((a) => a.toLowerCase())).toEqual(expect.arrayContaining(['path=/', 'samesite=strict', 'httponly']));
    expect(attrs.map((a) => a.toLowerCase())).not.toContain('secure'); // PUBLIC_URL is http here
    const home = await get('/dashboard/', attrs[0]);
    expect(home.status).toBe(200);
    const html = await home.text();
    // The built page: its data comes from /api/*, its script from a file (no inline script).
    expect(html).toContain('<title>督办看板</title>');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)/u);
    // Logged, without the token.
    const line = t.logs.find((l) => l.msg === 'dashboard sign-in');
    expect(line).toMatchObject({ user: 'u_luo' });
    expect(JSON.stringify(t.logs)).not.toContain(token);
    // Used once: the same link again is refused, and shows no data.
    const again = await get(path);
    expect(again.status).toBe(403);
    expect(again.headers.getSetCookie()).toEqual([]);
    expectRefusalPage(await again.text());
  });

  it('refuses a tampered, a missing and an expired token', async () => {
    const { path, token } = await linkFor('u_admin', 'CHAT_ADMIN');
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [`/dashboard/login?t=${flipped}`, '/dashboard/login', '/dashboard/login?t=%3Cscript%3E']) {
      const res = await get(bad);
      expect([bad, res.status]).toEqual([bad, 403]);
      expectRefusalPage(await res.text());
    }
    // The tampered tries did not use the real link up… until the clock passes its 10 minutes.
    clock.advance(SIGN_IN_TTL_MS);
    const late = await get(path);
    expect(late.status).toBe(410);
    const html = await late.text();
    expect(html).toContain('这个登录链接已过期。');
    expectRefusalPage(html);
    // And the Redis TTL ends it as well: a fresh link whose key has gone.
    clock.set(NOW);
    const fresh = await linkFor('u_admin', 'CHAT_ADMIN');
    const keys = await t.redis.keys(`${t.prefix}signin:*`);
    expect(keys).toHaveLength(1);
    expect(await t.redis.pttl(keys[0]!)).toBeGreaterThan(SIGN_IN_TTL_MS - 60_000);
    await t.redis.del(keys[0]!);
    expect((await get(fresh.path)).status).toBe(403);
  });

  it('shows the refusal page and 401 JSON without a session, or with a made-up one', async () => {
    for (const cookie of [undefined, 'duban_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const home = await get('/dashboard/', cookie);
      expect(home.status).toBe(401);
      expectRefusalPage(await home.text());
      const api = await get('/api/figures', cookie);
      expect(api.status).toBe(401);
      expect(await api.json()).toMatchObject({ error: 'no-session' });
    }
  });

  it('is refused to a secretary', async () => {
    const secretary = demoOrg().units.find((u) => u.secretary)!.secretary!;
    const reply = await say(secretary, '', '/看板');
    expect(reply).toContain('无权限');
    expect(await t.redis.keys(`${t.prefix}signin:*`)).toEqual([]);
  });

  it('gives the link for /kanban and the words people use for it, in a single chat, and /帮助 看板 says where', async () => {
    for (const text of ['/kanban', '看板链接', '打开看板', '/看板链接']) {
      const reply = await say('u_luo', '', text);
      expect([text, reply.split('\n')[0]]).toEqual([text, '🔐 **看板登录链接**（仅限本人使用）']);
      expect(reply).toMatch(/\]\(http[^)\s]+\/dashboard\/login\?t=/u);
    }
    expect(await say('u_luo', 'CHAT_T1', '看板链接')).toBe('⚠️ 看板登录链接只在单聊中发送：请在企业微信里单聊督办助手，发送 /看板。');
    const help = await say('u_luo', '', '/帮助 看板');
    expect(help).toContain('单聊');
    expect(help).toContain('/kanban');
  });

  it('does not offer /看板 for a typo to a secretary, whom it would refuse', async () => {
    expect(demoOrg().membership('u_sec_banzhu').roles).toEqual(['secretary']);
    const reply = await say('u_sec_banzhu', '', '/dashbord');
    expect(reply).toContain('没有 /dashbord 这个命令');
    expect(reply).not.toContain('看板');
    // The team is offered it.
    expect(await say('u_luo', '', '/dashbord')).toContain('/看板');
  });

  it('sets the security headers on the pages and the API', async () => {
    const cookie = await signIn('u_luo', 'CHAT_T1');
    for (const [path, c] of [['/dashboard/', cookie], ['/api/figures', cookie], ['/dashboard/login?t=x', undefined], ['/api/figures', undefined]] as const) {
      const res = await get(path, c);
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      );
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('ends the session on sign-out', async () => {
    const cookie = await signIn('u_luo', 'CHAT_T1');
    expect((await get('/api/figures', cookie)).status).toBe(200);
    const out = await fetch(`${t.baseUrl}/dashboard/logout`, { method: 'POST', redirect: 'manual', headers: { cookie } });
    expect(out.status).toBe(200);
    const html = await out.text();
    expect(html).toContain('你已退出登录。');
    // /看板 gives links in the single chat only: the page says so, not "in the group".
    expect(html).toContain('请在企业微信里单聊督办助手，发送 /看板，获取新的登录链接。');
    expect(html).not.toContain('在群里');
    expect(out.headers.getSetCookie()[0]).toMatch(/^duban_session=;.*expires=Thu, 01 Jan 1970/iu);
    expect((await get('/api/figures', cookie)).status).toBe(401);
    expect((await get('/dashboard/', cookie)).status).toBe(401);
  });

  it('ends the session when the person leaves the org file', async () => {
    const cookie = await signIn('u_t1_m2', 'CHAT_T1');
    expect((await get('/api/figures', cookie)).status).toBe(200);
    const raw = readFileSync(demoOrgFile(), 'utf8').replace('members: [u_luo, u_t1_m2, u_t1_m3, u_t1_m4]', 'members: [u_luo, u_t1_m3, u_t1_m4]');
    const without = parseOrg(raw, {});
    expect(without.membership('u_t1_m2').roles).toEqual([]);
    t.app.setOrg(without);
    try {
      expect((await get('/api/figures', cookie)).status).toBe(401);
    } finally {
      t.app.setOrg(demoOrg());
    }
  });
});


describe('behind https', () => {
  it('marks the cookie Secure when PUBLIC_URL is https, and the link names PUBLIC_URL', async () => {
    const https = await startTestApp({ clock, env: { PUBLIC_URL: 'https://duban.example.gov.cn/' } });
    try {
      const reply = await https.client.say({ userId: 'u_luo', text: '/看板' });
      const url = new URL(/\]\((http[^)\s]+)\)/u.exec(reply)![1]!);
      expect(url.origin + url.pathname).toBe('https://duban.example.gov.cn/dashboard/login');
      const res = await fetch(`${https.baseUrl}${url.pathname}${url.search}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.getSetCookie()[0]!.split(/;\s*/u).map((a) => a.toLowerCase())).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=strict']));
    } finally {
      await https.stop();
    }
  });
});

describe('/api/figures', () => {
  it.each([
    ['u_admin', 'CHAT_ADMIN', '福禄镇 本月', { scope: '福禄镇', period: '本月' }],
    ['u_admin', 'CHAT_ADMIN', '全区 本季度', { scope: '全区', period: '本季度' }],
    ['u_luo', 'CHAT_T1', '', {}],
    ['u_luo', 'CHAT_T1', '上月', { period: '上月' }],
  ])('gives %s (in %s) the figures of /status %j', async (user, chat, words, query) => {
    const cookie = await signIn(user, chat);
    const status = await say(user, chat, `/status ${words}`.trim());
    const res = await get(`/api/figures?${new URLSearchParams(query).toString()}`, cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/u);
    const body = (await res.json()) as { scope: string; period: string; figures: Figures; tasks: Figures };
    expect(status.split('\n')[0]).toBe(`**${body.scope} · ${body.period}**`);
    const f = body.figures;
    expect(f.found).toBeGreaterThan(0);
    expect({ ...f, rate: pct(f.rate), onTimeRate: pct(f.onTimeRate) }).toMatchObject(statusFigures(status));
    // No /布置 in this ledger: no task line in /status, and no task figures.
    expect(status).not.toContain('布置任务');
    expect(body.tasks).toMatchObject({ found: 0, overdue: 0 });
  });

  it('refuses a leader another team’s town (403), and bad words (400)', async () => {
    const cookie = await signIn('u_luo', 'CHAT_T1');
    const other = await get(`/api/figures?scope=${encodeURIComponent('七塘镇')}`, cookie);
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({ error: 'outside-scope', message: '你没有查看“七塘镇”的权限' });
    expect((await get(`/api/figures?scope=${encodeURIComponent('全区')}`, cookie)).status).toBe(403);
    expect((await get(`/api/figures?scope=${encodeURIComponent('福禄镇')}`, cookie)).status).toBe(200);
    expect((await get(`/api/figures?period=${encodeURIComponent('明天吧')}`, cookie)).status).toBe(400);
    expect((await get(`/api/figures?scope=a&scope=b`, cookie)).status).toBe(400);
  });
});
