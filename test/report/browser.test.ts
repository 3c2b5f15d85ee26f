// report.html of the bundled run (recordings/sol-15m, strategies/market-maker.ts) in a real headless Chromium
// (Debian's `chromium` package, /usr/bin/chromium, driven by playwright-core; no browser is ever downloaded):
// no console errors, no network, every panel drawn with data (DOM, and non-blank pixels inside each panel's
// box on a screenshot), and every figure bound to summary.json shows exactly its value. The comparison page
// too. Skipped, with a one-line reason, only where Chromium is not installed (.ci/run installs it).
import { existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PNG } from 'pngjs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { polyIn } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';
import { bundledRun, expectedFigure, summaryOf } from './run-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE = existsSync(CHROMIUM);
if (!HAVE) process.stderr.write(`browser test skipped: ${CHROMIUM} is not installed (apt-get install -y chromium; .ci/run does it)\n`);

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let ctx: BrowserContext | null = null;
afterAll(async () => {
  await ctx?.close();
  cleanupTempDirs();
});

interface Loaded {
  page: Page;
  errors: string[];
  requests: string[];
}

async function open(file: string): Promise<Loaded> {
  if (ctx === null) {
    ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'poly-chromium-')), { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1400, height: 900 } });
  }
  const page = await ctx.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto(`file://${file}`);
  // (a string, evaluated in the page: this file is type-checked without the DOM library)
  await page.waitForFunction("[...document.querySelectorAll('[data-chart]')].every((e) => e.dataset.drawn === 'true' || e.classList.contains('empty-chart'))", null, { timeout: 20_000 });
  return { page, errors, requests };
}

/** Pixels of the screenshot inside a box that are not (near) white, and the box's area. */
function inked(png: PNG, box: { x: number; y: number; width: number; height: number }): { ink: number; area: number } {
  let ink = 0;
  const x0 = Math.max(0, Math.floor(box.x)), y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(png.width, Math.ceil(box.x + box.width)), y1 = Math.min(png.height, Math.ceil(box.y + box.height));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * png.width + x) * 4;
      if (png.data[i]! < 235 || png.data[i + 1]! < 235 || png.data[i + 2]! < 235) ink += 1;
    }
  }
  return { ink, area: (x1 - x0) * (y1 - y0) };
}

