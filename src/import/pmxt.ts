/**
 * `poly import pmxt`: PMXT v2 hourly archive files -> a poly recording that replays like a recorded one.
 *
 * Order of work (bad input fails in the first steps, before anything long or any write)
 * 1. Check the options; load `--meta`; resolve `--market` identifiers and `--series` rounds (Gamma/CLOB,
 *    cached; meta.ts).
 * 2. Plan the hours: positional inputs (files, directories searched recursively for *.parquet, http(s) URLs)
 *    or, without inputs, every hour of [--from, --to) as `{base}/polymarket_orderbook_YYYY-MM-DDTHH.parquet`.
 *    URLs are downloaded into the cache (download.ts; progress events). A 404 is a missing hour.
 * 3. Probe and count every file (pmxt-file.ts): v1 files and non-PMXT files are refused, unreadable files
 *    are an error; the counts tell which markets are there (for "every market" imports, their metadata is
 *    resolved now) and how many rows will be read.
 * 4. Idempotency: the digest of inputs and options is compared with the target's (output.ts).
 * 5. Write: metadata records first (stamped at the start of the import range), then hour by hour the
 *    connection records and frames, then commit.
 *
 * Connections and gaps (the archive has no connection events; see `--hour-boundary`)
 * - `continuous` (default): consecutive hours that are both present are one connection, since the archive is
 *   one continuous capture cut into hourly files (the cut is not a reconnect, and treating it as one would
 *   cancel every resting paper order and blank every book each hour). An `open` starts each run of present
 *   hours, a `close` ends it. A missing hour closes the connection with code 1006 and the reason (e.g.
 *   "PMXT hour 2026-05-01T05 missing: HTTP 404 for <url>"), so replay treats it exactly as a disconnect:
 *   risk denies new orders and the paper exchange cancels resting ones (feed_lost) until each book's next
 *   snapshot; the next present hour opens a new connection (`attempt` + 1, counted as a reconnect). A
 *   missing first hour is an `error` record at the start of the range. The end of the import is our own
 *   clean stop (close 1000 'client stop', as `poly record` ends a session: not an outage).
 * - `reconnect`: every hour file is its own connection (open at the hour's start, close code 1000 'end of PMXT
 *   hour file' at its end, an outage like a server's close): the most conservative reading, where every hour
 *   starts from nothing until each book's snapshot.
 * Times: an open is at the start of its hour (or --from), a close at the end of its hour (or --to); a row
 *   whose receive time falls before the previous record (skew between adjacent files) is stamped at that
 *   previous time and counted in provenance (`clampedRows`), never reordered silently.
 *
 * Memory bound: one DuckDB instance with `memory_limit` (default 256MB) and `threads` (default 2) reads one
 * file at a time; its ORDER BY spills to a private temp directory beyond the limit. JS holds one 2048-row
 * chunk of frames; the writer is flushed every 16 MiB. So peak RSS is about the DuckDB limit plus the
 * writer's Parquet conversion (one 64 MiB spool part) plus Node's baseline, whatever the hour's size;
 * filtered to a few markets DuckDB reads only the row groups that can hold them. Measured in
 * bench/cases/import.ts on a 5.3M-row hour of 2000 markets (2 quiet cores): one market in 0.35 s at ~210 MB
 * RSS, every market in 37 s at ~720 MB (the read path alone 27 s, ~620 MB; the rest is the writer).
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { CLIENT_STOP_CODE, CLIENT_STOP_REASON } from '../core/outages.ts';
import type { MarketMeta } from '../core/types/market.ts';
import type { Duck } from '../io/duckdb.ts';
import { openDuck } from '../io/duckdb.ts';
import { isCode, sha256File } from '../io/paths.ts';
import type { Manifest } from '../recorder/manifest.ts';
import { parseSeries, type SeriesSpec } from '../sources/series.ts';
import { sha256Hex } from './cache.ts';
import { downloadToCache, type DownloadOptions } from './download.ts';
import { ImportError } from './errors.ts';
import { HOUR_MS, hourName, hourOfFileName, hoursInRange, isoMs, pmxtHourUrl } from './hours.ts';
import type { CapturedRecord, MetaOptions } from './meta.ts';
import { loadMetaFile, resolveConditionIds, resolveIdentifiers, resolveSeriesRounds } from './meta.ts';
import { ImportOutput, prepareOutput } from './output.ts';
import { countBefore, countPmxtFile, pmxtFrames, probePmxtFile, type FileCounts, type FileProbe, type RowFilter } from './pmxt-file.ts';
import { PMXT_LOSSES, PROVENANCE_VERSION, type Provenance, type ProvenanceInput } from './provenance.ts';

export type HourBoundary = 'continuous' | 'reconnect';

export interface PmxtImportOptions {
  /** Files, directories or http(s) URLs; empty = the hours of [fromMs, toMs) from baseUrl. */
  readonly inputs: readonly string[];
  readonly out: string;
  /** --market identifiers (slug | condition id | token id). */
  readonly markets: readonly string[];
  /** --series: a rolling series name (btc-updown-15m) or any slug prefix. */
  readonly series: readonly string[];
  readonly fromMs: number | null;
  readonly toMs: number | null;
  readonly metaFile: string | null;
  readonly cacheDir: string;
  readonly baseUrl: string;
  readonly gammaUrl: string;
  readonly clobUrl: string;
  readonly hourBoundary?: HourBoundary;
  readonly force?: boolean;
  /** Synthesize `market_resolved` from Gamma metadata (see `settlements`); off by default. */
  readonly settle?: boolean;
  /** Do not revalidate cached files with the server. */
  readonly offline?: boolean;
  /** Ignore cached metadata. */
  readonly refreshMeta?: boolean;
  /** DuckDB memory_limit (default '256MB') and threads (default 2). */
  readonly memoryLimit?: string;
  readonly threads?: number;
  readonly download?: Pick<DownloadOptions, 'retries' | 'backoff' | 'headersTimeoutMs' | 'bodyTimeoutMs' | 'sleep'>;
  readonly http?: MetaOptions['http'];
  readonly onEvent?: (e: ImportEvent) => void;
  readonly signal?: AbortSignal;
}

