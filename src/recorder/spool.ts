/**
 * The spool: the crash-safe, append-only staging file every received record goes through before it
 * becomes Parquet. One record per LF-terminated line, in one of two formats (a reader takes both; the
 * writer writes v2):
 *
 *   v2:  <crc32, 8 lowercase hex> TAB <header JSON> TAB <payload> LF
 *        header = {"v":1,"seq":7,"recvNs":"1733900000000000000","source":"market_ws","conn":"c1",
 *                  "kind":"frame","e":0,"meta":{...keys sorted...}}      (meta always last)
 *        e = 0: <payload> is the payload's UTF-8 bytes as they are (allowed only when they contain no
 *               NUL, TAB, LF or CR — true of virtually every exchange frame);
 *        e = 1: <payload> is the payload as a JSON string literal (JSON.stringify).
 *        The CRC covers everything between the first TAB and the LF.
 *   v1:  <crc32 of JSON, 8 lowercase hex> TAB <JSON object> LF
 *        JSON = {"v":1,"seq":7,"recvNs":"...","source":"market_ws","conn":"c1","kind":"frame",
 *                "meta":{...keys sorted...},"payload":"<verbatim text>"}
 *   A v1 line holds exactly one raw TAB (JSON text never does); a v2 line two. Why v2: building the v1
 *   line JSON-escapes the whole payload on the ingest thread (measured ~3.5 us of a firehose frame's
 *   ~10 us) and makes the Parquet conversion parse it again; v2 copies the frame's bytes and lets
 *   DuckDB take the payload column as it is (convert.ts).
 * In both, JSON escapes every control character and e=0 payloads hold none of LF/CR/TAB/NUL, so a valid
 * line never contains a raw LF: lines are self-delimiting, and a reader can always resynchronise at the
 * next LF.
 *
 * Reading rules
 * - A line is valid when its CRC matches and its JSON has the record shape. Records must come in strictly
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
 * One record as spool line text (LF-terminated): the reference encoding (the writer's hot path,
 * writeSpoolLineOf, produces the same bytes). Throws only if meta is not JSON-serialisable.
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

/** String.prototype.isWellFormed (Node >= 20; not in this TypeScript lib): no lone surrogate. */
interface WellFormed {
  isWellFormed(): boolean;
}

/** Upper bound of the bytes writeSpoolLineOf needs for r (UTF-8 <= 3 bytes per UTF-16 unit, JSON escapes <= 6 units). */
export function spoolLineBound(r: RawRecord, metaJson: string, connJson: string, payloadBytes?: Uint8Array): number {
  return 3 * (metaJson.length + connJson.length) + (payloadBytes === undefined ? 18 * r.payload.length : Math.max(payloadBytes.length, 18 * r.payload.length)) + 200;
}

/** True when buf[from, to) holds a byte a raw (e=0) payload may not (NUL, TAB, LF, CR). */
function forbiddenAt(buf: Uint8Array, from: number, to: number): boolean {
  const view = buf.subarray(from, to) as Buffer;
  return view.indexOf(0x0a) >= 0 || view.indexOf(0x0d) >= 0 || view.indexOf(0x09) >= 0 || view.indexOf(0x00) >= 0;
}

/**
 * Writes the v2 spool line of `r` into `buf` at `off` and returns its byte length (the recorder's hot
 * path: every piece is encoded once, straight into the buffer, and the CRC taken over the bytes).
 * `payloadBytes`, when given, are the UTF-8 bytes r.payload was decoded from (a WebSocket frame as
 * received): copied as they are. A payload string is written as UTF-8 when it is well-formed. Either
 * falls back to e=1 (JSON.stringify of r.payload) when the bytes hold NUL/TAB/LF/CR or the string a lone
 * surrogate. `buf` needs spoolLineBound() bytes from `off`. (source and kind are enum names, plain ASCII
 * words: written without escaping.)
 */
export function writeSpoolLineOf(buf: Buffer, off: number, r: RawRecord, metaJson: string, connJson: string, payloadBytes?: Uint8Array): number {
  const start = off + 9;
  let p = start;
  p += buf.write(`{"v":${r.v},"seq":${r.seq},"recvNs":"${r.recvNs}","source":"${r.source}","conn":${connJson},"kind":"${r.kind}","e":`, p, 'utf8');
  const eAt = p;
  p += buf.write(`0,"meta":${metaJson}}\t`, p, 'utf8');
  const payloadAt = p;
  let raw = false;
  if (payloadBytes !== undefined) {
    if (!forbiddenAt(payloadBytes, 0, payloadBytes.length)) {
      buf.set(payloadBytes, p);
      p += payloadBytes.length;
      raw = true;
    }
  } else if ((r.payload as unknown as WellFormed).isWellFormed()) {
    const n = buf.write(r.payload, p, 'utf8');
    if (!forbiddenAt(buf, p, p + n)) {
      p += n;
      raw = true;
    }
  }
  if (!raw) {
    buf[eAt] = 0x31; // e=1
    p = payloadAt + buf.write(JSON.stringify(r.payload), payloadAt, 'utf8');
  }
  const crc = crc32(buf.subarray(start, p)) >>> 0;
  for (let i = 0; i < 8; i++) buf[off + i] = HEX_DIGITS[(crc >>> ((7 - i) * 4)) & 15] as number;
  buf[off + 8] = 0x09;
  buf[p++] = 0x0a;
  return p - off;
}

/** One record as a v2 spool line (LF-terminated), as the writer writes it. */
export function encodeSpoolLineV2(r: RawRecord): Buffer {
  const metaJson = metaToJson(r.meta);
  const connJson = JSON.stringify(r.conn);
  const buf = Buffer.allocUnsafe(spoolLineBound(r, metaJson, connJson));
  return Buffer.from(buf.subarray(0, writeSpoolLineOf(buf, 0, r, metaJson, connJson)));
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

/** Decodes one line (without its LF). Returns null when the line is not a valid record. */
export function decodeSpoolLine(line: Buffer): RawRecord | null {
  if (line.length < 11 || line[8] !== 0x09) return null;
  const hex = line.toString('latin1', 0, 8);
  if (!/^[0-9a-f]{8}$/.test(hex)) return null;
  const body = line.subarray(9);
  if (crc32(body) !== Number.parseInt(hex, 16)) return null;
  const tab = body.indexOf(0x09);
  try {
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
