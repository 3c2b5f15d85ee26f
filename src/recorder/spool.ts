/**
 * The spool: the crash-safe, append-only staging file every received record goes through before it
 * becomes Parquet. One record per LF-terminated line, in one of three formats (a reader takes all; the
 * writer writes v3):
 *
 *   v3:  <crc32, 8 lowercase hex> TAB v TAB seq TAB recvNs TAB source TAB conn TAB kind TAB e TAB <meta JSON> TAB <payload> LF
 *        e.g. 1a2b3c4d\t1\t7\t1733900000000000000\tmarket_ws\tc1\tframe\t0\t{}\t{"event_type":...}
 *        v, seq, recvNs and e are decimal digits; source and kind are their enum words; meta is its
 *        canonical JSON (keys sorted). e is a bit set: bit 1 (E_PAYLOAD_JSON) = <payload> is a JSON
 *        string literal (JSON.stringify), else the payload's UTF-8 bytes as they are (allowed only when
 *        they hold no NUL, TAB, LF or CR — true of virtually every exchange frame); bit 2 (E_CONN_JSON)
 *        = the same for conn. The CRC covers everything between the first TAB and the LF. Why v3: the
 *        Parquet conversion (convert.ts) reads it with DuckDB's CSV reader as ten typed columns, so no
 *        per-row JSON parse (from_json) or text surgery: measured 1.6-1.9 us per firehose row against
 *        2.9 us for v2; and the writer copies one pre-encoded run of fields per connection.
 *   v2:  <crc32, 8 lowercase hex> TAB <header JSON> TAB <payload> LF
 *        header = {"v":1,"seq":7,"recvNs":"1733900000000000000","source":"market_ws","conn":"c1",
 *                  "kind":"frame","e":0,"meta":{...keys sorted...}}      (meta always last)
 *        e = 0: <payload> is the payload's UTF-8 bytes as they are (no NUL, TAB, LF or CR);
 *        e = 1: <payload> is the payload as a JSON string literal (JSON.stringify).
 *   v1:  <crc32 of JSON, 8 lowercase hex> TAB <JSON object> LF
 *        JSON = {"v":1,"seq":7,"recvNs":"...","source":"market_ws","conn":"c1","kind":"frame",
 *                "meta":{...keys sorted...},"payload":"<verbatim text>"}
 *   A v1 or v2 body starts with '{', a v3 body with a digit; a v1 line holds exactly one raw TAB (JSON
 *   text never does), a v2 line two.
 * In all three, JSON escapes every control character and raw fields hold none of LF/CR/TAB/NUL, so a valid
 * line never contains a raw LF: lines are self-delimiting, and a reader can always resynchronise at the
 * next LF.
 *
 * Reading rules
 * - A line is valid when its CRC matches and its fields have the record shape. Records must come in strictly
 *   increasing seq; a valid line whose seq does not increase is treated as corrupt.
 * - Invalid bytes AFTER the last valid line are a torn tail (SIGKILL / power loss mid-write, or zero-filled
 *   blocks): dropped and counted, never fatal.
 * - Invalid lines FOLLOWED by valid ones are a corrupt middle: counted, reported once with the byte offset of
 *   the first bad line; every readable record is kept.
 * - An e=0 payload is decoded as UTF-8: bytes that are not valid UTF-8 read back as U+FFFD, exactly the
 *   text the record's payload held when it was written from those bytes.
 *
 * Memory: the reader streams the file in 1 MiB chunks; only the line being assembled is held (a single
 * huge payload is held whole).
 */
import { createReadStream } from 'node:fs';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { RECORD_KINDS, RawMetaSchema, SOURCES, metaToJson } from '../core/types/raw.ts';
import type { RawRecord } from '../core/types/raw.ts';

/**
 * One record as a v1 spool line's text (LF-terminated): the first format, still read (tests and the
 * write-read bench use it as the plain reference). Throws only if meta is not JSON-serialisable.
 * JSON.stringify escapes lone surrogates, so the text is well-formed and its UTF-8 bytes are exactly
 * what the CRC covers.
 */
