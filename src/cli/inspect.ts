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
 *
 * Exit codes: 0 ok; 2 bad input (missing recording, not a recording, bad SQL, conflicting flags);
 * 1 a recording that cannot be read (corrupt).
 */
import type { Command } from 'commander';
import { toCsv, toJson } from '../core/reports/csv.ts';
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

export interface InspectOptions {
  json?: boolean;
  csv?: boolean;
  sql?: string;
}

/** Maps storage errors to the CLI's one-line errors. */
export function recordingCliError(err: unknown): never {
  if (err instanceof RecordingError) {
    throw new CliError(err.message, err.code === 'MISSING' || err.code === 'NOT_A_RECORDING' || err.code === 'INPUT' ? 2 : 1);
  }
  throw err;
}

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description(
      'summarize a recording, or query it with --sql (the recording is the view `raw`: v, seq, recv_ns, source, conn, kind, meta, payload, date)',
    )
    .argument('<recording>', 'recording directory (or a name under ./recordings/)')
    .option('--json', 'machine-readable output')
    .option('--csv', 'CSV output (with --sql)')
    .option('--sql <query>', 'run SQL against the view `raw` (read_parquet works too) and print the result')
    .action(async (recording: string, opts: InspectOptions) => {
      const out = await runInspect(recording, opts);
      process.stdout.write(out);
    });
}

/** Runs `poly inspect` and returns what it prints on stdout. Throws CliError. */
export async function runInspect(recording: string, opts: InspectOptions): Promise<string> {
  if (opts.json === true && opts.csv === true) throw new CliError('--json and --csv cannot be used together');
  if (opts.csv === true && opts.sql === undefined) throw new CliError('--csv needs --sql (the summary prints as text or --json)');
  const dir = await resolveRecordingDir(recording);
  try {
    if (opts.sql !== undefined) return await runSql(dir, opts.sql, opts.json === true ? 'json' : opts.csv === true ? 'csv' : 'table');
    const s = await summarizeRecording(dir);
    // an imported recording also shows where it came from (src/import/provenance.ts)
    const prov = provenanceOf(await readManifest(dir));
    if (opts.json === true) return toJson(prov === null ? s : { ...s, provenance: prov });
    return prov === null ? formatSummary(s) : `${formatSummary(s)}\n${formatProvenance(prov)}\n`;
  } catch (err) {
    return recordingCliError(err);
  }
}

type Cell = string | number | boolean | null | object;

async function runSql(dir: string, sql: string, format: 'table' | 'json' | 'csv'): Promise<string> {
  if (sql.trim() === '') throw new CliError('--sql needs a query, e.g. --sql "SELECT kind, count(*) FROM raw GROUP BY kind"');
  const m = await readManifest(dir);
  return withDuck(async ({ conn }) => {
    if (m.files.length > 0) {
      const list = `[${m.files.map((f) => sqlString(join(dir, f.path))).join(', ')}]`;
      await conn.run(`CREATE VIEW raw AS SELECT * FROM read_parquet(${list}, hive_partitioning = true)`);
    } else {
      const cols = PARQUET_COLUMNS.map(([n, t]) => `NULL::${t} AS ${n}`).join(', ');
      await conn.run(`CREATE VIEW raw AS SELECT ${cols}, NULL::DATE AS date WHERE false`);
    }
    let columns: string[];
    let rows: Cell[][];
    try {
      const reader = await conn.runAndReadAll(sql);
      columns = reader.columnNames();
      rows = reader.getRowsJson() as Cell[][];
    } catch (err) {
      throw new CliError(`--sql failed: ${duckErrorLine(err)}`);
    }
    if (format === 'json') {
      return toJson(rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? null]))));
    }
    const text = (v: Cell | undefined): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
    if (format === 'csv') {
      return toCsv(
        columns.map((name, i) => ({ name, get: (r: Cell[]) => (r[i] === null || r[i] === undefined ? null : text(r[i])) })),
        rows,
      );
    }
    return formatTable(columns, rows.map((r) => columns.map((_, i) => text(r[i]))));
  });
}

const MAX_CELL = 80;

function cut(s: string): string {
  const one = s.replace(/[\r\n\t]/g, ' ');
  return one.length > MAX_CELL ? `${one.slice(0, MAX_CELL - 1)}…` : one;
}

export function formatTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((r) => r.map(cut));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  out.push(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
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
