/**
 * Bench case `recorder-ingest`: `poly record` keeping up for long sessions (issue 14). The exchange
 * simulator's firehose (src/sim/firehose-server.ts: 4 books, then two-leg price_change frames of ~600 B
 * over 2 binary markets) runs in its own child process; every subject runs in a FRESH child process
 * (bench/ingest-child.ts), so each RSS figure is that session's alone.
 *
 * FLOOR: a bare `ws` client subscribed to the same firehose that only counts frames (getting the frames
 * off the socket; no stamping, spool or Parquet), POLY_BENCH_INGEST_FRAMES[0] frames.
 * Subjects: RecordSession (ws -> stamp -> spool -> Parquet beside ingest) for each frame count in
 * POLY_BENCH_INGEST_FRAMES (default 1,000,000, 4,000,000, 10,000,000). msg/s is over the ingest period
 * (feed start -> last frame counted); the first subject has the floor's frame count, so its ratio is
 * the ingest ratio. Notes: stop time (what was left to convert at stop), RSS at 1M / 4M / 10M frames of
 * the longest session (flat = memory does not grow with session length), peak conversion lag.
 * POLY_BENCH_INGEST_RATE (frames/s; default 0 = as fast as the sockets drain) paces the feed instead.
 * Limits: one run each; the simulator shares the machine's two cores with the subject.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtInt, fmtMb, type CaseResult, type Measurement } from '../lib.ts';
import type { IngestResult, Sample } from '../ingest-child.ts';

export const name = 'recorder-ingest';

const SERVER = fileURLToPath(new URL('../../src/sim/firehose-server.ts', import.meta.url));
const CHILD = fileURLToPath(new URL('../ingest-child.ts', import.meta.url));
/** Four 77-digit token ids: two binary markets. */
const ASSETS = [1, 2, 3, 4].map((n) => (10n ** 76n + BigInt(n) * 104_729n).toString());

interface Urls { clob: string; gamma: string; marketWs: string }

function envList(key: string, dflt: number[]): number[] {
  const v = process.env[key];
  if (v === undefined) return dflt;
  const out = v.split(',').map(Number);
  if (out.length === 0 || out.some((n) => !Number.isSafeInteger(n) || n < 10)) throw new Error(`${key}='${v}' must be a comma-separated list of integers >= 10`);
  return out;
}

const execArgv = process.execArgv.filter((a) => a !== '--expose-gc');

/** Starts the firehose in a child; resolves with its URLs and a function that starts the feed. */
function startServer(frames: number, rate: number): Promise<{ urls: Urls; start: () => void; cpuMs: () => Promise<number>; close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = fork(SERVER, [String(frames), ASSETS.join(','), String(rate)], { execArgv, stdio: 'inherit' });
    child.on('message', (m: { type: string; urls?: Urls }) => {
      if (m.type === 'ready' && m.urls !== undefined) {
        resolve({
          urls: m.urls,
          start: () => child.send('start'),
          cpuMs: () =>
            new Promise<number>((res) => {
              const on = (x: { type: string; cpuMs?: number }): void => {
                if (x.type !== 'cpu') return;
                child.off('message', on);
                res(x.cpuMs ?? Number.NaN);
              };
              child.on('message', on);
              child.send('cpu');
            }),
          close: async () => {
            if (child.exitCode !== null) return;
            const exited = new Promise<void>((res) => child.once('exit', () => res()));
            child.send('close');
            const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
            await exited;
            clearTimeout(t);
          },
        });
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`simulator child exited with ${code} before it was ready`)));
  });
}

/** A subject's result and the simulator's CPU time over the same session (feed start -> subject done). */
type Run = IngestResult & { readonly simCpuMs: number };