export function spoolLineText(r: RawRecord): string {
  const json =
    `{"v":${r.v},"seq":${r.seq},"recvNs":"${r.recvNs}","source":${JSON.stringify(r.source)},` +
    `"conn":${JSON.stringify(r.conn)},"kind":${JSON.stringify(r.kind)},"meta":${metaToJson(r.meta)},` +
    `"payload":${JSON.stringify(r.payload)}}`;
  return `${(crc32(json) >>> 0).toString(16).padStart(8, '0')}\t${json}\n`;
}

/** One record as spool line bytes (LF-terminated). */
export function encodeSpoolLine(r: RawRecord): Buffer {
  return Buffer.from(spoolLineText(r), 'utf8');
}

const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** Buffer#latin1Write (Node's fast one-byte write; not in @types/node). */
interface Latin1Write {
  latin1Write(text: string, offset: number): number;
}

/** String.prototype.isWellFormed (Node >= 20; not in this TypeScript lib): no lone surrogate. */
interface WellFormed {
  isWellFormed(): boolean;
}

/** True when buf[from, to) holds a byte a raw v3 field may not (NUL, TAB, LF, CR). */
function forbiddenAt(buf: Uint8Array, from: number, to: number): boolean {
  const view = (from === 0 && to === buf.length ? buf : buf.subarray(from, to)) as Buffer;
  return view.indexOf(0x0a) >= 0 || view.indexOf(0x09) >= 0 || view.indexOf(0x0d) >= 0 || view.indexOf(0x00) >= 0;
}

/** Writes the decimal digits of a non-negative safe integer at p; returns the offset after them. */
function writeDigits(buf: Buffer, p: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return p + (buf as unknown as Latin1Write).latin1Write(String(n), p); // never valid: the reader refuses it
  if (n < 10) {
    buf[p] = 0x30 + n;
    return p + 1;
  }
  let len = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) len++;
  for (let i = p + len - 1; i >= p; i--) {
    const q = Math.floor(n / 10);
    buf[i] = 0x30 + (n - q * 10);
    n = q;
  }
  return p + len;
}

/** A text may stand raw in a v3 field: well-formed UTF-16 with none of NUL, TAB, LF, CR. */
function rawOk(text: string): boolean {
  return (text as unknown as WellFormed).isWellFormed() && !/[\0\t\n\r]/.test(text);
}

/** Bit of the v3 `e` field: the payload is a JSON string literal. */
export const E_PAYLOAD_JSON = 1;
/** Bit of the v3 `e` field: the conn is a JSON string literal. */
export const E_CONN_JSON = 2;

/** The v3 fields between recvNs and the payload, encoded once per (source, conn, kind, meta). */
interface Tail {
  readonly source: string;
  readonly conn: string;
  readonly kind: string;
  readonly metaJson: string;
  /** `\t<source>\t<conn>\t<kind>\t<e>\t<meta>\t` with the payload bit clear. */
  readonly bytes: Buffer;
  /** Index of the e digit in `bytes`. */
  readonly eAt: number;
  /** E_CONN_JSON or 0. */
  readonly e: number;
}

function makeTail(source: string, conn: string, kind: string, metaJson: string): Tail {
  const connRaw = rawOk(conn);
  const e = connRaw ? 0 : E_CONN_JSON;
  const head = `\t${source}\t${connRaw ? conn : JSON.stringify(conn)}\t${kind}\t`;
  const bytes = Buffer.from(`${head}${e}\t${metaJson}\t`, 'utf8');
  return { source, conn, kind, metaJson, bytes, eAt: Buffer.byteLength(head, 'utf8'), e };
}

const TAILS = 16;

/**
 * Encodes records as v3 spool lines straight into a caller's buffer (the recorder's hot path): the
 * fields after recvNs are encoded once per (source, conn, kind, meta text) and copied, the payload's
 * bytes are copied as received, and the CRC is taken over the bytes in place. Also counts what a
 * converter needs to know of the lines it wrote (escaped payloads / conns: see E_*).
 */
export class SpoolLineEncoder {
  private tail: Tail = makeTail('', '', '', '{}');
  /** The last TAILS tails (frames of several connections interleave: `--all` shards its sockets). */
  private readonly tails: Tail[] = [];
  private nextTail = 0;

