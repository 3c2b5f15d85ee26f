// report.html and the comparison page by structure (the browser test draws them): panels, exact figures,
// determinism, self-containment, and the poly report command.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRunFromDir, heatColour, rankRuns, renderCompareHtml } from '../../src/report/compare.ts';
import { human, pct, renderReportHtmlFromDir, spaced, waterfallData } from '../../src/report/html.ts';
import { openerCommand } from '../../src/cli/report.ts';
import { poly, polyIn } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';
import { boundFigures, bundledRun, expectedFigure, summaryOf } from './run-fixture.ts';

const PANELS = ['summary', 'price', 'position', 'equity', 'pnl', 'markets', 'orders', 'fills', 'economics', 'quality', 'provenance'];
let dir = '';
let html = '';
beforeAll(async () => {
  dir = await bundledRun();
  html = await readFile(join(dir, 'report.html'), 'utf8');
});
afterAll(cleanupTempDirs);

describe('report.html of the bundled run', () => {
  it('has every panel, one chart per traded token, and the data block', () => {
    for (const p of PANELS) expect(html).toContain(`data-panel="${p}"`);
    expect(html.match(/data-chart="price"/g)).toHaveLength(2); // Up and Down
    for (const c of ['position', 'equity', 'drawdown', 'waterfall', 'calibration', 'quality']) expect(html).toContain(`data-chart="${c}"`);
    expect(html).toContain('<script type="application/json" id="poly-data">');
  });

  it('every figure bound to summary.json shows exactly its value', async () => {
    const s = await summaryOf(dir);
    const figs = boundFigures(html);
    expect(figs.length).toBeGreaterThan(60);
    for (const [path, shown] of figs) expect(shown, path).toBe(expectedFigure(s, path));
    const paths = new Set(figs.map(([p]) => p));
    for (const p of ['pnl.total', 'return', 'capital.final_equity', 'max_drawdown.amount', 'fills.count', 'orders.placed', 'win_rate', 'exposure', 'turnover', 'sharpe', 'sortino', 'ratio_basis.sharpe_omitted', 'economics.maker_rebates.total_paid', 'economics.resolution.brier.score', 'economics.capital.average_locked', 'data_quality.records', 'per_market.0.pnl.total']) {
      expect(paths.has(p), p).toBe(true);
    }
  });

  it('is self-contained: no external script, stylesheet, image or font', () => {
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
    expect(html).toContain('uPlot');
    expect(html.length).toBeLessThan(400_000);
  });

  it('poly report re-renders the same bytes from the run directory (deterministic)', async () => {
    expect(await renderReportHtmlFromDir(dir)).toBe(html);
    await rm(join(dir, 'report.html'));
    const r = await polyIn('report', dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`report: ${join(dir, 'report.html')}\n`);
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toBe(html);
  });

  it('the waterfall steps add up to the total exactly', async () => {
    const s = (await summaryOf(dir)) as Record<string, any>;
    const bars = waterfallData(s);
    const steps = bars.filter((b) => b.kind === 'step');
    expect(steps.map((b) => b.label)).toEqual(['trading', 'unrealized', 'merges', 'settlement', 'rebates (per fill)']);
    expect(steps.at(-1)!.to).toBe(Number(s.pnl.total));
    expect(bars.find((b) => b.label === 'total P&L')!.value).toBe(s.pnl.total);
  });
});

