/**
 * Child process of the `recorder-ingest` bench: ONE subject against a running firehose simulator
 * (src/sim/firehose-server.ts, started by the parent), in a fresh process so its RSS is its own.
 *
 * argv = [subject, marketWsUrl, clobUrl, gammaUrl, frames, assetsCsv, outDir?]
 * - 'ws': FLOOR, a bare `ws` client subscribed to the firehose that only counts frames.
 * - 'record': RecordSession (market WS -> stamp -> spool -> Parquet beside ingest) into outDir.
 * Protocol: the child sends { type: 'ready' } once subscribed (recorder: connected); the parent then
 * starts the feed and sends 'go' right after; the child reports { type: 'result', ... } when `frames`
 * frames have arrived (recorder: and it has stopped). RSS and the writer's conversion lag are sampled
 * every 250 ms with the frame count at that moment.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { RecordSession } from '../src/recorder/record-session.ts';

export interface Sample { readonly frames: number; readonly rssMb: number; readonly heapMb: number; readonly externalMb: number; readonly lagRecords: number; readonly lagSeconds: number; readonly queue: number; readonly paused: boolean }
export interface IngestResult {
  readonly type: 'result';
  readonly frames: number;
  readonly ingestMs: number;
  readonly stopMs: number;
  readonly maxRssBytes: number;
  readonly samples: readonly Sample[];
  readonly bytes: number;
  readonly rows: number;
  readonly parts: number;
  readonly parquetBytes: number;
  /** Records not yet in Parquet when stop was requested (what the stop had to convert). */
  readonly lagAtStop: number;
  /** CPU time (user + system, all threads) from feed start to the last frame, ms. */
  readonly cpuMs: number;
  /** CPU time of the main thread alone over the same period, ms (NaN off Linux). */
  readonly mainCpuMs: number;
  /** RSS when subscribed, before the feed starts (MB). */
  readonly baseRssMb: number;
}

const [subject, wsUrl, clobUrl, gammaUrl, framesText, assetsCsv, outDir] = process.argv.slice(2);
const frames = Number(framesText);
const assets = (assetsCsv ?? '').split(',');
const send = (m: unknown): void => void process.send?.(m);
const go = new Promise<void>((res) => process.once('message', () => res()));
const MiB = 1024 * 1024;
/** CPU ms of the main (JavaScript) thread so far, from /proc (Linux); NaN elsewhere. */
function mainThreadCpuMs(): number {
  try {
    const st = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks of 10 ms (USER_HZ = 100)
  } catch {
    return Number.NaN;
  }
}
/** RSS, V8 heap (used) and external (ArrayBuffer + native-reported) memory, MiB (what the bench prints as MB). */
function mem(): { rssMb: number; heapMb: number; externalMb: number } {
  const m = process.memoryUsage();
  return { rssMb: m.rss / MiB, heapMb: m.heapUsed / MiB, externalMb: m.external / MiB };
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function floor(): Promise<void> {
  const ws = new WebSocket(wsUrl as string, { perMessageDeflate: false });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  let n = 0;
  let bytes = 0;
  let tLast = 0;
  ws.on('message', (data: Buffer) => {
    n++;
    bytes += data.length;
    if (n === frames) tLast = performance.now();
  });
  ws.send(JSON.stringify({ assets_ids: assets, type: 'market' }));
  await sleep(200);
  const samples: Sample[] = [];
  const baseRssMb = process.memoryUsage.rss() / MiB;
  send({ type: 'ready' });
  await go;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const m0 = mainThreadCpuMs();
  while (n < frames) {
    await sleep(250);
    samples.push({ frames: n, ...mem(), lagRecords: 0, lagSeconds: 0, queue: 0, paused: false });
  }
  const cu = process.cpuUsage(c0);
  const mainCpuMs = mainThreadCpuMs() - m0;
  ws.close();
  send({ type: 'result', baseRssMb, mainCpuMs, cpuMs: (cu.user + cu.system) / 1000, frames: n, ingestMs: tLast - t0, stopMs: 0, maxRssBytes: process.resourceUsage().maxRSS * 1024, samples, bytes, rows: 0, parts: 0, parquetBytes: 0, lagAtStop: 0 } satisfies IngestResult);
}

async function record(): Promise<void> {
  const session = await RecordSession.start({
    markets: assets.filter((_, i) => i % 2 === 0),
    out: outDir as string,
    wsUrl: wsUrl as string,
    clobUrl: clobUrl as string,
    gammaUrl: gammaUrl as string,
    snapshotIntervalMs: 0,
    pingIntervalMs: 3_600_000,
    staleAfterMs: 3_600_000,
    firstConnectFailures: 1,
  });
  while (!session.status().connections.some((c) => c.opens > 0)) await sleep(20);
  await sleep(200); // subscribed; the REST /books after connect is part of the recording
  const before = session.status().messages;
  const samples: Sample[] = [];
  const baseRssMb = process.memoryUsage.rss() / MiB;
  send({ type: 'ready' });
  await go;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const m0 = mainThreadCpuMs();
  let nextSample = t0 + 250;
  for (;;) {
    const st = session.status();
    const got = st.messages - before;
    if (performance.now() >= nextSample) {
      nextSample += 250;
      samples.push({ frames: got, ...mem(), lagRecords: st.writer.lagRecords, lagSeconds: st.writer.lagSeconds, queue: st.writer.convertQueue, paused: st.paused });
    }
    if (got >= frames) {
      samples.push({ frames: got, ...mem(), lagRecords: st.writer.lagRecords, lagSeconds: st.writer.lagSeconds, queue: st.writer.convertQueue, paused: st.paused });
      break;
    }
    await sleep(5);
  }
  const ingestMs = performance.now() - t0;
  const cu = process.cpuUsage(c0);
  const mainCpuMs = mainThreadCpuMs() - m0;
  const st = session.status();
  if (st.messages - before !== frames) throw new Error(`recorder counted ${st.messages - before} frames, expected ${frames}`);
  const lagAtStop = st.writer.lagRecords;
  const t1 = performance.now();
  const summary = await session.stop();
  const stopMs = performance.now() - t1;
  const m = summary.manifest;
  if (m.rows < frames) throw new Error(`recording holds ${m.rows} rows, expected >= ${frames}`);
  send({
    type: 'result',
    baseRssMb,
    mainCpuMs,
    cpuMs: (cu.user + cu.system) / 1000,
    frames,
    ingestMs,
    stopMs,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    samples,
    bytes: st.wsBytes,
    rows: m.rows,
    parts: m.files.length,
    parquetBytes: m.files.reduce((a, f) => a + f.bytes, 0),
    lagAtStop,
  } satisfies IngestResult);
}

(subject === 'ws' ? floor() : record()).then(
  () => process.disconnect?.(),
  (err: unknown) => {
    send({ type: 'error', error: err instanceof Error ? err.stack ?? err.message : String(err) });
    process.exitCode = 1;
    process.disconnect?.();
  },
);
