/**
 * `poly import jsonl`: the capture files other collectors write (one frame per line with its receive time)
 * -> a poly recording.
 *
 * Accepted line shapes (each line on its own; `.gz` files are gunzipped):
 * 1. A JSON object with a receive time and a frame:
 *    - time: `recv_ns` (nanoseconds), `recv_us` (microseconds), `recv_ms` (milliseconds), or one of
 *      `recv_ts`, `recv_time`, `local_timestamp`, `received_at`, `ts`, `timestamp` (unit by magnitude, below);
 *      a number, a numeric string, or an ISO-8601 UTC string (`2026-05-01T13:00:00.123456789Z`).
 *    - frame: `frame`, `raw`, `data`, `message`, `msg` or `payload`: a string is the frame text, kept
 *      byte for byte; a JSON object/array is stored as its JSON text (JSON.stringify: equal content, but
 *      the collector's spacing and key order of that text are not known).
 *    - optional `source` (`market_ws` | `rtds_ws` | `user_ws`, or `market` | `rtds` | `user`) and `conn`.
 * 2. hftbacktest's collector lines: `<receive time> <frame text>`: a number (unit by magnitude) or an
 *    ISO-8601 time, ONE space, then the frame verbatim to the end of the line.
 * Unit by magnitude of a number x (its integer part): x >= 1e17 ns; 1e14 <= x < 1e17 us; 1e11 <= x < 1e14
 * ms; 1e8 <= x < 1e11 seconds (fractions allowed in every unit, kept exactly to the nanosecond: the text is
 * parsed, never a float). Anything smaller is not an epoch time after 1973 and makes the line bad.
 *
 * Bad lines (no receive time, an unparseable time, no frame field, not JSON in shape 1) are COUNTED and
 * REPORTED with file and line number (the first 20 in the provenance and on stderr), never silently dropped
 * and never guessed. Blank lines are skipped and counted apart. A frame whose text is not valid market JSON
 * is imported as it is: the normalizer reports it on replay, as for a recorded frame.
 *
 * Order: lines of every file are sorted by (receive time, file position on the command line, line number)
 * through DuckDB (an on-disk temporary table: a capture larger than memory is fine), so several capture
 * files of one session merge by time.
 * Connections: the captures carry no connection events, so each file (or each `conn` value within a file)
 * is one connection: an `open` just before its first frame and a clean stop (`close` 1000 'client stop', not
 * an outage) just after its last. Gaps inside a capture cannot be seen.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { CLIENT_STOP_CODE, CLIENT_STOP_REASON } from '../core/outages.ts';
import { nsFromIso } from '../core/time.ts';
import type { Source } from '../core/types/raw.ts';
import { openDuck } from '../io/duckdb.ts';
import { isCode, sha256File } from '../io/paths.ts';
import type { Manifest } from '../recorder/manifest.ts';
import { sha256Hex } from './cache.ts';
import { ImportError } from './errors.ts';
import { ImportOutput, prepareOutput } from './output.ts';
import { PROVENANCE_VERSION, type Provenance } from './provenance.ts';

export interface JsonlImportOptions {
  readonly files: readonly string[];
  readonly out: string;
  readonly force?: boolean;
  /** Source of lines that do not name one (default market_ws). */
  readonly defaultSource?: string;
  readonly onWarn?: (msg: string) => void;
  /** Reported bad lines kept as samples (default 20). */
  readonly maxSamples?: number;
}

export interface JsonlSummary {
  readonly out: string;
  readonly state: 'written' | 'up_to_date';
  readonly manifest: Manifest;
  readonly files: number;
  readonly lines: number;
  readonly records: number;
  readonly badLines: number;
}

const TIME_KEYS: readonly [string, 'ns' | 'us' | 'ms' | 'auto'][] = [
  ['recv_ns', 'ns'], ['recv_us', 'us'], ['recv_ms', 'ms'], ['recv_ts', 'auto'], ['recv_time', 'auto'], ['local_timestamp', 'auto'], ['received_at', 'auto'], ['ts', 'auto'], ['timestamp', 'auto'],
];
const FRAME_KEYS = ['frame', 'raw', 'data', 'message', 'msg', 'payload'] as const;
const SOURCE_ALIASES: Readonly<Record<string, Source>> = { market_ws: 'market_ws', market: 'market_ws', rtds_ws: 'rtds_ws', rtds: 'rtds_ws', user_ws: 'user_ws', user: 'user_ws' };

