/**
 * `poly inspect <recording>`: summarize a recording, or query it with SQL.
 *
 * Summary (default): time span, parts, sessions, counts by source / kind / normalized event type,
 * normalization errors by reason, markets from the manifest, connections, reconnects, gaps.
 * `--json` prints the same summary as JSON (bigint-free; ns times as strings). An imported recording
 * (`poly import`) adds its provenance: source format, input files with sha256 and row counts, missing
 * hours, filters, metadata source, ordering rule and the documented losses (`provenance` in --json).
 *
 * SQL (`--sql "SELECT ..."`): runs in an in-memory DuckDB where the recording is the view `raw`
 * (columns v, seq, recv_ns, source, conn, kind, meta, payload, plus `date` from the partition); the
 * Parquet files can also be read directly, e.g. read_parquet('recordings/NAME/** /*.parquet').
 * Output is an aligned table (long cells cut to 80 characters), or `--json` (array of row objects) or
 * `--csv` (RFC 4180, full values). Bad SQL -> one line `poly: --sql failed: <DuckDB error>`, exit 2.
 * Rows are STREAMED from DuckDB, chunk by chunk, with backpressure on stdout: --csv and --json print
 * every row (or --limit N) in flat memory; the table, which must see its rows to size its columns, shows
 * the first --limit rows (default 1000) and says when more follow. (Before: every row was materialised and
 * printed as one string, which crashed at about 150k rows of payloads.)
 *
 * Exit codes: 0 ok; 2 bad input (missing recording, not a recording, corrupt, bad SQL, conflicting flags);
 * 1 a recording that cannot be read (I/O).
 */
import type { Command } from 'commander';
import { toJson } from '../core/reports/csv.ts';
import { duckErrorLine, sqlString, withDuck } from '../io/duckdb.ts';
import { resolveRecordingDir } from '../io/paths.ts';
import { RecordingError } from '../recorder/errors.ts';
import { isoFromNs, PARQUET_COLUMNS } from '../recorder/layout.ts';
import { readManifest } from '../recorder/read.ts';
import type { RecordingSummary } from '../recorder/summary.ts';
import { summarizeRecording } from '../recorder/summary.ts';
import { formatProvenance, provenanceOf } from '../import/provenance.ts';
import { join } from 'node:path';
import { CliError } from './errors.ts';
import { parseCount } from '../core/units.ts';
import { applyUnitFlags } from './flags.ts';

export interface InspectOptions {
  json?: boolean;
  csv?: boolean;
  sql?: string;
  /** Rows to print with --sql (0 = all); default 1000 for the table, all for --csv / --json. */
  limit?: string;
}

/** Rows the --sql table shows by default. */
export const TABLE_ROWS = 1000;

/** Where output goes: resolves when the text may be followed by more (stdout backpressure). */
export type Out = (text: string) => Promise<void>;

export const stdoutOut: Out = (text) =>
  new Promise((resolve, reject) => {
    if (process.stdout.write(text)) return resolve();
    const done = (err?: Error): void => {
      process.stdout.off('drain', done).off('error', done);
      if (err === undefined) resolve();
      else reject(err);
    };
    process.stdout.once('drain', done).once('error', done);
  });

/** Maps storage errors to the CLI's one-line errors. */
export function recordingCliError(err: unknown): never {
  if (err instanceof RecordingError) {
    throw new CliError(err.message, err.kind);
  }
  throw err;
}

export function registerInspect(program: Command): void {
  const cmd = program
    .command('inspect')
    .description(
      'summarize a recording, or query it with --sql (the recording is the view `raw`: v, seq, recv_ns, source, conn, kind, meta, payload, date)',
    )
    .argument('<recording>', 'recording directory (or a name under ./recordings/)')
    .option('--json', 'machine-readable output')
    .option('--csv', 'CSV output (with --sql)')
    .option('--sql <query>', 'run SQL against the view `raw` (read_parquet works too) and print the result')
    .option('--limit <n>', `rows to print with --sql (0 = all; default ${TABLE_ROWS} for the table, all for --csv/--json)`)
    .action(async (recording: string, opts: InspectOptions) => {
      await runInspect(recording, opts, stdoutOut);
    });
  applyUnitFlags(cmd);
}

/**
 * Runs `poly inspect`, writing what it prints through `out` (default: collected and returned, for tests).
 * Throws CliError.
 */
