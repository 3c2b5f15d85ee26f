/**
 * Bench harness (habit 15; after pinojs/pino benchmarks/): time a subject and a FLOOR in the same run,
 * and print each subject as a ratio of the floor, e.g.
 *   normalizer+book     1,234,567 ev/s = 0.42x JSON.parse floor
 * A ratio measured in one process on one machine is comparable across machines and runs; absolute
 * numbers are not. Speed is checked here, never in tests.
 *
 * Method: `warmup` untimed runs (JIT), then `iterations` timed runs; throughput uses the MEDIAN run
 * (robust to one GC pause or a noisy neighbour). Each run returns how many events it processed, so
 * events/s counts real work. RSS: sampled before/after each run and every `sampleMs` by an unref'd
 * interval (async subjects only: a synchronous loop blocks the sampler), plus the process-wide peak
 * `process.resourceUsage().maxRSS` reported per case. `global.gc()` runs before each timed run
 * when node was started with --expose-gc (bench/index.ts does that for every case).
 * Limits: single-threaded wall time (hrtime); no statistical test between runs.
 */
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';

export interface Measurement {
  readonly label: string;
  /** Events processed per run (as returned by the run). */
  readonly events: number;
  readonly iterations: number;
  /** Median wall time of one run, ms. */
  readonly medianMs: number;
  /** Fastest run, ms. */
  readonly minMs: number;
  /** events / median run time. */
  readonly evPerSec: number;
  readonly nsPerEvent: number;
  /** Highest RSS sampled while this subject ran, bytes. */
  readonly rssPeakBytes: number;
}

export interface CaseResult {
  /** Case name (matches the exported `name`). */
  readonly name: string;
  /** What the floor is, e.g. 'JSON.parse' or 'direct handler calls'. Printed as "<x>x <floorName> floor". */
  readonly floorName: string;
  readonly floor: Measurement;
  readonly subjects: readonly Measurement[];
  /** Free-form lines printed under the table (what was measured, workload shape). */
  readonly notes?: readonly string[];
  /** Process-wide peak RSS (resourceUsage().maxRSS) when the case finished, bytes. Filled by runCase. */
  readonly maxRssBytes?: number;
}

/** What every bench/cases/*.ts module exports. Importing a case must not do work. */
export interface BenchCase {
  readonly name: string;
  run(): Promise<CaseResult>;
}

