import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { fixedClock } from '../../src/clock';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import type { TableResponse } from '../../src/server/dashboard-contract';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { SIGN_IN_TTL_MS } from '../../src/store/sessions';
import { BOT_NAME, startTestApp, type TestApp } from '../support/app';
import { generateLedger } from '../support/generate-ledger';
import { chartLabel } from '../../web/src/labels';
import { builtWeb, removeBuiltWeb } from '../support/web-build';
import { launch, pageViolations, PHONE, screenshot, type Browser } from './browser';

/**
 * The dashboard in Debian's chromium against the real server: sign-in through the /看板 link,
 * the figures of /status, the 台账's filters, an issue's history, the export, the scope rule,
 * the refusals, an XSS attempt, and the page's CSP holding (no violation at all).
 */
// The browser keeps the session cookie only until its expiry, which the server's clock sets:
// the fixed clock must be near the real time, so it starts now (whole minutes).
const NOW = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const clock = fixedClock(NOW);
let t: TestApp;
let browser: Browser;
const XSS = '<img src=x onerror=window.__xss=1>路灯不亮<script>window.__xss=2</script>';
let xssRef = '';
let fixedRef = '';
let taskRef = '';
let taskUnits = 0;
/**
 * A unit whose name has the braces of ECharts' rich-text markup, `{style|text}`, in which a
 * tooltip wraps each name: its `}` would end the wrap early. (The org file refuses `|` in a
 * name, as WeCom reads it as markup; chartLabel is held to it below.)
 */
const MARKUP_UNIT = '喜观{一}村';

/** The demo organisation with 七塘镇's 喜观村 renamed to MARKUP_UNIT (out of the README's screenshots). */
function orgWithMarkupUnit() {
  const raw = parseYaml(readFileSync(demoOrgFile(), 'utf8')) as { units: { id: string; name: string }[] };
  raw.units.find((u) => u.id === 'xiguan')!.name = MARKUP_UNIT;
  return parseOrg(stringifyYaml(raw), {});
}

const say = (userId: string, chatId: string, text: string, extra: { images?: string[] } = {}) =>
  t.client.say({ userId, ...(chatId ? { chatId } : {}), text: chatId ? `@${BOT_NAME} ${text}` : text, ...extra });

async function report(text: string): Promise<string> {
  const reply = await say('u_t1_m2', 'CHAT_T1', `/上报 ${text}`);
  const ref = /#\d+/u.exec(reply)?.[0];
  if (!ref) throw new Error(`no issue in: ${reply}`);
  return ref;
}

beforeAll(async () => {
  const [web] = await Promise.all([builtWeb(), launch().then((b) => (browser = b))]);
  const org = orgWithMarkupUnit();
  t = await startTestApp({ clock, webDir: web.outDir, org });
  const units = org.units.filter((u) => (u.town === '福禄镇' || u.town === '七塘镇') && u.secretary);
  await generateLedger(new LedgerStore(t.redis, createKeys(t.prefix)), org, { found: 90, closed: 50, units, days: 75, now: NOW.getTime() });
  fixedRef = await report('斑竹村 闸阀老化漏水，群众反映强烈 期限:5天');
  await say('u_sec_banzhu', 'CHAT_T1', `/整改 ${fixedRef} 闸阀已更换，恢复正常`, { images: ['https://img.example/1.jpg'] });
  await say('u_t1_m3', 'CHAT_T1', `/销号 ${fixedRef} 现场核验无误`);
  // A department task: one issue per unit of 福禄镇, in the 台账 but not among the problems found.
  const assigned = await say('u_admin', 'CHAT_ADMIN', '/布置 开展党员活动室使用情况自查 期限:10天 范围:福禄镇');
  taskRef = /#T\d+/u.exec(assigned)?.[0] ?? `(no task in: ${assigned})`;
  taskUnits = Number(/共 (\d+) 个单位/u.exec(assigned)?.[1]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await removeBuiltWeb();
});
afterEach(() => clock.set(NOW));

/** /看板 in the single chat: the path of the one-time link. */
async function linkFor(userId: string): Promise<string> {
  const reply = await say(userId, '', '/看板');
  const url = /\]\((http[^)\s]+)\)/u.exec(reply)?.[1];
  if (!url) throw new Error(`no link in ${reply}`);
  const u = new URL(url);
  return `${t.baseUrl}${u.pathname}${u.search}`;
}

