/**
 * Bench case `recorder-ingest`: sustained ingest rate of `poly record` (RecordSession: market WS client
 * -> receive stamping -> crash-safe spool -> rotating zstd Parquet) fed by the exchange simulator's
 * firehose at speed 'max'.
 *
 * Workload: POLY_BENCH_INGEST_FRAMES (default 2,000,000) deterministic firehose frames (4 books, then
 * two-leg price_change frames) over 2 binary markets (4 tokens), served by the simulator in a CHILD
 * process (bench/firehose-server.ts) so the recorder has this process's event loop to itself and the
 * reported peak RSS is the recorder's. Each measured run uses a fresh simulator and temp directory.
 * FLOOR: a bare `ws` client subscribed to the same firehose that only counts frames (no stamping, no
 * spool, no Parquet): the cost of getting the frames off the socket.
 * Subject: RecordSession.start -> ex.start() -> until status().messages reaches the frame count.
 * messages/s is over that ingest period (start of feed -> last frame counted); the stop (spool flush,
 * Parquet conversion, manifest) is timed separately and printed in a note with Parquet vs raw bytes.
 * Limits: one run each (2M frames is ~10 s of work on 2 cores); the simulator shares the machine's cores.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { RecordSession } from '../../src/recorder/record-session.ts';
import { fmtInt, fmtMb, type CaseResult, type Measurement } from '../lib.ts';

export const name = 'recorder-ingest';

const SERVER = fileURLToPath(new URL('../firehose-server.ts', import.meta.url));
/** Four 77-digit token ids: two binary markets. */
const ASSETS = [1, 2, 3, 4].map((n) => (10n ** 76n + BigInt(n) * 104_729n).toString());

interface Urls { clob: string; gamma: string; marketWs: string }
interface Server { child: ChildProcess; urls: Urls; done: Promise<{ framesSent: number; bytesSent: number }> }

function framesWanted(): number {
  const env = process.env['POLY_BENCH_INGEST_FRAMES'];
  const n = env === undefined ? 2_000_000 : Number(env);
  if (!Number.isSafeInteger(n) || n < 10) throw new Error(`POLY_BENCH_INGEST_FRAMES='${env}' must be an integer >= 10`);
  return n;
}

/** Starts the firehose simulator in a child process and waits for its URLs. */
function startServer(frames: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = fork(SERVER, [String(frames), ASSETS.join(',')], { execArgv: process.execArgv.filter((a) => a !== '--expose-gc'), stdio: 'inherit' });
    let resolveDone!: (s: { framesSent: number; bytesSent: number }) => void;
    let rejectDone!: (e: Error) => void;
    const done = new Promise<{ framesSent: number; bytesSent: number }>((res, rej) => {
      resolveDone = res;
      rejectDone = rej;
    });
    done.catch(() => undefined);
    child.on('message', (m: { type: string; urls?: Urls; stats?: { framesSent: number; bytesSent: number }; error?: string }) => {
      if (m.type === 'ready' && m.urls !== undefined) resolve({ child, urls: m.urls, done });
      else if (m.type === 'done' && m.stats !== undefined) resolveDone(m.stats);
      else if (m.type === 'error') rejectDone(new Error(`simulator feed failed: ${m.error ?? ''}`));
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      reject(new Error(`simulator child exited with ${code} before it was ready`));
      rejectDone(new Error(`simulator child exited with ${code}`));
    });
  });
}

async function stopServer(s: Server): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise<void>((res) => s.child.once('exit', () => res()));
  s.child.send('close');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

const sleep = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

async function waitUntil(cond: () => boolean, what: string, timeoutMs: number, pollMs = 20): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

function measurement(label: string, events: number, ms: number, rss: number): Measurement {
  return { label, events, iterations: 1, medianMs: ms, minMs: ms, evPerSec: (events * 1000) / ms, nsPerEvent: (ms * 1e6) / events, rssPeakBytes: rss };
}

