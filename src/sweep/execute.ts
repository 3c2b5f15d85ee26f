/**
 * Executes one sweep run (a RunJob) wherever it lands — a worker thread of the local pool or a `poly worker`
 * on another machine — and publishes its folder to the result store. The same code path for both, so a
 * distributed sweep writes the same bytes as a local one.
 *
 * Steps: result already in the store -> 'cached' (no kernel run). Else: the recording (local path, or the
 * verified s3:// cache copy) must have the digest the planner saw; the strategy is loaded from its path when
 * that path exists here and hashes to the job's module-graph hash, else from the job's bundle (remote
 * machines); the parameters are validated by the schema; one kernel runs the recording at --speed max; the
 * reports (exactly what `poly replay` writes, run.json included) and result.json are rendered into a scratch
 * folder and published atomically (store.ts).
 *
 * `engineFingerprint()` is poly's version + the module-graph hash of this file (the engine, core, recorder and
 * report code a run executes), part of every cache key: results computed by other code are never reused, and
 * a worker whose fingerprint differs from the planner's refuses the job instead of writing different bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PolyError } from '../core/errors.ts';
import { toJson } from '../core/reports/csv.ts';
import { isoFromNs } from '../core/time.ts';
import { runBacktest } from '../engine/backtest.ts';
import { engineSettings, type EngineSettings } from '../engine/config.ts';
import { renderRun } from '../engine/report-run.ts';
import { canonicalJson, polyVersion } from '../engine/reports-writer.ts';
import { loadStrategy, validateParams, type LoadedStrategy } from '../engine/strategy-loader.ts';
import { strategyGraph } from '../engine/strategy-hash.ts';
import { writeFileAtomic } from '../io/paths.ts';
import type { RunJob } from './job.ts';
import { metricsFromSummary, type Metrics } from './results.ts';
import { cacheRoot, localRecording, writeUnique } from './storage.ts';
import { openStore, RESULT_FILE, type ResultStore } from './store.ts';

export interface RunResultFile {
  readonly key: string;
  readonly recording: string;
  readonly digest: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly params: Readonly<Record<string, string>>;
  readonly metrics: Metrics;
}

export type RunStatus = 'ran' | 'cached' | 'exists';

export interface ExecuteHooks {
  /** Records done / total, at most every ~200 ms. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Stops the run between two records (the run is then not published). */
  readonly signal?: AbortSignal;
  /** The strategy bundle for a hash when its file is not on this machine (poly worker: from Redis). */
  readonly bundle?: (hash: string) => Promise<string | null>;
}

let fingerprint: Promise<string> | undefined;

export function engineFingerprint(): Promise<string> {
  fingerprint ??= (async () => `${await polyVersion()}+${(await strategyGraph(fileURLToPath(import.meta.url))).hash.slice(0, 16)}`)();
  return fingerprint;
}

const strategies = new Map<string, Promise<LoadedStrategy>>();
const settingsCache = new Map<string, Promise<EngineSettings>>();
const stores = new Map<string, ResultStore>();

/** Where a strategy bundle is kept: under poly's own node_modules/.cache, so its package imports resolve. */
export function bundlePath(hash: string): string {
  return fileURLToPath(new URL(`../../node_modules/.cache/poly/strategies/${hash}.mjs`, import.meta.url));
}

async function strategyFor(job: RunJob, hooks: ExecuteHooks): Promise<LoadedStrategy> {
  const s = job.strategy;
  let p = strategies.get(s.hash);
  if (p === undefined) {
    p = (async () => {
      if (existsSync(s.path) && (await strategyGraph(s.path)).hash === s.hash) return loadStrategy(s.path, s.hash);
      const file = bundlePath(s.hash);
      if (!existsSync(file)) {
        const code = hooks.bundle === undefined ? null : await hooks.bundle(s.hash);
        if (code === null) {
          throw new PolyError('input', 
            existsSync(s.path)
              ? `strategy ${s.label} on this machine differs from the one the sweep was planned with (module-graph hash ${s.hash.slice(0, 12)}…)`
              : `strategy ${s.label} is not on this machine and no bundle of it was published`,
          );
        }
        await writeUnique(file, code);
      }
      return loadStrategy(file, s.hash);
    })();
    strategies.set(s.hash, p);
    p.catch(() => strategies.delete(s.hash));
  }
  return p;
}

