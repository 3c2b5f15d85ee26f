/**
 * `poly record --market <slug|condition|token>... [--series NAME...] [--rtds SYMBOLS] [--all [--shard i/N]] [--out DIR] ...`
 * Flags, status line, logs and signals; the work is src/recorder/record-session.ts.
 *
 * - Durations ("500ms", "60s", "10m", "1h", "1d") and sizes ("256MiB", "1GiB", "64KB", "1048576")
 *   are parsed by the small zod-validated parsers below; every bad value is one line naming the flag.
 * - Status line: on a TTY stderr (and without --quiet), rewritten every second: elapsed, msgs/s,
 *   bytes, conversion lag (records and seconds of receive time not yet in Parquet; "PAUSED: disk
 *   behind" while the writer holds the feed back), connections open/total, reconnects, last-message
 *   age per connection.
 * - Logs: JSON lines (`{"ts","level","msg",...}`) to --log FILE, or to stderr when stderr is not a
 *   TTY; on a TTY without --log only warnings and errors are printed, as plain lines.
 * - SIGINT/SIGTERM: stop the clients, flush, convert what is not yet Parquet (bounded: at most three
 *   spool segments, see writer.ts), write the manifest, exit 0. Signals within SIGNAL_DEDUP_MS of the
 *   first are the same request (`timeout` and a terminal's Ctrl-C signal the process AND its group, so
 *   one stop arrives twice). A later second signal stops at once without converting: the spool is
 *   flushed, the manifest written and the lock released (exit 130); `poly recordings repair` (or the
 *   next `poly record` into the directory) converts the rest. A SIGKILL loses at most --flush-ms.
 * - Failures (unknown market, unreachable endpoint, unwritable/locked/corrupt directory, disk full):
 *   one line `poly: ...`, exit 2 for bad input, 1 otherwise. Data already on disk is never removed.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { configureS3, parseS3Url, s3Exists, s3Join, type S3Url } from '../sweep/s3.ts';
import { RecordingUploader } from '../sweep/storage.ts';
import { z } from 'zod';
import { isoFromNs } from '../core/time.ts';
import { RecordingError } from '../recorder/errors.ts';
import { DATE_DIR_RE, MANIFEST_FILE, SPOOL_DIR } from '../recorder/layout.ts';
import { RecordSession, type LogLevel, type SessionStatus } from '../recorder/record-session.ts';
import { FeedError } from '../sources/feed.ts';
import { DEFAULT_CLOB_URL } from '../sources/clob.ts';
import { DEFAULT_GAMMA_URL, ResolveError } from '../sources/gamma.ts';
import { HttpError } from '../sources/http.ts';
import { DEFAULT_MARKET_WS_URL } from '../sources/market-ws.ts';
import { DEFAULT_RTDS_URL } from '../sources/rtds.ts';
import { DEFAULT_ALL_POLL_MS, parseShard, type ShardSpec } from '../sources/all-markets.ts';
import { CliError } from './errors.ts';
import { parseCount, parseDurationMs, parseSize as parseSizeFlag } from '../core/units.ts';
import { applyUnitFlags } from './flags.ts';

/** Signals this soon after the first one are the same stop request (`timeout` signals the child and its group). */
export const SIGNAL_DEDUP_MS = 1_000;

/** Duration flag -> whole milliseconds, by the one duration parser (src/core/units.ts). */
export const parseDuration = (text: string, name = 'duration'): number => parseDurationMs(text, name);
/** Size flag -> bytes, by the one size parser (src/core/units.ts). */
export const parseSize = (text: string, name = 'size'): number => parseSizeFlag(text, name);

/** A base-URL flag: must parse and use one of `schemes` ('ws:', 'https:', ...); one-line error otherwise. */
export function url(name: string, value: string, schemes: readonly string[]): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new CliError(`${name}: '${value}' is not a URL`, 'usage');
  }
  if (!schemes.includes(u.protocol)) throw new CliError(`${name}: '${value}' must use ${schemes.map((s) => `${s}//`).join(' or ')}`, 'usage');
  return value;
}

