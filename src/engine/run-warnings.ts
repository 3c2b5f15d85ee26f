/**
 * One-line warnings about a run that did what it was asked but probably not what was meant. Each is a
 * sentence without the "warning: " prefix (the CLI adds it); none stops a run.
 *
 * - The replay window (--from/--to) reaches outside the recording (or misses it entirely).
 * - The recording has spool segments left by a session that did not stop cleanly: those records are not in
 *   Parquet yet, so replay does not see them until `poly recordings repair`.
 * - The strategy placed no order at all although it has time parameters (p.duration(): stopBefore, window,
 *   ...): the usual cause is its own time guard, e.g. a window that starts after the market's end minus
 *   stopBefore. The warning names the parameters, the window replayed and the markets' end times, so the
 *   cause can be seen without reading the strategy.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TradingKernel } from '../core/kernel/trading-kernel.ts';
import type { StrategyDefinition } from '../core/strategy/api.ts';
import { formatDurationNs, paramUnit } from '../core/strategy/params.ts';
import { isoFromNs } from '../core/time.ts';
import { SPOOL_DIR, SPOOL_EXT } from '../recorder/layout.ts';
import type { Manifest } from '../recorder/manifest.ts';

const iso = (ns: bigint): string => isoFromNs(ns).replace(/\.0+Z$/, 'Z');

/** Window and spool warnings, known before the run. */
export async function recordingWarnings(dir: string, manifest: Manifest, window: { fromNs?: bigint | undefined; toNs?: bigint | undefined }): Promise<string[]> {
  const out: string[] = [];
  const range = manifest.timeRange;
  if (range !== null) {
    const start = BigInt(range.fromNs);
    const end = BigInt(range.toNs);
    const span = `the recording spans ${iso(start)} to ${iso(end)}`;
    if (window.fromNs !== undefined && window.fromNs > end) out.push(`--from ${iso(window.fromNs)} is after the recording ends: nothing to replay (${span})`);
    else if (window.toNs !== undefined && window.toNs <= start) out.push(`--to ${iso(window.toNs)} is before the recording starts: nothing to replay (${span})`);
    else {
      if (window.fromNs !== undefined && window.fromNs < start) out.push(`--from ${iso(window.fromNs)} is before the recording starts; replay starts at its first record (${span})`);
      if (window.toNs !== undefined && window.toNs > end) out.push(`--to ${iso(window.toNs)} is after the recording ends; replay stops at its last record (${span})`);
    }
  }
  let spools: string[] = [];
  try {
    spools = (await readdir(join(dir, SPOOL_DIR))).filter((f) => f.endsWith(SPOOL_EXT));
  } catch {
    // no spool directory: a cleanly stopped or repaired recording
  }
  if (spools.length > 0) {
    out.push(`${dir} has ${spools.length} spool segment(s) left by a recording session that did not stop cleanly; their records are not replayed until 'poly recordings repair ${dir}'`);
  }
  return out;
}

/** The strategy never placed an order although it has time parameters (see header); null otherwise. */
export function timeGuardWarning(def: StrategyDefinition, params: unknown, kernel: TradingKernel): string | null {
  if (kernel.journal.orders.size > 0 || kernel.quality.records === 0) return null;
  const shape = (def.params as unknown as { shape?: Record<string, unknown> }).shape ?? {};
  const values = (params ?? {}) as Record<string, unknown>;
  const durations = Object.keys(shape)
    .filter((k) => paramUnit(shape[k]) === 'duration' && typeof values[k] === 'bigint')
    .map((k) => `${k}=${formatDurationNs(values[k] as bigint)}`);
  if (durations.length === 0) return null;
  const q = kernel.quality;
  const ends = kernel
    .allMarkets()
    .filter((m) => m.endDate !== null)
    .slice(0, 3)
    .map((m) => `${m.slug ?? m.conditionId} ends ${m.endDate}`);
  const window = q.firstRecvNs === null || q.lastRecvNs === null ? '' : ` between ${iso(q.firstRecvNs)} and ${iso(q.lastRecvNs)}`;
  return `strategy ${def.name} placed no orders${window}; its time parameters (${durations.join(', ')}) may have kept it out${ends.length > 0 ? ` (${ends.join('; ')})` : ''}`;
}
