/**
 * Pure time helpers on bigint nanoseconds since the Unix epoch (UTC).
 * No Date: civil-date conversion is Howard Hinnant's days_from_civil / civil_from_days,
 * exact for every date poly can meet. Formatting is fixed: YYYY-MM-DDTHH:MM:SS.mmmmmmmmmZ.
 */
export const NS_PER_MS = 1_000_000n;
export const NS_PER_S = 1_000_000_000n;
export const NS_PER_DAY = 86_400n * NS_PER_S;

export const msToNs = (ms: number): bigint => BigInt(ms) * NS_PER_MS;
export const sToNs = (s: number): bigint => BigInt(s) * NS_PER_S;

/** floor(a / b) for bigint (b > 0), rounding toward -infinity also for negative a. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

export function civilFromDays(days: number): { y: number; m: number; d: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const y = yoe + era * 400;
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: m <= 2 ? y + 1 : y, m, d };
}

export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** UTC day number (days since 1970-01-01) of an instant. */
export const utcDay = (ns: bigint): number => Number(floorDiv(ns, NS_PER_DAY));

const pad = (n: number | bigint, w: number): string => n.toString().padStart(w, '0');

/** ISO-8601 UTC with nanoseconds, e.g. 2025-12-11T11:00:42.123456789Z. */
export function isoFromNs(ns: bigint): string {
  const day = floorDiv(ns, NS_PER_DAY);
  const rem = ns - day * NS_PER_DAY;
  const { y, m, d } = civilFromDays(Number(day));
  const secs = rem / NS_PER_S;
  const frac = rem % NS_PER_S;
  const hh = secs / 3600n, mm = (secs % 3600n) / 60n, ss = secs % 60n;
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}.${pad(frac, 9)}Z`;
}

/** YYYY-MM-DD of an instant (UTC). */
export const isoDate = (ns: bigint): string => isoFromNs(ns).slice(0, 10);

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]00:?00)?$/;

/** Parses an ISO-8601 UTC date or date-time (Z or no zone = UTC) to ns; null when not one. */
export function nsFromIso(text: string): bigint | null {
  const m = ISO_RE.exec(text.trim());
  if (m === null) return null;
  const [y, mo, d, h = '0', mi = '0', s = '0', f = ''] = m.slice(1) as string[];
  const Y = Number(y), M = Number(mo), Dd = Number(d), H = Number(h), Mi = Number(mi), S = Number(s);
  if (M < 1 || M > 12 || Dd < 1 || Dd > 31 || H > 23 || Mi > 59 || S > 59) return null;
  const days = daysFromCivil(Y, M, Dd);
  if (civilFromDays(days).d !== Dd) return null;
  return BigInt(days) * NS_PER_DAY + BigInt(H * 3600 + Mi * 60 + S) * NS_PER_S + BigInt((f ?? '').padEnd(9, '0') || '0');
}