  private tailFor(r: RawRecord, metaJson: string): Tail {
    for (const t of this.tails) {
      if (t.conn === r.conn && t.metaJson === metaJson && t.source === r.source && t.kind === r.kind) return (this.tail = t);
    }
    const t = makeTail(r.source, r.conn, r.kind, metaJson);
    this.tails[this.nextTail] = t;
    this.nextTail = (this.nextTail + 1) % TAILS;
    return (this.tail = t);
  }
  /** e bits of the last line written. */
  lastE = 0;
  /** recvNs is written as the digits of its whole second (cached) and the 9 digits of the rest. */
  private secBase = -(2n ** 70n); // no recvNs is within 1e9 of it: the first write computes the base
  private secDigits: Buffer = Buffer.alloc(0);

  private writeNs(buf: Buffer, p: number, ns: bigint): number {
    let rest = Number(ns - this.secBase);
    if (!(rest >= 0 && rest < 1e9)) {
      if (ns < 0n) return p + (buf as unknown as Latin1Write).latin1Write(String(ns), p);
      const sec = ns / 1_000_000_000n;
      this.secBase = sec * 1_000_000_000n;
      this.secDigits = sec === 0n ? Buffer.alloc(0) : Buffer.from(String(sec), 'latin1');
      rest = Number(ns - this.secBase);
    }
    const d = this.secDigits;
    if (d.length === 0) return writeDigits(buf, p, rest);
    buf.set(d, p);
    p += d.length;
    for (let i = p + 8; i >= p; i--) {
      const q = Math.floor(rest / 10);
      buf[i] = 0x30 + (rest - q * 10);
      rest = q;
    }
    return p + 9;
  }

  /** Upper bound of the bytes write() needs for r (UTF-8 <= 3 bytes per UTF-16 unit, JSON escapes <= 6 units). */
  bound(r: RawRecord, metaJson: string, payloadBytes?: Uint8Array): number {
    const p = 18 * r.payload.length;
    return 18 * (metaJson.length + r.conn.length) + (payloadBytes === undefined ? p : Math.max(payloadBytes.length, p)) + 120;
  }

  /**
   * Writes the v3 line of `r` (meta as `metaJson`, its canonical text) into `buf` at `off` (bound() bytes
   * free) and returns its byte length. `payloadBytes`, when given, are the UTF-8 bytes r.payload was
   * decoded from (a WebSocket frame as received): copied as they are. A payload string is written as
   * UTF-8 when it is well-formed. Either falls back to a JSON string literal (e bit 1) when the bytes
   * hold NUL/TAB/LF/CR or the string a lone surrogate.
   */
  write(buf: Buffer, off: number, r: RawRecord, metaJson: string, payloadBytes?: Uint8Array): number {
    let t = this.tail;
    if (t.conn !== r.conn || t.metaJson !== metaJson || t.source !== r.source || t.kind !== r.kind) t = this.tailFor(r, metaJson);
    const start = off + 9;
    // v, seq and recvNs as ASCII digits, stored byte by byte (no string per record)
    let p = writeDigits(buf, start, r.v);
    buf[p++] = 0x09;
    p = writeDigits(buf, p, r.seq);
    buf[p++] = 0x09;
    p = this.writeNs(buf, p, r.recvNs);
    const eAt = p + t.eAt;
    buf.set(t.bytes, p);
    p += t.bytes.length;
    const payloadAt = p;
    let e = t.e;
    if (payloadBytes !== undefined) {
      if (forbiddenAt(payloadBytes, 0, payloadBytes.length)) e |= E_PAYLOAD_JSON;
      else {
        buf.set(payloadBytes, p);
        p += payloadBytes.length;
      }
    } else if ((r.payload as unknown as WellFormed).isWellFormed()) {
      const n = buf.write(r.payload, p, 'utf8');
      if (forbiddenAt(buf, p, p + n)) e |= E_PAYLOAD_JSON;
      else p += n;
    } else e |= E_PAYLOAD_JSON;
    if ((e & E_PAYLOAD_JSON) !== 0) p = payloadAt + buf.write(JSON.stringify(r.payload), payloadAt, 'utf8');
    buf[eAt] = 0x30 + e;
    this.lastE = e;
    const crc = crc32(buf.subarray(start, p)) >>> 0;
    for (let i = 0; i < 8; i++) buf[off + i] = HEX_DIGITS[(crc >>> ((7 - i) * 4)) & 15] as number;
    buf[off + 8] = 0x09;
    buf[p++] = 0x0a;
    return p - off;
  }
}

