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
import { CliError } from '../cli/errors.ts';
import { TradingKernel } from '../core/kernel/trading-kernel.ts';
import type { MarketMeta } from '../core/types/market.ts';
import { digestOfManifest, readManifest, readRecording } from '../recorder/read.ts';
import { RecordingError } from '../recorder/errors.ts';
import { kernelConfig, type EngineSettings } from './config.ts';
import type { LoadedStrategy } from './strategy-loader.ts';

export type Speed = number | 'max';

export function parseSpeed(text: string): Speed {
  if (text === 'max') return 'max';
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0) throw new CliError(`--speed '${text}' must be a positive number (1 = real time, 10 = ten times faster) or 'max'`);
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
      throw new CliError(`--market '${id}' is not in this recording (its markets: ${known || 'none listed'})`);
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
  /** Called at most every ~200 ms of wall time with progress (records done, total). */
  readonly onProgress?: (done: number, total: number, virtualNs: bigint) => void;
  /** Keep the full order-event log in memory (default true); the CLI turns it off for flat memory. */
  readonly keepEventLog?: boolean;
  readonly logSink?: (line: { tsNs: bigint; level: 'info' | 'warn'; msg: string; fields?: Record<string, unknown> }) => void;
  /** Stops the run between two records (throws the signal's reason); the recording reader is closed cleanly. */
  readonly signal?: AbortSignal;
}

export interface BacktestResult {
  readonly kernel: TradingKernel;
  readonly recordingDigest: string;
  readonly records: number;
  readonly markets: readonly MarketMeta[];
}

export async function runBacktest(input: BacktestInput): Promise<BacktestResult> {
  let manifest;
  try {
    manifest = await readManifest(input.recording);
  } catch (err) {
    if (err instanceof RecordingError) throw new CliError(err.message);
    throw err;
  }
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
  const source = readRecording(input.recording, {
    ...(input.fromNs !== undefined ? { fromNs: input.fromNs } : {}),
    ...(input.toNs !== undefined ? { toNs: input.toNs } : {}),
    ...(filter !== null ? { assetIds: filter.assetIds, markets: filter.conditionIds } : {}),
  });

  const speed = input.speed;
  let wall0 = 0;
  let virt0: bigint | null = null;
  let done = 0;
  let lastProgress = performance.now();
  try {
    for await (const raw of source) {
      if (speed !== 'max') {
        if (virt0 === null) {
          virt0 = raw.recvNs;
          wall0 = performance.now();
        } else {
          // wall ms at which this record is due: (virtual elapsed / speed)
          const dueMs = wall0 + Number(raw.recvNs - virt0) / 1e6 / speed;
          const waitMs = dueMs - performance.now();
          if (waitMs > 2) await sleep(Math.min(waitMs, 1000));
          // long gaps are waited out in 1 s slices so Ctrl-C stays responsive
          while (dueMs - performance.now() > 2) await sleep(Math.min(dueMs - performance.now(), 1000));
        }
      }
      if (input.signal?.aborted === true) throw input.signal.reason;
      kernel.onRecord(raw);
      done += 1;
      if (input.onProgress !== undefined && (done & 1023) === 0) {
        const now = performance.now();
        if (now - lastProgress >= 200) {
          lastProgress = now;
          input.onProgress(done, total, raw.recvNs);
        }
      }
    }
  } catch (err) {
    if (err instanceof RecordingError) throw new CliError(err.message);
    throw err;
  }
  kernel.finish();
  input.onProgress?.(done, total, kernel.now());
  return { kernel, recordingDigest: digestOfManifest(manifest), records: done, markets: manifest.markets };
}
