/**
 * Deterministic CSV (RFC 4180): comma separated, "\n" line ends, a header row, fields quoted only
 * when they contain a comma, quote, CR or LF. Values arrive already formatted as exact strings.
 */
export type CsvValue = string | number | bigint | boolean | null;

function field(v: CsvValue): string {
  if (v === null) return '';
  const s = typeof v === 'string' ? v : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function toCsv<R>(columns: readonly { readonly name: string; readonly get: (row: R) => CsvValue }[], rows: Iterable<R>): string {
  const out: string[] = [columns.map((c) => field(c.name)).join(',')];
  for (const row of rows) out.push(columns.map((c) => field(c.get(row))).join(','));
  return out.join('\n') + '\n';
}

/** Stable JSON: object keys in insertion order (build objects in a fixed order), bigint as string, 2-space indent. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
}
