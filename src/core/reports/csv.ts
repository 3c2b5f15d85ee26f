/**
 * Deterministic CSV (RFC 4180): comma separated, "\n" line ends, a header row, fields quoted only
 * when they contain a comma, quote, CR or LF, or when their column is declared `text` (identifiers that
 * look like numbers, such as 77-digit token ids: quoted, they say "text" to a reader that honours quotes;
 * DuckDB's and pandas' type sniffers do not, see README "Reading the reports"). Values arrive already
 * formatted as exact strings.
 */
export type CsvValue = string | number | bigint | boolean | null;

function field(v: CsvValue, text = false): string {
  if (v === null) return '';
  const s = typeof v === 'string' ? v : String(v);
  return text || /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export interface CsvColumn<R> {
  readonly name: string;
  readonly get: (row: R) => CsvValue;
  /** Always quote non-empty values (identifiers that look like numbers). */
  readonly text?: boolean;
}

export function toCsv<R>(columns: readonly CsvColumn<R>[], rows: Iterable<R>): string {
  const out: string[] = [columns.map((c) => field(c.name)).join(',')];
  for (const row of rows) out.push(columns.map((c) => field(c.get(row), c.text === true)).join(','));
  return out.join('\n') + '\n';
}

/** Stable JSON: object keys in insertion order (build objects in a fixed order), bigint as string, 2-space indent. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
}