async function runSubject(subject: 'ws' | 'record', frames: number, rate: number): Promise<Run> {
  const server = await startServer(frames, rate);
  const root = mkdtempSync(join(tmpdir(), 'poly-bench-ingest-'));
  try {
    const r = await new Promise<IngestResult>((resolve, reject) => {
      const u = server.urls;
      const child = fork(CHILD, [subject, u.marketWs, u.clob, u.gamma, String(frames), ASSETS.join(','), join(root, 'rec')], { execArgv, stdio: 'inherit' });
      let result: IngestResult | null = null;
      child.on('message', (m: { type: string; error?: string }) => {
        if (m.type === 'ready') {
          server.start();
          child.send('go');
        } else if (m.type === 'result') result = m as unknown as IngestResult;
        else if (m.type === 'error') reject(new Error(`${subject} subject failed: ${m.error ?? ''}`));
      });
      child.on('error', reject);
      child.on('exit', (code) => (result !== null ? resolve(result) : reject(new Error(`${subject} subject exited with ${code} without a result`))));
    });
    return { ...r, simCpuMs: await server.cpuMs() };
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

function measurement(label: string, r: IngestResult): Measurement {
  return { label, events: r.frames, iterations: 1, medianMs: r.ingestMs, minMs: r.ingestMs, evPerSec: (r.frames * 1000) / r.ingestMs, nsPerEvent: (r.ingestMs * 1e6) / r.frames, rssPeakBytes: r.maxRssBytes };
}

const usPer = (r: IngestResult): string => {
  const all = (r.cpuMs * 1e3) / r.frames;
  const main = (r.mainCpuMs * 1e3) / r.frames;
  return Number.isFinite(main) ? `${all.toFixed(1)} us (${main.toFixed(1)} main / ${(all - main).toFixed(1)} other)` : `${all.toFixed(1)} us`;
};

/** RSS of the sample nearest after `frames`. */
const rssAt = (samples: readonly Sample[], frames: number): number | null => samples.find((s) => s.frames >= frames)?.rssMb ?? null;

export async function run(): Promise<CaseResult> {
  const sizes = envList('POLY_BENCH_INGEST_FRAMES', [1_000_000, 4_000_000, 10_000_000]);
  const rate = Number(process.env['POLY_BENCH_INGEST_RATE'] ?? 0);
  const floor = await runSubject('ws', sizes[0] as number, rate);
  const runs: Run[] = [];
  for (const n of sizes) runs.push(await runSubject('record', n, rate));
  const longest = runs[runs.length - 1] as Run;
  // RSS over time: every million frames of the longest session (1M, 4M and 10M among them)
  const step = longest.frames >= 2_000_000 ? 1_000_000 : Math.max(1, Math.floor(longest.frames / 4));
  const marks = Array.from({ length: Math.floor(longest.frames / step) }, (_, i) => (i + 1) * step);
  const rss = marks.map((m) => `${fmtInt(m)}: ${rssAt(longest.samples, m)?.toFixed(0) ?? '-'} MB`).join(', ');
  const pq = runs[0] as Run;
  return {
    name,
    floorName: 'bare ws',
    floor: measurement(`bare ws client (count frames), ${fmtInt(floor.frames)}`, floor),
    subjects: runs.map((r) => measurement(`RecordSession ${fmtInt(r.frames)} frames`, r)),
    notes: [
      `firehose from the simulator in a child process (~${fmtInt(floor.bytes / floor.frames)} B/frame), ${rate > 0 ? `paced at ${fmtInt(rate)} frames/s` : 'as fast as the sockets drain'}; each subject in a fresh process, one run each`,
      `stop time (flush + converting what was not yet Parquet + manifest): ${runs.map((r) => `${fmtInt(r.frames)}: ${fmtInt(r.stopMs)} ms (${fmtInt(r.lagAtStop)} rec left)`).join(', ')}`,
      `RSS of the ${fmtInt(longest.frames)}-frame session at ${rss}; peak ${runs.map((r) => `${fmtInt(r.frames)}: ${fmtMb(r.maxRssBytes)}`).join(', ')}`,
      `at each session's RSS peak: ${runs.map((r) => { const pk = r.samples.reduce((a, b) => (b.rssMb > a.rssMb ? b : a), r.samples[0] as Sample); return pk === undefined ? '-' : `${fmtInt(r.frames)}: rss ${pk.rssMb.toFixed(0)} MB, V8 heap ${pk.heapMb.toFixed(0)} MB, external ${pk.externalMb.toFixed(0)} MB`; }).join('; ')} (floor: rss ${Math.max(0, ...floor.samples.map((s) => s.rssMb)).toFixed(0)} MB); RSS before the feed started: floor ${floor.baseRssMb.toFixed(0)} MB, ${runs.map((r) => `${fmtInt(r.frames)}: ${r.baseRssMb.toFixed(0)} MB`).join(', ')}`,
      `conversion lag, max over each session: ${runs.map((r) => `${fmtInt(r.frames)}: ${fmtInt(Math.max(0, ...r.samples.map((s) => s.lagRecords)))} rec / ${Math.max(0, ...r.samples.map((s) => s.lagSeconds)).toFixed(1)} s, queue <= ${Math.max(0, ...r.samples.map((s) => s.queue))}, paused in ${r.samples.filter((s) => s.paused).length}/${r.samples.length} samples`).join('; ')}`,
      `CPU per frame (all threads of the subject's process, feed start -> last frame; main thread / other threads = DuckDB conversion, fs I/O, GC helpers): floor ${usPer(floor)}; ${runs.map((r) => `${fmtInt(r.frames)}: ${usPer(r)}`).join(', ')}`,
      `simulator CPU per frame (its process, feed start -> end of the subject's run, incl. its stop): floor run ${((floor.simCpuMs * 1e3) / floor.frames).toFixed(1)} us; ${runs.map((r) => `${fmtInt(r.frames)}: ${((r.simCpuMs * 1e3) / r.frames).toFixed(1)} us`).join(', ')} — the floor is the simulator's speed: on 2 cores the simulator and the subject share them`,
      `Parquet ${fmtMb(pq.parquetBytes)} vs raw frames ${fmtMb(pq.bytes)} = ${((pq.parquetBytes / pq.bytes) * 100).toFixed(1)}% (${fmtInt(pq.rows)} rows in ${pq.parts} parts)`,
    ],
  };
}
