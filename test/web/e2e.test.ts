import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeConsoleApp, seedShop, type ConsoleServer } from './fixture.js';

/**
 * End to end: the real server on a loopback port with a seeded catalogue, the built console in
 * headless Chromium, clicking through search → related pins, user → home feed + clusters, and
 * the plots page. Screenshots go to test-artifacts/console/.
 */
const CHROMIUM = process.env['BOARDWALK_CHROMIUM'] ?? '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const SHOTS = join(ROOT, 'test-artifacts', 'console');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`console e2e skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set BOARDWALK_CHROMIUM)`);

/** Newest modification time under a directory (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds web/dist when missing or older than web/src (vite, programmatically). */
async function ensureBuilt(): Promise<void> {
  const index = join(ROOT, 'web', 'dist', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(newest(join(ROOT, 'web', 'src')), statSync(join(ROOT, 'web', 'index.html')).mtimeMs)) return;
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'web', 'vite.config.ts'), logLevel: 'error' });
}

describe.skipIf(!haveChromium)('console in headless Chromium', () => {
  let srv: ConsoleServer;
  let base: string;
  let ctx: BrowserContext;
  let page: Page;
  let profile: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await ensureBuilt();
    // a second namespace behind the router, for the namespace selector
    srv = await makeConsoleApp({ namespaces: { shop: seedShop } });
    base = await srv.listen();
    mkdirSync(SHOTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'bw-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 60_000);

  afterAll(async () => {
    await ctx?.close();
    await srv?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('search a pin, open it: related pins as cards with explanations', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('#pin-query');
    await expect.poll(() => page.textContent('#overview')).toContain('36 pins');
    await page.fill('#pin-query', 'mountain hiking');
    await page.click('#pin-search');
    await page.waitForSelector('#search-results .card');
    const titles = await page.$$eval('#search-results .card .title', (els) => els.map((e) => e.textContent ?? ''));
    expect(titles.length).toBeGreaterThan(0);
    expect(titles[0]!.toLowerCase()).toMatch(/mountain|hiking/);
    await page.screenshot({ path: join(SHOTS, '1-search.png'), fullPage: true });

    await page.click('#search-results .card[data-pin="h1"] .title');
    await page.waitForSelector('#related-title');
    expect(page.url()).toContain('#/pin/h1');
    const cards = page.locator('main .grid .card');
    expect(await cards.count()).toBeGreaterThan(5);
    const first = cards.first();
    // h1's boards hold only hiking pins (and one gardening board via the bridge save)
    expect(await first.getAttribute('data-pin')).toMatch(/^[hg]\d+$/);
    expect(await first.locator('.chip.src').allTextContents()).toEqual(['pixie']);
    const visits = Number(await first.locator('.kv', { hasText: 'visits' }).locator('.v').textContent());
    expect(visits).toBeGreaterThan(0);
    expect(await first.locator('.kv.fresh .v').textContent()).toMatch(/yes|no/);
    expect(await first.locator('.meta .locale').textContent()).toMatch(/en|fr/);
    // the new pin of the topic (h0, two days old) is marked fresh wherever it appears
    const h0 = page.locator('main .grid .card[data-pin="h0"]');
    if ((await h0.count()) > 0) expect(await h0.locator('.kv.fresh .v').textContent()).toBe('yes');
    await page.screenshot({ path: join(SHOTS, '2-related.png'), fullPage: true });

    // clicking a related card walks on
    const next = await cards.nth(1).getAttribute('data-pin');
    await cards.nth(1).locator('.title').click();
    // a string predicate: it runs in the page (test code has no DOM types)
    await page.waitForFunction(`location.hash.startsWith(${JSON.stringify(`#/pin/${next}`)}) && document.querySelector('#related-title') !== null`);
  });

  it('open a user: home feed and PinnerSage clusters', async () => {
    await page.click('nav a[data-nav="users"]');
    await page.fill('#user-query', 'u1');
    await page.click('#user-open');
    await page.waitForSelector('#clusters .cluster');
    await page.waitForSelector('#homefeed .card');
    const clusters = page.locator('#clusters .cluster');
    expect(await clusters.count()).toBe(2);
    // hiking first (4 actions), baking second (3): importance bars 57% and 43%
    expect(await clusters.nth(0).locator('.card').getAttribute('data-pin')).toMatch(/^h/);
    expect(await clusters.nth(1).locator('.card').getAttribute('data-pin')).toMatch(/^k/);
    expect(await clusters.nth(0).locator('.imp-val').textContent()).toBe('57%');
    expect(await clusters.nth(1).locator('.imp-val').textContent()).toBe('43%');
    const feed = await page.locator('#homefeed .card').count();
    expect(feed).toBeGreaterThan(5);
    await page.screenshot({ path: join(SHOTS, '3-user.png'), fullPage: true });

    await page.fill('#user-query', 'nobody');
    await page.click('#user-open');
    await page.waitForSelector('#clusters .error');
    expect(await page.textContent('#clusters .error')).toContain('unknown user: "nobody"');
  });

  it('plots: eval vs published, live latency and throughput, candidates per source', async () => {
    await page.click('nav a[data-nav="plots"]');
    await page.waitForSelector('#eval-plots svg.chart');
    // 2 data sets × (HR, NDCG)
    expect(await page.locator('#eval-plots figure').count()).toBe(4);
    expect(await page.locator('#eval-plots .bar-ours').count()).toBe(6);
    expect(await page.locator('#eval-plots .bar-published').count()).toBe(26);
    // traffic between two scrapes, so the live charts have a point
    for (const id of ['h2', 'k3', 'g4', 'h7']) await fetch(`${base}/v1/pins/${id}/related?limit=5`);
    await page.waitForSelector('#live-plots path.line-a', { timeout: 8000 });
    const legend = await page.locator('#live-plots .legend').first().textContent();
    expect(legend).toMatch(/req\/s: [0-9.]+/);
    expect(await page.locator('#candidate-plots .bar-source').count()).toBeGreaterThan(0);
    expect(await page.locator('#candidate-plots text.label').first().textContent()).toBe('pixie');
    await page.screenshot({ path: join(SHOTS, '4-plots.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('namespace selector: every view reads the chosen namespace, and the choice is remembered', async () => {
    await page.click('nav a[data-nav="search"]');
    expect(await page.$$eval('#namespace option', (els) => els.map((e) => e.textContent))).toEqual(['default', 'shop']);
    expect(await page.inputValue('#namespace')).toBe('default');
    await page.selectOption('#namespace', 'shop');
    await expect.poll(() => page.textContent('#overview')).toContain('shop · sqlite');
    expect(await page.textContent('#overview')).toContain('10 pins');
    // search, related pins and users now answer from the shop catalogue
    await page.fill('#pin-query', 'kayak');
    await page.click('#pin-search');
    await page.waitForSelector('#search-results .card');
    const found = await page.$$eval('#search-results .card', (els) => els.map((e) => e.getAttribute('data-pin') ?? ''));
    expect(found.length).toBeGreaterThan(0);
    for (const id of found) expect(id).toMatch(/^s\d$/);
    await page.click(`#search-results .card[data-pin="${found[0]}"] .title`);
    await page.waitForSelector('main .grid .card');
    for (const id of await page.$$eval('main .grid .card', (els) => els.map((e) => e.getAttribute('data-pin') ?? ''))) expect(id).toMatch(/^s\d$/);
    await page.click('nav a[data-nav="users"]');
    await page.fill('#user-query', 'u1');
    await page.click('#user-open');
    await page.waitForSelector('#clusters .error');
    expect(await page.textContent('#clusters .error')).toContain('unknown user: "u1"');
    await page.screenshot({ path: join(SHOTS, '5-namespace.png'), fullPage: true });
    // a reload keeps the namespace; switching back shows the default catalogue again
    await page.reload();
    await expect.poll(() => page.textContent('#overview')).toContain('shop · sqlite');
    expect(await page.inputValue('#namespace')).toBe('shop');
    await page.selectOption('#namespace', 'default');
    await expect.poll(() => page.textContent('#overview')).toContain('36 pins');
    await page.fill('#user-query', 'u1');
    await page.click('#user-open');
    await page.waitForSelector('#clusters .cluster');
    expect(pageErrors).toEqual([]);
  });
});