export interface MeasureOptions {
  /** Untimed runs before measuring (default 1). */
  readonly warmup?: number;
  /** Timed runs (default 5). */
  readonly iterations?: number;
  /** RSS sampling period while a run is in progress, ms (default 5). */
  readonly sampleMs?: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Times `run` (which returns the number of events it processed). */
export async function measure(
  label: string,
  run: () => number | Promise<number>,
  opts: MeasureOptions = {},
): Promise<Measurement> {
  const warmup = opts.warmup ?? 1;
  const iterations = opts.iterations ?? 5;
  if (iterations < 1) throw new RangeError('iterations must be >= 1');
  for (let i = 0; i < warmup; i++) await run();

  let rssPeak = process.memoryUsage.rss();
  const sample = (): void => {
    const r = process.memoryUsage.rss();
    if (r > rssPeak) rssPeak = r;
  };
  const sampler = setInterval(sample, opts.sampleMs ?? 5);
  sampler.unref();
  const times: number[] = [];
  let events = 0;
  try {
    for (let i = 0; i < iterations; i++) {
      gc?.();
      sample();
      const t0 = performance.now();
      const n = await run();
      const dt = performance.now() - t0;
      sample();
      if (i > 0 && n !== events) throw new Error(`${label}: run ${i} processed ${n} events, run 0 processed ${events}`);
      events = n;
      times.push(dt);
    }
  } finally {
    clearInterval(sampler);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const medianMs = sorted.length % 2 === 1
    ? (sorted[(sorted.length - 1) / 2] as number)
    : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
  const minMs = sorted[0] as number;
  const evPerSec = medianMs > 0 ? (events * 1000) / medianMs : Infinity;
  return { label, events, iterations, medianMs, minMs, evPerSec, nsPerEvent: (medianMs * 1e6) / Math.max(events, 1), rssPeakBytes: rssPeak };
}

/** Runs one case and stamps the process-wide peak RSS on its result. */
export async function runCase(c: BenchCase): Promise<CaseResult> {
  const r = await c.run();
  return { ...r, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}

/** 1234567.8 -> "1,234,568" (locale-independent). */
export function fmtInt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const s = Math.round(Math.abs(n)).toString();
  return (n < 0 ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export const fmtMb = (bytes: number): string => `${fmtInt(bytes / (1024 * 1024))} MB`;

/** Ratio of a subject's throughput to the floor's, e.g. 0.42. */
export const ratio = (subject: Measurement, floor: Measurement): number => subject.evPerSec / floor.evPerSec;

const fmtRatio = (x: number): string => (x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2));

/** The printed block of one case: the floor first, then each subject as a ratio of it. */
export function formatCase(r: CaseResult): string {
  const rows = [r.floor, ...r.subjects];
  const labelW = Math.max(...rows.map((m) => m.label.length));
  const rateW = Math.max(...rows.map((m) => fmtInt(m.evPerSec).length));
  const lines: string[] = [];
  lines.push(`== ${r.name}: ${fmtInt(r.floor.events)} events/run, median of ${r.floor.iterations} runs`);
  const row = (m: Measurement, vs: string): string =>
    `  ${m.label.padEnd(labelW)}  ${fmtInt(m.evPerSec).padStart(rateW)} ev/s ${vs}` +
    `  (${m.nsPerEvent.toFixed(1)} ns/ev, ${m.medianMs.toFixed(1)} ms/run, rss peak ${fmtMb(m.rssPeakBytes)})`;
  const floorTag = `= FLOOR (${r.floorName})`;
  const tags = r.subjects.map((m) => `= ${fmtRatio(ratio(m, r.floor))}x ${r.floorName} floor`);
  const tagW = Math.max(floorTag.length, ...tags.map((t) => t.length));
  lines.push(row(r.floor, floorTag.padEnd(tagW)));
  r.subjects.forEach((m, i) => lines.push(row(m, (tags[i] as string).padEnd(tagW))));
  if (r.maxRssBytes !== undefined) lines.push(`  process max RSS: ${fmtMb(r.maxRssBytes)}`);
  for (const n of r.notes ?? []) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

export const formatTable = (results: readonly CaseResult[]): string => results.map(formatCase).join('\n\n');

/** What a bench child process (one subject, one run) reports over IPC. */
export interface ChildResult {
  events: number;
  ms: number;
  /** The child's process.resourceUsage().maxRSS, bytes: its own peak. */
  maxRssBytes: number;
  detail: string;
}

/** Runs `script args...` in a fresh child (without --expose-gc) and resolves with the ChildResult it sends. */
export function runChildSubject(script: string, args: readonly string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [...args], { execArgv: process.execArgv.filter((a) => a !== '--expose-gc'), stdio: 'inherit', serialization: 'advanced' });
    let msg: { ok: true; result: ChildResult } | { ok: false; error: string } | null = null;
    child.on('message', (m) => {
      msg = m as typeof msg;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const m = msg as { ok: true; result: ChildResult } | { ok: false; error: string } | null;
      if (m?.ok === true) resolve(m.result);
      else reject(new Error(m?.ok === false ? `${args[0] ?? ''}: ${m.error}` : `${args[0] ?? ''}: child exited with ${signal ?? code}`));
    });
  });
}

/** A single-run Measurement from a child's result. */
export const childMeasurement = (label: string, r: ChildResult): Measurement => ({
  label, events: r.events, iterations: 1, medianMs: r.ms, minMs: r.ms, evPerSec: (r.events * 1000) / r.ms, nsPerEvent: (r.ms * 1e6) / r.events, rssPeakBytes: r.maxRssBytes,
});