async function settingsFor(job: RunJob): Promise<EngineSettings> {
  const id = canonicalJson({ flags: job.flags, risk: job.riskJson });
  let p = settingsCache.get(id);
  if (p === undefined) {
    p = (async () => {
      let risk: string | undefined;
      if (job.riskJson !== null) {
        risk = join(cacheRoot(), 'risk', `${createHash('sha256').update(job.riskJson).digest('hex')}.json`);
        if (!existsSync(risk)) await writeUnique(risk, job.riskJson);
      }
      return engineSettings({ ...job.flags, ...(risk !== undefined ? { risk } : {}) });
    })();
    settingsCache.set(id, p);
  }
  return p;
}

export function storeAt(location: string): ResultStore {
  let s = stores.get(location);
  if (s === undefined) {
    s = openStore(location);
    stores.set(location, s);
  }
  return s;
}

export async function executeJob(job: RunJob, storeLocation: string, hooks: ExecuteHooks = {}): Promise<RunStatus> {
  const store = storeAt(storeLocation);
  if (await store.hasRun(job.key)) return 'cached';
  const mine = await engineFingerprint();
  if (mine !== job.engine) throw new PolyError('input', `this poly (engine ${mine}) is not the one the sweep was planned with (engine ${job.engine}): install the same poly version and code on every worker`);
  const recording = await localRecording(job.recording.ref);
  const strategy = await strategyFor(job, hooks);
  const settings = await settingsFor(job);
  const params = validateParams(strategy.definition, { ...job.params });
  const fromNs = job.fromNs === null ? undefined : BigInt(job.fromNs);
  const toNs = job.toNs === null ? undefined : BigInt(job.toNs);
  const result = await runBacktest({
    recording,
    strategy,
    params,
    settings,
    speed: 'max',
    ...(fromNs !== undefined ? { fromNs } : {}),
    ...(toNs !== undefined ? { toNs } : {}),
    markets: job.markets,
    keepEventLog: false,
    ...(job.raw === true ? { raw: true } : {}),
    ...(hooks.signal !== undefined ? { signal: hooks.signal } : {}),
    ...(hooks.onProgress !== undefined ? { onProgress: (done: number, total: number) => hooks.onProgress?.(done, total) } : {}),
  });
  if (result.recordingDigest !== job.recording.digest) {
    throw new PolyError('input', `recording ${job.recording.label} changed since the sweep was planned (digest ${result.recordingDigest.slice(0, 12)}…, planned ${job.recording.digest.slice(0, 12)}…); run the sweep again`);
  }
  const scratch = await store.scratch(job.key);
  const written = await renderRun({
    kernel: result.kernel,
    recording: job.recording.label,
    recordingDigest: result.recordingDigest,
    strategy,
    strategyFile: job.strategy.label,
    params,
    paramsGiven: { ...job.params },
    settings,
    outDir: scratch,
    window: { fromNs, toNs, markets: job.markets },
    ...(fromNs !== undefined ? { fallbackNs: fromNs } : {}),
  });
  if (!written.files.some((f) => f.name === 'summary.json')) throw new Error('renderRun wrote no summary.json');
  const res: RunResultFile = {
    key: job.key,
    recording: job.recording.label,
    digest: job.recording.digest,
    from: fromNs === undefined ? null : isoFromNs(fromNs),
    to: toNs === undefined ? null : isoFromNs(toNs),
    params: job.params,
    metrics: metricsFromSummary(await readFile(join(scratch, 'summary.json'), 'utf8')),
  };
  await writeFileAtomic(join(scratch, RESULT_FILE), toJson(res));
  return (await store.publish(job.key, scratch)) === 'written' ? 'ran' : 'exists';
}
