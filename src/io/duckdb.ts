/**
 * DuckDB access for poly: one in-process, in-memory database per use (recorder conversion, replay reader,
 * `poly inspect --sql`). Parquet files on disk are the storage; DuckDB is only the engine that writes and
 * reads them.
 *
 * Invariants
 * - Every `Duck` owns its instance and connection; `close()` releases both and is idempotent.
 * - SQL text built here only embeds values through `sqlString` (single quotes doubled); user SQL is run
 *   verbatim and only by `poly inspect --sql`.
 * - `duckErrorLine` reduces DuckDB's multi-line error messages (with caret diagrams) to one line.
 *
 * Known limits: a streaming result must be drained or abandoned before the connection runs another
 * statement; callers that interleave queries open a second `Duck`.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';

export interface Duck {
  readonly conn: DuckDBConnection;
  close(): void;
}

export interface DuckOptions {
  /** Database file (default ':memory:'); a file lets large tables live on disk. */
  path?: string;
  /** DuckDB worker threads (default: DuckDB's own, = cores). */
  threads?: number;
  /** e.g. '512MB'. */
  memoryLimit?: string;
  /** Where DuckDB spills sorts/aggregates that exceed memoryLimit (default: DuckDB's own, `<db>.tmp`). */
  tempDirectory?: string;
  /** DuckDB's preserve_insertion_order (default true); false lets it stream and spill more freely. */
  preserveInsertionOrder?: boolean;
}

export async function openDuck(opts: DuckOptions = {}): Promise<Duck> {
  const config: Record<string, string> = {};
  if (opts.threads !== undefined) config['threads'] = String(opts.threads);
  if (opts.memoryLimit !== undefined) config['memory_limit'] = opts.memoryLimit;
  if (opts.tempDirectory !== undefined) config['temp_directory'] = opts.tempDirectory;
  if (opts.preserveInsertionOrder !== undefined) config['preserve_insertion_order'] = String(opts.preserveInsertionOrder);
  const instance = await DuckDBInstance.create(opts.path ?? ':memory:', config);
  const conn = await instance.connect();
  let closed = false;
  return {
    conn,
    close() {
      if (closed) return;
      closed = true;
      conn.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs `fn` with a fresh in-memory DuckDB and always closes it. */
export async function withDuck<T>(fn: (duck: Duck) => Promise<T>, opts: DuckOptions = {}): Promise<T> {
  const duck = await openDuck(opts);
  try {
    return await fn(duck);
  } finally {
    duck.close();
  }
}

/** A SQL string literal: 'it''s'. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A SQL list of string literals: ['a', 'b']. */
export function sqlStringList(items: readonly string[]): string {
  return `[${items.map(sqlString).join(', ')}]`;
}

/** First meaningful line of a DuckDB error, e.g. `Parser Error: syntax error at or near "SELEC"`. */
export function duckErrorLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const line = msg
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  // the streaming API wraps parse errors: "Failed to extract statements: Parser Error: ..."
  return line?.replace(/^Failed to extract statements: /, '') ?? 'unknown DuckDB error';
}