const POW = (unit: 'ns' | 'us' | 'ms' | 's'): bigint => (unit === 'ns' ? 1n : unit === 'us' ? 1_000n : unit === 'ms' ? 1_000_000n : 1_000_000_000n);

/** Decimal text of a time in `unit` -> ns exactly (fraction digits beyond ns are refused). */
function scaledNs(text: string, unit: 'ns' | 'us' | 'ms' | 's'): bigint | null {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (m === null) return null;
  const digits = unit === 'ns' ? 0 : unit === 'us' ? 3 : unit === 'ms' ? 6 : 9;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > digits) return null;
  return BigInt(m[1] as string) * POW(unit) + (frac === '' ? 0n : BigInt(frac.padEnd(digits, '0')));
}

/** A receive time as text (number or ISO-8601) -> epoch ns, by the unit rules of the header; or a reason. */
export function parseRecvTime(text: string, unit: 'ns' | 'us' | 'ms' | 'auto'): bigint | string {
  const t = text.trim();
  if (/^\d{4}-\d{2}-\d{2}[T ]/.test(t)) {
    const ns = nsFromIso(t.replace(' ', 'T'));
    return ns ?? `'${t}' is not an ISO-8601 UTC time`;
  }
  if (!/^\d+(\.\d+)?$/.test(t)) return `'${t.slice(0, 40)}' is not a receive time (a number or ISO-8601 UTC)`;
  let u: 'ns' | 'us' | 'ms' | 's';
  if (unit !== 'auto') u = unit;
  else {
    const int = t.split('.')[0] as string;
    const digits = int.replace(/^0+/, '').length;
    if (digits >= 18) u = 'ns';
    else if (digits >= 15) u = 'us';
    else if (digits >= 12) u = 'ms';
    else if (digits >= 9) u = 's';
    else return `${t} is too small to be an epoch time (seconds, ms, us or ns after 1973)`;
  }
  return scaledNs(t, u) ?? `${t} has more fraction digits than nanoseconds`;
}

interface ParsedLine {
  readonly ns: bigint;
  readonly frame: string;
  readonly source: Source | null;
  readonly conn: string | null;
}

/** The literal text of a top-level number field (JSON.parse would round ns times). */
function literalOf(line: string, key: string, value: number): string | null {
  const re = new RegExp(`"${key}"\\s*:\\s*(-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)`, 'g');
  for (let m = re.exec(line); m !== null; m = re.exec(line)) if (Number(m[1]) === value && !/[eE-]/.test(m[1] as string)) return m[1] as string;
  return Number.isSafeInteger(value) && value >= 0 ? String(value) : null;
}

/** One line -> a record, or the reason it is bad. Exported for tests. */
export function parseJsonlLine(line: string): ParsedLine | string {
  const first = line.charCodeAt(0);
  if (first === 123 /* { */) {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (err) {
      return `not JSON (${err instanceof Error ? err.message : String(err)})`;
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return 'not a JSON object';
    const o = obj as Record<string, unknown>;
    const fk = FRAME_KEYS.find((k) => k in o);
    if (fk === undefined) return `no frame field (one of ${FRAME_KEYS.join(', ')})`;
    const tk = TIME_KEYS.find(([k]) => k in o && k !== fk);
    if (tk === undefined) return `no receive time field (one of ${TIME_KEYS.map(([k]) => k).join(', ')})`;
    const [key, unit] = tk;
    const v = o[key];
    let text: string | null;
    if (typeof v === 'number') text = literalOf(line, key, v);
    else if (typeof v === 'string') text = v;
    else text = null;
    if (text === null) return `${key} is not a number or a time string`;
    const ns = parseRecvTime(text, unit);
    if (typeof ns === 'string') return `${key}: ${ns}`;
    const fv = o[fk];
    const frame = typeof fv === 'string' ? fv : JSON.stringify(fv);
    if (frame === undefined) return `${fk} has no value`;
    let source: Source | null = null;
    if (o['source'] !== undefined) {
      source = typeof o['source'] === 'string' ? (SOURCE_ALIASES[o['source']] ?? null) : null;
      if (source === null) return `source ${JSON.stringify(o['source'])} is not market_ws, rtds_ws or user_ws`;
    }
    const conn = typeof o['conn'] === 'string' && o['conn'] !== '' ? o['conn'] : null;
    return { ns, frame, source, conn };
  }
  const sp = line.indexOf(' ');
  if (sp <= 0) return 'neither a JSON object nor `<receive time> <frame>`';
  const ns = parseRecvTime(line.slice(0, sp), 'auto');
  if (typeof ns === 'string') return ns;
  return { ns, frame: line.slice(sp + 1), source: null, conn: null };
}

async function* linesOf(path: string): AsyncGenerator<string> {
  const raw = createReadStream(path);
  const stream = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const l of rl) yield l;
  } finally {
    rl.close();
    raw.destroy();
  }
}

