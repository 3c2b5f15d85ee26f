/**
 * PMXT archive hours: names, URLs and ranges.
 *
 * The PMXT v2 archive holds one Parquet file per UTC hour, named
 * `polymarket_orderbook_YYYY-MM-DDTHH.parquet` under a base URL (default https://r2v2.pmxt.dev; PROTOCOL.md
 * §6.4). An hour is identified by its start, epoch ms, a multiple of 3,600,000.
 *
 * Invariants
 * - `hoursInRange(from, to)` is every hour that overlaps [from, to): from floor(from) up to the last hour
 *   starting before `to`, in order. An empty range gives no hours.
 * - `hourOfFileName` accepts exactly the archive's file name (any directory, any case of the extension is
 *   not accepted: the archive uses `.parquet`); anything else gives null and the hour is taken from the data.
 * - `parseTimeArg` accepts ISO-8601 UTC (`2026-05-01`, `2026-05-01T13`, `2026-05-01T13:30`, with seconds,
 *   fractions and `Z`/`+00:00`) and returns epoch ms; a fraction below 1 ms is truncated. null when not one.
 */
import { parseTime } from '../core/units.ts';

export const HOUR_MS = 3_600_000;
export const PMXT_V2_BASE_URL = 'https://r2v2.pmxt.dev';
/** First hour of the v2 archive (PROTOCOL.md §6.4). */
export const PMXT_V2_FIRST_HOUR_MS = Date.UTC(2026, 3, 13, 19);

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** 'YYYY-MM-DDTHH' of the hour containing `ms` (UTC). */
export function hourName(ms: number): string {
  const d = new Date(floorHour(ms));
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}`;
}

export const floorHour = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

export const pmxtFileName = (hourMs: number): string => `polymarket_orderbook_${hourName(hourMs)}.parquet`;

/** `{base}/polymarket_orderbook_YYYY-MM-DDTHH.parquet` (one trailing slash of base ignored). */
export const pmxtHourUrl = (baseUrl: string, hourMs: number): string => `${baseUrl.replace(/\/+$/, '')}/${pmxtFileName(hourMs)}`;

const FILE_RE = /(?:^|[/\\])polymarket_orderbook_(\d{4})-(\d{2})-(\d{2})T(\d{2})\.parquet$/;

/** Hour start (epoch ms) named by a path or URL path ending in the archive's file name, else null. */
export function hourOfFileName(pathOrUrl: string): number | null {
  const path = pathOrUrl.replace(/[?#].*$/, '');
  const m = FILE_RE.exec(path);
  if (m === null) return null;
  const [y, mo, d, h] = m.slice(1).map(Number) as [number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23) return null;
  const ms = Date.UTC(y, mo - 1, d, h);
  return hourName(ms) === `${m[1]}-${m[2]}-${m[3]}T${m[4]}` ? ms : null;
}

/** Every hour overlapping [fromMs, toMs), in order. */
export function hoursInRange(fromMs: number, toMs: number): number[] {
  const out: number[] = [];
  for (let h = floorHour(fromMs); h < toMs; h += HOUR_MS) out.push(h);
  return out;
}

/** ISO-8601 UTC text -> epoch ms (see header), or null. */
export function parseTimeArg(text: string): number | null {
  // the one time parser of every flag (src/core/units.ts)
  try {
    return Number(parseTime(text, 'time') / 1_000_000n);
  } catch {
    return null;
  }
}

/** ISO text of an epoch-ms instant, for people and provenance (millisecond precision). */
export const isoMs = (ms: number): string => new Date(ms).toISOString();
