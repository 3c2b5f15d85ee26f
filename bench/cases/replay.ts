/**
 * Bench case `replay`: `poly replay --speed max` throughput on a >= 10,000,000-message recording
 * (raw records/s through readRecording -> normalizer -> books -> strategy -> risk -> paper fill engine).
 *
 * Workload: bench/gen-recording.ts builds (once, cached under os.tmpdir()/poly-bench-10m/) a synthetic
 * market_ws recording of POLY_BENCH_REPLAY_ROWS rows (default 10,000,000): two-leg price_change frames,
 * a book snapshot pair every 1000 rows, last_trade_price prints, one binary market.
 * FLOOR: readRecording + JSON.parse of every payload (the unavoidable decode of each message).
 * A second floor, a DuckDB scan of the payload column (sum(length(payload))), is reported as a subject.
 * Subjects: the tape build (records/s), then runBacktest with strategies/noop.ts and
 * strategies/market-maker.ts (default params and engine settings, speed 'max') from the tape and with
 * --raw. Rates are raw records (msgs)/s; each replay's note also gives events/s.
 * Every subject runs ONCE in its own fresh child process (bench/replay-child.ts), so each row's "rss
 * peak" is that process's maxRSS: the requirement is < 1 GiB for a 10M-message replay.
 * Limits: one run per subject (a 10M replay takes tens of seconds on 2 cores); no median.
 */
import { fileURLToPath } from 'node:url';
import { ensureBenchRecording, benchRows } from '../gen-recording.ts';
import { childMeasurement, fmtInt, fmtMb, runChildSubject, type CaseResult, type Measurement } from '../lib.ts';

export const name = 'replay';

const CHILD = fileURLToPath(new URL('../replay-child.ts', import.meta.url));
const GIB = 1024 ** 3;

export async function run(): Promise<CaseResult> {
  const rows = benchRows();
  const t0 = performance.now();
  const { dir, generatedMs } = await ensureBenchRecording(rows, (s) => console.error(`  replay: ${s}`));
  const subjects: [string, string][] = [
    ['json-parse', 'readRecording + JSON.parse (payloads)'],
    ['duckdb-scan', 'DuckDB scan sum(length(payload))'],
    ['tape-build', 'tape build (ensureTape --force)'],
    ['noop', 'runBacktest noop from the tape'],
    ['market-maker', 'runBacktest market-maker from the tape'],
    ['noop-raw', 'runBacktest noop --raw'],
    ['market-maker-raw', 'runBacktest market-maker --raw'],
  ];
  const results: { key: string; m: Measurement; detail: string }[] = [];
  for (const [key, label] of subjects) {
    const r = await runChildSubject(CHILD, [key, dir]);
    results.push({ key, m: childMeasurement(label, r), detail: r.detail });
  }
  const [floor, ...rest] = results as [(typeof results)[0], ...typeof results];
  const totalS = (performance.now() - t0) / 1000;
  const over = results.filter((r) => r.m.rssPeakBytes >= GIB).map((r) => r.key);
  return {
    name,
    floorName: 'JSON.parse',
    floor: floor.m,
    subjects: rest.map((r) => r.m),
    notes: [
      `${fmtInt(rows)}-row recording ${dir} (${generatedMs === null ? 'cached' : `generated in ${fmtInt(generatedMs)} ms`})${rows < 10_000_000 ? ' [POLY_BENCH_REPLAY_ROWS below 10M]' : ''}`,
      'each subject ran once in a fresh child process; "rss peak" = that process\'s maxRSS',
      ...results.map((r) => `${r.key}: ${r.detail}; max RSS ${fmtMb(r.m.rssPeakBytes)}`),
      ...ratio(results, 'noop', 'noop-raw'),
      over.length === 0 ? `every subject stayed under 1 GiB RSS` : `OVER 1 GiB RSS: ${over.join(', ')}`,
      `case total ${totalS.toFixed(0)} s${totalS > 300 ? ' (over the ~5 min budget on this machine)' : ''}`,
    ],
  };
}

function ratio(results: readonly { key: string; m: Measurement }[], a: string, b: string): string[] {
  const x = results.find((r) => r.key === a)?.m;
  const y = results.find((r) => r.key === b)?.m;
  if (x === undefined || y === undefined) return [];
  return [`${a} from the tape is ${(x.evPerSec / y.evPerSec).toFixed(2)}x ${b} (target >= 5x)`];
}