describe('poly report: bad input', () => {
  it('one-line errors, exit 2, nothing written', async () => {
    const empty = tempDir('poly-empty-');
    for (const args of [[empty], [], [dir, '--compare', dir, dir], ['--compare', dir]]) {
      const r = await poly('report', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const bad = await poly('report', '--compare', dir, dir, '--objective', 'nope.x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--objective 'nope\.x' is not in/);
    await writeFile(join(empty, 'summary.json'), '{not json');
    expect((await poly('report', empty)).stderr).toMatch(/is not JSON/);
  });

  it('poly replay --rewards: a bad file or an unknown market is one line, exit 2', async () => {
    const d = tempDir('poly-rw-');
    const bad = join(d, 'bad.json');
    await writeFile(bad, JSON.stringify([{ market: 'sol-updown-15m-1765450800', rewards_max_spread: 0, rewards_min_size: 5 }]));
    const unknown = join(d, 'unknown.json');
    await writeFile(unknown, JSON.stringify({ 'no-such-market': { rewards_max_spread: 3.5, rewards_min_size: 5, rate_per_day: 10 } }));
    const a = await poly('replay', 'recordings/sol-15m', '--strategy', 'strategies/noop.ts', '--rewards', bad, '--out', join(d, 'a'));
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--rewards file .*rewards_max_spread: must be > 0/);
    const b = await poly('replay', 'recordings/sol-15m', '--strategy', 'strategies/noop.ts', '--rewards', unknown, '--out', join(d, 'b'));
    expect(b.code).toBe(2);
    expect(b.stderr.trim()).toBe("poly: --rewards: market 'no-such-market' is not a market of this run (use its slug or condition id)");
  });

  it('knows how to open a file on each platform', () => {
    expect(openerCommand('linux').cmd).toBe('xdg-open');
    expect(openerCommand('darwin').cmd).toBe('open');
    expect(openerCommand('win32').args('x.html')).toEqual(['/c', 'start', '""', 'x.html']);
  });
});

describe('comparison page', () => {
  it('leaderboard ranked by the objective, overlay and parameter views', async () => {
    const other = await bundledRun('market-maker', ['--param', 'halfSpread=0.01']);
    const third = await bundledRun('market-maker', ['--param', 'halfSpread=0.03', '--param', 'size=20']);
    const out = join(tempDir('poly-cmp-'), 'cmp.html');
    const r = await polyIn('report', '--compare', dir, other, third, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const page = await readFile(out, 'utf8');
    for (const p of ['leaderboard', 'curves', 'params']) expect(page).toContain(`data-panel="${p}"`);
    expect(page).toContain('data-chart="overlay"');
    expect(page.match(/data-chart="scatter"/g)!.length).toBeGreaterThanOrEqual(1);
    expect(page).toContain('data-heatmap="true"');
    // objective cells in rank order, highest first
    const objs = [...page.matchAll(/data-objective="true">([^<]*)</g)].map((m) => Number(m[1]));
    expect(objs).toHaveLength(3);
    expect([...objs].sort((a, b) => b - a)).toEqual(objs);
    // links to each run's own report
    expect(page).toContain('report.html"');
  });

  it('ranking, colours and helpers', async () => {
    const run = await compareRunFromDir(dir, 'a');
    expect(run.objective).toBe(((await summaryOf(dir)) as any).pnl.total);
    const r = (label: string, objective: string | null) => ({ ...run, label, objective });
    expect(rankRuns([r('x', '1'), r('n', null), r('y', '2.5'), r('z', '-3')]).map((x) => x.label)).toEqual(['y', 'x', 'z', 'n']);
    expect(rankRuns([r('x', '1'), r('y', '2.5')], false).map((x) => x.label)).toEqual(['x', 'y']);
    expect(heatColour('2', '0', '2', true)).toBe('rgb(33,102,172)');
    expect(heatColour('0', '0', '2', true)).toBe('rgb(207,34,46)');
    expect(heatColour('1', '0', '2', true)).toBe('rgb(255,255,255)');
    const page = renderCompareHtml({ title: 'one', objectiveName: 'pnl.total', runs: [run] });
    expect(page).toContain('No numeric parameter varies');
    expect(human('862.046567611')).toBe('14 min 22.0 s');
    expect(human('90061')).toBe('1 d 1 h 1 min');
    expect(human('0.5')).toBe('0.500 s');
    expect(pct('-0.006000')).toBe('-0.6000%');
    expect(spaced(10, 4)).toEqual([0, 3, 6, 9]);
    expect(spaced(3, 4)).toEqual([0, 1, 2]);
  });
});
