import { chromium } from 'playwright-core';
import { stats, type LatencyRow } from './status';

/**
 * The 看板 page in Debian's chromium against the bench's app (the 100 000-issue ledger): the
 * time from navigation to the figures and the 台账 shown (the page's `dashboard-figures` mark)
 * and to every chart drawn (`dashboard-ready`). "Cold" is a fresh browser context each time
 * (nothing cached); "reload" the same page again. The goal: the page loads in under a
 * second on loopback.
 */
export const PAGE_TARGET_MS = 1_000;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
// Functions, not strings: the page's CSP forbids eval, which a string predicate would need.
// (They run in the page; `performance` is the same API in Node's types.)
const marks = (): [number, number] => ['dashboard-figures', 'dashboard-ready'].map((m) => performance.getEntriesByName(m)[0]?.startTime ?? -1) as [number, number];
const ready = (): boolean => performance.getEntriesByName('dashboard-ready').length > 0;

export async function benchPage(o: { base: string; sessionId: string; runs: number }): Promise<LatencyRow[]> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS, headless: true });
  const samples = { coldFigures: [] as number[], coldReady: [] as number[], warmFigures: [] as number[], warmReady: [] as number[] };
  try {
    for (let i = 0; i < o.runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
      await context.addCookies([{ name: 'duban_session', value: o.sessionId, url: o.base, httpOnly: true, sameSite: 'Strict' }]);
      const page = await context.newPage();
      const visit = async (load: () => Promise<unknown>): Promise<[number, number]> => {
        await load();
        await page.waitForFunction(ready, undefined, { timeout: 30_000 });
        const [figures, drawn] = await page.evaluate(marks);
        if (figures < 0 || drawn < 0) throw new Error('the page set no load marks');
        return [figures, drawn];
      };
      const [cf, cr] = await visit(() => page.goto(`${o.base}/dashboard/`));
      const [wf, wr] = await visit(() => page.reload());
      // The first visit warms the server's and the browser's caches for everyone after it.
      if (i > 0) {
        samples.coldFigures.push(cf);
        samples.coldReady.push(cr);
        samples.warmFigures.push(wf);
        samples.warmReady.push(wr);
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return [
    { label: 'page: figures + 台账 shown, new context', stats: stats(samples.coldFigures), target: PAGE_TARGET_MS },
    { label: 'page: every chart drawn, new context', stats: stats(samples.coldReady), target: PAGE_TARGET_MS },
    { label: 'page: figures + 台账 shown, reload', stats: stats(samples.warmFigures), target: PAGE_TARGET_MS },
    { label: 'page: every chart drawn, reload', stats: stats(samples.warmReady), target: PAGE_TARGET_MS },
  ];
}
