/**
 * Bench case `import`: `poly import pmxt` on a generated PMXT v2 hour of >= 5,000,000 rows over 2000 markets
 * (bench/gen-pmxt.ts; generated once into bench/out/ and reused), filtered to one market and for every
 * market, against a DuckDB scan of the same file measured in the same run.
 *
 * FLOOR: DuckDB (2 threads, 256MB) reading every column of every row (count, string lengths, sums): the
 * unavoidable decode of the archive file. Subjects: importPmxt with --market <one> (row-group pruning: the
 * other markets' row groups are never read) and with every market (all rows -> frames -> RecordingWriter
 * spool -> Parquet parts); plus the every-market read path without the writer (frames-only), which splits the
 * all-markets time between reading the archive and writing the recording. events = rows of the file for all three ("cover this hour"), so the ratio says how
 * much slower than just reading the hour an import is.
 * Every subject runs ONCE in a fresh child process (bench/import-child.ts): its "rss peak" is that process's
 * maxRSS, the bounded-memory claim (DuckDB memory_limit 256MB + the writer) is checked there.
 * Limits: one run per subject (the all-markets import takes a while on 2 cores); no median.
 */
import { fileURLToPath } from 'node:url';
import { ensureBenchHour } from '../gen-pmxt.ts';
import { childMeasurement, fmtInt, fmtMb, runChildSubject, type CaseResult, type Measurement } from '../lib.ts';

export const name = 'import';

const CHILD = fileURLToPath(new URL('../import-child.ts', import.meta.url));

export async function run(): Promise<CaseResult> {
  const t0 = performance.now();
  const h = await ensureBenchHour((s) => console.error(`  import: ${s}`));
  const subjects: [string, string][] = [
    ['duckdb-scan', 'DuckDB scan of every column'],
    ['import-one', 'poly import pmxt --market <one of 2000>'],
    ['frames-only', 'read + sort + frames, every market (no writer)'],
    ['import-all', 'poly import pmxt (every market)'],
  ];
  const results: { key: string; m: Measurement; detail: string }[] = [];
  for (const [key, label] of subjects) {
    const r = await runChildSubject(CHILD, [key, h.dir, h.file, h.meta, String(h.rows)]);
    results.push({ key, m: childMeasurement(label, r), detail: r.detail });
  }
  const [floor, ...rest] = results as [(typeof results)[0], ...typeof results];
  const totalS = (performance.now() - t0) / 1000;
  return {
    name,
    floorName: 'DuckDB scan',
    floor: floor.m,
    subjects: rest.map((r) => r.m),
    notes: [
      `${fmtInt(h.rows)}-row PMXT hour over ${h.markets} markets, ${h.file} (${h.generatedMs === null ? 'cached' : `generated in ${fmtInt(h.generatedMs)} ms`})`,
      'each subject ran once in a fresh child process; "rss peak" = that process\'s maxRSS; ev/s = rows of the hour covered per second',
      ...results.map((r) => `${r.key}: ${r.detail}; max RSS ${fmtMb(r.m.rssPeakBytes)}`),
      `case total ${totalS.toFixed(0)} s`,
    ],
  };
}