/** One record as a v3 spool line (LF-terminated), as the writer writes it (from `payloadBytes` when given). */
export function encodeSpoolLineV3(r: RawRecord, payloadBytes?: Uint8Array): Buffer {
  const metaJson = metaToJson(r.meta);
  const enc = new SpoolLineEncoder();
  const buf = Buffer.allocUnsafe(enc.bound(r, metaJson, payloadBytes));
  return Buffer.from(buf.subarray(0, enc.write(buf, 0, r, metaJson, payloadBytes)));
}

/** One record as a v2 spool line (LF-terminated): the previous writer's format, still read. */
export function encodeSpoolLineV2(r: RawRecord): Buffer {
  const metaJson = metaToJson(r.meta);
  const header = `{"v":${r.v},"seq":${r.seq},"recvNs":"${r.recvNs}","source":"${r.source}","conn":${JSON.stringify(r.conn)},"kind":"${r.kind}","e":`;
  const raw = rawOk(r.payload);
  const body = Buffer.from(`${header}${raw ? 0 : 1},"meta":${metaJson}}\t${raw ? r.payload : JSON.stringify(r.payload)}`, 'utf8');
  return Buffer.concat([Buffer.from(`${(crc32(body) >>> 0).toString(16).padStart(8, '0')}\t`, 'latin1'), body, Buffer.from('\n')]);
}

const SpoolLineSchema = z.object({
  v: z.number().int().positive(),
  seq: z.number().int().nonnegative(),
  recvNs: z.string().regex(/^\d{1,20}$/),
  source: z.enum(SOURCES),
  conn: z.string(),
  kind: z.enum(RECORD_KINDS),
  meta: RawMetaSchema,
  payload: z.string(),
});

const SpoolHeaderSchema = SpoolLineSchema.omit({ payload: true }).extend({ e: z.union([z.literal(0), z.literal(1)]) });

const DIGITS = /^\d{1,20}$/;

/** Decodes one line (without its LF). Returns null when the line is not a valid record. */
export function decodeSpoolLine(line: Buffer): RawRecord | null {
  if (line.length < 11 || line[8] !== 0x09) return null;
  const hex = line.toString('latin1', 0, 8);
  if (!/^[0-9a-f]{8}$/.test(hex)) return null;
  const body = line.subarray(9);
  if (crc32(body) !== Number.parseInt(hex, 16)) return null;
  try {
    if (body[0] !== 0x7b) return decodeV3(body);
    const tab = body.indexOf(0x09);
    if (tab < 0) {
      // v1: one JSON object
      const r = SpoolLineSchema.safeParse(JSON.parse(body.toString('utf8')));
      if (!r.success) return null;
      const d = r.data;
      return { v: d.v, seq: d.seq, recvNs: BigInt(d.recvNs), source: d.source, conn: d.conn, kind: d.kind, meta: d.meta, payload: d.payload };
    }
    const h = SpoolHeaderSchema.safeParse(JSON.parse(body.toString('utf8', 0, tab)));
    if (!h.success) return null;
    const d = h.data;
    const text = body.toString('utf8', tab + 1);
    const payload: unknown = d.e === 0 ? text : JSON.parse(text);
    if (typeof payload !== 'string') return null;
    return { v: d.v, seq: d.seq, recvNs: BigInt(d.recvNs), source: d.source, conn: d.conn, kind: d.kind, meta: d.meta, payload };
  } catch {
    return null;
  }
}

