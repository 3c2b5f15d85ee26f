/**
 * Developer tool for profiling the replay hot path (not a bench case). Usage:
 *   node [--cpu-prof] --import tsx bench/hot-run.ts <noop|market-maker> <recording dir> [--raw|--kernel N]
 * default: runBacktest from the tape (built if missing); --raw: runBacktest --raw; --kernel N: reads the
 * first N tape records into memory first, then times only the TradingKernel loop (kernel.onNormalized),
 * so the tape decoder's cost is left out. Prints events per wall second and per CPU second (user+system
 * of this process, less sensitive to a loaded machine).
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { TradingKernel } from '../src/core/kernel/trading-kernel.ts';
import type { MarketEvent } from '../src/core/types/events.ts';
import type { RawRecord } from '../src/core/types/raw.ts';
import { runBacktest } from '../src/engine/backtest.ts';
import { engineSettings, kernelConfig } from '../src/engine/config.ts';
import { loadStrategy, validateParams } from '../src/engine/strategy-loader.ts';
import { readManifest } from '../src/recorder/read.ts';
import { ensureTape, readTape } from '../src/tape/tape.ts';

const [name, dir, flag, nArg] = process.argv.slice(2);
if (name === undefined || dir === undefined) throw new Error('usage: hot-run.ts <strategy> <recording dir> [--raw|--kernel N]');
const strategy = await loadStrategy(join(fileURLToPath(new URL('../strategies/', import.meta.url)), `${name}.ts`));
const params = validateParams(strategy.definition, {});
const settings = await engineSettings({});
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
if (flag === '--kernel') {
  const limit = Number(nArg ?? 300_000);
  const manifest = await readManifest(dir);
  const tape = await ensureTape(dir);
  const recs: RawRecord[] = [];
  const evs: (readonly MarketEvent[])[] = [];
  for await (const b of readTape(tape.path, dir)) {
    for (let i = 0; i < b.records.length && recs.length < limit; i++) {
      recs.push(b.records[i]!);
      evs.push(b.events[i]!);
    }
    // no early break: leaving the reader mid-read-ahead closes its file under a pending read (EBADF)
  }
  // HOT_INTERN=1: one string instance per token id / connection (what a dictionary-encoded tape hands out),
  // to measure what the fresh strings of today's JSON decoder cost the kernel's maps
  if (process.env['HOT_INTERN'] === '1') {
    const pool = new Map<string, string>();
    const one = (x: string): string => {
      const k = pool.get(x);
      if (k !== undefined) return k;
      pool.set(x, x);
      return x;
    };
    for (const list of evs) {
      for (const e of list as unknown as Record<string, unknown>[]) {
        if (typeof e['assetId'] === 'string') e['assetId'] = one(e['assetId']);
        if (typeof e['conn'] === 'string') e['conn'] = one(e['conn']);
        const ch = e['changes'];
        if (Array.isArray(ch)) for (const c of ch as Record<string, unknown>[]) c['assetId'] = one(c['assetId'] as string);
      }
    }
    for (const r of recs) (r as { conn: string }).conn = one(r.conn);
  }
  // REPEAT fresh kernels over the same in-memory records; the best run is reported (a loaded machine only slows runs down)
  const repeat = Number(process.env['HOT_REPEAT'] ?? 3);
  let best = { s: Infinity, c: Infinity, events: 0, orders: 0, fills: 0 };
  for (let k = 0; k < repeat; k++) {
    const kernel = new TradingKernel(kernelConfig(settings, { strategy: strategy.definition, params, markets: manifest.markets, keepEventLog: false }));
    const c0 = cpu();
    const t0 = performance.now();
    for (let i = 0; i < recs.length; i++) kernel.onNormalized(recs[i]!, evs[i]!);
    kernel.finish();
    const s = (performance.now() - t0) / 1000;
    const c = cpu() - c0;
    if (s < best.s) best = { s, c, events: kernel.quality.events, orders: kernel.journal.orders.size, fills: kernel.journal.fills.length };
  }
  console.log(`${name} kernel-only (best of ${repeat}): ${Math.round(best.events / best.s)} ev/s wall, ${Math.round(best.events / best.c)} ev/cpu-s; ${best.events} events ${best.orders} orders ${best.fills} fills ${best.s.toFixed(2)} s`);
} else {
  const c0 = cpu();
  const t0 = performance.now();
  const r = await runBacktest({ recording: dir, strategy, params, settings, speed: 'max', keepEventLog: false, raw: flag === '--raw' });
  const s = (performance.now() - t0) / 1000;
  const c = cpu() - c0;
  const q = r.kernel.quality;
  const j = r.kernel.journal;
  console.log(`${name}${flag === '--raw' ? ' raw' : ''}: ${Math.round(q.events / s)} ev/s wall, ${Math.round(q.events / c)} ev/cpu-s; ${q.events} events ${j.orders.size} orders ${j.fills.length} fills ${s.toFixed(2)} s`);
}
