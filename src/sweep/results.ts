/**
 * A sweep's numbers: one row per run (from the run's summary.json), the aggregate per parameter set over its
 * runs (many recordings or windows), objectives and ranking, and the sweep.csv / sets.csv / walk-forward files.
 * Everything here is a pure function of the run results, so the files are byte-identical whatever the worker
 * count, the completion order or the machine.
 *
 * Aggregation over the runs of one parameter set (each run is its own kernel, starting from the same cash):
 * - money lines (P&L total and its split, fees, rebates) and counts (orders, fills, records, errors) are SUMS;
 * - return = summed P&L / initial cash: one account trading every run (no compounding; runs that overlap in
 *   time are taken as traded side by side with that one account's cash — it does not check that the cash
 *   would have sufficed);
 * - drawdown, Sharpe and Sortino come from the COMBINED equity curve: initial + the sum over runs of each run's
 *   P&L so far (a run contributes 0 before its first equity point and its last P&L after its end), sampled at
 *   the union of the runs' equity times; Sharpe/Sortino on that curve at the engine's --equity-interval, with
 *   the definitions of src/core/portfolio/stats.ts. For a single run this is exactly the run's own curve.
 *
 * Objectives (--objective, default pnl): pnl (total P&L), return, sharpe, sortino, calmar (return / max
 * drawdown fraction; none when there was no drawdown). Ranking: objective descending, a set without a value
 * (Sharpe of a flat curve) last; ties by smaller max drawdown, then by the parameter values' canonical text
 * (JSON with keys sorted) ascending — never by completion order.
 */
import { z } from 'zod';
import { equityStats, type EquityPoint } from '../core/portfolio/stats.ts';
import { toCsv, toJson, type CsvValue } from '../core/reports/csv.ts';
import { money, ratio } from '../core/reports/render.ts';
import { cashToDecimal, D, decimalToCash, type Cash } from '../core/types/fixed.ts';

export const OBJECTIVES = ['pnl', 'return', 'sharpe', 'sortino', 'calmar'] as const;
export type Objective = (typeof OBJECTIVES)[number];

/** The numbers of one run or one aggregate, as exact strings (human units) and counts. */
export interface Metrics {
  readonly pnl: string;
  readonly trading_realized: string;
  readonly unrealized: string;
  readonly merges: string;
  readonly settlement: string;
  readonly fees: string;
  readonly rebates: string;
  readonly return: string | null;
  readonly sharpe: string | null;
  readonly sortino: string | null;
  readonly max_drawdown: string;
  readonly max_drawdown_fraction: string | null;
  readonly orders: number;
  readonly denied: number;
  readonly fills: number;
  readonly maker_fills: number;
  readonly taker_fills: number;
  readonly volume_shares: string;
  readonly records: number;
  readonly normalization_errors: number;
  readonly disconnects: number;
  readonly crossed_books: number;
  /** Runs whose strategy threw (for a single run: 0 or 1). */
  readonly strategy_errors: number;
}

const money$ = z.string();
const SummarySchema = z.object({
  // fee_value: fees in dollars (cash fees + withheld shares at their fill price), the `fees` metric
  pnl: z.object({ total: money$, trading_realized: money$, unrealized: money$, merges: money$.optional(), settlement: money$, fee_value: money$, rebates: money$ }),
  return: z.string().nullable(),
  sharpe: z.string().nullable(),
  sortino: z.string().nullable(),
  max_drawdown: z.object({ amount: money$, fraction: z.string().nullable() }),
  orders: z.object({ placed: z.number(), denied: z.number() }),
  fills: z.object({ count: z.number(), maker: z.number(), taker: z.number(), volume_shares: z.string() }),
  strategy_error: z.unknown().nullable(),
  data_quality: z.object({ records: z.number(), normalization_errors: z.number(), disconnects: z.number(), crossed_books: z.number().optional() }),
});

/** The metrics of one run from its summary.json text. */
export function metricsFromSummary(text: string): Metrics {
  const s = SummarySchema.parse(JSON.parse(text));
  return {
    pnl: s.pnl.total,
    trading_realized: s.pnl.trading_realized,
    unrealized: s.pnl.unrealized,
    merges: s.pnl.merges ?? '0',
    settlement: s.pnl.settlement,
    fees: s.pnl.fee_value,
    rebates: s.pnl.rebates,
    return: s.return,
    sharpe: s.sharpe,
    sortino: s.sortino,
    max_drawdown: s.max_drawdown.amount,
    max_drawdown_fraction: s.max_drawdown.fraction,
    orders: s.orders.placed,
    denied: s.orders.denied,
    fills: s.fills.count,
    maker_fills: s.fills.maker,
    taker_fills: s.fills.taker,
    volume_shares: s.fills.volume_shares,
    records: s.data_quality.records,
    normalization_errors: s.data_quality.normalization_errors,
    disconnects: s.data_quality.disconnects,
    crossed_books: s.data_quality.crossed_books ?? 0,
    strategy_errors: s.strategy_error === null ? 0 : 1,
  };
}