/** The first view is drawn. */
async function ready(page: Page): Promise<void> {
  await page.waitForSelector('html[data-ready="1"]', { timeout: 10_000 });
}

/** No request of the page in flight, and what came back is drawn (the page's data-busy). */
async function settled(page: Page): Promise<void> {
  await page.waitForSelector('html[data-ready="1"]:not([data-busy])', { state: 'attached' });
}

/** Types a search and sends it at once (Enter), not after the typing pause. */
async function search(page: Page, words: string): Promise<void> {
  await page.fill('input[name=q]', words);
  await page.press('input[name=q]', 'Enter');
}

/** Signs in through a fresh link in a new page; the page with the dashboard drawn. */
async function signIn(userId: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage(viewport);
  await page.goto(await linkFor(userId));
  expect(page.url()).toBe(`${t.baseUrl}/dashboard/`);
  await ready(page);
  return page;
}

/** The headline figures as the page shows them, by /status's words. */
async function pageFigures(page: Page): Promise<Record<string, string>> {
  const cards = await page.$$eval('#figures .fig', (els) => els.map((e) => [e.querySelector('.fig-label')!.textContent!, e.querySelector('.fig-value')!.textContent!]));
  return Object.fromEntries(cards);
}

/** The same figures read from a /status reply. */
function statusFigures(text: string): Record<string, string> {
  const one = (label: string, re: RegExp) => [label, re.exec(text)?.[1] ?? `(no ${label} in /status)`];
  return Object.fromEntries([
    one('发现', /发现 (\d+)/u),
    one('已销号', /已销号 (\d+)/u),
    one('整改中', /整改中 (\d+)/u),
    one('待核验', /待核验 (\d+)/u),
    one('逾期', /逾期 (\d+)/u),
    one('整改率', /\n整改率 (\S+)/u),
    one('按期整改率', /按期整改率 (\S+)/u),
    one('待交办', /待交办 (\d+)/u),
    // "平均 2.5 天销号" / "平均不到 1 天销号" as the card says it; no line when nothing closed.
    ['平均整改天数', /平均 ?(不到 1|[\d.]+) 天销号/u.exec(text) ? `${/平均 ?(不到 1|[\d.]+) 天销号/u.exec(text)![1]} 天` : '—'],
  ]);
}

/** The rows' cells as text; the first, 编号, is the ref alone (a task issue's #T tag read apart). */
async function rows(page: Page): Promise<string[][]> {
  return page.$$eval('#issues tbody tr[data-id]', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td, i) => (i === 0 ? td.querySelector('.ref') : td)?.textContent ?? '')),
  );
}

/** Waits until the table shows what the API answers for the same query, and returns it. */
async function tableSettles(page: Page, query: Record<string, string>): Promise<TableResponse> {
  const res = await page.request.get(`${t.baseUrl}/api/issues?${new URLSearchParams(query).toString()}`);
  expect(res.status()).toBe(200);
  const want = (await res.json()) as TableResponse;
  await settled(page);
  expect(await page.locator('#page-info').textContent()).toContain(`共 ${want.total} 条`);
  expect((await rows(page)).map((r) => r[0])).toEqual(want.rows.map((r) => r.ref));
  return want;
}