export type ImportEvent =
  | { readonly type: 'log'; readonly level: 'info' | 'warn'; readonly message: string }
  | { readonly type: 'download'; readonly url: string; readonly bytes: number; readonly total: number | null; readonly index: number; readonly count: number }
  | { readonly type: 'progress'; readonly rowsDone: number; readonly rowsTotal: number; readonly hoursDone: number; readonly hoursTotal: number };

export interface ImportSummary {
  readonly out: string;
  readonly state: 'written' | 'up_to_date';
  readonly manifest: Manifest;
  readonly records: number;
  readonly frames: number;
  readonly rows: number;
  readonly hours: number;
  readonly missingHours: readonly { hour: string; reason: string }[];
  readonly markets: number;
  readonly emptyMarkets: readonly string[];
}

interface Slot {
  readonly hourMs: number;
  file: PlacedFile | null;
  missing: string | null;
}

interface PlacedFile {
  readonly name: string;
  readonly url: string | null;
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly etag: string | null;
  readonly hourMs: number | null;
  probe: FileProbe | null;
  counts: FileCounts | null;
}

const EMPTY_META = Object.freeze({});

const ORDERING =
  'receipt millisecond (timestamp_received), then market, then exchange timestamp, then event type (price_change < last_trade_price < tick_size_change < book), then asset_id, then file row; price_change rows with equal (timestamp_received, market, timestamp) form one message';

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

async function walkParquet(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkParquet(p)));
    else if (e.isFile() && e.name.endsWith('.parquet') && !e.name.startsWith('.')) out.push(p);
  }
  return out.sort();
}

function log(o: PmxtImportOptions, level: 'info' | 'warn', message: string): void {
  o.onEvent?.({ type: 'log', level, message });
}

/** Checks options that need no I/O; throws ImportError('input'). */
function checkOptions(o: PmxtImportOptions): void {
  if ((o.fromMs === null) !== (o.toMs === null) && o.inputs.length === 0) throw new ImportError('without input files, pass both --from and --to (the hours to fetch from --base-url)', 'input');
  if (o.fromMs !== null && o.toMs !== null && o.toMs <= o.fromMs) throw new ImportError(`--to ${isoMs(o.toMs)} must be after --from ${isoMs(o.fromMs)}`, 'input');
  if (o.inputs.length === 0 && o.fromMs === null) throw new ImportError('nothing to import: pass PMXT files, directories or URLs, or --from and --to to fetch the hours from --base-url', 'input');
  if (o.fromMs !== null && o.toMs !== null && o.inputs.length === 0 && (o.toMs - o.fromMs) / HOUR_MS > 24 * 366) throw new ImportError('--from/--to span more than a year of hours; import it in pieces', 'input');
  for (const u of [o.baseUrl, o.gammaUrl, o.clobUrl]) if (!isUrl(u)) throw new ImportError(`'${u}' is not an http(s) URL`, 'input');
}

/** Resolves which markets to import from --market / --series / --meta before touching the archive. */
interface MarketPlan {
  /** Markets decided up front (null = decided by the data: every market, or a slug prefix). */
  readonly fixed: MarketMeta[] | null;
  readonly prefixes: readonly string[];
  readonly steps: (readonly CapturedRecord[])[];
  readonly metaSource: Record<string, unknown>;
  readonly seriesRounds: readonly string[];
  /** With --meta: every market of the file (markets decided by the data are looked up here, offline). */
  readonly metaFileMarkets: readonly MarketMeta[] | null;
}

function matchMetaFile(markets: readonly MarketMeta[], id: string): MarketMeta | undefined {
  return markets.find((m) => m.slug === id || m.conditionId.toLowerCase() === id.toLowerCase() || m.tokens.some((t) => t.tokenId === id));
}

