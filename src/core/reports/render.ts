/**
 * Run reports: pure renderers of a finished run into orders.csv, fills.csv, merges.csv, positions.csv,
 * equity.csv, ledger.csv, book_top.csv, quality.csv, summary.json and equity.svg (report.html is drawn from
 * these files by src/report/). The I/O that writes them (and run.json) is src/engine/reports-writer.ts.
 *
 * Input: `ReportInput`, a plain snapshot of a finished run (journal rows, fills, equity samples, portfolio
 * positions and totals, final marks, markets, risk state, data quality) plus run metadata. Build it with
 * `reportInputFromKernel(kernel, meta)` after `kernel.finish()`, or with `reportInput(sources, meta)` from the
 * parts (tests, tools). Rendering never reads the kernel, the wall clock or the locale.
 *
 * Invariants
 * - Deterministic: the same input gives the same bytes. Row order is the journal's (orders in creation order,
 *   fills in the order they happened, equity samples in time order), positions in first-fill order, markets
 *   in order of their first traded token; every map printed in summary.json has its keys sorted (code-unit order).
 * - Money is exact: Cash prints with formatCash (shortest exact decimal, trailing zeros trimmed), prices with
 *   formatPx, shares with formatQty. Derived per-share averages (avg_px, avg_cost) and marks (a book mid may be
 *   a half tick) are rounded half-even at 1e-10 and trimmed the same way, so an exact value prints exactly.
 *   Ratios (return, fill_ratio, win_rate, sharpe, sortino, drawdown fraction, exposure, turnover) are decimal
 *   strings with 6 fixed decimals (D.toFixed(6), half-even), or null when undefined. No JS float ever
 *   carries money into a report (the SVG converts to floats for pixel positions only; see svg.ts).
 * - Every timestamp column is an ISO-8601 UTC string (isoFromNs, nanosecond precision) next to the raw ns.
 * - Fees are stated the same way in every file (fillFees): fee_cash = dollars charged to cash (taker sells),
 *   fee_shares = shares withheld (taker buys), fee_value = fee_cash + fee_shares valued at their fill price.
 *   Per fill, per order, per position, per market and in total they add up (equity.csv: fee_value so far).
 * - P&L identity, checked on every render (a mismatch is corrupt state and throws):
 *     pnl.total = final_equity - initial
 *               = trading_realized + unrealized + merges + settlement + rebates.
 *   Fees are not a separate term: cash fees on sells are inside trading_realized, fees withheld in shares on
 *   buys raise the cost basis and so sit inside trading_realized / unrealized / settlement. fee_cash,
 *   fee_shares and fee_value are shown for information.
 *
 * Definitions (summary.json)
 * - merges.* count merge commands by final status (sent = merged + denied + pending); merges.csv has one
 *   row per merge command (merges are not orders: orders.* and fill_ratio never include them).
 * - orders.* count orders by final status, so placed = filled + partially_filled + canceled + rejected + denied
 *   + open; partially_filled = still resting with some fill; open = resting or in flight without fills. An
 *   order canceled after a partial fill counts as canceled.
 * - fill_ratio = orders with at least one fill / orders that passed risk and the venue rules
 *   (placed - denied - rejected); null when none did.
 * - win_rate over closed round trips (Portfolio.roundTrips, winRate in stats.ts); exposure = fraction of the
 *   period [startNs, endNs] with any position; turnover = traded dollars / initial cash.
 * - sharpe / sortino: annualised, on the equity samples (same-time samples collapse to the last) resampled at
 *   equityIntervalNs (stats.ts); null below MIN_RATIO_RETURNS returns, and `ratio_basis` states the sampling
 *   period, the number of returns and why a ratio is omitted. max_drawdown from the same curve; peak_at /
 *   trough_at null when there is none. round_trips counts closed round trips by outcome and by how they closed.
 * - ledger.csv: every position change (fill, merge leg, settlement) with the position and cash right after it.
 * - book_top.csv: the bounded top-of-book series (series.ts) of the tokens of every market we sent orders to,
 *   or of the first market seen when there were none; price_series in summary.json gives each token's point
 *   count and bucket width (0 = every change kept).
 * - quality.csv: data-quality events on the time axis (quality-timeline.ts); counts stay in data_quality.
 * - economics: estimates kept apart from P&L (economics-report.ts).
 * - Per-token unrealized = value at the final mark - cost basis; a held token without a mark is carried at
 *   cost (empty mark column, unrealized 0), as Portfolio.valuation does, so per-token values sum to the total.
 *
 * Known limits: a token whose market is unknown prints empty market/outcome columns and is grouped under
 * market null in per_market. Strategy params are printed as given (they must already be JSON-serializable;
 * bigint values print as strings).
 */