const RawOpts = z.object({
  market: z.array(z.string()).optional(),
  series: z.array(z.string()).optional(),
  out: z.string().optional(),
  rtds: z.string().optional(),
  snapshotInterval: z.string(),
  wsUrl: z.string(),
  clobUrl: z.string(),
  gammaUrl: z.string(),
  rtdsUrl: z.string(),
  flushMs: z.string(),
  rotate: z.string(),
  rotateSize: z.string(),
  duration: z.string().optional(),
  quiet: z.boolean().optional(),
  append: z.boolean().optional(),
  log: z.string().optional(),
  pingInterval: z.string(),
  staleAfter: z.string(),
  all: z.boolean().optional(),
  shard: z.string().optional(),
  allPoll: z.string(),
  upload: z.string().optional(),
  s3Endpoint: z.string().optional(),
});

export const fmtBytes = (n: number): string =>
  n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : n >= 1024 ** 2 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
const fmtAge = (ms: number | null): string => (ms === null ? '-' : ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`);
const fmtElapsed = (ms: number): string => {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

/** One status line from two consecutive snapshots. */
export function statusLine(s: SessionStatus, prev: SessionStatus | null): string {
  const dt = prev === null ? s.elapsedMs : s.elapsedMs - prev.elapsedMs;
  const rate = dt > 0 ? ((s.messages - (prev?.messages ?? 0)) * 1000) / dt : 0;
  const open = s.connections.filter((c) => c.state === 'open').length;
  const ages = s.connections.map((c) => `${c.conn ?? '?'} ${fmtAge(c.lastMessageAgeMs)}`).join(' ');
  const w = s.writer;
  const lag = `parquet lag ${w.lagRecords} rec ${w.lagSeconds.toFixed(1)}s${w.backpressure ? ' PAUSED: disk behind' : ''}`;
  return `rec ${fmtElapsed(s.elapsedMs)} | ${rate.toFixed(0)} msg/s | ${s.records} rec ${fmtBytes(s.bytes)} | ${lag} | conn ${open}/${s.connections.length} | reconnects ${s.reconnects} | age ${ages}`;
}

/** True if dir has what a recording writer would append to: manifest.json, a spool or date= partitions. */
async function holdsRecording(dir: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return false;
  }
  return entries.some((e) => e === MANIFEST_FILE || e === SPOOL_DIR || DATE_DIR_RE.test(e));
}

function toCliError(err: unknown): unknown {
  if (err instanceof FeedError) return new CliError(err.message, err.kind === 'input' ? 'usage' : 'io');
  if (err instanceof ResolveError) return new CliError(err.message, 'not_found');
  if (err instanceof HttpError) return new CliError(err.message, 'network');
  if (err instanceof RecordingError) return new CliError(err.message, 'io');
  return err;
}

export async function runRecord(raw: unknown, argv: readonly string[] = process.argv): Promise<void> {
  const o = RawOpts.parse(raw);
  const markets = (o.market ?? []).flatMap((m) => m.split(',')).map((m) => m.trim()).filter((m) => m !== '');
  const series = (o.series ?? []).flatMap((m) => m.split(',')).map((m) => m.trim()).filter((m) => m !== '');
  const rtds = (o.rtds ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  let all: { shard: ShardSpec; pollMs: number } | null = null;
  if (o.shard !== undefined && o.all !== true) throw new CliError('--shard needs --all (it splits all active markets over N recorders)', 2);
  if (o.all === true) {
    const shard = parseShard(o.shard ?? '0/1');
    if (shard === null) throw new CliError(`--shard: expected i/N with 0 <= i < N, e.g. 0/4 (got '${o.shard ?? ''}')`, 2);
    const pollMs = parseDuration(o.allPoll, '--all-poll');
    if (pollMs < 1000) throw new CliError('--all-poll must be at least 1s (each poll lists every active market)', 2);
    all = { shard, pollMs };
  }
  const flushMs = parseCount(o.flushMs, '--flush-ms', 1, 1000);
  const rotateMs = parseDuration(o.rotate, '--rotate');
  if (rotateMs <= 0) throw new CliError('--rotate must be longer than 0', 'usage');
  const opts = {
    markets,
    series,
    rtds,
    all,
    out: o.out ?? join('recordings', `rec-${isoFromNs(BigInt(Date.now()) * 1_000_000n).slice(0, 19).replace(/[-:]/g, '')}Z`),
    wsUrl: url('--ws-url', o.wsUrl, ['ws:', 'wss:']),
    clobUrl: url('--clob-url', o.clobUrl, ['http:', 'https:']),
    gammaUrl: url('--gamma-url', o.gammaUrl, ['http:', 'https:']),
    rtdsUrl: url('--rtds-url', o.rtdsUrl, ['ws:', 'wss:']),
    snapshotIntervalMs: parseDuration(o.snapshotInterval, '--snapshot-interval'),
    flushMs,
    rotateMs,
    rotateBytes: parseSize(o.rotateSize, '--rotate-size'),
    durationMs: o.duration === undefined ? null : parseDuration(o.duration, '--duration'),
    pingIntervalMs: parseDuration(o.pingInterval, '--ping-interval'),
    staleAfterMs: parseDuration(o.staleAfter, '--stale-after'),
  };
  if (o.append !== true && (await holdsRecording(opts.out))) {
    throw new CliError(`--out '${opts.out}' already holds a recording; add --append to record a new session into it (a spool left by a crash is recovered first), or choose a new directory`, 'usage');
  }
  const quiet = o.quiet === true;
  const tty = process.stderr.isTTY === true;
  // --upload: checked (address, reachability, credentials) before anything is recorded
  let upload: { dest: S3Url; uploader: RecordingUploader | null } | null = null;
  if (o.upload !== undefined) {
    configureS3({ endpoint: o.s3Endpoint });
    const dest = parseS3Url(o.upload);
    await s3Exists(s3Join(dest, 'manifest.json'));
    upload = { dest, uploader: null };
  }

  // logging
  let logFile: WriteStream | null = null;
  if (o.log !== undefined) {
    logFile = createWriteStream(o.log, { flags: 'a' });
    await new Promise<void>((resolve, reject) => {
      logFile?.once('open', () => resolve());
      logFile?.once('error', (err) => reject(new CliError(`--log: cannot open '${o.log}' for appending (${(err as NodeJS.ErrnoException).code ?? err.message})`, 'usage')));
    });
  }
  let statusShown = false;
  const clearStatus = (): void => {
    if (statusShown) process.stderr.write('\r\x1b[2K');
    statusShown = false;
  };
  // a sealed part (the writer's onPart: durable, verified, in the manifest) is uploaded in the background
  const onPart = (): void => {
    if (upload === null) return;
    upload.uploader ??= new RecordingUploader(
      opts.out,
      upload.dest,
      (err) => log('warn', `upload to ${o.upload} failed (retried with the next part and at the end): ${err.message}`),
      (files) => log('info', `uploaded ${files.join(', ')} to ${o.upload}`, { event: 'uploaded', files: files.length }),
    );
    upload.uploader.kick();
  };
  const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void => {
    const line = `${JSON.stringify({ ts: new Date().toISOString(), level, msg, ...fields })}\n`;
    if (logFile !== null) logFile.write(line);
    else if (!tty) {
      if (!quiet || level !== 'info') process.stderr.write(line);
    } else if (level !== 'info') {
      clearStatus();
      process.stderr.write(`poly record: ${level}: ${msg}${fields['error'] !== undefined ? ` (${String(fields['error'])})` : ''}\n`);
    }
  };

  // signals
  const ctrl = new AbortController();
  let firstSignalMs: number | null = null;
  let session: RecordSession | null = null;
  let aborting = false;
  let finished = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (finished) return; // a late copy of the stop request (see below)
    const now = Date.now();
    if (firstSignalMs === null) {
      firstSignalMs = now;
      log('info', `received ${sig}; stopping`, { signal: sig });
      ctrl.abort();
      return;
    }
    if (now - firstSignalMs < SIGNAL_DEDUP_MS || aborting) return; // the same stop, delivered twice
    aborting = true;
    clearStatus();
    process.stderr.write(`poly record: second ${sig}: stopping without converting; the spool is kept — run 'poly recordings repair ${opts.out}'\n`);
    const hard = setTimeout(() => process.exit(130), 5_000);
    void (session?.abort() ?? Promise.resolve()).finally(() => {
      clearTimeout(hard);
      process.exit(130);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let prev: SessionStatus | null = null;
  try {
    session = await RecordSession.start({
      ...opts,
      signal: ctrl.signal,
      log,
      ...(upload !== null ? { onPart } : {}),
      meta: { argv: argv.slice(2) },
      ...(tty && !quiet
        ? {
            onStatus: (s: SessionStatus) => {
              const width = Math.max(20, (process.stderr.columns || 120) - 1);
              const text = statusLine(s, prev);
              process.stderr.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
              statusShown = true;
              prev = s;
            },
          }
        : {}),
    });
    if (tty && !quiet) process.stderr.write(`poly record: recording ${session.marketList.length} market(s) into ${opts.out} (Ctrl-C to stop)\n`);
    const summary = await session.done;
    clearStatus();
    if (upload !== null) {
      const up = upload.uploader ?? new RecordingUploader(opts.out, upload.dest, () => undefined);
      try {
        await up.finish();
      } catch (err) {
        throw new CliError(`recording ${summary.dir} is complete locally, but uploading it to ${o.upload} failed: ${(err as Error).message}; upload it later with the same --upload (only missing parts are sent)`, 1);
      }
      if (!quiet) process.stderr.write(`poly record: uploaded ${summary.dir} to ${o.upload}\n`);
    }
    if (!quiet) {
      process.stderr.write(
        `poly record: stopped (${summary.reason}): ${summary.records} record(s) this session, ${summary.manifest.rows} row(s) in ${summary.manifest.files.length} Parquet file(s) in ${summary.dir}\n`,
      );
    }
  } catch (err) {
    clearStatus();
    throw toCliError(err);
  } finally {
    finished = true;
    // after a signal, keep ignoring its late copies (timeout(1) signals its group again when it gets
    // its own copy): removing the listener would let one kill the process and turn exit 0 into 130
    if (firstSignalMs === null) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (logFile !== null) await new Promise<void>((r) => logFile?.end(() => r()));
  }
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function registerRecord(program: Command): void {
  const cmd = program
    .command('record')
    .description('capture raw market data (market WS, REST snapshots, RTDS) into a Parquet recording')
    .option('--market <id...>', 'market slug, condition id (0x…) or token id; repeatable')
    .option('--series <name>', 'follow a rolling series, e.g. btc-updown-15m (also 5m; eth/sol/xrp); repeatable', collect)
    .option('--out <dir>', 'recording directory (default recordings/rec-<UTC time>)')
    .option('--rtds <symbols>', 'also record RTDS crypto_prices for these symbols, e.g. btcusdt,ethusdt')
    .option('--all', 'record every active market listed on Gamma, following new ones as they are listed')
    .option('--shard <i/N>', 'with --all: this recorder takes the markets with sha256(condition id) mod N = i (0-based)')
    .option('--all-poll <duration>', 'with --all: how often to list the active markets', `${DEFAULT_ALL_POLL_MS / 60_000}m`)
    .option('--snapshot-interval <duration>', 'REST /books reconciliation period (0 = only after each connect)', '60s')
    .option('--ws-url <url>', 'market WebSocket URL', DEFAULT_MARKET_WS_URL)
    .option('--clob-url <url>', 'CLOB REST base URL', DEFAULT_CLOB_URL)
    .option('--gamma-url <url>', 'Gamma REST base URL', DEFAULT_GAMMA_URL)
    .option('--rtds-url <url>', 'RTDS WebSocket URL', DEFAULT_RTDS_URL)
    .option('--flush-ms <n>', 'spool flush interval in ms (bounds the loss on a crash), 1..1000', '200')
    .option('--rotate <duration>', 'start a new Parquet part every period', '1h')
    .option('--rotate-size <size>', 'start a new Parquet part after this many spool bytes', '64MiB')
    .option('--duration <duration>', 'stop by itself after this long, e.g. 10m')
    .option('--ping-interval <duration>', 'market WS heartbeat period', '10s')
    .option('--stale-after <duration>', 'reconnect when nothing (data or PONG) arrives for this long', '30s')
    .option('--log <file>', 'append JSON-lines logs to FILE (default: stderr when it is not a terminal)')
    .option('--quiet', 'no status line, no summary; only warnings and errors')
    .option('--append', 'record a new session into an existing recording (a spool left by a crash is recovered first)')
    .option('--upload <s3://bucket/prefix/NAME>', 'also upload each sealed Parquet part (and the manifest) to S3-compatible storage')
    .option('--s3-endpoint <url>', 'S3-compatible endpoint for --upload (default: AWS_ENDPOINT_URL or AWS)')
    .action(async (opts: unknown) => runRecord(opts));
  applyUnitFlags(cmd);
}