async function planMarkets(o: PmxtImportOptions, metaOpts: MetaOptions, rangeMs: { from: number; to: number } | null): Promise<MarketPlan> {
  const known: SeriesSpec[] = [];
  const prefixes: string[] = [];
  for (const s of o.series) {
    const spec = parseSeries(s);
    if (spec !== null) known.push(spec);
    else if (/^[a-z0-9][a-z0-9-]*$/i.test(s)) prefixes.push(s.toLowerCase());
    else throw new ImportError(`--series '${s}' is neither a rolling series ({btc|eth|sol|xrp}-updown-{5m|15m}) nor a slug prefix`, 'input');
  }
  if (o.metaFile !== null) {
    const mf = await loadMetaFile(o.metaFile);
    const metaSource = { source: `--meta ${mf.name}`, shape: mf.shape, sha256: mf.sha256.slice(0, 16), markets: mf.markets.length };
    if (o.markets.length === 0 && known.length === 0) return { fixed: null, prefixes, steps: [mf.records], metaSource, seriesRounds: [], metaFileMarkets: mf.markets };
    const fixed: MarketMeta[] = [];
    for (const id of o.markets) {
      const m = matchMetaFile(mf.markets, id);
      if (m === undefined) throw new ImportError(`--market '${id}' is not in --meta ${mf.name} (${mf.markets.length} market(s)); add it there, or drop --meta to fetch it from Gamma (--gamma-url)`, 'input');
      if (!fixed.includes(m)) fixed.push(m);
    }
    const rounds: string[] = [];
    for (const s of known) {
      if (rangeMs === null) throw new ImportError(`--series ${s.name} needs --from and --to (or input files named by hour)`, 'input');
      for (const m of mf.markets) {
        // a round `<series>-<unix start>` of the series whose window overlaps the range
        const start = m.slug?.startsWith(`${s.name}-`) === true ? Number(m.slug.slice(s.name.length + 1)) * 1000 : Number.NaN;
        if (!Number.isSafeInteger(start) || start >= rangeMs.to || start + s.periodMs <= rangeMs.from) continue;
        rounds.push(m.slug as string);
        if (!fixed.includes(m)) fixed.push(m);
      }
    }
    return { fixed, prefixes, steps: [mf.records], metaSource, seriesRounds: rounds, metaFileMarkets: mf.markets };
  }
  const steps: (readonly CapturedRecord[])[] = [];
  const fixed: MarketMeta[] = [];
  let cached = 0;
  let fetched = 0;
  if (o.markets.length > 0) {
    const r = await resolveIdentifiers(o.markets, metaOpts);
    steps.push(...r.steps);
    fixed.push(...r.markets);
    cached += r.cached;
    fetched += r.fetched;
  }
  const rounds: string[] = [];
  if (known.length > 0) {
    if (rangeMs === null) throw new ImportError(`--series ${known[0]?.name ?? ''} needs --from and --to (or input files named by hour)`, 'input');
    const r = await resolveSeriesRounds(known, rangeMs.from, rangeMs.to, metaOpts);
    steps.push(...r.steps);
    cached += r.cached;
    fetched += r.fetched;
    for (const m of r.markets) if (!fixed.some((x) => x.conditionId === m.conditionId)) fixed.push(m);
    rounds.push(...r.rounds.filter((s) => !r.skipped.includes(s)));
    if (r.markets.length === 0) throw new ImportError(`--series ${known.map((s) => s.name).join(', ')}: Gamma lists none of its ${r.rounds.length} round(s) in ${isoMs(rangeMs.from)} .. ${isoMs(rangeMs.to)}; check the range, or --gamma-url`, 'input');
  }
  // (cache hits are logged, not stored: the output must not depend on the state of the cache)
  if (steps.length > 0) log(o, 'info', `metadata: ${cached} resolution(s) from the cache, ${fetched} fetched`);
  const metaSource = { source: 'gamma+clob', gamma: o.gammaUrl, clob: o.clobUrl };
  const decided = o.markets.length > 0 || known.length > 0;
  return { fixed: decided ? fixed : null, prefixes, steps, metaSource, seriesRounds: rounds, metaFileMarkets: null };
}