/** v3 body: v, seq, recvNs, source, conn, kind, e, meta, payload, TAB-separated (see the header). */
function decodeV3(body: Buffer): RawRecord | null {
  const f: string[] = [];
  let from = 0;
  for (let i = 0; i < 8; i++) {
    const tab = body.indexOf(0x09, from);
    if (tab < 0) return null;
    f.push(body.toString('utf8', from, tab));
    from = tab + 1;
  }
  const [vText, seqText, nsText, source, connText, kind, eText, metaText] = f as [string, string, string, string, string, string, string, string];
  if (!DIGITS.test(vText) || !DIGITS.test(seqText) || !DIGITS.test(nsText) || !/^[0-3]$/.test(eText)) return null;
  const e = Number(eText);
  const text = body.toString('utf8', from);
  const conn: unknown = (e & E_CONN_JSON) === 0 ? connText : JSON.parse(connText);
  const payload: unknown = (e & E_PAYLOAD_JSON) === 0 ? text : JSON.parse(text);
  const r = SpoolLineSchema.safeParse({ v: Number(vText), seq: Number(seqText), recvNs: nsText, source, conn, kind, meta: JSON.parse(metaText), payload });
  if (!r.success || !Number.isSafeInteger(r.data.seq)) return null;
  const d = r.data;
  return { v: d.v, seq: d.seq, recvNs: BigInt(d.recvNs), source: d.source, conn: d.conn, kind: d.kind, meta: d.meta, payload: d.payload };
}

export interface SpoolReadStats {
  /** Valid records yielded. */
  records: number;
  /** Invalid lines followed later by valid ones. */
  corruptLines: number;
  /** Byte offset of the first corrupt line, or null. */
  firstCorruptOffset: number | null;
  /** Invalid lines (including an unterminated last fragment) after the last valid record. */
  tornLines: number;
  /** Bytes after the end of the last valid line. */
  tornBytes: number;
  /** Total bytes in the file. */
  bytes: number;
}

/**
 * Streams the valid records of a spool file in file order; `stats` is complete when iteration ends.
 * Never throws for bad content; throws only for I/O errors (missing file, EIO).
 */
export async function* readSpool(path: string, stats: SpoolReadStats): AsyncGenerator<RawRecord> {
  let offset = 0; // file offset of the start of `pending`
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let lastSeq = -1;
  let endOfValid = 0; // file offset just after the last valid line
  let badSinceValid = 0;
  let badSinceValidOffset: number | null = null;

  const onLine = (line: Buffer, lineOffset: number): RawRecord | null => {
    const rec = decodeSpoolLine(line);
    if (rec === null || rec.seq <= lastSeq) {
      if (badSinceValid === 0) badSinceValidOffset = lineOffset;
      badSinceValid++;
      return null;
    }
    if (badSinceValid > 0) {
      stats.corruptLines += badSinceValid;
      if (stats.firstCorruptOffset === null) stats.firstCorruptOffset = badSinceValidOffset;
      badSinceValid = 0;
      badSinceValidOffset = null;
    }
    lastSeq = rec.seq;
    endOfValid = lineOffset + line.length + 1;
    stats.records++;
    return rec;
  };

  for await (const chunkAny of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const chunk = chunkAny as Buffer;
    stats.bytes += chunk.length;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      let line: Buffer;
      if (pendingLen > 0) {
        pending.push(chunk.subarray(start, nl));
        line = Buffer.concat(pending, pendingLen + (nl - start));
        pending = [];
        pendingLen = 0;
      } else {
        line = chunk.subarray(start, nl);
      }
      const lineOffset = offset;
      offset += line.length + 1;
      const rec = onLine(line, lineOffset);
      if (rec !== null) yield rec;
      start = nl + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingLen += chunk.length - start;
    }
  }
  // An unterminated fragment is never a complete write: the LF is the last byte of every append.
  if (pendingLen > 0) badSinceValid++;
  stats.tornLines += badSinceValid;
  stats.tornBytes += stats.bytes - endOfValid;
}

export function emptySpoolStats(): SpoolReadStats {
  return { records: 0, corruptLines: 0, firstCorruptOffset: null, tornLines: 0, tornBytes: 0, bytes: 0 };
}
