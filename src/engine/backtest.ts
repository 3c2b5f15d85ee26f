/**
 * Backtest driver: streams a recording's raw records through the TradingKernel on a virtual clock.
 *
 * Speed: `--speed N` paces virtual time against the wall clock (N = 10 plays ten times faster than
 * recorded), `max` does not wait at all. Pacing only decides WHEN a record is handed to the kernel,
 * never what the kernel sees: the kernel's clock is driven by the records' receive times, so results
 * are byte-identical at any speed (tested).
 * Memory: records are streamed (readRecording holds one batch); the kernel keeps books, orders and
 * the equity series, not the data.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PolyError } from '../core/errors.ts';
import { TradingKernel, type StrategyLogLine } from '../core/kernel/trading-kernel.ts';
import type { MarketMeta } from '../core/types/market.ts';
import type { RawRecord } from '../core/types/raw.ts';
import { digestOfManifest, readManifest, readRecording } from '../recorder/read.ts';
import { ensureTape, readTape } from '../tape/tape.ts';
import { kernelConfig, type EngineSettings } from './config.ts';
import { recordingWarnings } from './run-warnings.ts';
import type { LoadedStrategy } from './strategy-loader.ts';

export type Speed = number | 'max';

/** Wall-clock period of progress reports (ms). */
const PROGRESS_MS = 200;

export function parseSpeed(text: string): Speed {
  if (text === 'max') return 'max';
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0) throw new PolyError('usage', `--speed '${text}' must be a positive number (1 = real time, 10 = ten times faster) or 'max'`);
  return Number(text);
}

/** Resolves --market arguments (slug, condition id or token id) against the recording's markets. */
export function resolveMarketFilter(markets: readonly MarketMeta[], ids: readonly string[]): { assetIds: string[]; conditionIds: string[] } {
  const assetIds: string[] = [];
  const conditionIds: string[] = [];
  for (const id of ids) {
    const m = markets.find((x) => x.slug === id || x.conditionId.toLowerCase() === id.toLowerCase() || x.tokens.some((t) => t.tokenId === id));
    if (m === undefined) {
      if (/^\d{20,}$/.test(id)) {
        assetIds.push(id);
        continue;
      }
      const known = markets.map((x) => x.slug ?? x.conditionId).slice(0, 5).join(', ');
      throw new PolyError('not_found', `--market '${id}' is not in this recording (its markets: ${known || 'none listed'})`);
    }
    conditionIds.push(m.conditionId);
  }
  return { assetIds, conditionIds };
}

export interface BacktestInput {
  readonly recording: string;
  readonly strategy: LoadedStrategy;
  readonly params: unknown;
  readonly settings: EngineSettings;
  readonly speed: Speed;
  readonly fromNs?: bigint;
  readonly toNs?: bigint;
  readonly markets?: readonly string[];
  /**
   * Called about every 200 ms of wall time with progress: records done, records in the recording, the
   * virtual time reached, and the fraction of the replayed time span (window or recording) behind it.
   */
  readonly onProgress?: (done: number, total: number, virtualNs: bigint, fraction: number) => void;
  /** Keep the full order-event log in memory (default true); the CLI turns it off for flat memory. */
  readonly keepEventLog?: boolean;
  readonly logSink?: (line: StrategyLogLine) => void;
  /** One-line warnings found before the run (window outside the recording, spool left by a crash). */
  readonly onWarning?: (message: string) => void;
  /** Stops the run between two records (throws the signal's reason); the recording reader is closed cleanly. */
  readonly signal?: AbortSignal;
  /** Read the raw records and normalize them (default false: replay the tape, src/tape/, building it when missing or stale). */
  readonly raw?: boolean;
  /** Where the tape lives (default `<recording>/.tape/`, else the user cache dir). */
  readonly tapeDir?: string;
  /** Progress while a tape is built (records done of total). */
  readonly onTapeProgress?: (done: number, total: number) => void;
}

export interface BacktestResult {
  readonly kernel: TradingKernel;
  readonly recordingDigest: string;
  readonly records: number;
  readonly markets: readonly MarketMeta[];
}