import type { EconomicsState } from '../economics/index.ts';
import type { DataQuality, TradingKernel } from '../kernel/trading-kernel.ts';
import { describeInterval, EquityCurve, equityStats, exposure as exposureOf, fillFees, markValue, maxDrawdown, turnoverRatio, winRate, type PortfolioTotals, type PositionView, type RoundTrip } from '../portfolio/index.ts';
import type { Portfolio } from '../portfolio/portfolio.ts';
import { isoFromNs } from '../time.ts';
import { cashToDecimal, D, formatPx, formatQty, qtyToDecimal, type Cash } from '../types/fixed.ts';
import type { MarketMeta } from '../types/market.ts';
import type { OrderDenied, OrderFilled, TradingHalted } from '../types/orders.ts';
import { toCsv, toJson, type CsvValue } from './csv.ts';
import { avg, money, ratio, seconds } from './format.ts';
import { economicsSummary, EMPTY_ECONOMICS } from './economics-report.ts';
import type { EquityPoint, LedgerRow, MergeRow, OrderRow, RunJournal, StrategyFailure } from './journal.ts';
import type { QualityEvent, QualityKind, QualityTimeline } from './quality-timeline.ts';
import type { TopOfBookRecorder, TopPoint } from './series.ts';
import { renderEquitySvg } from './svg.ts';

export const REPORT_FILE_NAMES = ['orders.csv', 'fills.csv', 'merges.csv', 'positions.csv', 'equity.csv', 'ledger.csv', 'book_top.csv', 'quality.csv', 'summary.json', 'equity.svg'] as const;
export type ReportFileName = (typeof REPORT_FILE_NAMES)[number];
export type ReportFiles = Readonly<Record<ReportFileName, string>>;

/** Run metadata the reports need besides the kernel's state. */
export interface ReportMeta {
  readonly strategyName: string;
  /** Validated strategy parameters, already serializable (JSON values; bigint prints as a string). */
  readonly params: unknown;
  readonly initialCash: Cash;
  readonly equityIntervalNs: bigint;
  /** Period of the run (ns since epoch): exposure and the time axis use [startNs, endNs]. */
  readonly startNs: bigint;
  readonly endNs: bigint;
  /** Fewest period returns for Sharpe / Sortino (default MIN_RATIO_RETURNS). */
  readonly minRatioReturns?: number;
}

export interface ReportRiskState {
  readonly halted: boolean;
  readonly haltedBy: TradingHalted | null;
}

/** Everything the renderers read: a plain snapshot of a finished run. */
export interface ReportInput {
  readonly meta: ReportMeta;
  /** Orders in creation order. */
  readonly orders: readonly OrderRow[];
  /** Fills in the order they happened. */
  readonly fills: readonly OrderFilled[];
  /** Merge commands in the order they were sent. */
  readonly merges: readonly MergeRow[];
  readonly denials: readonly OrderDenied[];
  /** Equity samples in time order (RunJournal.equity). */
  readonly equity: readonly EquityPoint[];
  /** Every token ever traded, in first-fill order (Portfolio.positions()). */
  readonly positions: readonly PositionView[];
  readonly totals: PortfolioTotals;
  /** Final mark of each token in `positions` (null = no two-sided book). */
  readonly marks: ReadonlyMap<string, D | null>;
  readonly roundTrips: readonly RoundTrip[];
  /** Intervals with a position (Portfolio.exposureIntervals(endNs)). */
  readonly exposureIntervals: readonly { readonly startNs: bigint; readonly endNs: bigint }[];
  readonly markets: readonly MarketMeta[];
  readonly risk: ReportRiskState;
  readonly strategyFailure: StrategyFailure | null;
  readonly quality: DataQuality;
  /** Position changes in order (RunJournal.ledger). */
  readonly ledger: readonly LedgerRow[];
  /** Top-of-book series per token, in order of first change. */
  readonly tops: readonly { readonly assetId: string; readonly points: readonly TopPoint[]; readonly resolutionNs: bigint }[];
  readonly timeline: { readonly events: readonly QualityEvent[]; readonly omitted: Partial<Record<QualityKind, number>> };
  readonly economics: EconomicsState;
}