export async function runInspect(recording: string, opts: InspectOptions, out?: Out): Promise<string> {
  if (opts.json === true && opts.csv === true) throw new CliError('--json and --csv cannot be used together');
  if (opts.csv === true && opts.sql === undefined) throw new CliError('--csv needs --sql (the summary prints as text or --json)');
  if (opts.limit !== undefined && opts.sql === undefined) throw new CliError('--limit applies to --sql output');
  let collected = '';
  const write: Out = out ?? (async (t) => void (collected += t));
  const dir = await resolveRecordingDir(recording);
  try {
    if (opts.sql !== undefined) {
      const format = opts.json === true ? 'json' : opts.csv === true ? 'csv' : 'table';
      const limit = opts.limit === undefined ? (format === 'table' ? TABLE_ROWS : 0) : parseCount(opts.limit, '--limit');
      await runSql(dir, opts.sql, format, limit, write);
    } else {
      const s = await summarizeRecording(dir);
      // an imported recording also shows where it came from (src/import/provenance.ts)
      const prov = provenanceOf(await readManifest(dir));
      if (opts.json === true) await write(toJson(prov === null ? s : { ...s, provenance: prov }));
      else await write(prov === null ? formatSummary(s) : `${formatSummary(s)}\n${formatProvenance(prov)}\n`);
    }
  } catch (err) {
    return recordingCliError(err);
  }
  return collected;
}

type Cell = string | number | boolean | null | object;

