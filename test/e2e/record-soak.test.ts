/**
 * Soak: a long `poly record` session compressed in time (issue 14). The simulator's firehose (its own
 * process, as fast as the sockets drain) sends 2,000,000 frames; RecordSession records them with small
 * (16 MiB) segments so that conversion runs beside ingest dozens of times. Sampled every 200 ms:
 * conversion queue, unconverted spool, lag, RSS. Asserted, invariants only (speed and memory figures
 * are the bench's, `npm run bench -- recorder-ingest`):
 * - nothing lost, byte for byte: every frame the firehose generates is in the recording's Parquet
 *   parts, in seq order (read back part by part: the rows readRecording yields);
 * - lag bounded: never more than BACKPRESSURE_SEGMENTS + 1 sealed segments wait for conversion, and the
 *   unconverted spool never exceeds the queued segments plus the open one plus the unflushed limit;
 * - stop bounded: what is left to convert at stop is within the same bound, whatever the session
 *   length, and the stop finishes (a hang guard, not a speed check).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordSession } from '../../src/recorder/record-session.ts';
import { openDuck, sqlString } from '../../src/io/duckdb.ts';
import { BACKPRESSURE_PENDING, BACKPRESSURE_SEGMENTS } from '../../src/recorder/writer.ts';
import { FIREHOSE_EPOCH_MS, firehoseFrames } from '../../src/sim/firehose.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

const SERVER = fileURLToPath(new URL('../../src/sim/firehose-server.ts', import.meta.url));
const FRAMES = 2_000_000;
const ROTATE = 16 * 1024 * 1024;
const ASSETS = [1, 2, 3, 4].map((n) => (10n ** 76n + BigInt(n) * 104_729n).toString());
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await cleanupTempDirs();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('poly record soak', () => {
  it(`records ${FRAMES.toLocaleString('en')} firehose frames byte for byte with bounded conversion lag and a bounded stop`, async () => {
    const server = fork(SERVER, [String(FRAMES), ASSETS.join(',')], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(server);
    const urls = await new Promise<{ marketWs: string; clob: string; gamma: string }>((resolve, reject) => {
      server.on('message', (m: { type: string; urls?: { marketWs: string; clob: string; gamma: string } }) => m.type === 'ready' && m.urls !== undefined && resolve(m.urls));
      server.on('exit', (code) => reject(new Error(`firehose exited with ${code}`)));
    });
    const out = join(tempDir('poly-soak-'), 'rec');
    const session = await RecordSession.start({
      markets: [ASSETS[0] as string, ASSETS[2] as string],
      out,
      wsUrl: urls.marketWs,
      clobUrl: urls.clob,
      gammaUrl: urls.gamma,
      rotateBytes: ROTATE,
      snapshotIntervalMs: 0,
      pingIntervalMs: 3_600_000,
      staleAfterMs: 3_600_000,
      firstConnectFailures: 1,
    });
    while (!session.status().connections.some((c) => c.opens > 0)) await sleep(20);
    await sleep(200);
    server.send('start');
    const samples: { frames: number; queue: number; spool: number; lag: number; rssMb: number }[] = [];
    const unconvertedBound = (BACKPRESSURE_SEGMENTS + 2) * ROTATE + BACKPRESSURE_PENDING + 1024 * 1024;
    for (;;) {
      const st = session.status();
      samples.push({ frames: st.messages, queue: st.writer.convertQueue, spool: st.writer.spoolBytes, lag: st.writer.lagRecords, rssMb: process.memoryUsage.rss() / 1e6 });
      if (st.messages >= FRAMES) break;
      await sleep(200);
    }
    const atStop = session.status().writer;
    const t0 = Date.now();
    const summary = await session.stop();
    const stopMs = Date.now() - t0;
    server.send('close');

    const maxQueue = Math.max(...samples.map((s) => s.queue));
    const maxSpool = Math.max(...samples.map((s) => s.spool));
    console.log(
      `soak: ${samples.length} samples, max queue ${maxQueue}, max unconverted ${(maxSpool / 2 ** 20).toFixed(0)} MiB, max lag ${Math.max(...samples.map((s) => s.lag))} rec, ` +
        `RSS ${samples[Math.floor(samples.length / 4)]?.rssMb.toFixed(0)} -> ${samples.at(-1)?.rssMb.toFixed(0)} MB, stop ${stopMs} ms with ${atStop.lagRecords} rec left, ${summary.manifest.files.length} parts`,
    );
    expect(summary.manifest.files.length).toBeGreaterThan(40); // conversion ran beside ingest, again and again
    expect(maxQueue).toBeLessThanOrEqual(BACKPRESSURE_SEGMENTS + 1);
    expect(maxSpool).toBeLessThanOrEqual(unconvertedBound);
    expect(atStop.spoolBytes).toBeLessThanOrEqual(unconvertedBound);
    expect(stopMs).toBeLessThan(60_000);

    // byte for byte: the recording's market frames are exactly the firehose, in order
    const expected = firehoseFrames({ frames: FRAMES, assets: ASSETS, seed: 1 }, FIREHOSE_EPOCH_MS)[Symbol.iterator]();
    let n = 0;
    let mismatch: string | null = null;
    // only the payload column, part by part in seq order (the same rows readRecording yields, cheaper)
    const duck = await openDuck({ threads: 1 });
    try {
      let lastSeq = 0;
      for (const f of [...summary.manifest.files].sort((a, b) => a.firstSeq - b.firstSeq)) {
        const res = await duck.conn.stream(`SELECT seq, payload FROM read_parquet(${sqlString(join(out, f.path))}) WHERE source = 'market_ws' AND kind = 'frame'`);
        for (let chunk = await res.fetchChunk(); chunk !== null && chunk.rowCount > 0 && mismatch === null; chunk = await res.fetchChunk()) {
          const seqs = chunk.getColumnValues(0) as bigint[];
          const payloads = chunk.getColumnValues(1) as string[];
          for (let i = 0; i < chunk.rowCount; i++) {
            const e = expected.next();
            const seq = Number(seqs[i]);
            if (e.done === true || e.value.text !== payloads[i] || seq <= lastSeq) {
              mismatch = `frame ${n} (seq ${seq}) differs: ${String(payloads[i]).slice(0, 80)} vs ${e.done === true ? '(end)' : e.value.text.slice(0, 80)}`;
              break;
            }
            lastSeq = seq;
            n++;
          }
        }
        if (mismatch !== null) break;
      }
    } finally {
      duck.close();
    }
    expect(mismatch).toBeNull();
    expect(n).toBe(FRAMES);
    expect(expected.next().done).toBe(true);
  }, 300_000);
});