/** The parts of a run that `reportInput` snapshots (TradingKernel has them all). */
export interface ReportSources {
  readonly journal: RunJournal;
  readonly portfolio: Portfolio;
  readonly markets: readonly MarketMeta[];
  markOf(assetId: string): D | null;
  readonly risk: ReportRiskState;
  readonly quality: DataQuality;
  readonly tops?: TopOfBookRecorder;
  readonly timeline?: QualityTimeline;
  readonly economics?: EconomicsState;
}

/** Snapshots the run's state into a ReportInput (copies, so later changes to the sources do not leak in). */
export function reportInput(src: ReportSources, meta: ReportMeta): ReportInput {
  const positions = src.portfolio.positions();
  const marks = new Map<string, D | null>();
  for (const p of positions) marks.set(p.assetId, src.markOf(p.assetId));
  const q = src.quality;
  return {
    meta,
    orders: [...src.journal.orders.values()].map((o) => ({ ...o })),
    fills: [...src.journal.fills],
    merges: [...src.journal.merges.values()].map((m) => ({ ...m })),
    denials: [...src.journal.denials],
    equity: [...src.journal.equity],
    positions,
    totals: src.portfolio.totals(),
    marks,
    roundTrips: [...src.portfolio.roundTrips()],
    exposureIntervals: src.portfolio.exposureIntervals(meta.endNs),
    markets: [...src.markets],
    risk: { halted: src.risk.halted, haltedBy: src.risk.haltedBy },
    strategyFailure: src.journal.strategyFailure,
    quality: { ...q, byType: { ...q.byType }, errorsByReason: { ...q.errorsByReason } },
    ledger: [...src.journal.ledger],
    tops: (src.tops?.tokens() ?? []).map((assetId) => {
      const s = src.tops!.get(assetId)!;
      return { assetId, points: s.points(), resolutionNs: s.resolutionNs };
    }),
    timeline: { events: (src.timeline?.events ?? []).map((e) => ({ ...e })), omitted: { ...(src.timeline?.omitted ?? {}) } },
    economics: src.economics ?? EMPTY_ECONOMICS,
  };
}

/** ReportInput of a finished TradingKernel (call after kernel.finish()). */
export function reportInputFromKernel(kernel: TradingKernel, meta: ReportMeta): ReportInput {
  return reportInput(
    {
      journal: kernel.journal, portfolio: kernel.portfolio, markets: kernel.allMarkets(), markOf: (id) => kernel.markOf(id), risk: kernel.risk, quality: kernel.quality,
      tops: kernel.tops, timeline: kernel.timeline, economics: kernel.economics.result(meta.endNs),
    },
    meta,
  );
}

// ------------------------------------------------------------------------------------------------
// formatting helpers (exported for the SVG and for tests)

export { avg, money, ratio, seconds };

const iso = (ns: bigint | null): string | null => (ns === null ? null : isoFromNs(ns));

function sortedRecord<V>(r: Readonly<Record<string, V>>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}

interface TokenInfo {
  readonly market: string | null;
  readonly outcome: string | null;
  readonly meta: MarketMeta | null;
}

function tokenIndex(markets: readonly MarketMeta[]): (assetId: string) => TokenInfo {
  const idx = new Map<string, TokenInfo>();
  for (const m of markets) for (const t of m.tokens) if (!idx.has(t.tokenId)) idx.set(t.tokenId, { market: m.conditionId, outcome: t.outcome, meta: m });
  return (assetId) => idx.get(assetId) ?? { market: null, outcome: null, meta: null };
}

function col<R>(name: string, get: (row: R) => CsvValue) {
  return { name, get };
}

/** A column of identifiers that look like numbers (token ids): always quoted, see csv.ts. */
function textCol<R>(name: string, get: (row: R) => CsvValue) {
  return { name, get, text: true };
}

// ------------------------------------------------------------------------------------------------
// CSV renderers