const cash = (s: string): Cash => decimalToCash(new D(s));

/** (ts_ns, equity) points of an equity.csv. */
export function equityFromCsv(text: string): EquityPoint[] {
  const lines = text.split('\n').filter((l) => l !== '');
  const header = (lines[0] ?? '').split(',');
  const ti = header.indexOf('ts_ns');
  const ei = header.indexOf('equity');
  if (ti < 0 || ei < 0) throw new Error('equity.csv has no ts_ns/equity columns');
  return lines.slice(1).map((l) => {
    const f = l.split(',');
    return { tsNs: BigInt(f[ti]!), equity: cash(f[ei]!) };
  });
}

/** initial + sum of each run's P&L so far, at the union of the runs' times (see header). */
export function combinedEquity(curves: readonly (readonly EquityPoint[])[], initial: Cash): EquityPoint[] {
  const times = [...new Set(curves.flatMap((c) => c.map((p) => p.tsNs)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const idx = curves.map(() => -1);
  const out: EquityPoint[] = [];
  for (const t of times) {
    let sum = initial;
    curves.forEach((c, i) => {
      let k = idx[i]!;
      while (k + 1 < c.length && c[k + 1]!.tsNs <= t) k += 1;
      idx[i] = k;
      if (k >= 0) sum += c[k]!.equity - initial;
    });
    out.push({ tsNs: t, equity: sum });
  }
  return out;
}

/** Aggregates runs of one parameter set (see header). A single run's metrics are returned as they are. */
export function aggregate(runs: readonly { readonly metrics: Metrics; readonly equity?: readonly EquityPoint[] }[], initial: Cash, equityIntervalNs: bigint): Metrics {
  if (runs.length === 1) return runs[0]!.metrics;
  const sumCash = (f: (m: Metrics) => string): string => money(runs.reduce((acc, r) => acc + cash(f(r.metrics)), 0n));
  const sumN = (f: (m: Metrics) => number): number => runs.reduce((acc, r) => acc + f(r.metrics), 0);
  const curve = combinedEquity(
    runs.map((r) => {
      if (r.equity === undefined) throw new Error('aggregate: an equity curve is needed for every run');
      return r.equity;
    }),
    initial,
  );
  const stats = equityStats(curve, equityIntervalNs);
  const pnl = runs.reduce((acc, r) => acc + cash(r.metrics.pnl), 0n);
  return {
    pnl: money(pnl),
    trading_realized: sumCash((m) => m.trading_realized),
    unrealized: sumCash((m) => m.unrealized),
    merges: sumCash((m) => m.merges),
    settlement: sumCash((m) => m.settlement),
    fees: sumCash((m) => m.fees),
    rebates: sumCash((m) => m.rebates),
    return: ratio(initial > 0n ? cashToDecimal(pnl).div(cashToDecimal(initial)) : null),
    sharpe: ratio(stats.sharpe),
    sortino: ratio(stats.sortino),
    max_drawdown: money(stats.drawdown?.amount ?? 0n),
    max_drawdown_fraction: ratio(stats.drawdown === null ? null : stats.drawdown.fraction),
    orders: sumN((m) => m.orders),
    denied: sumN((m) => m.denied),
    fills: sumN((m) => m.fills),
    maker_fills: sumN((m) => m.maker_fills),
    taker_fills: sumN((m) => m.taker_fills),
    volume_shares: runs.reduce((acc, r) => acc.add(r.metrics.volume_shares), new D(0)).toFixed(),
    records: sumN((m) => m.records),
    normalization_errors: sumN((m) => m.normalization_errors),
    disconnects: sumN((m) => m.disconnects),
    crossed_books: sumN((m) => m.crossed_books),
    strategy_errors: sumN((m) => m.strategy_errors),
  };
}

export function objectiveValue(m: Metrics, o: Objective): D | null {
  switch (o) {
    case 'pnl':
      return new D(m.pnl);
    case 'return':
      return m.return === null ? null : new D(m.return);
    case 'sharpe':
      return m.sharpe === null ? null : new D(m.sharpe);
    case 'sortino':
      return m.sortino === null ? null : new D(m.sortino);
    case 'calmar': {
      if (m.return === null || m.max_drawdown_fraction === null) return null;
      const dd = new D(m.max_drawdown_fraction);
      return dd.isZero() ? null : new D(m.return).div(dd);
    }
  }
}

export const objectiveText = (m: Metrics, o: Objective): string | null => {
  const v = objectiveValue(m, o);
  return v === null ? null : o === 'pnl' ? m.pnl : o === 'calmar' ? ratio(v) : v.toFixed(6);
};

/** Canonical text of a parameter set (keys sorted): the last tie-break. */
export function paramsKey(human: Readonly<Record<string, string>>): string {
  const out: Record<string, string> = {};
  for (const k of Object.keys(human).sort()) out[k] = human[k]!;
  return JSON.stringify(out);
}

/** Best first (see header). */
export function compareByObjective<T extends { readonly metrics: Metrics; readonly human: Readonly<Record<string, string>> }>(o: Objective): (a: T, b: T) => number {
  return (a, b) => {
    const va = objectiveValue(a.metrics, o);
    const vb = objectiveValue(b.metrics, o);
    if (va !== null || vb !== null) {
      if (va === null) return 1;
      if (vb === null) return -1;
      const c = vb.cmp(va);
      if (c !== 0) return c;
    }
    const dd = new D(a.metrics.max_drawdown).cmp(b.metrics.max_drawdown);
    if (dd !== 0) return dd;
    const ka = paramsKey(a.human);
    const kb = paramsKey(b.human);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}

export const METRIC_COLUMNS: readonly (keyof Metrics)[] = [
  'pnl', 'trading_realized', 'unrealized', 'merges', 'settlement', 'fees', 'rebates', 'return', 'sharpe', 'sortino', 'max_drawdown', 'max_drawdown_fraction',
  'orders', 'denied', 'fills', 'maker_fills', 'taker_fills', 'volume_shares', 'records', 'normalization_errors', 'disconnects', 'crossed_books', 'strategy_errors',
];

export interface RunRow {
  readonly run: number;
  readonly set: number;
  readonly recording: string;
  readonly from: string | null;
  readonly to: string | null;
  readonly human: Readonly<Record<string, string>>;
  readonly metrics: Metrics;
  /** Report folder relative to the sweep's output (runs/<id>). */
  readonly dir: string;
  readonly key: string;
}

export interface SetRow {
  readonly set: number;
  readonly human: Readonly<Record<string, string>>;
  readonly runs: number;
  readonly metrics: Metrics;
}

const metricCols = <R extends { readonly metrics: Metrics }>(): { name: string; get: (r: R) => CsvValue }[] => METRIC_COLUMNS.map((c) => ({ name: c, get: (r: R) => r.metrics[c] }));
const paramCols = <R extends { readonly human: Readonly<Record<string, string>> }>(names: readonly string[]): { name: string; get: (r: R) => CsvValue }[] => names.map((n) => ({ name: n, get: (r: R) => r.human[n] ?? null }));

export function renderRunsCsv(rows: readonly RunRow[], paramNames: readonly string[]): string {
  return toCsv<RunRow>(
    [
      { name: 'run', get: (r) => r.run },
      { name: 'set', get: (r) => r.set },
      { name: 'recording', get: (r) => r.recording },
      { name: 'from', get: (r) => r.from },
      { name: 'to', get: (r) => r.to },
      ...paramCols<RunRow>(paramNames),
      ...metricCols<RunRow>(),
      { name: 'dir', get: (r) => r.dir },
    ],
    rows,
  );
}

export function renderSetsCsv(rows: readonly SetRow[], paramNames: readonly string[], objective: Objective): string {
  return toCsv<SetRow & { rank: number }>(
    [
      { name: 'rank', get: (r) => r.rank },
      { name: 'set', get: (r) => r.set },
      ...paramCols<SetRow>(paramNames),
      { name: 'runs', get: (r) => r.runs },
      { name: `objective_${objective}`, get: (r) => objectiveText(r.metrics, objective) },
      ...metricCols<SetRow>(),
    ],
    rank(rows, objective),
  );
}

export function rank<T extends SetRow>(rows: readonly T[], objective: Objective): (T & { rank: number })[] {
  return [...rows].sort(compareByObjective<T>(objective)).map((r, i) => ({ ...r, rank: i + 1 }));
}

export function renderSweepJson(meta: Record<string, unknown>, runs: readonly RunRow[], sets: readonly SetRow[], objective: Objective): string {
  return toJson({
    ...meta,
    objective,
    runs: runs.map((r) => ({ run: r.run, set: r.set, recording: r.recording, from: r.from, to: r.to, params: r.human, metrics: r.metrics, dir: r.dir, key: r.key })),
    sets: rank(sets, objective).map((s) => ({ rank: s.rank, set: s.set, params: s.human, runs: s.runs, objective: objectiveText(s.metrics, objective), metrics: s.metrics })),
  });
}

/** A fixed-width text table (leaderboards on stdout). */
export function textTable(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export function leaderboard(sets: readonly SetRow[], paramNames: readonly string[], objective: Objective, top: number): string {
  const ranked = rank(sets, objective).slice(0, top);
  const extra = objective === 'pnl' || objective === 'return' || objective === 'sharpe' ? [] : [objective];
  return textTable(
    ['#', ...paramNames, ...extra, 'pnl', 'return', 'sharpe', 'max_dd', 'fills', 'fees'],
    ranked.map((s) => [s.rank, ...paramNames.map((n) => s.human[n] ?? null), ...extra.map(() => objectiveText(s.metrics, objective)), s.metrics.pnl, s.metrics.return, s.metrics.sharpe, s.metrics.max_drawdown, s.metrics.fills, s.metrics.fees]),
  );
}