/** Local files, directories and URLs -> placed files (URLs downloaded), plus the hours asked for by range. */
async function acquire(o: PmxtImportOptions): Promise<{ files: PlacedFile[]; slots: Map<number, Slot> }> {
  const slots = new Map<number, Slot>();
  const files: PlacedFile[] = [];
  type Want = { url: string; hourMs: number | null } | { path: string };
  const wants: Want[] = [];
  if (o.inputs.length === 0) {
    for (const h of hoursInRange(o.fromMs as number, o.toMs as number)) {
      wants.push({ url: pmxtHourUrl(o.baseUrl, h), hourMs: h });
      slots.set(h, { hourMs: h, file: null, missing: null });
    }
  } else {
    for (const inp of o.inputs) {
      if (isUrl(inp)) {
        wants.push({ url: inp, hourMs: hourOfFileName(new URL(inp).pathname) });
        continue;
      }
      const p = resolve(inp);
      let st;
      try {
        st = await stat(p);
      } catch (err) {
        if (isCode(err, 'ENOENT')) throw new ImportError(`input ${inp} does not exist`, 'input');
        throw err;
      }
      if (st.isDirectory()) {
        const found = await walkParquet(p);
        if (found.length === 0) throw new ImportError(`input directory ${inp} holds no .parquet file`, 'input');
        for (const f of found) wants.push({ path: f });
      } else wants.push({ path: p });
    }
  }
  const urls = wants.filter((w): w is { url: string; hourMs: number | null } => 'url' in w);
  let ui = 0;
  for (const w of wants) {
    if ('path' in w) {
      const st = await stat(w.path);
      files.push({ name: basename(w.path), url: null, path: w.path, bytes: st.size, sha256: await sha256File(w.path), etag: null, hourMs: hourOfFileName(w.path), probe: null, counts: null });
      continue;
    }
    const index = ui++;
    const d = await downloadToCache(w.url, {
      cacheDir: o.cacheDir,
      ...(o.download ?? {}),
      ...(o.offline === true ? { offline: true } : {}),
      ...(o.signal !== undefined ? { signal: o.signal } : {}),
      onProgress: (p) => o.onEvent?.({ type: 'download', url: p.url, bytes: p.bytes, total: p.total, index, count: urls.length }),
      onLog: (m) => log(o, 'info', m),
    });
    if (d.status === 'missing') {
      const hour = w.hourMs;
      if (hour === null) throw new ImportError(`${w.url} answered HTTP ${d.httpStatus}; check the URL`, 'input');
      const slot = slots.get(hour) ?? { hourMs: hour, file: null, missing: null };
      slot.missing = `HTTP ${d.httpStatus} for ${w.url}`;
      slots.set(hour, slot);
      log(o, 'warn', `PMXT hour ${hourName(hour)} is missing (HTTP ${d.httpStatus}); it becomes a gap`);
      continue;
    }
    files.push({ name: basename(new URL(w.url).pathname), url: w.url, path: d.path, bytes: d.bytes, sha256: d.sha256, etag: d.etag, hourMs: w.hourMs, probe: null, counts: null });
  }
  return { files, slots };
}

function renumber(steps: readonly (readonly CapturedRecord[])[]): CapturedRecord[] {
  const counters = new Map<string, number>();
  const out: CapturedRecord[] = [];
  for (const step of steps) {
    const map = new Map<string, string>();
    for (const r of step) {
      let c = map.get(r.conn);
      if (c === undefined) {
        const base = r.conn.replace(/-\d+$/, '');
        const n = (counters.get(base) ?? 0) + 1;
        counters.set(base, n);
        c = `${base}-${n}`;
        map.set(r.conn, c);
      }
      out.push({ ...r, conn: c });
    }
  }
  return out;
}