export function renderOrdersCsv(input: ReportInput): string {
  const tok = tokenIndex(input.markets);
  return toCsv<OrderRow>(
    [
      col('client_id', (o) => o.clientId),
      col('created_ns', (o) => o.createdNs),
      col('created_at', (o) => isoFromNs(o.createdNs)),
      col('market', (o) => tok(o.assetId).market),
      col('outcome', (o) => tok(o.assetId).outcome),
      textCol('asset_id', (o) => o.assetId),
      col('side', (o) => o.side),
      col('tif', (o) => o.tif),
      col('post_only', (o) => o.postOnly),
      col('px', (o) => formatPx(o.px)),
      col('qty', (o) => (o.qty === null ? null : formatQty(o.qty))),
      col('amount', (o) => (o.amount === null ? null : money(o.amount))),
      col('status', (o) => o.status),
      col('filled_qty', (o) => formatQty(o.filledQty)),
      col('avg_px', (o) => (o.filledQty === 0 ? null : avg(cashToDecimal(o.filledCost).div(qtyToDecimal(o.filledQty))))),
      col('notional', (o) => money(o.filledCost)),
      col('fee_cash', (o) => money(o.fees)),
      col('fee_shares', (o) => formatQty(o.feeQty)),
      col('fee_value', (o) => money(o.feeValue)),
      col('rebates', (o) => money(o.rebates)),
      col('reason', (o) => o.reason),
      col('updated_ns', (o) => o.updatedNs),
      col('updated_at', (o) => isoFromNs(o.updatedNs)),
    ],
    input.orders,
  );
}

export function renderFillsCsv(input: ReportInput): string {
  const tok = tokenIndex(input.markets);
  return toCsv<OrderFilled>(
    [
      col('fill_id', (f) => f.fillId),
      col('ts_ns', (f) => f.tsNs),
      col('ts', (f) => isoFromNs(f.tsNs)),
      col('client_id', (f) => f.clientId),
      col('market', (f) => tok(f.assetId).market),
      col('outcome', (f) => tok(f.assetId).outcome),
      textCol('asset_id', (f) => f.assetId),
      col('side', (f) => f.side),
      col('px', (f) => formatPx(f.px)),
      col('qty', (f) => formatQty(f.qty)),
      col('notional', (f) => money(BigInt(f.px) * BigInt(f.qty))),
      col('liquidity', (f) => f.liquidity),
      col('fee_cash', (f) => money(fillFees(f).cash)),
      col('fee_shares', (f) => formatQty(fillFees(f).shares)),
      col('fee_value', (f) => money(fillFees(f).value)),
      col('rebate', (f) => money(f.rebateCash)),
    ],
    input.fills,
  );
}

/** One row per merge command: pending (still in flight at the end), merged (cash, P&L) or denied (reason). */
export function renderMergesCsv(input: ReportInput): string {
  const slug = (market: string) => input.markets.find((m) => m.conditionId === market)?.slug ?? null;
  return toCsv<MergeRow>(
    [
      col('merge_id', (m) => m.clientId),
      col('created_ns', (m) => m.createdNs),
      col('created_at', (m) => isoFromNs(m.createdNs)),
      col('market', (m) => m.market),
      col('slug', (m) => slug(m.market)),
      col('qty', (m) => formatQty(m.qty)),
      col('status', (m) => m.status),
      col('cash', (m) => money(m.cash)),
      col('pnl', (m) => money(m.pnl)),
      col('reason', (m) => m.reason),
      col('updated_ns', (m) => m.updatedNs),
      col('updated_at', (m) => isoFromNs(m.updatedNs)),
    ],
    input.merges,
  );
}

interface PositionLine {
  readonly p: PositionView;
  readonly info: TokenInfo;
  readonly mark: D | null;
  /** Value at the mark (cost basis when unmarked); 0 when flat. */
  readonly value: Cash;
  readonly unrealized: Cash;
}

function positionLines(input: ReportInput): PositionLine[] {
  const tok = tokenIndex(input.markets);
  return input.positions.map((p) => {
    const mark = input.marks.get(p.assetId) ?? null;
    const value = p.qty === 0 ? 0n : mark === null ? p.costBasis : markValue(mark, p.qty);
    return { p, info: tok(p.assetId), mark, value, unrealized: p.qty === 0 ? 0n : value - p.costBasis };
  });
}

