import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { packageRoot } from '../../src/config/paths';

/**
 * Debian's chromium driven by playwright-core: never a downloaded browser, a fresh empty
 * profile per test file, and every CSP violation, console error and page error kept so the
 * tests can assert there were none.
 */
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const DESKTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };

export interface Browser {
  context: BrowserContext;
  /** CSP violations seen by any page (securitypolicyviolation events and console reports). */
  violations: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'duban-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: DESKTOP,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    acceptDownloads: true,
  });
  const violations: string[] = [];
  const errors: string[] = [];
  // Runs before any script of each document: the page cannot hide a violation from it. (Page
  // code is text here and below: this program has Node's types, not the DOM's.)
  await context.addInitScript(
    "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sample));",
  );
  const watch = (page: Page) => {
    page.on('console', (m) => {
      const text = m.text();
      if (/Content[- ]Security[- ]Policy/iu.test(text)) violations.push(text);
      // A refusal page is a document answered 401/403/410: Chromium reports that status as a
      // console error, which is the page working as meant.
      else if (m.type() === 'error' && !/status of (401|403|410)/u.test(text)) errors.push(`${text} (${m.location().url})`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  return {
    context,
    violations,
    errors,
    async newPage(viewport = DESKTOP) {
      const page = await context.newPage();
      await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Violations recorded inside the page itself (the init script's list). */
export async function pageViolations(page: Page): Promise<string[]> {
  return page.evaluate<string[]>('window.__csp ?? []');
}

/**
 * A screenshot into data/screenshots/ (gitignored) on every run, and into docs/screenshots/
 * (the README's) when UPDATE_SCREENSHOTS=1.
 */
export async function screenshot(page: Page, name: string, opts: { docs?: boolean } = {}): Promise<string> {
  const root = packageRoot();
  const dirs = [path.join(root, 'data', 'screenshots')];
  if (process.env.UPDATE_SCREENSHOTS === '1' && opts.docs !== false) dirs.push(path.join(root, 'docs', 'screenshots'));
  const buf = await page.screenshot({ fullPage: false });
  const files = dirs.map((d) => {
    mkdirSync(d, { recursive: true });
    return path.join(d, `${name}.png`);
  });
  for (const f of files) writeFileSync(f, buf);
  return files[0]!;
}