export async function importJsonl(o: JsonlImportOptions): Promise<JsonlSummary> {
  if (o.files.length === 0) throw new ImportError('nothing to import: pass one or more capture files', 'input');
  const dflt = SOURCE_ALIASES[o.defaultSource ?? 'market_ws'];
  if (dflt === undefined) throw new ImportError(`--source must be market_ws, rtds_ws or user_ws (got '${o.defaultSource ?? ''}')`, 'input');
  const inputs: { name: string; path: string; bytes: number; sha256: string }[] = [];
  for (const f of o.files) {
    try {
      const st = await stat(f);
      if (!st.isFile()) throw new ImportError(`input ${f} is not a file`, 'input');
      inputs.push({ name: basename(f), path: f, bytes: st.size, sha256: await sha256File(f) });
    } catch (err) {
      if (isCode(err, 'ENOENT')) throw new ImportError(`input ${f} does not exist`, 'input');
      throw err;
    }
  }
  const options = { defaultSource: dflt };
  const digest = sha256Hex(JSON.stringify({ format: 'jsonl', version: PROVENANCE_VERSION, inputs: inputs.map((i) => i.sha256), options }));
  const prepared = await prepareOutput(o.out, digest, o.force === true);
  if (prepared.state === 'up_to_date') return { out: o.out, state: 'up_to_date', manifest: prepared.manifest, files: inputs.length, lines: 0, records: prepared.manifest.rows, badLines: 0 };

  const maxSamples = o.maxSamples ?? 20;
  const spill = await mkdtemp(join(tmpdir(), 'poly-import-jsonl-'));
  const duck = await openDuck({ path: join(spill, 'lines.duckdb'), threads: 2, memoryLimit: '256MB', tempDirectory: spill, preserveInsertionOrder: false });
  let output: ImportOutput | null = null;
  try {
    await duck.conn.run('CREATE TABLE lines (f INTEGER, line BIGINT, ns BIGINT, source VARCHAR, conn VARCHAR, frame VARCHAR)');
    const app = await duck.conn.createAppender('lines');
    const perFile: { lines: number; imported: number; bad: number; blank: number }[] = [];
    const samples: { file: string; line: number; reason: string }[] = [];
    let bad = 0;
    let total = 0;
    try {
      for (let fi = 0; fi < inputs.length; fi++) {
        const inp = inputs[fi] as (typeof inputs)[number];
        const c = { lines: 0, imported: 0, bad: 0, blank: 0 };
        let n = 0;
        try {
          for await (const line of linesOf(inp.path)) {
            n += 1;
            if (line.trim() === '') {
              c.blank += 1;
              continue;
            }
            const p = parseJsonlLine(line);
            if (typeof p === 'string') {
              c.bad += 1;
              bad += 1;
              if (samples.length < maxSamples) {
                samples.push({ file: inp.name, line: n, reason: p });
                o.onWarn?.(`${inp.name}:${n}: bad line (${p}); not imported`);
              }
              continue;
            }
            app.appendInteger(fi);
            app.appendBigInt(BigInt(n));
            app.appendBigInt(p.ns);
            app.appendVarchar(p.source ?? dflt);
            app.appendVarchar(p.conn ?? `jsonl-${fi + 1}`);
            app.appendVarchar(p.frame);
            app.endRow();
            c.imported += 1;
          }
        } catch (err) {
          throw new ImportError(`cannot read ${inp.name} at line ${n + 1} (${err instanceof Error ? err.message : String(err)})`, 'input', { cause: err });
        }
        c.lines = n;
        total += n;
        perFile.push(c);
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
    if (bad > maxSamples) o.onWarn?.(`${bad - maxSamples} more bad line(s) not listed`);
    const imported = perFile.reduce((a, c) => a + c.imported, 0);
    if (imported === 0) throw new ImportError(`no line of ${inputs.map((i) => i.name).join(', ')} could be imported (${bad} bad, e.g. ${samples[0]?.reason ?? 'empty files'})`, 'input');

    // connection ends: the last line of each (file, conn)
    const ends = new Map<string, string>();
    for (const [f, conn, line] of (await duck.conn.runAndReadAll('SELECT f, conn, arg_max(line, (ns, line))::BIGINT FROM lines GROUP BY ALL')).getRows() as [number, string, bigint][]) {
      ends.set(`${f}\t${conn}`, String(line));
    }
    const first = (await duck.conn.runAndReadAll('SELECT min(ns) FROM lines')).getRows()[0]?.[0] as bigint;
    const provenance: Provenance = {
      version: PROVENANCE_VERSION,
      format: 'jsonl',
      tool: 'poly import jsonl',
      digest,
      inputs: inputs.map((i, k) => ({
        name: i.name, url: null, hour: null, bytes: i.bytes, sha256: i.sha256, rowsInFile: perFile[k]?.lines ?? 0, rowsImported: perFile[k]?.imported ?? 0, byEventType: {},
        skipped: { bad: perFile[k]?.bad ?? 0, blank: perFile[k]?.blank ?? 0 },
      })),
      filter: {},
      options,
      ordering: 'receive time, then file (command-line order), then line number',
      metadata: { source: 'none (the captures carry no market metadata; market_meta comes only from REST responses in them)' },
      losses: [
        'connection events unknown: one connection per file (or per conn field); gaps inside a capture are not visible',
        'frames given as JSON values (not strings) are stored as JSON.stringify text',
      ],
      badLines: { count: bad, samples },
    };
    output = await ImportOutput.open({ out: o.out, replace: prepared.state === 'replace', markets: [], provenance, startNs: first, createdBy: 'poly import jsonl' });
    const opened = new Set<string>();
    const res = await duck.conn.stream('SELECT f, line::VARCHAR, ns, source, conn, frame FROM lines ORDER BY ns, f, line');
    for (;;) {
      const chunk = await res.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      const F = chunk.getColumnValues(0) as number[];
      const L = chunk.getColumnValues(1) as string[];
      const N = chunk.getColumnValues(2) as bigint[];
      const S = chunk.getColumnValues(3) as Source[];
      const C = chunk.getColumnValues(4) as string[];
      const X = chunk.getColumnValues(5) as string[];
      for (let i = 0; i < chunk.rowCount; i++) {
        const ns = N[i] as bigint;
        const source = S[i] as Source;
        const key = `${F[i] as number}\t${C[i] as string}`;
        const conn = `f${(F[i] as number) + 1}.${C[i] as string}`;
        if (!opened.has(key)) {
          opened.add(key);
          await output.append({ recvNs: ns, source, conn, kind: 'open', meta: { url: `file:${inputs[F[i] as number]?.name ?? ''}`, attempt: 1 }, payload: '' });
        }
        await output.append({ recvNs: ns, source, conn, kind: 'frame', meta: {}, payload: X[i] as string });
        if (ends.get(key) === L[i]) await output.append({ recvNs: ns, source, conn, kind: 'close', meta: { code: CLIENT_STOP_CODE, reason: CLIENT_STOP_REASON }, payload: '' });
      }
    }
    const records = output.records;
    const manifest = await output.commit();
    output = null;
    return { out: o.out, state: 'written', manifest, files: inputs.length, lines: total, records, badLines: bad };
  } catch (err) {
    if (output !== null) await output.abort();
    throw err;
  } finally {
    duck.close();
    await rm(spill, { recursive: true, force: true });
  }
}