export function renderPositionsCsv(input: ReportInput): string {
  return toCsv<PositionLine>(
    [
      col('market', (l) => l.info.market),
      col('outcome', (l) => l.info.outcome),
      textCol('asset_id', (l) => l.p.assetId),
      col('qty', (l) => formatQty(l.p.qty)),
      col('avg_cost', (l) => (l.p.avgCost === null ? null : avg(l.p.avgCost))),
      col('cost_basis', (l) => money(l.p.costBasis)),
      col('mark', (l) => (l.mark === null ? null : avg(l.mark))),
      col('value', (l) => money(l.value)),
      col('realized', (l) => money(l.p.realized)),
      col('unrealized', (l) => money(l.unrealized)),
      col('merged', (l) => money(l.p.merged)),
      col('settlement', (l) => money(l.p.settlement)),
      col('fee_cash', (l) => money(l.p.feeCash)),
      col('fee_shares', (l) => formatQty(l.p.feeShares)),
      col('fee_value', (l) => money(l.p.fees)),
      col('rebates', (l) => money(l.p.rebates)),
    ],
    positionLines(input),
  );
}

/** Equity samples with the running drawdown (running peak - equity, >= 0). */
export function equityWithDrawdown(points: readonly EquityPoint[]): { readonly pt: EquityPoint; readonly drawdown: Cash }[] {
  let peak: Cash | null = null;
  return points.map((pt) => {
    if (peak === null || pt.equity > peak) peak = pt.equity;
    return { pt, drawdown: peak - pt.equity };
  });
}

export function renderEquityCsv(input: ReportInput): string {
  return toCsv<{ readonly pt: EquityPoint; readonly drawdown: Cash }>(
    [
      col('ts_ns', (r) => r.pt.tsNs),
      col('ts', (r) => isoFromNs(r.pt.tsNs)),
      col('cash', (r) => money(r.pt.cash)),
      col('positions_value', (r) => money(r.pt.positionsValue)),
      col('equity', (r) => money(r.pt.equity)),
      col('realized', (r) => money(r.pt.realized)),
      col('unrealized', (r) => money(r.pt.unrealized)),
      col('fee_value', (r) => money(r.pt.fees)),
      col('exposure', (r) => money(r.pt.exposure)),
      col('drawdown', (r) => money(r.drawdown)),
    ],
    equityWithDrawdown(input.equity),
  );
}

export function renderLedgerCsv(input: ReportInput): string {
  const tok = tokenIndex(input.markets);
  return toCsv<LedgerRow>(
    [
      col('ts_ns', (r) => r.tsNs),
      col('ts', (r) => isoFromNs(r.tsNs)),
      col('kind', (r) => r.kind),
      col('ref', (r) => r.ref),
      col('market', (r) => tok(r.assetId).market),
      col('outcome', (r) => tok(r.assetId).outcome),
      textCol('asset_id', (r) => r.assetId),
      col('qty_delta', (r) => formatQty(r.qtyDelta)),
      col('position_after', (r) => formatQty(r.positionAfter)),
      col('cash_after', (r) => money(r.cashAfter)),
    ],
    input.ledger,
  );
}

/** Tokens whose price series the reports carry: every token of each market we sent orders to (or traded), else the first market seen. */
export function priceSeriesTokens(input: ReportInput): string[] {
  const tok = tokenIndex(input.markets);
  const wanted = new Set<string>();
  const addMarketOf = (assetId: string): void => {
    const meta = tok(assetId).meta;
    if (meta === null) wanted.add(assetId);
    else for (const t of meta.tokens) wanted.add(t.tokenId);
  };
  for (const o of input.orders) addMarketOf(o.assetId);
  for (const f of input.fills) addMarketOf(f.assetId);
  if (wanted.size === 0) {
    const first = input.tops[0];
    if (first !== undefined) addMarketOf(first.assetId);
  }
  return input.tops.filter((t) => wanted.has(t.assetId)).map((t) => t.assetId);
}

export function renderBookTopCsv(input: ReportInput): string {
  const tok = tokenIndex(input.markets);
  const keep = new Set(priceSeriesTokens(input));
  const rows: { assetId: string; p: TopPoint }[] = [];
  for (const t of input.tops) if (keep.has(t.assetId)) for (const p of t.points) rows.push({ assetId: t.assetId, p });
  return toCsv<{ assetId: string; p: TopPoint }>(
    [
      col('market', (r) => tok(r.assetId).market),
      col('outcome', (r) => tok(r.assetId).outcome),
      textCol('asset_id', (r) => r.assetId),
      col('ts_ns', (r) => r.p.tsNs),
      col('ts', (r) => isoFromNs(r.p.tsNs)),
      col('best_bid', (r) => (r.p.bid === null ? null : formatPx(r.p.bid))),
      col('best_bid_size', (r) => formatQty(r.p.bidQty)),
      col('best_ask', (r) => (r.p.ask === null ? null : formatPx(r.p.ask))),
      col('best_ask_size', (r) => formatQty(r.p.askQty)),
      col('mid', (r) => (r.p.bid === null || r.p.ask === null ? null : avg(new D(r.p.bid + r.p.ask).div(20_000)))),
    ],
    rows,
  );
}