/** Runs the import (see the module header). Throws ImportError with one line on any failure. */
export async function importPmxt(o: PmxtImportOptions): Promise<ImportSummary> {
  checkOptions(o);
  const boundary = o.hourBoundary ?? 'continuous';
  const metaOpts: MetaOptions = {
    gammaUrl: o.gammaUrl,
    clobUrl: o.clobUrl,
    cacheDir: o.cacheDir,
    ...(o.refreshMeta === true ? { refresh: true } : {}),
    ...(o.http !== undefined ? { http: o.http } : {}),
    onLog: (m) => log(o, 'info', m),
  };
  // the range for series resolution: --from/--to, else the hours named by the inputs
  const namedHours = o.inputs.map((i) => hourOfFileName(i)).filter((h): h is number => h !== null);
  const seriesRange =
    o.fromMs !== null && o.toMs !== null
      ? { from: o.fromMs, to: o.toMs }
      : namedHours.length === o.inputs.length && namedHours.length > 0
        ? { from: Math.min(...namedHours), to: Math.max(...namedHours) + HOUR_MS }
        : null;
  const plan = await planMarkets(o, metaOpts, seriesRange);
  const { files, slots } = await acquire(o);

  const spill = await mkdtemp(join(tmpdir(), 'poly-import-'));
  let duck: Duck | null = null;
  let output: ImportOutput | null = null;
  try {
    duck = await openDuck({ threads: o.threads ?? 2, memoryLimit: o.memoryLimit ?? '256MB', tempDirectory: spill });
    // 3. probe + count
    // a slug prefix is matched against every market of the files, so the first count is then unfiltered
    const fixedIds = plan.fixed === null || plan.prefixes.length > 0 ? null : [...new Set(plan.fixed.flatMap((m) => [m.conditionId, m.conditionId.toLowerCase()]))];
    const filter: RowFilter = { markets: fixedIds, fromMs: o.fromMs, toMs: o.toMs };
    const seenSha = new Map<string, string>();
    for (const f of files) {
      const dup = seenSha.get(f.sha256);
      if (dup !== undefined) throw new ImportError(`inputs ${dup} and ${f.name} are the same file; pass it once`, 'input');
      seenSha.set(f.sha256, f.name);
      f.probe = await probePmxtFile(duck, f.path, f.name);
      f.counts = await countPmxtFile(duck, f.probe, filter, f.name);
    }
    // place files into hour slots (a file named by hour, else the hour of its first matching row)
    const unplaced: string[] = [];
    for (const f of files) {
      const h = f.hourMs ?? (f.counts?.minMs === null || f.counts === null ? null : Math.floor(f.counts.minMs / HOUR_MS) * HOUR_MS);
      if (h === null) {
        unplaced.push(f.name);
        continue;
      }
      const slot = slots.get(h) ?? { hourMs: h, file: null, missing: null };
      if (slot.file !== null) throw new ImportError(`inputs ${slot.file.name} and ${f.name} are both hour ${hourName(h)}; pass one file per hour`, 'input');
      slot.file = f;
      slot.missing = null;
      slots.set(h, slot);
    }
    for (const n of unplaced) log(o, 'warn', `${n}: no hour in its name and no row selected; skipped`);
    // hours entirely outside --from/--to are not part of this import (neither data nor gaps)
    for (const [h, s] of [...slots]) {
      if ((o.fromMs !== null && h + HOUR_MS <= o.fromMs) || (o.toMs !== null && h >= o.toMs)) {
        if (s.file !== null) log(o, 'info', `${s.file.name}: hour ${hourName(h)} is outside --from/--to; skipped`);
        slots.delete(h);
      }
    }
    // fill the gaps between the first and last hour (positional inputs)
    const hoursSorted = [...slots.keys()].sort((a, b) => a - b);
    if (hoursSorted.length === 0) throw new ImportError('nothing to import: no input file holds a row in the selected range', 'input');
    for (let h = hoursSorted[0] as number; h <= (hoursSorted[hoursSorted.length - 1] as number); h += HOUR_MS) {
      if (!slots.has(h)) slots.set(h, { hourMs: h, file: null, missing: `no input file for hour ${hourName(h)}` });
    }
    for (const s of slots.values()) if (s.file === null && s.missing === null) s.missing = `no input file for hour ${hourName(s.hourMs)}`;
    const ordered = [...slots.values()].sort((a, b) => a.hourMs - b.hourMs);
    if (ordered.every((s) => s.file === null)) {
      throw new ImportError(`every hour is missing (${ordered.map((s) => `${hourName(s.hourMs)}: ${s.missing ?? ''}`).slice(0, 3).join('; ')}); nothing to import`, 'input');
    }

    // markets decided by the data
    let markets: MarketMeta[];
    let steps = plan.steps;
    const metaSource = plan.metaSource;
    const dataMarkets = new Set<string>();
    for (const f of files) for (const k of f.counts?.byMarket.keys() ?? []) dataMarkets.add(k);
    let rowFilter = filter;
    if (plan.fixed === null || plan.prefixes.length > 0) {
      const all = plan.metaFileMarkets;
      let found: MarketMeta[];
      let missing: string[];
      if (all !== null) {
        const byId = new Map(all.map((m) => [m.conditionId.toLowerCase(), m]));
        found = [...dataMarkets].sort().flatMap((c) => byId.get(c.toLowerCase()) ?? []);
        missing = [...dataMarkets].filter((c) => !byId.has(c.toLowerCase())).sort();
      } else {
        const r = await resolveConditionIds([...dataMarkets], metaOpts);
        found = [...r.markets];
        missing = r.missing;
        steps = [...steps, ...r.steps];
        log(o, 'info', `metadata of the files' markets: ${r.cached} batch(es) from the cache, ${r.fetched} fetched`);
      }
      if (plan.prefixes.length > 0) {
        const hit = found.filter((m) => plan.prefixes.some((p) => m.slug?.toLowerCase().startsWith(p) === true));
        markets = [...(plan.fixed ?? []), ...hit.filter((m) => !(plan.fixed ?? []).some((x) => x.conditionId === m.conditionId))];
        if (missing.length > 0) log(o, 'warn', `${missing.length} market(s) of the data have no metadata, so their slug could not be matched against --series ${plan.prefixes.join(', ')}`);
        if (markets.length === 0) throw new ImportError(`--series ${plan.prefixes.join(', ')}: no market of the inputs has a slug with that prefix`, 'input');
        rowFilter = { ...filter, markets: [...new Set(markets.flatMap((m) => [m.conditionId, m.conditionId.toLowerCase()]))] };
        for (const f of files) if (f.probe !== null) f.counts = await countPmxtFile(duck, f.probe, rowFilter, f.name);
      } else {
        if (missing.length > 0) {
          throw new ImportError(
            `no metadata for ${missing.length} of the ${dataMarkets.size} market(s) in the inputs (e.g. ${missing.slice(0, 3).join(', ')}); pass --meta FILE with them, check --gamma-url / --clob-url, or import fewer markets with --market`,
            o.metaFile !== null ? 'input' : 'runtime',
          );
        }
        markets = found;
      }
    } else {
      markets = plan.fixed;
    }
    const present = new Set<string>();
    for (const f of files) for (const [k, c] of f.counts?.byMarket ?? []) if (c.rows > 0) present.add(k.toLowerCase());
    const emptyMarkets = markets.filter((m) => !present.has(m.conditionId.toLowerCase())).map((m) => m.slug ?? m.conditionId);
    if (emptyMarkets.length === markets.length) {
      throw new ImportError(`none of the ${markets.length} selected market(s) (${emptyMarkets.slice(0, 3).join(', ')}) has a row in the inputs (${files.map((f) => f.name).slice(0, 3).join(', ')}); check the hours or the market`, 'input');
    }
    for (const e of emptyMarkets) log(o, 'warn', `market ${e} has no row in the inputs; it is listed with no data`);

    // 4. provenance + idempotency
    // rows of a file received before the last row of the previous present file (skew between adjacent
    // hour files) are stamped at that earlier time: counted here so the provenance states them
    let prevMax: number | null = null;
    const clampedByFile = new Map<PlacedFile, number>();
    for (const s of ordered) {
      const f = s.file;
      if (f === null || f.probe === null || f.counts === null || f.counts.minMs === null) continue;
      if (prevMax !== null && f.counts.minMs < prevMax) clampedByFile.set(f, await countBefore(duck, f.probe, rowFilter, prevMax, f.name));
      if (f.counts.maxMs !== null) prevMax = prevMax === null ? f.counts.maxMs : Math.max(prevMax, f.counts.maxMs);
    }
    const metaRecords = renumber(steps);
    const inputs: ProvenanceInput[] = ordered.flatMap((s) => {
      const f = s.file;
      if (f === null || f.probe === null || f.counts === null) return [];
      const skipped: Record<string, number> = { ...f.counts.otherTypes };
      if (f.counts.noReceiveTime > 0) skipped['(no timestamp_received)'] = f.counts.noReceiveTime;
      return [{
        name: f.name, url: f.url, hour: hourName(s.hourMs), bytes: f.bytes, sha256: f.sha256, etag: f.etag,
        rowsInFile: f.probe.rows, rowsImported: f.counts.rows, byEventType: f.counts.byType,
        rowGroups: f.probe.rowGroups, rowGroupsRead: f.counts.rowGroupsMatching,
        ...(Object.keys(skipped).length > 0 ? { skipped } : {}),
        ...(clampedByFile.has(f) ? { clampedRows: clampedByFile.get(f) } : {}),
        ...(f.probe.absentColumns.length > 0 ? { absentColumns: [...f.probe.absentColumns] } : {}),
      }];
    });
    const missingHours = ordered.filter((s) => s.file === null).map((s) => ({ hour: hourName(s.hourMs), reason: s.missing ?? 'missing' }));
    const filterInfo = {
      markets: plan.fixed === null && plan.prefixes.length === 0 ? null : markets.map((m) => m.conditionId),
      identifiers: [...o.markets],
      series: [...o.series],
      seriesRounds: [...plan.seriesRounds],
      from: o.fromMs === null ? null : isoMs(o.fromMs),
      to: o.toMs === null ? null : isoMs(o.toMs),
      eventTypes: ['book', 'price_change', 'last_trade_price', 'tick_size_change'],
    };
    const options = { hourBoundary: boundary, baseUrl: o.inputs.length === 0 ? o.baseUrl : null, settle: o.settle === true };
    const lastSlotEnd = Math.min((ordered[ordered.length - 1] as Slot).hourMs + HOUR_MS, o.toMs ?? Number.MAX_SAFE_INTEGER);
    const firstSlotStart = o.fromMs ?? (ordered[0] as Slot).hourMs;
    const settled = o.settle === true ? settlements(metaRecords, markets, firstSlotStart, lastSlotEnd) : [];
    if (o.settle === true) log(o, 'info', `--settle: ${settled.length} market resolution(s) inside the range from the metadata`);
    const digest = sha256Hex(
      JSON.stringify({ format: 'pmxt-v2', version: PROVENANCE_VERSION, inputs: inputs.map((i) => [i.hour, i.sha256]), missingHours, filter: filterInfo, options, meta: sha256Hex(JSON.stringify(metaRecords)), markets }),
    );
    const prepared = await prepareOutput(o.out, digest, o.force === true);
    if (prepared.state === 'up_to_date') {
      log(o, 'info', `${o.out} already holds this import (digest ${digest.slice(0, 16)}); nothing to do`);
      return { out: o.out, state: 'up_to_date', manifest: prepared.manifest, records: prepared.manifest.rows, frames: 0, rows: 0, hours: inputs.length, missingHours, markets: markets.length, emptyMarkets };
    }
    const clamped = { rows: 0 };
    const provenance = (): Provenance => ({
      version: PROVENANCE_VERSION,
      format: 'pmxt-v2',
      tool: 'poly import pmxt',
      digest,
      inputs,
      missingHours,
      filter: filterInfo,
      options,
      ordering: ORDERING,
      metadata: { ...metaSource, markets: markets.length, records: metaRecords.length },
      losses: [...PMXT_LOSSES],
      ...(o.settle === true
        ? { notes: [`--settle: ${settled.length} market_resolved frame(s) SYNTHESIZED from Gamma metadata (closed, outcomePrices, closedTime or else endDate), not from the archive: conn pmxt-settle, meta.synthesized`] }
        : {}),
    });

    // 5. write (the provenance is the session's meta, fixed when the writer opens)
    const rangeStartMs = o.fromMs ?? (ordered[0] as Slot).hourMs;
    const startNs = BigInt(rangeStartMs) * 1_000_000n;
    output = await ImportOutput.open({ out: o.out, replace: prepared.state === 'replace', markets, provenance: provenance(), startNs, createdBy: 'poly import pmxt' });
    for (const r of metaRecords) await output.append({ recvNs: startNs, source: r.source, conn: r.conn, kind: r.kind, meta: r.meta, payload: r.payload });

    let conn: string | null = null;
    let attempt = 0;
    let connN = 0;
    let last = startNs;
    const at = (ms: number): bigint => {
      const ns = BigInt(ms) * 1_000_000n;
      return ns < last ? last : ns;
    };
    // a close belongs to the hour it ends: 1 ns before the boundary, so it is stored with that hour's part
    const endAt = (ms: number): bigint => {
      const ns = BigInt(ms) * 1_000_000n - 1n;
      return ns < last ? last : ns;
    };
    let nextSettle = 0;
    /** Synthesized resolutions due at or before `ns` go first (they are timed by the metadata, not the data). */
    const settleUpTo = async (ns: bigint): Promise<void> => {
      for (; nextSettle < settled.length; nextSettle++) {
        const r = settled[nextSettle] as Settlement;
        const at0 = BigInt(r.ms) * 1_000_000n;
        if (at0 > ns) return;
        const flushing = output?.append({ recvNs: at0 < last ? last : at0, source: 'market_ws', conn: 'pmxt-settle', kind: 'frame', meta: { synthesized: r.from }, payload: r.text });
        if (at0 > last) last = at0;
        if (flushing !== null && flushing !== undefined) await flushing;
      }
    };
    const emit = async (rec: Parameters<ImportOutput['append']>[0]): Promise<void> => {
      if (nextSettle < settled.length) await settleUpTo(rec.recvNs);
      const flushing = output?.append(rec);
      last = rec.recvNs;
      if (flushing !== null && flushing !== undefined) await flushing;
    };
    const rowsTotal = inputs.reduce((a, i) => a + i.rowsImported, 0);
    let rowsDone = 0;
    let hoursDone = 0;
    let frames = 0;
    o.onEvent?.({ type: 'progress', rowsDone: 0, rowsTotal, hoursDone: 0, hoursTotal: inputs.length });
    const windowStart = (s: Slot): number => Math.max(s.hourMs, o.fromMs ?? s.hourMs);
    const windowEnd = (s: Slot): number => Math.min(s.hourMs + HOUR_MS, o.toMs ?? s.hourMs + HOUR_MS);
    for (const s of ordered) {
      o.signal?.throwIfAborted();
      if (s.file === null) {
        const reason = `PMXT hour ${hourName(s.hourMs)} missing: ${s.missing ?? ''}`;
        if (conn !== null) {
          await emit({ recvNs: endAt(windowStart(s)), source: 'market_ws', conn, kind: 'close', meta: { code: 1006, reason }, payload: '' });
          conn = null;
        } else {
          await emit({ recvNs: at(windowStart(s)), source: 'market_ws', conn: `pmxt-${connN + 1}`, kind: 'error', meta: { url: s.missing ?? '', attempt: attempt + 1 }, payload: reason });
          attempt += 1;
        }
        continue;
      }
      const f = s.file;
      const url = f.url ?? `file:${f.name}`;
      const firstMs = f.counts?.minMs ?? windowStart(s);
      if (conn === null) {
        connN += 1;
        attempt += 1;
        conn = `pmxt-${connN}`;
        await emit({ recvNs: at(Math.min(windowStart(s), firstMs)), source: 'market_ws', conn, kind: 'open', meta: { url, attempt, hour: hourName(s.hourMs) }, payload: '' });
      }
      for await (const batch of pmxtFrames(duck, f.probe as FileProbe, rowFilter, f.name)) {
        for (const fr of batch) {
          let ns = BigInt(fr.ms) * 1_000_000n;
          if (nextSettle < settled.length) await settleUpTo(ns);
          if (ns < last) {
            clamped.rows += fr.rows;
            ns = last;
          }
          const flushing = output.append({ recvNs: ns, source: 'market_ws', conn, kind: 'frame', meta: EMPTY_META, payload: fr.text });
          last = ns;
          if (flushing !== null) await flushing;
          rowsDone += fr.rows;
          frames += 1;
        }
        o.onEvent?.({ type: 'progress', rowsDone, rowsTotal, hoursDone, hoursTotal: inputs.length });
      }
      hoursDone += 1;
      if (boundary === 'reconnect') {
        await emit({ recvNs: endAt(windowEnd(s)), source: 'market_ws', conn, kind: 'close', meta: { code: 1000, reason: `end of PMXT hour file ${f.name}` }, payload: '' });
        conn = null;
      }
      o.onEvent?.({ type: 'progress', rowsDone, rowsTotal, hoursDone, hoursTotal: inputs.length });
    }
    await settleUpTo(BigInt(lastSlotEnd) * 1_000_000n - 1n);
    if (conn !== null) {
      const lastSlot = ordered[ordered.length - 1] as Slot;
      await emit({ recvNs: endAt(windowEnd(lastSlot)), source: 'market_ws', conn, kind: 'close', meta: { code: CLIENT_STOP_CODE, reason: CLIENT_STOP_REASON }, payload: '' });
    }
    if (clamped.rows > 0) log(o, 'warn', `${clamped.rows} row(s) had a receive time before the previous record (skew between adjacent hour files) and were stamped at that time`);
    const records = output.records;
    const manifest = await output.commit();
    output = null;
    return { out: o.out, state: 'written', manifest, records, frames, rows: rowsDone, hours: inputs.length, missingHours, markets: markets.length, emptyMarkets };
  } catch (err) {
    if (output !== null) await output.abort();
    throw err;
  } finally {
    duck?.close();
    await rm(spill, { recursive: true, force: true });
  }
}

