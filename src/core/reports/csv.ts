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

/**
 * Parses RFC 4180 CSV as toCsv writes it (quoted fields may hold commas, quotes and line breaks; "\n" or
 * "\r\n" line ends; a trailing newline ends the last row). Returns the header and rows of strings (an empty
 * field is ""). Throws on a row whose field count differs from the header's, or an unterminated quote.
 */
export function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let started = false;
  const n = text.length;
  const endField = (): void => {
    row.push(field);
    field = '';
    started = false;
  };
  while (i < n) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        continue;
      }
      field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === '' && !started) {
      quoted = true;
      started = true;
      i += 1;
    } else if (c === ',') {
      endField();
      i += 1;
    } else if (c === '\n' || c === '\r') {
      endField();
      rows.push(row);
      row = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      started = true;
      i += 1;
    }
  }
  if (quoted) throw new Error('parseCsv: unterminated quoted field');
  if (field !== '' || started || row.length > 0) {
    endField();
    rows.push(row);
  }
  const header = rows.shift() ?? [];
  rows.forEach((r, k) => {
    if (r.length !== header.length) throw new Error(`parseCsv: row ${k + 2} has ${r.length} fields, the header ${header.length}`);
  });
  return { header, rows };
}