describe.skipIf(!HAVE)('report.html in headless Chromium', () => {
  let dir = '';
  let loaded: Loaded;
  beforeAll(async () => {
    dir = await bundledRun();
    loaded = await open(join(dir, 'report.html'));
  }, 60_000);

  it('loads offline with no console errors', () => {
    expect(loaded.errors).toEqual([]);
    expect(loaded.requests).toEqual([]);
  });

  it('draws every panel with data: DOM and non-blank pixels in each panel and chart', async () => {
    const { page } = loaded;
    const panels = await page.$$eval('[data-panel]', (els) => els.map((e) => e.getAttribute('data-panel')));
    expect(panels).toEqual(['summary', 'price', 'position', 'equity', 'pnl', 'markets', 'orders', 'fills', 'economics', 'quality', 'provenance']);
    const charts = await page.$$eval('[data-chart]', (els) =>
      els.map((e) => ({ kind: e.getAttribute('data-chart'), points: Number(e.getAttribute('data-points') ?? '0'), canvas: e.querySelector('canvas') !== null })),
    );
    expect(charts.map((c) => c.kind)).toEqual(['price', 'price', 'position', 'equity', 'drawdown', 'waterfall', 'calibration', 'quality']);
    for (const c of charts) {
      expect(c.canvas, c.kind!).toBe(true);
      expect(c.points, c.kind!).toBeGreaterThan(0);
    }
    // one row per order and per fill of the bundled market-maker run (114 orders, 17 fills)
    const run = (await summaryOf(dir)) as { orders: { placed: number }; fills: { count: number } };
    expect([run.orders.placed, run.fills.count]).toEqual([114, 17]);
    expect(await page.$$eval('table[data-table="orders"] tbody tr', (r) => r.length)).toBe(run.orders.placed);
    expect(await page.$$eval('table[data-table="fills"] tbody tr', (r) => r.length)).toBe(run.fills.count);

    const png = PNG.sync.read(await page.screenshot({ fullPage: true }));
    const [sx, sy] = (await page.evaluate('[window.scrollX, window.scrollY]')) as [number, number];
    const boxes = await page.$$eval('[data-panel], [data-chart]', (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        return { name: e.getAttribute('data-panel') ?? `chart ${e.getAttribute('data-chart')}`, x: r.x, y: r.y, width: r.width, height: r.height };
      }),
    );
    for (const b of boxes) {
      b.x += sx;
      b.y += sy;
    }
    for (const b of boxes) {
      const { ink, area } = inked(png, b);
      expect(area, b.name).toBeGreaterThan(0);
      // a drawn chart or a filled panel inks well over 1% of its box; an empty one only its frame and title
      expect(ink / area, `${b.name}: ${ink} of ${area} pixels inked`).toBeGreaterThan(0.01);
    }
    // the price charts draw the book lines: plenty of blue (mid) pixels inside the first one
    const price = boxes.find((b) => b.name === 'chart price')!;
    let blue = 0;
    for (let y = Math.floor(price.y); y < price.y + price.height; y++) {
      for (let x = Math.floor(price.x); x < price.x + price.width; x++) {
        const i = (y * png.width + x) * 4;
        if (png.data[i]! < 60 && png.data[i + 1]! > 60 && png.data[i + 1]! < 130 && png.data[i + 2]! > 140) blue += 1;
      }
    }
    expect(blue).toBeGreaterThan(500);
  });

  it('shows every figure exactly as summary.json has it', async () => {
    const s = await summaryOf(dir);
    const figs = await loaded.page.$$eval('[data-summary]', (els) => els.map((e) => [e.getAttribute('data-summary')!, (e.textContent ?? '').trim()] as [string, string]));
    expect(figs.length).toBeGreaterThan(60);
    for (const [path, shown] of figs) expect(shown, path).toBe(expectedFigure(s, path));
  });

  it('filters the orders table', async () => {
    const { page } = loaded;
    await page.selectOption('.filters[data-table="orders"] select[data-filter-col="9"]', 'filled');
    const visible = await page.$$eval('table[data-table="orders"] tbody tr', (rows) => rows.filter((r) => !(r.getAttribute('style') ?? '').includes('none')).length);
    expect(visible).toBe(((await summaryOf(dir)) as { orders: { filled: number } }).orders.filled);
    expect(await page.textContent('.filters[data-table="orders"] [data-count]')).toBe(`${visible} of 114`);
    await page.fill('.filters[data-table="orders"] [data-filter-text]', 'o000001');
    expect(await page.$$eval('table[data-table="orders"] tbody tr', (rows) => rows.filter((r) => !(r.getAttribute('style') ?? '').includes('none')).length)).toBe(1);
  });

  it('the comparison page draws its leaderboard, curves and parameter views', async () => {
    const other = await bundledRun('market-maker', ['--param', 'halfSpread=0.01']);
    const out = join(tempDir('poly-cmp-'), 'cmp.html');
    expect((await polyIn('report', '--compare', dir, other, '--out', out)).code).toBe(0);
    const c = await open(out);
    expect(c.errors).toEqual([]);
    expect(c.requests).toEqual([]);
    const charts = await c.page.$$eval('[data-chart]', (els) => els.map((e) => [e.getAttribute('data-chart'), Number(e.getAttribute('data-points') ?? '0')]));
    expect(charts.map(([k]) => k)).toEqual(['overlay', 'scatter']);
    for (const [, n] of charts) expect(n).toBeGreaterThan(0);
    expect(await c.page.$$eval('table[data-table="leaderboard"] tbody tr', (r) => r.length)).toBe(2);
    await c.page.close();
  });
});
