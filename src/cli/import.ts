/**
 * `poly import pmxt <file|dir|url>... --out DIR [...]` and `poly import jsonl <file>... --out DIR`:
 * flags, progress bar and the summary line; the work is src/import/pmxt.ts and src/import/jsonl.ts.
 *
 * - Progress (stderr, on a TTY and without --quiet), rewritten at most every 200 ms: bytes downloaded of
 *   the current file and in total, hours done, rows imported, and an ETA from the rate so far.
 * - Warnings (missing hours, markets without rows, bad JSONL lines) are printed as one line each.
 * - Failures: one line `poly: ...`; exit 2 for bad input (flags, unknown market, refused file, existing
 *   --out), 1 for failures on the way (network, disk, unreadable file). Nothing is left in --out.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { defaultCacheDir } from '../import/cache.ts';
import { ImportError } from '../import/errors.ts';
import { PMXT_V2_BASE_URL } from '../import/hours.ts';
import { parseCount, parseTime } from '../core/units.ts';
import { importJsonl } from '../import/jsonl.ts';
import { importPmxt, type ImportEvent, type HourBoundary } from '../import/pmxt.ts';
import { RecordingError } from '../recorder/errors.ts';
import { DEFAULT_CLOB_URL } from '../sources/clob.ts';
import { DEFAULT_GAMMA_URL } from '../sources/gamma.ts';
import { CliError } from './errors.ts';
import { applyUnitFlags } from './flags.ts';
import { fmtBytes, parseSize, url } from './record.ts';

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];
const list = (v: readonly string[] | undefined): string[] => (v ?? []).flatMap((m) => m.split(',')).map((m) => m.trim()).filter((m) => m !== '');

function toCliError(err: unknown): unknown {
  if (err instanceof ImportError) return new CliError(err.message, err.kind === 'input' ? 2 : 1);
  if (err instanceof RecordingError) return new CliError(err.message, err.code === 'UNWRITABLE' || err.code === 'LOCKED' ? 2 : 1);
  return err;
}

const fmtInt = (n: number): string => n.toLocaleString('en-US');
const fmtEta = (s: number): string => (!Number.isFinite(s) || s < 0 ? '--:--' : `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`);

/** The progress line renderer (TTY only). */
export class ProgressBar {
  private readonly t0 = Date.now();
  private lastDraw = 0;
  private shown = false;
  private dl = { url: '', bytes: 0, total: null as number | null, index: 0, count: 0, done: 0 };
  private doneBytes = 0;
  private rows = { done: 0, total: 0, hours: 0, hoursTotal: 0 };
  private importT0: number | null = null;
  constructor(private readonly enabled: boolean) {}

  on(e: ImportEvent): void {
    if (e.type === 'log') {
      if (e.level === 'warn') this.print(`poly import: warning: ${e.message}`);
      return;
    }
    if (e.type === 'download') {
      if (e.url !== this.dl.url) {
        this.doneBytes += this.dl.bytes;
        this.dl = { url: e.url, bytes: 0, total: null, index: e.index, count: e.count, done: 0 };
      }
      this.dl.bytes = e.bytes;
      this.dl.total = e.total;
    } else {
      this.importT0 ??= Date.now();
      this.rows = { done: e.rowsDone, total: e.rowsTotal, hours: e.hoursDone, hoursTotal: e.hoursTotal };
    }
    this.draw(false);
  }

