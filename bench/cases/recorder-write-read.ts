/**
 * Bench case `recorder`: the storage path of `poly record` and of replay (src/recorder/).
 *
 * Workload: 200,000 raw records shaped like market_ws frames (~250-byte last_trade_price / price_change
 * JSON, varying ids and numbers), built before timing; each run writes into a fresh temp directory.
 * FLOOR: JSON lines of the same records (bigint as string) written to one file with a single
 * writeFile, no fsync: the cheapest way to put the bytes on disk.
 * Subjects:
 *   - spool line encode: what RecordingWriter.append does per record (JSON text + CRC32 + byte length), no I/O;
 *   - write + close: open, append all, close (spool flush + fdatasync, Parquet via DuckDB, verify,
 *     sha256, manifest) — the full durable path;
 *   - readRecording: stream the recording back in seq order (Parquet -> RawRecord), batchRows 8192.
 * RSS of the read subject shows the reader does not hold the recording in memory. Two timed runs each,
 * no warmup run (the write subjects are disk-bound; the JIT warms up within the first of 200,000 records).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { readRecording } from '../../src/recorder/read.ts';
import { spoolLineText } from '../../src/recorder/spool.ts';
import { RecordingWriter } from '../../src/recorder/writer.ts';
import { measure, type CaseResult } from '../lib.ts';

export const name = 'recorder';

const N = 200_000;
const BASE_NS = 1_765_450_800_000_000_000n;
const ASSET = '71321045679252212594626385532706912750332728571942532289631379312455583992563';
const MARKET = '0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917';

function makeRecords(): RawRecord[] {
  const out: RawRecord[] = new Array<RawRecord>(N);
  for (let i = 0; i < N; i++) {
    const px = `0.${String(10 + (i % 89)).padStart(2, '0')}`;
    const payload =
      i % 3 === 0
        ? `{"event_type":"last_trade_price","market":"${MARKET}","asset_id":"${ASSET}","fee_rate_bps":"0","price":"${px}","side":"BUY","size":"${(i % 500) + 1}.5","timestamp":"${1765450800000 + i}"}`
        : `{"event_type":"price_change","market":"${MARKET}","price_changes":[{"asset_id":"${ASSET}","price":"${px}","side":"SELL","size":"${i % 1000}","hash":"${i.toString(16).padStart(40, '0')}","best_bid":"0.49","best_ask":"0.51"}],"timestamp":"${1765450800000 + i}"}`;
    out[i] = { v: 1, seq: i + 1, recvNs: BASE_NS + BigInt(i) * 50_000n, source: 'market_ws', conn: 'c1', kind: 'frame', meta: {}, payload };
  }
  return out;
}

export async function run(): Promise<CaseResult> {
  const records = makeRecords();
  const root = mkdtempSync(join(tmpdir(), 'poly-bench-rec-'));
  let k = 0;
  const fresh = (): string => join(root, `r${k++}`);
  try {
    const floor = await measure('JSON lines, one writeFile', () => {
      const lines = new Array<string>(N);
      for (let i = 0; i < N; i++) {
        const r = records[i] as RawRecord;
        lines[i] = JSON.stringify({ ...r, recvNs: r.recvNs.toString() });
      }
      const p = fresh();
      writeFileSync(p, lines.join('\n') + '\n');
      rmSync(p);
      return N;
    }, { warmup: 0, iterations: 2 });

    const appendOnly = await measure('spool line encode (the work of append)', () => {
      let bytes = 0;
      for (const r of records) bytes += Buffer.byteLength(spoolLineText(r), 'utf8');
      return bytes > 0 ? N : 0;
    }, { warmup: 0, iterations: 2 });

    let kept = '';
    const writeClose = await measure('open + append + close (durable)', async () => {
      if (kept !== '') rmSync(kept, { recursive: true, force: true });
      const dir = fresh();
      const w = await RecordingWriter.open({ dir });
      for (const r of records) w.append(r);
      const m = await w.close();
      kept = dir;
      return m.rows;
    }, { warmup: 0, iterations: 2 });

    const read = await measure('readRecording (stream back)', async () => {
      let n = 0;
      for await (const _r of readRecording(kept, { batchRows: 8192 })) n++;
      return n;
    }, { warmup: 0, iterations: 2 });

    return {
      name,
      floorName: 'JSON-lines writeFile',
      floor,
      subjects: [appendOnly, writeClose, read],
      notes: [
        `${N} market_ws-like records (~250 B payloads); each write run uses a fresh directory under ${tmpdir()}`,
      ],
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
