/**
 * Bench case `replay`: `poly replay --speed max` throughput on a >= 10,000,000-message recording
 * (raw records/s through readRecording -> normalizer -> books -> strategy -> risk -> paper fill engine),
 * and the tape (src/tape/) that replay reads by default.
 *
 * Workload: bench/gen-recording.ts builds (once, cached under os.tmpdir()/poly-bench-10m/) a synthetic
 * market_ws recording of POLY_BENCH_REPLAY_ROWS rows (default 10,000,000): two-leg price_change frames,
 * a book snapshot pair every 1000 rows, last_trade_price prints, one binary market.
 * FLOOR: readRecording + JSON.parse of every payload (the unavoidable decode of each message).
 * A second floor, a DuckDB scan of the payload column (sum(length(payload))), is reported as a subject.
 * Subjects: the tape build with one thread and with the default worker threads (records/s), the tape read
 * alone (records and events decoded, no kernel), then runBacktest with strategies/noop.ts and
 * strategies/market-maker.ts (default params and engine settings, speed 'max') from the tape and with
 * --raw. Rates are raw records (msgs)/s (one event per record in this recording); replay and read rates
 * time the replay / read loop only (not the strategy's compile); each note also gives events/s.
 * Flatness: the tape build and the no-op replay from the tape also run on a shorter recording (1M rows, or
 * half of POLY_BENCH_REPLAY_ROWS when that is under 2M); a note puts the two peak RSS side by side.
 * Every subject runs ONCE in its own fresh child process (bench/replay-child.ts), so each row's "rss
 * peak" is that process's maxRSS (worker threads included): the requirement is < 1 GiB at 10M messages.
 * Limits: one run per subject (a 10M replay takes tens of seconds on 2 cores); no median.
 */
import { fileURLToPath } from 'node:url';
import { ensureBenchRecording, benchRows } from '../gen-recording.ts';
import { childMeasurement, fmtInt, fmtMb, runChildSubject, type CaseResult, type Measurement } from '../lib.ts';

export const name = 'replay';

const CHILD = fileURLToPath(new URL('../replay-child.ts', import.meta.url));
const GIB = 1024 ** 3;

interface Row {
  readonly key: string;
  readonly m: Measurement;
  readonly detail: string;
}

export async function run(): Promise<CaseResult> {
  const rows = benchRows();
  const small = rows >= 2_000_000 ? 1_000_000 : Math.max(1000, Math.floor(rows / 2));
  const t0 = performance.now();
  const log = (s: string): void => console.error(`  replay: ${s}`);
  const { dir, generatedMs } = await ensureBenchRecording(rows, log);
  const { dir: smallDir } = await ensureBenchRecording(small, log);
  const subjects: [string, string, string][] = [
    ['json-parse', 'readRecording + JSON.parse (payloads)', dir],
    ['duckdb-scan', 'DuckDB scan sum(length(payload))', dir],
    ['tape-build-serial', 'tape build, 1 thread', dir],
    ['tape-build', 'tape build, worker threads (>= 2)', dir],
    ['tape-read', 'tape read (decode only, no kernel)', dir],
    ['noop', 'runBacktest noop from the tape', dir],
    ['market-maker', 'runBacktest market-maker from the tape', dir],
    ['noop-raw', 'runBacktest noop --raw', dir],
    ['market-maker-raw', 'runBacktest market-maker --raw', dir],
    ['tape-build', `tape build, worker threads, ${fmtInt(small)} rows`, smallDir],
    ['noop', `runBacktest noop from the tape, ${fmtInt(small)} rows`, smallDir],
  ];
  const results: Row[] = [];
  for (const [subject, label, d] of subjects) {
    const r = await runChildSubject(CHILD, [subject, d]);
    results.push({ key: d === dir ? subject : `${subject}@${small}`, m: childMeasurement(label, r), detail: r.detail });
  }
  const [floor, ...rest] = results as [Row, ...Row[]];
  const totalS = (performance.now() - t0) / 1000;
  const over = results.filter((r) => r.m.rssPeakBytes >= GIB).map((r) => r.key);
  const get = (k: string): Measurement | undefined => results.find((r) => r.key === k)?.m;
  return {
    name,
    floorName: 'JSON.parse',
    floor: floor.m,
    subjects: rest.map((r) => r.m),
    notes: [
      `${fmtInt(rows)}-row recording ${dir} (${generatedMs === null ? 'cached' : `generated in ${fmtInt(generatedMs)} ms`})${rows < 10_000_000 ? ' [POLY_BENCH_REPLAY_ROWS below 10M]' : ''}`,
      'each subject ran once in a fresh child process; "rss peak" = that process\'s maxRSS (its worker threads included)',
      ...results.map((r) => `${r.key}: ${r.detail}; max RSS ${fmtMb(r.m.rssPeakBytes)}`),
      ...ratio(get('noop'), get('noop-raw'), 'noop from the tape', 'noop --raw', '>= 5x'),
      ...ratio(get('market-maker'), get('market-maker-raw'), 'market-maker from the tape', 'market-maker --raw', null),
      ...ratio(get('tape-build'), get('tape-build-serial'), 'tape build on worker threads', 'the 1-thread build', null),
      ...target(get('noop'), 'noop from the tape', 1_000_000, 'events/s'),
      ...target(get('market-maker'), 'market-maker from the tape', 400_000, 'events/s'),
      ...target(get('tape-build'), 'tape build', 500_000, 'records/s'),
      ...flat(get('tape-build'), get(`tape-build@${small}`), 'tape build', rows, small),
      ...flat(get('noop'), get(`noop@${small}`), 'noop from the tape', rows, small),
      over.length === 0 ? `every subject stayed under 1 GiB RSS` : `OVER 1 GiB RSS: ${over.join(', ')}`,
      `case total ${totalS.toFixed(0)} s${totalS > 300 ? ' (over the ~5 min budget on this machine)' : ''}`,
    ],
  };
}

function ratio(x: Measurement | undefined, y: Measurement | undefined, a: string, b: string, want: string | null): string[] {
  if (x === undefined || y === undefined) return [];
  return [`${a} is ${(x.evPerSec / y.evPerSec).toFixed(2)}x ${b}${want === null ? '' : ` (target ${want})`}`];
}

function target(x: Measurement | undefined, what: string, want: number, unit: string): string[] {
  if (x === undefined) return [];
  const ok = x.evPerSec >= want;
  return [`target ${what} >= ${fmtInt(want)} ${unit}: ${ok ? 'met' : 'SHORT'} (${fmtInt(Math.round(x.evPerSec))}, ${(x.evPerSec / want).toFixed(2)}x the target)`];
}

function flat(big: Measurement | undefined, smallM: Measurement | undefined, what: string, rows: number, small: number): string[] {
  if (big === undefined || smallM === undefined) return [];
  return [`RSS vs length, ${what}: ${fmtMb(smallM.rssPeakBytes)} at ${fmtInt(small)} rows, ${fmtMb(big.rssPeakBytes)} at ${fmtInt(rows)} rows (${(big.rssPeakBytes / smallM.rssPeakBytes).toFixed(2)}x for ${(rows / small).toFixed(0)}x the length)`];
}