describe('the dashboard in chromium', () => {
  it('signs in through the /看板 link and shows the figures of /status', async () => {
    const page = await signIn('u_luo');
    await expect(page.locator('#who-name').textContent()).resolves.toBe('罗志刚');
    await expect(page.locator('#who-scope').textContent()).resolves.toBe('范围：第一工作队');
    const status = await say('u_luo', 'CHAT_T1', '/status');
    expect(await page.locator('#view-title').textContent()).toBe(/^\*\*(.+)\*\*/u.exec(status)![1]);
    const shown = await pageFigures(page);
    expect(Number(shown['发现'])).toBeGreaterThan(0);
    expect(shown).toEqual(statusFigures(status));
    // Four charts drawn on canvases of their boxes' size.
    const canvases = await page.$$eval('.chart canvas', (cs) => cs.map((c) => c.width as number));
    expect(canvases).toHaveLength(4);
    for (const w of canvases) expect(w).toBeGreaterThan(200);
    expect(await page.locator('.chart-box.is-loading').count()).toBe(0);
    // How fast is measured by `npm run bench` (BENCH_ONLY=dashboard: the page on the 100 000-issue
    // ledger), never asserted here: a shared CI machine's load is not the page's speed.
    await screenshot(page, 'dashboard-desktop');
    expect(await pageViolations(page)).toEqual([]);
    await page.close();
  });

  it('draws the figures and the 台账 before ECharts arrives, the chart boxes saying 加载中', async () => {
    const page = await browser.newPage();
    // The charts module held back until the figures are seen (routing also bypasses the cache).
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/\/dashboard\/assets\/charts-[^/]+\.js$/u, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(await linkFor('u_luo'));
    await page.waitForSelector('#figures .fig');
    await page.waitForSelector('#issues tbody tr[data-id]');
    const status = await say('u_luo', 'CHAT_T1', '/status');
    expect(await pageFigures(page)).toEqual(statusFigures(status));
    const loading = await page.evaluate<string[]>("[...document.querySelectorAll('.chart-box.is-loading')].map((e) => getComputedStyle(e, '::after').content)");
    expect(loading).toEqual(Array(4).fill('"图表加载中…"'));
    expect(await page.locator('.chart canvas').count()).toBe(0);
    expect(await page.locator('html[data-ready]').count()).toBe(0);
    release();
    await ready(page);
    expect(await page.locator('.chart-box.is-loading').count()).toBe(0);
    expect(await page.locator('.chart canvas').count()).toBe(4);
    await page.close();
  });

  it('follows the period picker, 上月, 上季度 and a custom month range included, with /status’s figures', async () => {
    const page = await signIn('u_admin');
    await page.selectOption('#scope', { label: '福禄镇' });
    expect(await page.$$eval('#period option', (os) => os.map((o) => o.textContent))).toEqual(['本月', '上月', '本季度', '上季度', '本年', '去年', '累计', '自定义']);
    for (const word of ['上月', '上季度']) {
      await page.selectOption('#period', word);
      await settled(page);
      const status = await say('u_admin', 'CHAT_ADMIN', `/status 福禄镇 ${word}`);
      expect(await page.locator('#view-title').textContent()).toBe(/^\*\*(.+)\*\*/u.exec(status)![1]);
      expect([word, await pageFigures(page)]).toEqual([word, statusFigures(status)]);
    }
    // 上月 has problems in it (the generated ledger spans 75 days): the comparison says something.
    await page.selectOption('#period', '上月');
    await settled(page);
    expect(Number((await pageFigures(page))['发现'])).toBeGreaterThan(0);
    await page.selectOption('#period', '本月');
    await settled(page);
    const month = await say('u_admin', 'CHAT_ADMIN', '/status 福禄镇 本月');
    expect(await pageFigures(page)).toEqual(statusFigures(month));
    // The same month as a custom range counts the same.
    expect(await page.locator('#view-title').textContent()).toBe(/^\*\*(.+)\*\*/u.exec(month)![1]);
    await page.selectOption('#period', 'custom');
    await settled(page);
    expect(await page.locator('#range').isVisible()).toBe(true);
    // The months in Chinese whatever the browser's language (a month <input> would follow it).
    expect(await page.locator('#range .range-label').textContent()).toBe('按发现月份');
    expect(await page.evaluate<string[]>("[...document.querySelectorAll('#range label')].map((l) => l.firstChild.textContent.trim())")).toEqual(['从', '到']);
    expect(await page.locator('#from option:checked').textContent()).toMatch(/^\d{4}年\d{1,2}月$/u);
    for (const label of await page.$$eval('#from option, #to option', (os) => os.map((o) => o.textContent ?? ''))) expect(label).toMatch(/^\d{4}年\d{1,2}月$/u);
    expect(await page.locator('#from').inputValue()).toBe(await page.locator('#to').inputValue());
    expect(await pageFigures(page)).toEqual(statusFigures(month));
    await page.close();
  });

  it('filters the 台账 by state and town, searches the descriptions, and pages', async () => {
    const page = await signIn('u_admin');
    const all = await tableSettles(page, {});
    expect(taskUnits).toBeGreaterThan(0);
    expect(all.total).toBe(91 + taskUnits); // 90 generated, the one reported in the chat, the task's
    await page.selectOption('select[name=state]', { label: '整改中' });
    await page.selectOption('select[name=town]', '福禄镇');
    const state = await page.locator('select[name=state]').inputValue();
    const filtered = await tableSettles(page, { state, town: '福禄镇' });
    expect(filtered.total).toBeGreaterThan(0);
    expect(filtered.total).toBeLessThan(all.total);
    for (const r of await rows(page)) expect([r[3], r[5]]).toEqual(['福禄镇', '整改中']);
    await page.selectOption('select[name=state]', '');
    await search(page, '闸阀');
    const found = await tableSettles(page, { town: '福禄镇', q: '闸阀' });
    expect(found.rows.map((r) => r.ref)).toEqual([fixedRef]);
    // Paging through everything again, by deadline.
    await search(page, '');
    await page.selectOption('select[name=town]', '');
    await page.selectOption('select[name=sort]', 'deadline|asc');
    const first = await tableSettles(page, { sort: 'deadline', order: 'asc' });
    await page.click('#next');
    const second = await tableSettles(page, { sort: 'deadline', order: 'asc', page: '2' });
    expect(second.rows.map((r) => r.id)).not.toEqual(first.rows.map((r) => r.id));
    expect(await page.locator('#page-info').textContent()).toBe(`第 2 / ${Math.ceil(all.total / 20)} 页，共 ${all.total} 条`);
    await page.close();
  });

  it('opens an issue with its fix note and history', async () => {
    const page = await signIn('u_luo');
    await search(page, '闸阀');
    await settled(page);
    expect((await rows(page)).map((r) => r[0])).toEqual([fixedRef]);
    await page.click('#issues tbody tr[data-id]');
    await settled(page);
    expect(await page.locator('#issue').isVisible()).toBe(true);
    expect(await page.locator('#issue-title').textContent()).toContain(fixedRef);
    expect(await page.locator('#issue-desc').textContent()).toBe('闸阀老化漏水，群众反映强烈');
    const fields = await page.locator('#issue-fields').textContent();
    expect(fields).toContain('闸阀已更换，恢复正常');
    const history = await page.$$eval('#issue-history li', (lis) => lis.map((li) => li.textContent ?? ''));
    expect(history.length).toBeGreaterThanOrEqual(3);
    expect(history.join('\n')).toContain('现场核验无误');
    // The fix's photo, named; no link or image while it is not kept (its link, on no WeCom media
    // host, is never fetched: still being refused, or refused).
    expect(await page.locator('#issue-photos').textContent()).toMatch(/^照片 1 · \d{4}-\d\d-\d\d \d\d:\d\d（(?:保存中|未保存：下载地址不是企业微信的，未下载)）$/u);
    expect(await page.$$('#issue-photos img, #issue-photos a')).toHaveLength(0);
    await screenshot(page, 'dashboard-issue', { docs: false });
    await page.click('#issue-close');
    expect(await page.locator('#issue').isVisible()).toBe(false);
    await page.close();
  });

  it('shows an XSS attempt in a description as text and runs nothing', async () => {
    xssRef = await report(`斑竹村 ${XSS}`);
    const page = await signIn('u_luo');
    await search(page, '路灯不亮');
    await settled(page);
    const found = await rows(page);
    expect(found.map((r) => r.slice(0, 2))).toEqual([[xssRef, XSS]]);
    await page.click('#issues tbody tr[data-id]');
    await settled(page);
    expect(await page.locator('#issue-desc').textContent()).toBe(XSS);
    expect(await page.$$('#issues img, #issues script, #issue-desc *, #issue-fields img, #issue-history img, body script:not([src])')).toHaveLength(0);
    expect(await page.evaluate<string>('typeof window.__xss')).toBe('undefined');
    expect(await pageViolations(page)).toEqual([]);
    await page.close();
  });

  it('exports the current filter as the .xlsx of /导出', async () => {
    const page = await signIn('u_admin');
    await page.selectOption('select[name=town]', '七塘镇');
    const want = await tableSettles(page, { town: '七塘镇' });
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.click('#export')]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/u);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'duban-dl-'));
    try {
      const file = path.join(dir, download.suggestedFilename());
      await download.saveAs(file);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(file);
      // The 台账 sheet: its header row names the columns; one row per issue below it.
      const sheet = wb.worksheets.find((ws) => ws.getSheetValues().some((r) => Array.isArray(r) && r.includes('问题编号')))!;
      expect(sheet).toBeDefined();
      const rowsOf = sheet.getSheetValues().filter((r): r is ExcelJS.CellValue[] => Array.isArray(r));
      const head = rowsOf.findIndex((r) => r.includes('问题编号'));
      const col = (name: string) => rowsOf[head]!.indexOf(name);
      const data = rowsOf.slice(head + 1).filter((r) => typeof r[col('问题编号')] === 'string');
      const everything = (await (await page.request.get(`${t.baseUrl}/api/issues?town=${encodeURIComponent('七塘镇')}&size=100`)).json()) as TableResponse;
      expect(everything.total).toBe(want.total);
      expect(data.length).toBeGreaterThan(0);
      expect(data.map((r) => r[col('问题编号')]).sort()).toEqual(everything.rows.map((r) => r.ref).sort());
      expect(new Set(data.map((r) => r[col('镇街')]))).toEqual(new Set(['七塘镇']));
      // The same file behind an ordinary link, for a browser that ignores a download from
      // memory (WeCom's on a phone): a person clicks it and gets the workbook.
      const notice = await page.locator('#notice').textContent();
      expect(notice).toBe(`已导出 ${download.suggestedFilename()}　如未自动下载，点此下载`);
      const link = page.locator('#notice a.file-link');
      expect(await link.getAttribute('download')).toBeNull();
      expect(await link.getAttribute('href')).toMatch(/^\/[^/]/u);
      const [again] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), link.click()]);
      const second = path.join(dir, `again-${again.suggestedFilename()}`);
      await again.saveAs(second);
      expect(again.suggestedFilename()).toBe(download.suggestedFilename());
      expect(readFileSync(second).equals(readFileSync(file))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await page.close();
  });

  it('shows a unit named like ECharts markup as it is, not as markup', async () => {
    expect(chartLabel(MARKUP_UNIT)).toBe('喜观｛一｝村');
    expect(chartLabel('{a|x}')).toBe('｛a｜x｝');
    expect(chartLabel('斑竹村')).toBe('斑竹村');
    const page = await signIn('u_admin');
    await page.selectOption('#scope', { label: '七塘镇' });
    await settled(page);
    // ECharts' own description of each chart (its aria-label) names what the canvas draws.
    expect(await page.locator('#groups-title').textContent()).toBe('各单位问题状态');
    const groups = (await page.locator('#chart-groups').getAttribute('aria-label')) ?? '';
    expect(groups).toContain('喜观｛一｝村');
    expect(groups).not.toMatch(/[{}|]/u);
    // Everywhere else the name is text and shown as it is.
    const units = await page.$$eval('select[name=unit] option', (os) => os.map((o) => o.textContent ?? ''));
    expect(units).toContain(`七塘镇 ${MARKUP_UNIT}`);
    await page.close();
  });

  it('marks a task’s issues in the 台账 and says why its total is more than 发现', async () => {
    const page = await signIn('u_admin');
    await search(page, '党员活动室');
    const found = await tableSettles(page, { q: '党员活动室' });
    expect(found.total).toBe(taskUnits);
    expect(found.rows.map((r) => r.task)).toEqual(found.rows.map(() => taskRef));
    const refCells = await page.$$eval('#issues tbody tr[data-id] td:first-child', (tds) => tds.map((td) => td.textContent ?? ''));
    expect(refCells).toEqual(found.rows.map((r) => `${r.ref}${taskRef}`));
    expect(await page.locator('#issues .task-tag').first().getAttribute('title')).toBe(`布置任务 ${taskRef}`);
    // A problem found has no tag.
    await search(page, '闸阀');
    await tableSettles(page, { q: '闸阀' });
    expect(await page.locator('#issues .task-tag').count()).toBe(0);
    expect(await page.locator('.table-note').isVisible()).toBe(true);
    expect(await page.locator('.table-note').textContent()).toBe('台账的条数包括布置任务的问题（编号旁标 #T）和已撤销的问题，所以可能多于上面的“发现”。');
    await page.close();
  });

  it('shows why inside the scores box, and no ranking of another view, when /api/scores fails', async () => {
    const page = await signIn('u_admin');
    await settled(page);
    expect(await page.locator('#rankings tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#scores-scope').textContent()).toBe(await page.locator('#view-title').textContent());
    await page.route(
      (url) => url.pathname === '/api/scores',
      (route) => route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ error: 'forbidden', message: '你没有查看“福禄镇”考核的权限' }) }),
    );
    await page.selectOption('#scope', { label: '福禄镇' });
    await settled(page);
    expect(await page.locator('#view-title').textContent()).toMatch(/^福禄镇 · /u);
    expect(await page.locator('#scores-error').isVisible()).toBe(true);
    expect(await page.locator('#scores-error').textContent()).toBe('考核数据读取失败：你没有查看“福禄镇”考核的权限');
    expect(await page.locator('#rankings tbody tr').count()).toBe(0);
    expect(await page.locator('#practices li').count()).toBe(0);
    expect(await page.locator('#scores-scope').textContent()).toBe('');
    // The rest of the view is drawn; the page's banner has nothing to say.
    expect(await page.locator('#notice').isHidden()).toBe(true);
    // Answered again, the box shows the scores of this view.
    await page.unrouteAll();
    await page.selectOption('#period', '本年');
    await settled(page);
    expect(await page.locator('#scores-error').isHidden()).toBe(true);
    expect(await page.locator('#scores-scope').textContent()).toBe(await page.locator('#view-title').textContent());
    expect(await page.locator('#rankings tbody tr').count()).toBeGreaterThan(0);
    await page.close();
  });

  it('gives a leader no choice of another area, and the API refuses it when forced', async () => {
    const page = await signIn('u_luo');
    const scopes = await page.$$eval('#scope option', (os) => os.map((o) => o.textContent ?? ''));
    expect(scopes.join('|')).not.toMatch(/七塘镇|全区/u);
    const towns = await page.$$eval('select[name=town] option', (os) => os.map((o) => o.textContent ?? ''));
    expect(towns).not.toContain('七塘镇');
    for (const forced of ['/api/figures?scope=七塘镇', '/api/charts?scope=全区', '/api/issues?scope=七塘镇', '/api/issues?town=七塘镇']) {
      const res = await page.request.get(`${t.baseUrl}${encodeURI(forced)}`);
      expect([forced, res.status()]).toEqual([forced, 403]);
    }
    // And the page says so in Chinese when its scope is forced from the browser's side.
    await page.evaluate("const s = document.getElementById('scope'); s.append(new Option('七塘镇', '七塘镇')); s.value = '七塘镇'; s.dispatchEvent(new Event('change'));");
    await settled(page);
    expect(await page.locator('#notice').isVisible()).toBe(true);
    expect(await page.locator('#notice').textContent()).toBe('你没有查看“七塘镇”的权限');
    await page.close();
  });

  it('answers tampered, expired and reused links, and no session, with the Chinese page and no data', async () => {
    const page = await browser.newPage();
    await browser.context.clearCookies();
    const refused = async (url: string, why: string) => {
      await page.goto(url);
      const text = await page.locator('body').innerText();
      expect(text).toContain('无法进入看板');
      expect(text).toContain(why);
      expect(text).toContain('请在企业微信里单聊督办助手，发送 /看板，获取新的登录链接。');
      expect(text).not.toMatch(/发现|整改率|罗志刚/u);
      expect(await browser.context.cookies()).toEqual([]);
    };
    const link = await linkFor('u_luo');
    const token = new URL(link).searchParams.get('t')!;
    await refused(link.replace(token, `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`), '这个登录链接无效或已经用过');
    await refused(`${t.baseUrl}/dashboard/`, '你还没有登录看板，或登录已过期。');
    clock.advance(SIGN_IN_TTL_MS + 1000);
    await refused(link, '这个登录链接已过期。');
    clock.set(NOW);
    const used = await linkFor('u_luo');
    await page.goto(used);
    await ready(page);
    await browser.context.clearCookies();
    await refused(used, '这个登录链接无效或已经用过');
    expect(await pageViolations(page)).toEqual([]);
    await page.close();
  });

  it('says the session has ended when the API answers 401', async () => {
    const page = await signIn('u_luo');
    await browser.context.clearCookies();
    await page.selectOption('#period', '本年');
    await settled(page);
    expect(await page.locator('#notice').textContent()).toBe('登录已过期。请在企业微信里单聊督办助手，发送 /看板，获取新的登录链接。');
    expect(await page.locator('#main').isHidden()).toBe(true);
    await page.close();
  });

  it('fits a phone: no sideways scroll, a section nav, the 台账 as short cards within two screens', async () => {
    const page = await signIn('u_admin', PHONE);
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(PHONE.width);
    expect(await page.locator('#issues thead').isHidden()).toBe(true);
    const box = (sel: string) => page.locator(sel).first().evaluate((el) => el.getBoundingClientRect().toJSON() as { top: number; bottom: number; width: number; height: number });
    const card = await box('#issues tbody tr[data-id]');
    expect(card.width).toBeLessThanOrEqual(PHONE.width);
    // Three or four lines a card (ref and state, the description, where and when): not nine.
    const lineHeight = await page.evaluate<number>("parseFloat(getComputedStyle(document.querySelector('#issues tbody tr[data-id] td')).lineHeight)");
    const heights = await page.$$eval('#issues tbody tr[data-id]', (trs) => trs.slice(0, 10).map((tr) => tr.getBoundingClientRect().height));
    for (const hgt of heights) expect(hgt).toBeLessThan(4.6 * lineHeight + 14);
    // The first issue within the first two screens, under the figures and the charts.
    const scrollY = await page.evaluate<number>('window.scrollY');
    expect(card.bottom + scrollY).toBeLessThanOrEqual(2 * PHONE.height);
    // The nav's four sections; a tap on 台账 brings it up under the nav, which stays on top.
    const nav = page.locator('nav.sections');
    expect(await nav.isVisible()).toBe(true);
    expect(await nav.locator('a').allTextContents()).toEqual(['概况', '图表', '台账', '考核']);
    await nav.locator('a', { hasText: '台账' }).click();
    await page.waitForFunction("Math.abs(document.getElementById('ledger').getBoundingClientRect().top - document.querySelector('nav.sections').getBoundingClientRect().bottom) < 12");
    expect((await box('nav.sections')).top).toBe(0);
    expect(await page.locator('#scores').isVisible()).toBe(true);
    // The rankings fit the width: no column cut off.
    for (const wrap of await page.locator('#rankings .table-wrap').all()) {
      expect(await wrap.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    }
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'dashboard-phone');
    await page.close();
  });

  it('shows 组织部 the 工作队 ranking of /考核 first, the units below, in the chat’s words', async () => {
    expect(await say('u_admin', 'CHAT_ADMIN', '/加分 第一工作队 2 获市级表彰')).toMatch(/加分/u);
    expect(await say('u_admin', 'CHAT_ADMIN', '/扣分 单位 斑竹村 1 材料报送不及时')).toMatch(/扣分/u);
    const chat = (await say('u_admin', 'CHAT_ADMIN', '/考核')).split('\n');
    const page = await signIn('u_admin');
    await settled(page);
    expect(await page.locator('#scores-title').textContent()).toBe('百分量化考核');
    expect(await page.locator('#scores-asof').textContent()).toBe(chat[1]);
    expect(chat[1]).toMatch(/^计分截至 /u);
    const parts = await page.$$eval('#rankings .rank-part h3', (hs) => hs.map((x) => x.textContent));
    expect(parts).toEqual(['工作队排名', '责任单位排名']);
    expect(await page.$$eval('#ranking-teams th', (ths) => ths.map((th) => th.textContent))).toEqual(['名次', '工作队', '得分', '扣分', '加减分']);
    // The teams as /考核 ranks them: "1. 第一工作队 102 分".
    const teams = await page.$$eval('#ranking-teams tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const chatTeams = chat.filter((l) => /^\d+\. /u.test(l));
    expect(teams.map((r) => `${r[0]}. ${r[1]} ${r[2]}`)).toEqual(chatTeams);
    expect(teams.find((r) => r[1] === '第一工作队')?.[4]).toBe('+2');
    // 40 units fold as the chat folds them: 斑竹村's −1 is in sight, not the 40th row.
    const units = page.locator('#ranking-units tbody tr');
    expect(await units.count()).toBeLessThanOrEqual(11);
    const banzhu = await page.locator('#ranking-units tbody tr', { hasText: '斑竹村' }).locator('td').allTextContents();
    expect(banzhu[1]).toBe('福禄镇 斑竹村');
    expect(banzhu[4]).toBe('−1');
    expect(await page.locator('#ranking-units tr.fold').textContent()).toMatch(/^\d+ 个 100 分（并列第 \d+）：/u);
    const more = page.locator('.rank-units .more');
    expect(await more.textContent()).toMatch(/^展开全部（共 \d+ 个）$/u);
    const total = Number(/共 (\d+) 个/u.exec((await more.textContent())!)![1]);
    await more.click();
    expect(await units.count()).toBe(total);
    expect(await more.textContent()).toBe('收起');
    await page.close();
  });

  it('says an issue overdue since this morning is overdue: 今天逾期 in its row, 已逾期 in its dialog, the deadline’s time', async () => {
    // 15:00 Shanghai of the next afternoon to come (07:00 UTC): the session cookie's expiry,
    // set by the server's clock, stays ahead of the browser's real time.
    const d = new Date();
    let afternoon = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 7, 0);
    if (afternoon < Date.now() + 60_000) afternoon += 86_400_000;
    clock.set(new Date(afternoon - 5 * 3_600_000)); // 10:00
    const ref = await report('斑竹村 村口垃圾桶破损 期限:2小时'); // due 12:00
    clock.set(new Date(afternoon)); // 15:00: three hours late
    const page = await signIn('u_luo');
    await search(page, '垃圾桶破损');
    await settled(page);
    const row = page.locator('#issues tbody tr[data-id]');
    expect(await row.count()).toBe(1);
    const cells = Object.fromEntries(await row.locator('td').evaluateAll((tds) => tds.map((td) => [td.getAttribute('data-label'), td.textContent])));
    expect(cells['编号']).toBe(ref);
    expect(cells['逾期']).toBe('今天逾期');
    expect(cells['期限']).toMatch(/^\d{4}-\d\d-\d\d 12:00$/u);
    expect(await row.locator('.ref').getAttribute('class')).toContain('warn-red');
    await row.click();
    await settled(page);
    expect(await page.locator('#issue-title').textContent()).toBe(`${ref} 整改中已逾期（今天到期）`);
    const fields = await page.$$eval('#issue-fields dt', (dts) => dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]));
    expect(Object.fromEntries(fields)).toMatchObject({ 整改期限: cells['期限'], 逾期: '已逾期（今天到期）' });
    // The 逾期 filter and card count it, as the row now says.
    await page.click('#issue-close');
    await page.selectOption('select[name=overdue]', '1');
    await settled(page);
    expect((await rows(page)).map((r) => r[0])).toEqual([ref]);
    await page.close();
  });

  it('broke no CSP rule and logged no error on any page', () => {
    expect(browser.violations).toEqual([]);
    expect(browser.errors).toEqual([]);
  });
});