  private line(): string {
    const el = (Date.now() - this.t0) / 1000;
    if (this.rows.total === 0) {
      const got = this.doneBytes + this.dl.bytes;
      const rate = el > 0 ? got / el : 0;
      const cur = this.dl.total === null ? fmtBytes(this.dl.bytes) : `${fmtBytes(this.dl.bytes)}/${fmtBytes(this.dl.total)}`;
      const left = this.dl.total === null || got === 0 ? Number.NaN : (this.dl.total - this.dl.bytes + (this.dl.count - this.dl.index - 1) * this.dl.total) / Math.max(rate, 1);
      return `import: download ${this.dl.index + 1}/${this.dl.count} hours | ${cur} | ${fmtBytes(got)} total, ${fmtBytes(rate)}/s | ETA ${fmtEta(left)}`;
    }
    const iel = (Date.now() - (this.importT0 ?? Date.now())) / 1000;
    const rate = iel > 0 ? this.rows.done / iel : 0;
    const left = this.rows.done === 0 ? Number.NaN : (this.rows.total - this.rows.done) / Math.max(rate, 1);
    const pct = this.rows.total > 0 ? Math.floor((100 * this.rows.done) / this.rows.total) : 100;
    return `import: ${this.rows.hours}/${this.rows.hoursTotal} hours | ${fmtInt(this.rows.done)}/${fmtInt(this.rows.total)} rows (${pct}%) | ${fmtInt(Math.round(rate))} rows/s | ETA ${fmtEta(left)}`;
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 200) return;
    this.lastDraw = now;
    const width = Math.max(20, (process.stderr.columns || 120) - 1);
    const text = this.line();
    process.stderr.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.shown = true;
  }

  print(line: string): void {
    this.clear();
    process.stderr.write(`${line}\n`);
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
    this.shown = false;
  }
}

const PmxtOpts = z.object({
  out: z.string(),
  market: z.array(z.string()).optional(),
  series: z.array(z.string()).optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  meta: z.string().optional(),
  cache: z.string().optional(),
  baseUrl: z.string(),
  gammaUrl: z.string(),
  clobUrl: z.string(),
  hourBoundary: z.string(),
  force: z.boolean().optional(),
  settle: z.boolean().optional(),
  offline: z.boolean().optional(),
  refreshMeta: z.boolean().optional(),
  memory: z.string(),
  threads: z.string(),
  quiet: z.boolean().optional(),
});

/** --from / --to -> epoch ms, by the one time parser (src/core/units.ts). */
function timeFlag(name: string, v: string | undefined): number | null {
  return v === undefined ? null : Number(parseTime(v, name) / 1_000_000n);
}

