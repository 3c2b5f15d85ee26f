/**
 * RawRecord: the one unit everything captured is stored as, and the only thing replay reads.
 *
 * Format version 1. Fields (Parquet column in brackets):
 * - v        [v UTINYINT]         format version of this shape (RAW_FORMAT_VERSION).
 * - seq      [seq UBIGINT]        global sequence number, strictly increasing in receive order within a recording.
 * - recvNs   [recv_ns BIGINT]     receive time, nanoseconds since the Unix epoch (UTC), taken by the recorder
 *                                 when the frame/response arrived. Never rewritten.
 * - source   [source VARCHAR]     which feed: market_ws | user_ws | rtds_ws | clob_rest | gamma_rest.
 * - conn     [conn VARCHAR]       connection id (one per WS connection attempt, or one per HTTP request chain).
 * - kind     [kind VARCHAR]       open | frame | send | close | error | request | response.
 *                                 `send` is a frame we sent (subscribe, PING): gaps and subscriptions stay explicit.
 * - meta     [meta VARCHAR JSON]  metadata: url, method, status, code, reason, attempt, ... (see RawMeta).
 * - payload  [payload VARCHAR]    the verbatim text: WS frame text, HTTP body, error message; '' when none.
 *
 * Records are stored raw and normalized on read: a mapper fix replays over old recordings.
 */
import { z } from 'zod';

export const RAW_FORMAT_VERSION = 1;

export const SOURCES = ['market_ws', 'user_ws', 'rtds_ws', 'clob_rest', 'gamma_rest'] as const;
export type Source = (typeof SOURCES)[number];

export const RECORD_KINDS = ['open', 'frame', 'send', 'close', 'error', 'request', 'response'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** Rank of each source in the bus's total order: ties on time break on (source rank, seq). */
export const SOURCE_RANK: Readonly<Record<Source, number>> = {
  market_ws: 0,
  user_ws: 1,
  rtds_ws: 2,
  clob_rest: 3,
  gamma_rest: 4,
};

export const RawMetaSchema = z
  .object({
    url: z.string().optional(),
    method: z.string().optional(),
    status: z.number().int().optional(),
    code: z.number().int().optional(),
    reason: z.string().optional(),
    attempt: z.number().int().optional(),
    assets: z.array(z.string()).optional(),
  })
  .catchall(z.unknown());
export type RawMeta = z.infer<typeof RawMetaSchema>;

export interface RawRecord {
  readonly v: number;
  readonly seq: number;
  readonly recvNs: bigint;
  readonly source: Source;
  readonly conn: string;
  readonly kind: RecordKind;
  readonly meta: RawMeta;
  readonly payload: string;
}

/** Boundary schema for records coming from storage or user input. */
export const RawRecordSchema = z.object({
  v: z.number().int().positive(),
  seq: z.number().int().nonnegative(),
  recvNs: z.bigint().nonnegative(),
  source: z.enum(SOURCES),
  conn: z.string(),
  kind: z.enum(RECORD_KINDS),
  meta: RawMetaSchema,
  payload: z.string(),
});

/** Stable JSON text of meta: keys sorted so equal metadata always stores as equal bytes. */
export function metaToJson(meta: RawMeta): string {
  const keys = Object.keys(meta).sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) if (meta[k] !== undefined) out[k] = meta[k];
  return JSON.stringify(out);
}

export function metaFromJson(text: string): RawMeta {
  if (text === '') return {};
  return RawMetaSchema.parse(JSON.parse(text));
}

/** Builds a record; the seq and time come from the caller (recorder or test), never from here. */
export function rawRecord(fields: Omit<RawRecord, 'v' | 'meta'> & { meta?: RawMeta }): RawRecord {
  return { v: RAW_FORMAT_VERSION, meta: {}, ...fields };
}
