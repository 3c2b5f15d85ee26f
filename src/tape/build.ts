/**
 * Building a tape: the recording is cut into seq ranges (chunks), each chunk is read (readRecording with a
 * seq range), normalized and encoded into batches of BATCH_ROWS records (its last batch may be shorter), and
 * the batches are written chunk by chunk in seq order. The serial build runs the same chunks in this thread,
 * so a parallel build's file is byte-identical to a serial one (tested).
 *
 * Parallel build: `threads` worker threads (build-worker.mjs -> build-task.ts), each with its own DuckDB
 * reader, take one chunk at a time; their batches come back as transferred typed arrays and are written in
 * order. Memory is bounded: at most `threads` chunks are in flight (dispatched but not yet written), so what
 * waits in memory is at most threads - 1 chunks of encoded batches (~16 batches each), whatever the length.
 * A worker is never terminated mid-chunk (DuckDB's native reader aborts the process when its thread is
 * killed mid-query): on an error, the build stops dispatching, lets the other chunks finish, then fails.
 * Chunks: boundaries every `chunkSeqs` seqs inside each part's [firstSeq, lastSeq] (manifest), the first
 * chunk open below and the last open above, so every record lands in exactly one chunk whatever the manifest says.
 */
import { isData } from '../core/outages.ts';
import { normalizeRecord } from '../core/normalize/index.ts';
import { RECORD_KINDS, SOURCES, type RawRecord } from '../core/types/raw.ts';
import type { RecordingErrorCode } from '../recorder/errors.ts';
import { readRecording } from '../recorder/read.ts';
import { asciiJson, BATCH_ROWS, BatchEncoder, type EncodedBatch } from './codec.ts';

/** Seqs per chunk: 16 batches. */
export const CHUNK_SEQS = 16 * BATCH_ROWS;

export interface Chunk {
  readonly id: number;
  readonly fromSeq?: number;
  readonly toSeq?: number;
}

export function planChunks(files: readonly { readonly firstSeq: number; readonly lastSeq: number }[], chunkSeqs = CHUNK_SEQS): Chunk[] {
  const bounds: number[] = [];
  for (const f of [...files].sort((a, b) => a.firstSeq - b.firstSeq)) {
    for (let s = f.firstSeq + chunkSeqs; s <= f.lastSeq; s += chunkSeqs) if (bounds.length === 0 || s > bounds[bounds.length - 1]!) bounds.push(s);
  }
  const out: Chunk[] = [];
  for (let i = 0; i <= bounds.length; i++) {
    out.push({ id: i, ...(i > 0 ? { fromSeq: bounds[i - 1]! } : {}), ...(i < bounds.length ? { toSeq: bounds[i]! } : {}) });
  }
  return out;
}

const SOURCE_IX = new Map<string, number>(SOURCES.map((s, i) => [s, i]));
const KIND_IX = new Map<string, number>(RECORD_KINDS.map((s, i) => [s, i]));

/** Normalizes and encodes one record into `enc`; returns its number of events. */
export function encodeRecord(enc: BatchEncoder, raw: RawRecord): number {
  const events = normalizeRecord(raw);
  enc.row(
    raw,
    events,
    SOURCE_IX.get(raw.source)!,
    KIND_IX.get(raw.kind)!,
    raw.kind === 'frame' && isData(raw.payload) ? null : raw.payload,
    Object.keys(raw.meta).length === 0 ? '' : asciiJson(raw.meta),
  );
  return events.length;
}

/** The encoded batches of one chunk, in seq order. `shapes`: the key-order checks, shared across chunks. */
export async function* encodeChunk(dir: string, chunk: Chunk, shapes: Map<string, boolean>): AsyncGenerator<EncodedBatch> {
  let enc = new BatchEncoder(BATCH_ROWS, shapes);
  const opts = { ...(chunk.fromSeq !== undefined ? { fromSeq: chunk.fromSeq } : {}), ...(chunk.toSeq !== undefined ? { toSeq: chunk.toSeq } : {}) };
  for await (const raw of readRecording(dir, opts)) {
    encodeRecord(enc, raw);
    if (enc.size === BATCH_ROWS) {
      yield enc.finish();
      enc = new BatchEncoder(BATCH_ROWS, shapes);
    }
  }
  if (enc.size > 0) yield enc.finish();
}

/** The ArrayBuffers of a batch's columns (to transfer it to another thread). */
export function buffersOf(b: EncodedBatch): ArrayBuffer[] {
  const set = new Set<ArrayBuffer>();
  for (const v of Object.values(b) as unknown[]) {
    if (ArrayBuffer.isView(v)) set.add(v.buffer as ArrayBuffer);
    else if (v !== null && typeof v === 'object') for (const w of Object.values(v) as unknown[]) if (ArrayBuffer.isView(w)) set.add(w.buffer as ArrayBuffer);
  }
  return [...set];
}

/** Messages of the build protocol (main <-> build-task.ts). */
export type ToWorker = { readonly dir: string; readonly chunk: Chunk };
export type FromWorker =
  | { readonly type: 'batch'; readonly id: number; readonly batch: EncodedBatch }
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string; readonly recordingCode: RecordingErrorCode | null };
