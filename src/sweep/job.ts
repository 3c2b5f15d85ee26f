/**
 * One run of a sweep as plain JSON data (what a worker thread or a `poly worker` on another machine gets),
 * and its cache key.
 *
 * The cache key is the sha256 of
 *   "poly-sweep-run v1\n"
 *   "engine <fingerprint>\n"     poly's version + the hash of the run's own module graph (engineFingerprint)
 *   "recording <digest>\n"       the recording's content digest (digestOfManifest)
 *   "strategy <hash>\n"          the strategy's module-graph hash (src/engine/strategy-hash.ts)
 *   "params <canonical JSON of the validated parameters>\n"
 *   "settings <canonical JSON of EngineSettings.described>\n"   (seed, latency, queue, fees, risk, cash, ...)
 *   "window <fromNs|-> <toNs|->\n"
 *   "markets <ids joined by ','>\n"
 * so any change to what decides a run's result gives another key, and nothing else does (the output folder,
 * the worker, the speed and the order of flags are not inputs). Results are stored under runs/<first 16 hex>.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../engine/reports-writer.ts';
import type { EngineFlags } from '../engine/config.ts';

export interface RunJob {
  readonly key: string;
  /** The recording as the user named it (stored in run.json and sweep.csv) and where a worker reads it: an absolute path or s3://. */
  readonly recording: { readonly label: string; readonly ref: string; readonly digest: string };
  /** Receive-time window, ns as decimal strings. */
  readonly fromNs: string | null;
  readonly toNs: string | null;
  readonly markets: readonly string[];
  /** The strategy as the user named it, its absolute path, its module-graph hash. */
  readonly strategy: { readonly label: string; readonly path: string; readonly hash: string };
  /** Parameter values as given (human units); the worker validates them with the schema. */
  readonly params: Readonly<Record<string, string>>;
  /** Engine flags as strings, without `risk` (its file's content is `riskJson`). */
  readonly flags: Omit<EngineFlags, 'risk'>;
  readonly riskJson: string | null;
  /** engineFingerprint() of the planner: a worker running other code refuses the job. */
  readonly engine: string;
  /**
   * Read the raw records instead of the tape (`poly sweep --raw`). Not part of the key: both paths give the
   * same bytes (test/tape, test/golden), so a result computed on either is reused by the other.
   */
  readonly raw?: boolean;
}

export const runDirName = (key: string): string => key.slice(0, 16);

export function cacheKey(p: {
  engine: string;
  digest: string;
  strategyHash: string;
  resolvedParams: unknown;
  described: Readonly<Record<string, string>>;
  fromNs: string | null;
  toNs: string | null;
  markets: readonly string[];
}): string {
  const text =
    'poly-sweep-run v1\n' +
    `engine ${p.engine}\n` +
    `recording ${p.digest}\n` +
    `strategy ${p.strategyHash}\n` +
    `params ${canonicalJson(p.resolvedParams)}\n` +
    `settings ${canonicalJson(p.described)}\n` +
    `window ${p.fromNs ?? '-'} ${p.toNs ?? '-'}\n` +
    `markets ${p.markets.join(',')}\n`;
  return createHash('sha256').update(text).digest('hex');
}
