/**
 * Spool format v1: the crash-safe, append-only staging file every received record goes through before it
 * becomes Parquet.
 *
 * One record per line:  <crc32 of JSON, 8 lowercase hex> TAB <JSON object> LF
 *   JSON = {"v":1,"seq":7,"recvNs":"1733900000000000000","source":"market_ws","conn":"c1","kind":"frame",
 *           "meta":{...keys sorted...},"payload":"<verbatim text>"}
 * JSON.stringify escapes every control character, so a valid line never contains a raw LF (or CR, NUL):
 * lines are self-delimiting, and a reader can always resynchronise at the next LF.
 *
 * Reading rules
 * - A line is valid when its CRC matches and its JSON has the record shape. Records must come in strictly
 *   increasing seq; a valid line whose seq does not increase is treated as corrupt.
 * - Invalid bytes AFTER the last valid line are a torn tail (SIGKILL / power loss mid-write, or zero-filled
 *   blocks): dropped and counted, never fatal.
 * - Invalid lines FOLLOWED by valid ones are a corrupt middle: counted, reported once with the byte offset of
 *   the first bad line; every readable record is kept.
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
 * One record as spool line text (LF-terminated). The writer keeps these strings and encodes a whole flush
 * at once. Throws only if meta is not JSON-serialisable. JSON.stringify escapes lone surrogates, so the
 * text is well-formed and its UTF-8 bytes are exactly what the CRC covers.
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

/** Decodes one line (without its LF). Returns null when the line is not a valid record. */
export function decodeSpoolLine(line: Buffer): RawRecord | null {
  if (line.length < 11 || line[8] !== 0x09) return null;
  const hex = line.toString('latin1', 0, 8);
  if (!/^[0-9a-f]{8}$/.test(hex)) return null;
  const body = line.subarray(9);
  if (crc32(body) !== Number.parseInt(hex, 16)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  const r = SpoolLineSchema.safeParse(parsed);
  if (!r.success) return null;
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