export function renderQualityCsv(input: ReportInput): string {
  return toCsv<QualityEvent>(
    [
      col('ts_ns', (e) => e.tsNs),
      col('ts', (e) => isoFromNs(e.tsNs)),
      col('kind', (e) => e.kind),
      col('where', (e) => e.where),
      col('detail', (e) => e.detail),
      col('end_ns', (e) => (e.kind === 'gap' ? (e.endNs ?? input.meta.endNs) : null)),
      col('end', (e) => (e.kind === 'gap' ? isoFromNs(e.endNs ?? input.meta.endNs) : null)),
    ],
    input.timeline.events,
  );
}

// ------------------------------------------------------------------------------------------------
// summary.json

/** The equity curve the statistics use: samples in time order, a same-time sample replacing the previous. */
export function equityCurvePoints(points: readonly EquityPoint[]): { tsNs: bigint; equity: Cash }[] {
  const c = new EquityCurve();
  for (const p of points) c.add(p.tsNs, p.equity);
  return [...c.points()];
}

export interface PnlBreakdown {
  readonly finalEquity: Cash;
  readonly total: Cash;
  readonly tradingRealized: Cash;
  readonly unrealized: Cash;
  readonly merges: Cash;
  readonly settlement: Cash;
  readonly rebates: Cash;
  readonly fees: Cash;
  readonly feeSharesValue: Cash;
}

/** Final equity and the P&L lines; throws when the identity total = sum of parts breaks (corrupt state). */
export function pnlBreakdown(input: ReportInput): PnlBreakdown {
  const t = input.totals;
  let positionsValue = 0n;
  let unrealized = 0n;
  for (const l of positionLines(input)) {
    positionsValue += l.value;
    unrealized += l.unrealized;
  }
  const finalEquity = t.cash + positionsValue;
  const total = finalEquity - input.meta.initialCash;
  const parts = t.realizedTrading + unrealized + t.merges.pnl + t.settlement + t.rebates;
  if (total !== parts) {
    throw new Error(`reports: P&L identity broken: final equity - initial = ${money(total)} but the parts sum to ${money(parts)}`);
  }
  return { finalEquity, total, tradingRealized: t.realizedTrading, unrealized, merges: t.merges.pnl, settlement: t.settlement, rebates: t.rebates, fees: t.fees, feeSharesValue: t.feeShareValue };
}

function mergeCounts(merges: readonly MergeRow[]) {
  let merged = 0;
  let denied = 0;
  let qty = 0;
  let cash = 0n;
  for (const m of merges) {
    if (m.status === 'merged') {
      merged += 1;
      qty += m.qty;
      cash += m.cash;
    } else if (m.status === 'denied') {
      denied += 1;
    }
  }
  return { sent: merges.length, merged, denied, pending: merges.length - merged - denied, qty: formatQty(qty), cash: money(cash) };
}

function orderCounts(orders: readonly OrderRow[]) {
  const c = { placed: orders.length, filled: 0, partially_filled: 0, canceled: 0, rejected: 0, denied: 0, open: 0 };
  for (const o of orders) {
    switch (o.status) {
      case 'filled': c.filled += 1; break;
      case 'partially_filled': c.partially_filled += 1; break;
      case 'canceled': c.canceled += 1; break;
      case 'rejected': c.rejected += 1; break;
      case 'denied': c.denied += 1; break;
      case 'open':
      case 'pending': c.open += 1; break;
    }
  }
  return c;
}