/** FLOOR: a bare ws client counting frames. */
async function floorRun(frames: number): Promise<{ m: Measurement; bytes: number }> {
  const s = await startServer(frames);
  try {
    const ws = new WebSocket(s.urls.marketWs, { perMessageDeflate: false });
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    let n = 0;
    let bytes = 0;
    let tLast = 0;
    let rss = process.memoryUsage.rss();
    ws.on('message', (data: Buffer) => {
      n++;
      bytes += data.length;
      if (n === frames) tLast = performance.now();
    });
    ws.send(JSON.stringify({ assets_ids: ASSETS, type: 'market' }));
    await sleep(100); // the subscribe is read before the feed starts
    const t0 = performance.now();
    s.child.send('start');
    await waitUntil(() => {
      rss = Math.max(rss, process.memoryUsage.rss());
      return n >= frames;
    }, `the floor client to receive ${frames} frames (got ${n})`, 600_000);
    ws.close();
    if (n !== frames) throw new Error(`floor received ${n} frames, expected ${frames}`);
    return { m: measurement('bare ws client (count frames)', frames, tLast - t0, rss), bytes };
  } finally {
    await stopServer(s);
  }
}

interface SubjectRun { m: Measurement; stopMs: number; parquetBytes: number; wsBytes: number; rows: number; parts: number }

async function recorderRun(frames: number): Promise<SubjectRun> {
  const s = await startServer(frames);
  const root = mkdtempSync(join(tmpdir(), 'poly-bench-ingest-'));
  try {
    const session = await RecordSession.start({
      markets: ASSETS.filter((_, i) => i % 2 === 0),
      out: join(root, 'rec'),
      wsUrl: s.urls.marketWs,
      clobUrl: s.urls.clob,
      gammaUrl: s.urls.gamma,
      snapshotIntervalMs: 0,
      pingIntervalMs: 3_600_000,
      staleAfterMs: 3_600_000,
      firstConnectFailures: 1,
    });
    try {
      // connected and subscribed (the REST /books reconciliation after connect is part of the recording)
      await waitUntil(() => session.status().connections.some((c) => c.opens > 0), 'the recorder to connect', 10_000);
      await sleep(200);
      const before = session.status().messages;
      let rss = process.memoryUsage.rss();
      const t0 = performance.now();
      s.child.send('start');
      await waitUntil(() => {
        rss = Math.max(rss, process.memoryUsage.rss());
        return session.status().messages - before >= frames;
      }, `the recorder to receive ${frames} frames`, 900_000, 5);
      const ingestMs = performance.now() - t0;
      const st = session.status();
      if (st.messages - before !== frames) throw new Error(`recorder counted ${st.messages - before} frames, expected ${frames}`);
      const t1 = performance.now();
      const summary = await session.stop();
      const stopMs = performance.now() - t1;
      rss = Math.max(rss, process.memoryUsage.rss());
      const m = summary.manifest;
      if (m.rows < frames) throw new Error(`recording holds ${m.rows} rows, expected >= ${frames}`);
      const parquetBytes = m.files.reduce((a, f) => a + f.bytes, 0);
      return { m: measurement('RecordSession (ws -> stamp -> spool -> Parquet)', frames, ingestMs, rss), stopMs, parquetBytes, wsBytes: st.wsBytes, rows: m.rows, parts: m.files.length };
    } finally {
      await session.stop().catch(() => undefined);
    }
  } finally {
    await stopServer(s);
    rmSync(root, { recursive: true, force: true });
  }
}

export async function run(): Promise<CaseResult> {
  const frames = framesWanted();
  const floor = await floorRun(frames);
  const subj = await recorderRun(frames);
  const ratioPq = subj.parquetBytes / subj.wsBytes;
  return {
    name,
    floorName: 'bare ws',
    floor: floor.m,
    subjects: [subj.m],
    notes: [
      `${fmtInt(frames)} firehose frames (4 books + two-leg price_change, ${fmtInt(floor.bytes / frames)} B avg) from the simulator in a child process, speed max; one run each`,
      `recorder stop (spool flush + Parquet conversion + manifest) took ${fmtInt(subj.stopMs)} ms after the last frame; ${fmtInt(subj.rows)} rows in ${subj.parts} part(s)`,
      `Parquet ${fmtMb(subj.parquetBytes)} vs raw frames ${fmtMb(subj.wsBytes)} = ${(ratioPq * 100).toFixed(1)}% (${(1 / ratioPq).toFixed(1)}x smaller)`,
      `process max RSS includes the floor run and the recorder (the simulator runs in its own process)`,
    ],
  };
}
