/**
 * Child process of the `import` bench: runs ONE subject over the generated PMXT hour and reports
 * { events, ms, maxRssBytes, detail } over IPC, so each subject's peak RSS is its own process's.
 * Subjects: duckdb-scan (the floor: DuckDB reads every column of every row of the file: count, sum of string
 * lengths and numbers), import-one (poly import pmxt filtered to one market), frames-only (the import's read
 * path for every market without the writer: sorted rows -> frame text), import-all (every market, written).
 * events = rows of the file in every subject (the work is "cover this hour"); each throws when the work was
 * not done (counts checked).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pmxtFrames, probePmxtFile } from '../src/import/pmxt-file.ts';
import { importPmxt } from '../src/import/pmxt.ts';
import { openDuck, sqlString } from '../src/io/duckdb.ts';
import { slugOf } from './gen-pmxt.ts';

import type { ChildResult } from './lib.ts';

export type { ChildResult };

const [subject = "", dir = "", file = "", meta = "", rowsText = ""] = process.argv.slice(2);
if (subject === "" || dir === "" || file === "" || meta === "" || rowsText === "") throw new Error('usage: import-child.ts <subject> <dir> <file> <meta> <rows>');
const rows = Number(rowsText);

async function run(): Promise<string> {
  if (subject === 'duckdb-scan') {
    const duck = await openDuck({ threads: 2, memoryLimit: '256MB' });
    try {
      const r = (await duck.conn.runAndReadAll(
        `SELECT count(*)::BIGINT, sum(length(decode(market)) + length(event_type) + length(asset_id) + coalesce(length(bids), 0) + coalesce(length(asks), 0) + coalesce(length(side), 0) + coalesce(length(transaction_hash), 0))::BIGINT,
                sum(epoch_ms(timestamp_received) % 1000 + epoch_ms("timestamp") % 1000)::BIGINT, sum(coalesce(price, 0) + coalesce(best_bid, 0) + coalesce(best_ask, 0) + coalesce(size, 0))::VARCHAR, sum(coalesce(fee_rate_bps, 0))::BIGINT
         FROM read_parquet(${sqlString(file)})`,
      )).getRows()[0] as [bigint, bigint, bigint, string, bigint];
      if (Number(r[0]) !== rows) throw new Error(`scan counted ${String(r[0])} rows, expected ${rows}`);
      return `${String(r[1])} string chars, every column read`;
    } finally {
      duck.close();
    }
  }
  if (subject === 'frames-only') {
    // the import's read path without the writer: DuckDB sort + frame text for every market
    const duck = await openDuck({ threads: 2, memoryLimit: '256MB', tempDirectory: join(dir, '.spill-frames') });
    try {
      const p = await probePmxtFile(duck, file, 'bench');
      let frames = 0;
      let chars = 0;
      for await (const batch of pmxtFrames(duck, p, { markets: null, fromMs: null, toMs: null }, 'bench')) for (const f of batch) {
        frames += 1;
        chars += f.text.length;
      }
      if (frames < rows / 2) throw new Error(`frames-only built ${frames} frames from ${rows} rows`);
      return `${frames.toLocaleString('en-US')} frames, ${(chars / 1024 / 1024).toFixed(0)} MiB of frame text, no writer`;
    } finally {
      duck.close();
      rmSync(join(dir, '.spill-frames'), { recursive: true, force: true });
    }
  }
  const out = join(dir, `out-${subject}`);
  rmSync(out, { recursive: true, force: true });
  const s = await importPmxt({
    inputs: [file], out, markets: subject === 'import-one' ? [slugOf(7)] : [], series: [], fromMs: null, toMs: null, metaFile: meta,
    cacheDir: join(dir, 'cache'), baseUrl: 'http://127.0.0.1:9', gammaUrl: 'http://127.0.0.1:9', clobUrl: 'http://127.0.0.1:9',
  });
  if (s.state !== 'written' || s.frames === 0) throw new Error(`${subject}: nothing imported`);
  if (subject === 'import-all' && s.rows !== rows) throw new Error(`import-all imported ${s.rows} of ${rows} rows`);
  const bytes = s.manifest.files.reduce((a, f) => a + f.bytes, 0);
  rmSync(out, { recursive: true, force: true });
  return `${s.rows.toLocaleString('en-US')} rows -> ${s.frames.toLocaleString('en-US')} frames, ${s.records.toLocaleString('en-US')} records, ${(bytes / 1024 / 1024).toFixed(1)} MiB of Parquet`;
}

const t0 = performance.now();
run().then(
  (detail) => {
    const ms = performance.now() - t0;
    const result: ChildResult = { events: rows, ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, detail };
    process.send?.({ ok: true, result });
    process.disconnect?.();
  },
  (err: unknown) => {
    process.send?.({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    process.exitCode = 1;
    process.disconnect?.();
  },
);