function perMarket(input: ReportInput, lines: readonly PositionLine[]) {
  const groups = new Map<string | null, { meta: MarketMeta | null; lines: PositionLine[]; fills: number; volume: number; notional: Cash }>();
  for (const l of lines) {
    let g = groups.get(l.info.market);
    if (g === undefined) {
      g = { meta: l.info.meta, lines: [], fills: 0, volume: 0, notional: 0n };
      groups.set(l.info.market, g);
    }
    g.lines.push(l);
  }
  const tok = tokenIndex(input.markets);
  for (const f of input.fills) {
    const g = groups.get(tok(f.assetId).market);
    if (g === undefined) continue;
    g.fills += 1;
    g.volume += f.qty;
    g.notional += BigInt(f.px) * BigInt(f.qty);
  }
  return [...groups].map(([market, g]) => {
    const sum = (f: (l: PositionLine) => Cash): Cash => g.lines.reduce((a, l) => a + f(l), 0n);
    const realized = sum((l) => l.p.realized);
    const unrealized = sum((l) => l.unrealized);
    const merges = sum((l) => l.p.merged);
    const settlement = sum((l) => l.p.settlement);
    const rebates = sum((l) => l.p.rebates);
    return {
      market,
      slug: g.meta?.slug ?? null,
      question: g.meta?.question ?? null,
      pnl: {
        total: money(realized + unrealized + merges + settlement + rebates),
        trading_realized: money(realized),
        unrealized: money(unrealized),
        merges: money(merges),
        settlement: money(settlement),
        fee_cash: money(sum((l) => l.p.feeCash)),
        fee_shares: formatQty(g.lines.reduce((a, l) => a + l.p.feeShares, 0)),
        fee_value: money(sum((l) => l.p.fees)),
        rebates: money(rebates),
      },
      fills: g.fills,
      volume: formatQty(g.volume),
      notional: money(g.notional),
    };
  });
}