/** One CSV field (RFC 4180: quoted when it holds a comma, quote, CR or LF). */
function csvField(v: string | null): string {
  if (v === null) return '';
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

async function runSql(dir: string, sql: string, format: 'table' | 'json' | 'csv', limit: number, out: Out): Promise<void> {
  if (sql.trim() === '') throw new CliError('--sql needs a query, e.g. --sql "SELECT kind, count(*) FROM raw GROUP BY kind"');
  const m = await readManifest(dir);
  await withDuck(async ({ conn }) => {
    if (m.files.length > 0) {
      const list = `[${m.files.map((f) => sqlString(join(dir, f.path))).join(', ')}]`;
      await conn.run(`CREATE VIEW raw AS SELECT * FROM read_parquet(${list}, hive_partitioning = true)`);
    } else {
      const cols = PARQUET_COLUMNS.map(([n, t]) => `NULL::${t} AS ${n}`).join(', ');
      await conn.run(`CREATE VIEW raw AS SELECT ${cols}, NULL::DATE AS date WHERE false`);
    }
    let result;
    try {
      result = await conn.stream(sql);
    } catch (err) {
      throw new CliError(`--sql failed: ${duckErrorLine(err)}`);
    }
    const columns = result.columnNames();
    const text = (v: Cell | undefined): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
    const max = limit === 0 ? Number.POSITIVE_INFINITY : limit;
    let n = 0;
    let more = false;
    const table: string[][] = [];
    if (format === 'csv') await out(columns.map(csvField).join(',') + '\n');
    if (format === 'json') await out('[');
    try {
      for await (const batch of result.yieldRowsJson()) {
        const rows = batch as Cell[][];
        const take = Math.min(rows.length, max - n);
        if (take < rows.length) more = true;
        const chunk = rows.slice(0, take);
        if (format === 'table') for (const r of chunk) table.push(columns.map((_, i) => text(r[i])));
        else if (format === 'csv') await out(chunk.map((r) => columns.map((_, i) => csvField(r[i] === null || r[i] === undefined ? null : text(r[i]))).join(',') + '\n').join(''));
        else if (chunk.length > 0) await out(chunk.map((r, j) => `${n + j === 0 ? '\n' : ',\n'}${JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, r[i] ?? null])))}`).join(''));
        n += take;
        if (n >= max) {
          // is there one more row? (so the note below is true); then stop reading
          more ||= take === rows.length && (await result.fetchChunk().then((c) => c !== null && c.rowCount > 0));
          break;
        }
      }
    } catch (err) {
      throw new CliError(`--sql failed: ${duckErrorLine(err)}`);
    }
    if (format === 'json') await out(n === 0 ? ']\n' : '\n]\n');
    if (format === 'table') await out(formatTable(columns, table, more ? `first ${n} rows; more follow: --limit N for more, or --csv / --json to stream them all` : undefined));
    else if (more) process.stderr.write(`poly inspect: stopped after --limit ${n} rows; more follow\n`);
  });
}

const MAX_CELL = 80;

function cut(s: string): string {
  const one = s.replace(/[\r\n\t]/g, ' ');
  return one.length > MAX_CELL ? `${one.slice(0, MAX_CELL - 1)}…` : one;
}

export function formatTable(columns: readonly string[], rows: readonly (readonly string[])[], footer?: string): string {
  const cells = rows.map((r) => r.map(cut));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  out.push(footer === undefined ? `(${rows.length} row${rows.length === 1 ? '' : 's'})` : `(${footer})`);
  return out.join('\n') + '\n';
}

function counts(r: Readonly<Record<string, number>>): string {
  const e = Object.entries(r);
  return e.length === 0 ? '(none)' : e.map(([k, v]) => `${k} ${v}`).join(', ');
}

function duration(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s` : `${m}m${String(sec).padStart(2, '0')}s`;
}

export function formatSummary(s: RecordingSummary): string {
  const L: string[] = [];
  L.push(`recording  ${s.dir}`);
  L.push(`records    ${s.records} in ${s.parts} Parquet part(s), ${(s.bytes / 1024 / 1024).toFixed(2)} MiB, digest ${s.digest.slice(0, 16)}`);
  if (s.timeRange === null) L.push('time span  (empty)');
  else L.push(`time span  ${s.timeRange.from} -> ${s.timeRange.to} (${duration(s.timeRange.durationS)})`);
  const unclean = s.sessions.filter((x) => !x.clean).length;
  L.push(`sessions   ${s.sessions.length}${unclean > 0 ? ` (${unclean} not closed cleanly: crashed or still recording)` : ''}`);
  if (s.pendingSpoolSegments > 0) {
    L.push(`spool      ${s.pendingSpoolSegments} segment(s) not yet in Parquet (recorder running, or run 'poly recordings repair')`);
  }
  L.push('');
  L.push(`by source  ${counts(s.bySource)}`);
  L.push(`by kind    ${counts(s.byKind)}`);
  L.push(`events     ${s.normalized.events} normalized: ${counts(s.normalized.byType as Record<string, number>)}`);
  if (s.normalized.errors > 0) {
    L.push(`errors     ${s.normalized.errors} normalization error(s):`);
    for (const [code, n] of Object.entries(s.normalized.errorsByCode)) {
      L.push(`  ${code}  ${n}  e.g. ${cut(s.normalized.errorSamples[code] ?? '')}`);
    }
  } else {
    L.push('errors     no normalization errors');
  }
  L.push('');
  L.push(`markets    ${s.markets.length}`);
  for (const m of s.markets) {
    L.push(`  ${m.conditionId}  ${m.slug ?? m.question ?? ''}`.trimEnd());
    for (const t of m.tokens) L.push(`    ${t.outcome}: ${t.tokenId}`);
  }
  L.push('');
  L.push(`connections ${s.connections.length}; reconnects: ${counts(s.reconnects)}`);
  for (const c of s.connections) {
    L.push(`  ${c.source} ${c.conn}: ${c.records} records, open ${c.opens}, close ${c.closes}, error ${c.errors}, ${isoFromNs(BigInt(c.firstNs))} -> ${isoFromNs(BigInt(c.lastNs))}`);
  }
  L.push(`gaps       ${s.gaps.length}`);
  for (const g of s.gaps) {
    const len = g.durationMs === null ? 'not reopened before the end' : `${(g.durationMs / 1000).toFixed(3)}s`;
    const noticed = Number((BigInt(g.detectedNs) - BigInt(g.fromNs)) / 1_000_000n) / 1000;
    L.push(`  ${g.source} ${g.conn} ${g.cause}: no data from ${isoFromNs(BigInt(g.fromNs))}, ${len} (noticed after ${noticed.toFixed(3)}s${g.detail === '' ? '' : `: ${cut(g.detail)}`})`);
  }
  if (s.seqGaps.length > 0) {
    L.push(`seq gaps   ${s.seqGaps.length} (records missing from the recording)`);
    for (const g of s.seqGaps.slice(0, 20)) L.push(`  after seq ${g.afterSeq}: ${g.missing} missing`);
  }
  return L.join('\n') + '\n';
}