interface Settlement {
  readonly ms: number;
  readonly text: string;
  readonly from: string;
}

const parseGammaTime = (v: unknown): number | null => {
  if (typeof v !== 'string' || v.trim() === '') return null;
  // Gamma writes "2026-05-01 13:15:30+00" (closedTime) or ISO "2026-05-01T13:15:00Z" (endDate)
  const t = Date.parse(v.trim().replace(' ', 'T').replace(/\+00(:?00)?$/, 'Z'));
  return Number.isFinite(t) ? t : null;
};

/**
 * `--settle`: a `market_resolved` frame for every imported market whose Gamma object (from the captured
 * metadata) says it is closed with one-hot `outcomePrices` (exactly one "1"), at its `closedTime` (else its
 * `endDate`), when that falls inside [fromMs, toMs). The archive has no resolution events; these frames are
 * synthesized from metadata fetched after the fact, flagged (`meta.synthesized`, conn `pmxt-settle`, a note
 * in the provenance), and off by default: without them positions are marked at the end, not settled.
 */
export function settlements(records: readonly CapturedRecord[], markets: readonly MarketMeta[], fromMs: number, toMs: number): Settlement[] {
  const byCid = new Map(markets.map((m) => [m.conditionId.toLowerCase(), m]));
  const out = new Map<string, Settlement>();
  for (const r of records) {
    if (r.source !== 'gamma_rest' || r.kind !== 'response' || (r.meta.status !== undefined && r.meta.status !== 200)) continue;
    let body: unknown;
    try {
      body = JSON.parse(r.payload);
    } catch {
      continue;
    }
    const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null ? ((body as Record<string, unknown>)['markets'] ?? [body]) : [];
    for (const g of Array.isArray(list) ? (list as unknown[]) : []) {
      if (typeof g !== 'object' || g === null) continue;
      const o = g as Record<string, unknown>;
      const m = typeof o['conditionId'] === 'string' ? byCid.get(o['conditionId'].toLowerCase()) : undefined;
      if (m === undefined || o['closed'] !== true || out.has(m.conditionId)) continue;
      let prices: unknown = o['outcomePrices'];
      if (typeof prices === 'string') {
        try {
          prices = JSON.parse(prices);
        } catch {
          continue;
        }
      }
      if (!Array.isArray(prices) || prices.length !== m.tokens.length) continue;
      const ones = prices.map((p) => String(p).replace(/\.0*$/, '')).map((p) => (p === '1' ? 1 : p === '0' ? 0 : -1));
      if (ones.includes(-1) || ones.filter((x) => x === 1).length !== 1) continue;
      const win = m.tokens[ones.indexOf(1)];
      const ms = parseGammaTime(o['closedTime']) ?? parseGammaTime(o['endDate']);
      if (win === undefined || ms === null || ms < fromMs || ms >= toMs) continue;
      const text = JSON.stringify({
        event_type: 'market_resolved', id: o['id'] === undefined ? null : String(o['id']), market: m.conditionId, assets_ids: m.tokens.map((t) => t.tokenId),
        winning_asset_id: win.tokenId, winning_outcome: win.outcome, timestamp: String(ms),
      });
      out.set(m.conditionId, { ms, text, from: parseGammaTime(o['closedTime']) !== null ? 'gamma outcomePrices at closedTime' : 'gamma outcomePrices at endDate' });
    }
  }
  return [...out.values()].sort((a, b) => a.ms - b.ms || (a.text < b.text ? -1 : 1));
}
