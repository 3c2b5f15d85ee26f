/**
 * Bench case `sweep`: `poly sweep` throughput over the bundled recording (recordings/sol-15m, 878 records):
 * 100 parameter sets of strategies/market-maker.ts (halfSpread x size, 10 x 10).
 * FLOOR: the same 100 runBacktest calls in one loop in this thread (strategy loaded once, no reports, no
 * cache, no threads): what the kernel alone costs.
 * Subjects (each into a fresh output folder, through runSweep + the local worker-thread pool, so thread
 * start-up, report rendering, fsyncs and the cache checks are all included):
 *   sweep --workers 1, sweep --workers 2, and a cached re-run of the --workers 2 sweep (no kernel runs).
 * Events = runs, so the table shows runs/s; notes give the 2-vs-1 scaling ratio.
 * Limits: one timed pass per subject (a pass is 100 runs); the machine's other load shows in the figures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runBacktest } from '../../src/engine/backtest.ts';
import { engineSettings } from '../../src/engine/config.ts';
import { loadStrategy, validateParams } from '../../src/engine/strategy-loader.ts';
import { LocalExecutor } from '../../src/sweep/local.ts';
import { runSweep, type SweepReport } from '../../src/sweep/sweep.ts';
import type { CaseResult, Measurement } from '../lib.ts';

export const name = 'sweep';

const ROOT = join(import.meta.dirname, '..', '..');
const REC = join(ROOT, 'recordings', 'sol-15m');
const STRATEGY = join(ROOT, 'strategies', 'market-maker.ts');
const HALF = ['0.01', '0.02', '0.03', '0.04', '0.05', '0.06', '0.07', '0.08', '0.09', '0.1'];
const SIZE = ['5', '10', '15', '20', '25', '30', '35', '40', '45', '50'];

const m = (label: string, runs: number, ms: number): Measurement => ({ label, events: runs, iterations: 1, medianMs: ms, minMs: ms, evPerSec: (runs * 1000) / ms, nsPerEvent: (ms * 1e6) / runs, rssPeakBytes: process.memoryUsage().rss });

async function sweep(out: string, workers: number): Promise<{ ms: number; report: SweepReport }> {
  const t0 = performance.now();
  const exec = new LocalExecutor(workers, out);
  const report = await runSweep(
    { recordings: [REC], strategyFile: STRATEGY, space: { grid: [`halfSpread=${HALF.join(',')}`, `size=${SIZE.join(',')}`], fixed: [] }, objective: 'pnl', out, flags: {}, markets: [], top: 1 },
    exec,
    new AbortController().signal,
  );
  await exec.close();
  return { ms: performance.now() - t0, report };
}

export async function run(): Promise<CaseResult> {
  const settings = await engineSettings({});
  const strategy = await loadStrategy(STRATEGY);
  const sets = HALF.flatMap((h) => SIZE.map((s) => validateParams(strategy.definition, { halfSpread: h, size: s })));
  // warm the JIT once, then the floor
  await runBacktest({ recording: REC, strategy, params: sets[0], settings, speed: 'max', keepEventLog: false });
  let t0 = performance.now();
  for (const params of sets) await runBacktest({ recording: REC, strategy, params, settings, speed: 'max', keepEventLog: false });
  const floor = m('runBacktest x100, one thread, no reports', sets.length, performance.now() - t0);

  const dirs = [mkdtempSync(join(tmpdir(), 'poly-bench-sweep1-')), mkdtempSync(join(tmpdir(), 'poly-bench-sweep2-'))];
  try {
    const one = await sweep(dirs[0]!, 1);
    const two = await sweep(dirs[1]!, 2);
    t0 = performance.now();
    const cached = await sweep(dirs[1]!, 2);
    const cachedMs = performance.now() - t0;
    if (one.report.ran !== 100 || two.report.ran !== 100 || cached.report.ran !== 0) throw new Error(`unexpected run counts: ${one.report.ran}, ${two.report.ran}, ${cached.report.ran}`);
    const s1 = m('sweep --workers 1 (100 runs)', 100, one.ms);
    const s2 = m('sweep --workers 2 (100 runs)', 100, two.ms);
    const sc = m('sweep re-run, all cached', 100, cachedMs);
    return {
      name,
      floorName: 'in-process runBacktest loop',
      floor,
      subjects: [s1, s2, sc],
      notes: [
        `recordings/sol-15m (878 records), market-maker, 100 sets (halfSpread x size)`,
        `scaling --workers 2 / --workers 1: ${(s2.evPerSec / s1.evPerSec).toFixed(2)}x`,
        `cached re-run: ${(cachedMs / 100).toFixed(1)} ms per run (plan + cache checks + tables), ${(sc.evPerSec / s2.evPerSec).toFixed(1)}x the uncached --workers 2 sweep`,
        `sweeps include planning (strategy load and module-graph hash, engine fingerprint), thread start-up, report rendering and fsyncs`,
      ],
    };
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