/** The summary as an object with a fixed key order (what summary.json holds). */
export function buildSummary(input: ReportInput): Record<string, unknown> {
  const m = input.meta;
  const t = input.totals;
  const pnl = pnlBreakdown(input);
  const curve = equityCurvePoints(input.equity);
  const stats = equityStats(curve, m.equityIntervalNs, m.minRatioReturns);
  const rb = stats.ratioBasis;
  const wr = winRate(input.roundTrips);
  const closedBy = { sell: 0, merge: 0, settle: 0 };
  for (const r of input.roundTrips) closedBy[r.closedBy] += 1;
  const dd = stats.drawdown;
  const orders = orderCounts(input.orders);
  const reached = orders.placed - orders.denied - orders.rejected;
  const withFill = input.orders.filter((o) => o.filledQty > 0).length;
  let maker = 0;
  let volume = 0;
  let notional = 0n;
  for (const f of input.fills) {
    if (f.liquidity === 'maker') maker += 1;
    volume += f.qty;
    notional += BigInt(f.px) * BigInt(f.qty);
  }
  const denialsByRule: Record<string, number> = {};
  for (const d of input.denials) denialsByRule[d.rule] = (denialsByRule[d.rule] ?? 0) + 1;
  const q = input.quality;
  const halt = input.risk.haltedBy;
  const fail = input.strategyFailure;
  return {
    strategy: m.strategyName,
    params: m.params ?? null,
    period: { start: isoFromNs(m.startNs), end: isoFromNs(m.endNs), duration_s: seconds(m.endNs - m.startNs) },
    capital: { initial: money(m.initialCash), final_equity: money(pnl.finalEquity) },
    pnl: {
      total: money(pnl.total),
      trading_realized: money(pnl.tradingRealized),
      unrealized: money(pnl.unrealized),
      merges: money(pnl.merges),
      settlement: money(pnl.settlement),
      fee_cash: money(t.feeCash),
      fee_shares: formatQty(t.feeShares),
      fee_value: money(pnl.fees),
      rebates: money(pnl.rebates),
      identity: 'total = trading_realized + unrealized + merges + settlement + rebates; fees are already inside those lines, shown apart for information (fee_value = fee_cash + fee_shares at their fill prices)',
    },
    return: ratio(m.initialCash > 0n ? cashToDecimal(pnl.total).div(cashToDecimal(m.initialCash)) : null),
    orders,
    fills: { count: input.fills.length, maker, taker: input.fills.length - maker, volume_shares: formatQty(volume), notional: money(notional) },
    merges: mergeCounts(input.merges),
    fill_ratio: ratio(reached > 0 ? new D(withFill).div(reached) : null),
    win_rate: ratio(wr.winRate),
    round_trips: {
      definition: "one token's position leaving 0 and returning to 0 (sells, a merge or settlement); pnl = the change in its realized + merge + settlement P&L (fees in, rebates out); a win has pnl > 0",
      closed: wr.trips,
      wins: wr.wins,
      losses: wr.losses,
      breakeven: wr.breakeven,
      closed_by: closedBy,
      open_at_end: input.positions.filter((p) => p.qty > 0).length,
    },
    sharpe: ratio(stats.sharpe),
    sortino: ratio(stats.sortino),
    ratio_basis: {
      sampling_period: describeInterval(rb.intervalNs),
      sampling_period_s: seconds(rb.intervalNs),
      returns: rb.returns,
      min_returns: rb.minReturns,
      annualised_by: `sqrt(${avg(rb.periodsPerYear)} periods per year)`,
      risk_free_rate: '0',
      sharpe_omitted: rb.sharpeOmitted,
      sortino_omitted: rb.sortinoOmitted,
    },
    max_drawdown: {
      amount: money(dd?.amount ?? 0n),
      fraction: ratio(dd === null ? null : dd.fraction),
      duration_s: seconds(dd?.durationNs ?? 0n),
      peak_at: dd === null || dd.amount === 0n ? null : isoFromNs(dd.peakNs),
      trough_at: dd === null || dd.amount === 0n ? null : isoFromNs(dd.troughNs),
    },
    exposure: ratio(exposureOf(input.exposureIntervals, m.startNs, m.endNs)),
    turnover: ratio(turnoverRatio(t.turnover, m.initialCash)),
    per_market: perMarket(input, positionLines(input)),
    risk: {
      denials_by_rule: sortedRecord(denialsByRule),
      halted: input.risk.halted,
      halted_by: halt === null ? null : { at: isoFromNs(halt.tsNs), rule: halt.rule, reason: halt.reason },
    },
    strategy_error:
      fail === null
        ? null
        : { at: isoFromNs(fail.tsNs), hook: fail.hook, message: fail.message, location: fail.location ?? null, stack: fail.stack === undefined ? [] : fail.stack.split('\n') },
    data_quality: {
      records: q.records,
      events: q.events,
      by_type: sortedRecord(q.byType),
      normalization_errors: q.normalizationErrors,
      errors_by_reason: sortedRecord(q.errorsByReason),
      disconnects: q.disconnects,
      reconnects: q.reconnects,
      crossed_books: q.crossedBooks,
      book_mismatches: q.bookMismatches,
      mirror_mismatches: q.mirrorMismatches,
      pair_conflicts: q.pairConflicts,
      first_record_at: iso(q.firstRecvNs),
      last_record_at: iso(q.lastRecvNs),
      timeline_events: input.timeline.events.length,
      timeline_omitted: sortedRecord(input.timeline.omitted as Record<string, number>),
    },
    price_series: priceSeriesTokens(input).map((id) => {
      const t = input.tops.find((x) => x.assetId === id)!;
      return { asset_id: id, points: t.points.length, bucket_s: seconds(t.resolutionNs) };
    }),
    economics: economicsSummary(input.economics, input.fills, input.markets, pnl.total),
  };
}

export function renderSummaryJson(input: ReportInput): string {
  return toJson(buildSummary(input));
}

/** Renders every report file. Pure and deterministic (same input, same bytes). */
export function renderReports(input: ReportInput): ReportFiles {
  const pnl = pnlBreakdown(input);
  const dd = maxDrawdown(equityCurvePoints(input.equity));
  return {
    'orders.csv': renderOrdersCsv(input),
    'fills.csv': renderFillsCsv(input),
    'merges.csv': renderMergesCsv(input),
    'positions.csv': renderPositionsCsv(input),
    'equity.csv': renderEquityCsv(input),
    'ledger.csv': renderLedgerCsv(input),
    'book_top.csv': renderBookTopCsv(input),
    'quality.csv': renderQualityCsv(input),
    'summary.json': renderSummaryJson(input),
    'equity.svg': renderEquitySvg({
      title: `${input.meta.strategyName}: equity and drawdown`,
      startNs: input.meta.startNs,
      endNs: input.meta.endNs,
      initialCash: input.meta.initialCash,
      points: input.equity.map((p) => ({ tsNs: p.tsNs, equity: p.equity })),
      fills: input.fills.map((f) => ({ tsNs: f.tsNs, side: f.side })),
      finalEquity: pnl.finalEquity,
      pnl: pnl.total,
      maxDrawdown: dd?.amount ?? 0n,
    }),
  };
}