export async function runImportPmxt(inputs: readonly string[], raw: unknown): Promise<string> {
  const o = PmxtOpts.parse(raw);
  const boundary = o.hourBoundary;
  if (boundary !== 'continuous' && boundary !== 'reconnect') throw new CliError(`--hour-boundary must be continuous or reconnect (got '${boundary}')`, 2);
  const threads = parseCount(o.threads, '--threads', 1, 64);
  const memBytes = parseSize(o.memory, '--memory');
  if (memBytes < 64 * 1024 * 1024) throw new CliError('--memory must be at least 64MiB', 2);
  const bar = new ProgressBar(process.stderr.isTTY === true && o.quiet !== true);
  const ctrl = new AbortController();
  const onSignal = (): void => ctrl.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const s = await importPmxt({
      inputs,
      out: o.out,
      markets: list(o.market),
      series: list(o.series),
      fromMs: timeFlag('--from', o.from),
      toMs: timeFlag('--to', o.to),
      metaFile: o.meta ?? null,
      cacheDir: o.cache ?? defaultCacheDir(),
      baseUrl: url('--base-url', o.baseUrl, ['http:', 'https:']),
      gammaUrl: url('--gamma-url', o.gammaUrl, ['http:', 'https:']),
      clobUrl: url('--clob-url', o.clobUrl, ['http:', 'https:']),
      hourBoundary: boundary as HourBoundary,
      force: o.force === true,
      settle: o.settle === true,
      offline: o.offline === true,
      refreshMeta: o.refreshMeta === true,
      memoryLimit: `${Math.floor(memBytes / 1024 / 1024)}MB`,
      threads,
      onEvent: (e) => (o.quiet === true ? e.type === 'log' && e.level === 'warn' && bar.print(`poly import: warning: ${e.message}`) : bar.on(e)),
      signal: ctrl.signal,
    });
    bar.clear();
    if (s.state === 'up_to_date') return `poly import: ${s.out} is up to date (same inputs and options; nothing written)\n`;
    const gaps = s.missingHours.length === 0 ? 'no missing hour' : `${s.missingHours.length} missing hour(s) recorded as gaps`;
    return `poly import: wrote ${s.out}: ${fmtInt(s.records)} records (${fmtInt(s.frames)} frames from ${fmtInt(s.rows)} rows of ${s.hours} hour file(s)), ${s.markets} market(s), ${gaps}\n`;
  } catch (err) {
    bar.clear();
    if (ctrl.signal.aborted) throw new CliError('import interrupted; nothing was written (downloads so far are kept in the cache)', 130);
    throw toCliError(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const JsonlOpts = z.object({ out: z.string(), force: z.boolean().optional(), source: z.string().optional(), quiet: z.boolean().optional() });

export async function runImportJsonl(files: readonly string[], raw: unknown): Promise<string> {
  const o = JsonlOpts.parse(raw);
  try {
    const s = await importJsonl({
      files,
      out: o.out,
      force: o.force === true,
      ...(o.source !== undefined ? { defaultSource: o.source } : {}),
      onWarn: (m) => process.stderr.write(`poly import: warning: ${m}\n`),
    });
    if (s.state === 'up_to_date') return `poly import: ${s.out} is up to date (same inputs; nothing written)\n`;
    const bad = s.badLines === 0 ? 'no bad line' : `${fmtInt(s.badLines)} bad line(s) not imported (listed above and in the provenance)`;
    return `poly import: wrote ${s.out}: ${fmtInt(s.records)} records from ${fmtInt(s.lines)} lines of ${s.files} file(s), ${bad}\n`;
  } catch (err) {
    throw toCliError(err);
  }
}

export function registerImport(program: Command): void {
  const imp = program.command('import').description('turn public archives and other captures into poly recordings (pmxt, jsonl)');
  imp
    .command('pmxt')
    .description('import PMXT v2 hourly Parquet files (local files, directories, URLs, or --from/--to hours of --base-url)')
    .argument('[inputs...]', 'PMXT files, directories or http(s) URLs (none: the hours of --from/--to from --base-url)')
    .requiredOption('--out <dir>', 'new recording directory, e.g. recordings/btc-hour')
    .option('--market <id...>', 'market slug, condition id (0x…) or token id; repeatable (default: every market in the files)')
    .option('--series <name>', 'a rolling series (btc-updown-15m: every round in the range) or a slug prefix; repeatable', collect)
    .option('--from <time>', 'start of the receive-time range, UTC (e.g. 2026-05-01T13)')
    .option('--to <time>', 'end of the range (exclusive)')
    .option('--meta <file>', 'market metadata JSON (Gamma or CLOB market objects, or a recording manifest.json) instead of Gamma/CLOB')
    .option('--cache <dir>', `download and metadata cache (default ${defaultCacheDir()})`)
    .option('--base-url <url>', 'PMXT archive base URL for --from/--to', PMXT_V2_BASE_URL)
    .option('--gamma-url <url>', 'Gamma REST base URL (market metadata)', DEFAULT_GAMMA_URL)
    .option('--clob-url <url>', 'CLOB REST base URL (market metadata fallback)', DEFAULT_CLOB_URL)
    .option('--hour-boundary <mode>', 'continuous (adjacent hours are one connection) or reconnect (every hour file is a connection)', 'continuous')
    .option('--force', 'replace an existing recording in --out')
    .option('--settle', 'add market_resolved at each resolution inside the range, SYNTHESIZED from Gamma metadata (flagged in the provenance)')
    .option('--offline', 'use cached files without revalidating their ETag with the server')
    .option('--refresh-meta', 'fetch market metadata again instead of using the cache')
    .option('--memory <size>', 'DuckDB memory limit while reading (it spills to a temp directory beyond it)', '256MiB')
    .option('--threads <n>', 'DuckDB threads', '2')
    .option('--quiet', 'no progress bar')
    .action(async (inputs: string[], opts: unknown) => {
      process.stdout.write(await runImportPmxt(inputs, opts));
    });
  applyUnitFlags(imp.commands.find((c) => c.name() === 'pmxt')!);
  imp
    .command('jsonl')
    .description('import JSON-lines captures of other collectors (one frame per line with its receive time; see README)')
    .argument('<files...>', 'capture files (.jsonl, .jsonl.gz, .txt)')
    .requiredOption('--out <dir>', 'new recording directory')
    .option('--source <name>', 'source of lines that do not say: market_ws (default), rtds_ws or user_ws')
    .option('--force', 'replace an existing recording in --out')
    .action(async (files: string[], opts: unknown) => {
      process.stdout.write(await runImportJsonl(files, opts));
    });
}
