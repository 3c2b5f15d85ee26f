/**
 * On-disk layout of a recording directory (format version 1).
 *
 *   DIR/manifest.json                                  written atomically (tmp + rename); see manifest.ts
 *   DIR/.lock                                          pid of the writing process; see lock.ts
 *   DIR/spool/seg-<firstSeq, 20 digits>.spool          crash-safe append-only segments; see spool.ts
 *   DIR/date=YYYY-MM-DD/part-<firstSeq>-<lastSeq>.parquet   seqs zero-padded to 12 digits (more if needed)
 *   DIR/date=YYYY-MM-DD/.part-....parquet.tmp          a conversion in progress (removed by repair)
 *
 * Invariants
 * - Each Parquet part holds one contiguous seq range, rows in seq order, all rows within one UTC date
 *   (the date of recvNs). Parts never overlap, so reading parts in firstSeq order yields the recording in
 *   seq order without a global sort.
 * - Zero-padded names sort lexicographically in seq order.
 * - Temp names start with '.' and end in '.tmp', so `read_parquet('DIR/** /*.parquet')` never sees them.
 *
 * Parquet schema (ZSTD): v UTINYINT, seq UBIGINT, recv_ns BIGINT, source VARCHAR, conn VARCHAR,
 * kind VARCHAR, meta VARCHAR (JSON, keys sorted, see metaToJson), payload VARCHAR (verbatim).
 * DuckDB adds a `date` VARCHAR column from the hive partition when reading with a glob.
 */
export const MANIFEST_FILE = 'manifest.json';
export const LOCK_FILE = '.lock';
export const SPOOL_DIR = 'spool';
export const SPOOL_EXT = '.spool';

export const PARQUET_COLUMNS = [
  ['v', 'UTINYINT'],
  ['seq', 'UBIGINT'],
  ['recv_ns', 'BIGINT'],
  ['source', 'VARCHAR'],
  ['conn', 'VARCHAR'],
  ['kind', 'VARCHAR'],
  ['meta', 'VARCHAR'],
  ['payload', 'VARCHAR'],
] as const;

export const PARQUET_COLUMN_LIST = PARQUET_COLUMNS.map(([n]) => n).join(', ');
export const PARQUET_TABLE_DDL = PARQUET_COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ');

const NS_PER_MS = 1_000_000n;

/** UTC date (YYYY-MM-DD) of a receive time in ns. */
export function utcDate(ns: bigint): string {
  return new Date(Number(ns / NS_PER_MS)).toISOString().slice(0, 10);
}

/** ISO-8601 UTC text of a time in ns (millisecond precision), for people. */
export function isoFromNs(ns: bigint): string {
  return new Date(Number(ns / NS_PER_MS)).toISOString();
}

export function padSeq(seq: number, width = 12): string {
  return String(seq).padStart(width, '0');
}

export function spoolName(firstSeq: number): string {
  return `seg-${padSeq(firstSeq, 20)}${SPOOL_EXT}`;
}

/** Path of a Parquet part relative to DIR (always '/' separated: it is also the manifest key). */
export function partPath(date: string, firstSeq: number, lastSeq: number): string {
  return `date=${date}/part-${padSeq(firstSeq)}-${padSeq(lastSeq)}.parquet`;
}

export function partTmpPath(date: string, firstSeq: number, lastSeq: number): string {
  return `date=${date}/.part-${padSeq(firstSeq)}-${padSeq(lastSeq)}.parquet.tmp`;
}

export const PART_RE = /^part-(\d+)-(\d+)\.parquet$/;
export const DATE_DIR_RE = /^date=(\d{4}-\d{2}-\d{2})$/;