export async function runBacktest(input: BacktestInput): Promise<BacktestResult> {
  const manifest = await readManifest(input.recording);
  if (input.onWarning !== undefined) for (const w of await recordingWarnings(input.recording, manifest, input)) input.onWarning(w);
  const filter = input.markets !== undefined && input.markets.length > 0 ? resolveMarketFilter(manifest.markets, input.markets) : null;
  const kernel = new TradingKernel(
    kernelConfig(input.settings, {
      strategy: input.strategy.definition,
      params: input.params,
      markets: manifest.markets,
      ...(input.logSink !== undefined ? { logSink: input.logSink } : {}),
      ...(input.keepEventLog !== undefined ? { keepEventLog: input.keepEventLog } : {}),
    }),
  );
  const total = manifest.files.reduce((n, f) => n + f.rows, 0);
  const spanFrom = input.fromNs ?? (manifest.timeRange === null ? 0n : BigInt(manifest.timeRange.fromNs));
  const spanTo = input.toNs ?? (manifest.timeRange === null ? 0n : BigInt(manifest.timeRange.toNs));
  const fractionAt = (t: bigint): number => (spanTo <= spanFrom ? 0 : Math.min(1, Math.max(0, Number(t - spanFrom) / Number(spanTo - spanFrom))));
  const readOpts = {
    ...(input.fromNs !== undefined ? { fromNs: input.fromNs } : {}),
    ...(input.toNs !== undefined ? { toNs: input.toNs } : {}),
    ...(filter !== null ? { assetIds: filter.assetIds, markets: filter.conditionIds } : {}),
  };

  const speed = input.speed;
  let wall0 = 0;
  let virt0: bigint | null = null;
  let done = 0;
  // progress is reported by wall time (every PROGRESS_MS), also while waiting out a gap at --speed N
  let lastProgress = performance.now();
  const progress = (virtualNs: bigint): void => {
    if (input.onProgress === undefined) return;
    const now = performance.now();
    if (now - lastProgress < PROGRESS_MS) return;
    lastProgress = now;
    input.onProgress(done, total, virtualNs, fractionAt(virtualNs));
  };
  const pace = async (raw: RawRecord): Promise<void> => {
    if (virt0 === null) {
      virt0 = raw.recvNs;
      wall0 = performance.now();
    } else {
      // wall ms at which this record is due: (virtual elapsed / speed); long gaps are waited out in
      // slices so Ctrl-C stays responsive and the progress bar keeps moving
      const v0 = virt0;
      const dueMs = wall0 + Number(raw.recvNs - v0) / 1e6 / (speed as number);
      while (dueMs - performance.now() > 2) {
        await sleep(Math.min(dueMs - performance.now(), PROGRESS_MS));
        // the virtual time reached while waiting: never past the record we are waiting for
        const reached = v0 + BigInt(Math.round((performance.now() - wall0) * (speed as number) * 1e6));
        progress(reached < raw.recvNs ? reached : raw.recvNs);
      }
    }
  };
  if (input.raw === true) {
    for await (const raw of readRecording(input.recording, readOpts)) {
      if (speed !== 'max') await pace(raw);
      if (input.signal?.aborted === true) throw input.signal.reason;
      kernel.onRecord(raw);
      done += 1;
      // reading the wall clock costs ~30 ns: at --speed max look only every 64 records
      if (speed !== 'max' || (done & 63) === 0) progress(raw.recvNs);
    }
  } else {
    const tape = await ensureTape(input.recording, {
      ...(input.tapeDir !== undefined ? { tapeDir: input.tapeDir } : {}),
      ...(input.onTapeProgress !== undefined ? { onProgress: input.onTapeProgress } : {}),
      ...(input.onWarning !== undefined ? { onWarning: input.onWarning } : {}),
    });
    for await (const batch of readTape(tape.path, input.recording, readOpts)) {
      // each record and its events are decoded when due (they die young: no batch of them is promoted);
      // the record is the reader's one shared object (recordAt): the kernel keeps no reference to it
      for (let i = 0; i < batch.length; i++) {
        const raw = batch.recordAt(i);
        if (speed !== 'max') await pace(raw);
        if (input.signal?.aborted === true) throw input.signal.reason;
        kernel.onNormalized(raw, batch.eventsOf(i, raw));
        done += 1;
        if (speed !== 'max' || (done & 63) === 0) progress(raw.recvNs);
      }
    }
  }
  kernel.finish();
  input.onProgress?.(done, total, kernel.now(), 1);
  return { kernel, recordingDigest: digestOfManifest(manifest), records: done, markets: manifest.markets };
}
