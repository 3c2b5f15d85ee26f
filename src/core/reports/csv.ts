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
  const n = text.length;
  let row: string[] = [];
  let i = 0;
  // fields are sliced, never built a character at a time (a 100 MB orders.csv must parse in seconds)
  while (i < n) {
    let field: string;
    if (text.charCodeAt(i) === 34 /* " */) {
      let out = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) throw new Error('parseCsv: unterminated quoted field');
        out += text.slice(from, q);
        if (text.charCodeAt(q + 1) === 34) {
          out += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      field = out;
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 44 /* , */ || c === 10 /* \n */ || c === 13 /* \r */) break;
        j += 1;
      }
      field = text.slice(i, j);
      i = j;
    }
    row.push(field);
    const c = i < n ? text.charCodeAt(i) : -1;
    if (c === 44) {
      i += 1;
      if (i === n) row.push('');
    } else if (c === 10 || c === 13) {
      rows.push(row);
      row = [];
      i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
    } else if (c !== -1) {
      throw new Error(`parseCsv: unexpected character after a quoted field at offset ${i}`);
    }
  }
  if (row.length > 0) rows.push(row);
  const header = rows.shift() ?? [];
  rows.forEach((r, k) => {
    if (r.length !== header.length) throw new Error(`parseCsv: row ${k + 2} has ${r.length} fields, the header ${header.length}`);
  });
  return { header, rows };
}
