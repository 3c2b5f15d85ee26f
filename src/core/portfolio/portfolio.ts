/**
 * Portfolio: cash, positions and P&L of one paper account, exact (Cash bigint 1e-10 $, Qty 1e-6 shares).
 * The same object serves replay and live; it is fed order events (fills, merges, settlements) by the engine.
 *
 * Accounting (average cost)
 * - BUY fill (px, qty, feeQty): cash -= px*qty; position += qty - feeQty; cost basis += px*qty.
 *   A taker BUY pays its fee in shares (feeQty withheld, PROTOCOL.md §5): the cost stays px*qty but fewer
 *   shares arrive, so the average cost per share rises above px. `feeCash` on such a fill only states the
 *   fee's dollar size and is not charged again. Only when no shares are withheld (feeQty = 0) is a BUY's
 *   feeCash charged to cash (and added to the cost basis).
 * - SELL fill (px, qty, feeCash): cash += px*qty - feeCash; position -= qty; the sold share of the cost basis
 *   (costBasis * qty / position, rounded half-even at 1e-10; all of it when the position closes) is released and
 *   realized trading P&L += px*qty - feeCash - released. So the sale realizes (px - avgCost)*qty minus fees.
 * - Rebates (rebateCash) are credited to cash and kept on their own line; they are not trading P&L.
 * - Merge (qty YES + qty NO -> qty dollars) is its own P&L line: both legs release their share of cost basis,
 *   pnl = qty*$1 - released(YES) - released(NO) = (1 - avgYes - avgNo) per pair. The dollars are allocated to
 *   the legs in proportion to the cost they release (so both legs show the same return) for per-token lines.
 * - Settlement (market resolved): every held token of the market pays payoutPx per share (winner 1, loser 0,
 *   a 50/50 split 0.5) and closes; settlement P&L = payout - cost basis, kept apart from trading P&L.
 * - Identity, exact at every step (tested): equity(marks) - initialCash
 *     = realizedTrading + merges.pnl + settlement + rebates + unrealized(marks).
 *
 * Invariants
 * - No short positions: Polymarket cannot sell what is not held. A SELL fill beyond the held quantity, a fill with
 *   qty <= 0, feeQty > qty, or negative fees are corrupt state upstream (fill engine / risk) -> throws.
 * - Cash is not kept >= 0 here: risk's balance check prevents overspending; the portfolio records what happened.
 * - A position's cost basis is 0 whenever its quantity is 0 (a BUY whose shares were all withheld realizes its cost).
 *
 * Marks
 * - A mark is a Px (integer 1e-4 ticks), a D holding a price in dollars (e.g. BookView.midDollars() = 0.50005), or null.
 *   Px marks are exact in Cash (px*qty). A half-tick mid times a 1e-6 share count can have 11 decimals, one more
 *   than Cash holds: each position's value is rounded half-even at 1e-10 (error <= 0.5e-10 $ per position).
 *   `valuationExact` returns the unrounded D.
 * - A held token with a null mark is carried at its cost basis (unrealized 0) and listed in `unmarked`.
 *
 * Ordering: events must be applied in the bus's order; the portfolio is not thread-safe and keeps no clock.
 * Round trips: a token's trip opens when its position leaves 0 and closes when it returns to 0 (sell, merge or
 * settlement); trip P&L = change of realized + merged + settlement P&L of that token (rebates excluded).
 * Known limits: neg-risk conversions (NO -> YES of other outcomes) and splits are not modelled.
 */
import { cashToDecimal, decimalToCash, D, formatCash, formatQty, notional, PX_ONE, qtyToDecimal, type Cash, type Px, type Qty } from '../types/fixed.ts';
import type { MarketResolved, Side } from '../types/events.ts';
import type { MarketMeta } from '../types/market.ts';
import type { OrderFilled, PositionSettled, PositionsMerged } from '../types/orders.ts';

export type Mark = Px | D | null;
export type Marks = (assetId: string) => Mark;

export interface PortfolioOptions {
  readonly initialCash: Cash;
  /** Market lookup by token id or condition id (like StrategyContext.market). */
  readonly markets: (id: string) => MarketMeta | undefined;
}

export interface PositionView {
  readonly assetId: string;
  /** Condition id of the token's market, when known. */
  readonly market: string | null;
  readonly qty: Qty;
  /** Average cost per share in dollars, exact (costBasis / qty); null when flat. */
  readonly avgCost: D | null;
  /** Dollars paid for the shares still held (fees in shares included). */
  readonly costBasis: Cash;
  /** Realized trading P&L (sells), net of sell fees. */
  readonly realized: Cash;
  /** This token's part of merge P&L. */
  readonly merged: Cash;
  /** Settlement P&L (payout - cost basis at resolution). */
  readonly settlement: Cash;
  /** Fees in dollars (fee value): cash fees charged plus withheld shares valued at their fill price. */
  readonly fees: Cash;
  /** Fees charged to cash (sells). */
  readonly feeCash: Cash;
  /** Shares withheld as fees (taker buys). */
  readonly feeShares: Qty;
  readonly rebates: Cash;
  readonly boughtQty: Qty;
  readonly soldQty: Qty;
  /** Dollars of buys and sells (px*qty), fees excluded. */
  readonly turnover: Cash;
  /** Start of the current round trip (ns), null when flat. */
  readonly openedNs: bigint | null;
}

export interface RoundTrip {
  readonly assetId: string;
  readonly market: string | null;
  readonly openNs: bigint;
  readonly closeNs: bigint;
  /** Realized + merged + settlement P&L of the token over the trip (rebates excluded). */
  readonly pnl: Cash;
  /** Dollars spent on buys during the trip. */
  readonly cost: Cash;
  readonly closedBy: 'sell' | 'merge' | 'settle';
}

export interface PortfolioTotals {
  readonly initialCash: Cash;
  readonly cash: Cash;
  /** All fees in dollars = feeCash + feeShareValue. */
  readonly fees: Cash;
  /** Fees charged to cash (sells). */
  readonly feeCash: Cash;
  /** Shares withheld as fees on buys. */
  readonly feeShares: Qty;
  /** Withheld shares valued at their fill price. */
  readonly feeShareValue: Cash;
  readonly rebates: Cash;
  readonly realizedTrading: Cash;
  readonly merges: { readonly count: number; readonly qty: Qty; readonly cash: Cash; readonly pnl: Cash };
  /** Settlement P&L (payouts - cost basis settled). */
  readonly settlement: Cash;
  /** Dollars paid out by settlements. */
  readonly settlementCash: Cash;
  /** Dollars of buys + sells (px*qty); merges and settlements excluded. */
  readonly turnover: Cash;
  readonly fills: number;
  readonly buys: number;
  readonly sells: number;
  readonly boughtQty: Qty;
  readonly soldQty: Qty;
  readonly roundTrips: number;
}

export interface Valuation {
  /** Sum of held tokens marked (cost basis for unmarked ones). */
  readonly positionsValue: Cash;
  readonly unrealized: Cash;
  /** Held tokens without a mark (carried at cost). */
  readonly unmarked: readonly string[];
}

/** The open-order shape the reserve helpers need (OpenOrderInfo satisfies it). */
export interface OpenOrderLike {
  readonly assetId: string;
  readonly side: Side;
  readonly px: Px;
  /** Shares still open. */
  readonly leavesQty: Qty;
  /**
   * Dollars of an amount-sized BUY (FOK/FAK); when set it replaces px*leavesQty. The order's full amount is used:
   * FOK/FAK orders fill or die at arrival, so one is never partially filled while still open.
   */
  readonly amount?: Cash | null;
}

/**
 * A fill's fee stated the one way every report uses: `cash` = dollars charged to cash (a SELL's fee; a
 * BUY's only when no shares are withheld), `shares` = shares withheld (a taker BUY's fee), `value` =
 * cash + withheld shares valued at the fill price. The portfolio charges exactly this.
 */
export function fillFees(f: Pick<OrderFilled, 'side' | 'px' | 'feeCash' | 'feeQty'>): { readonly cash: Cash; readonly shares: Qty; readonly value: Cash } {
  if (f.side === 'SELL') return { cash: f.feeCash, shares: 0, value: f.feeCash };
  const cash = f.feeQty === 0 ? f.feeCash : 0n;
  return { cash, shares: f.feeQty, value: cash + notional(f.px, f.feeQty) };
}

/** n / d rounded half-even (d != 0). */
export function divRoundHalfEven(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new Error('divRoundHalfEven: division by zero');
  if (d < 0n) return divRoundHalfEven(-n, -d);
  const neg = n < 0n;
  const a = neg ? -n : n;
  let q = a / d;
  const r2 = (a % d) * 2n;
  if (r2 > d || (r2 === d && q % 2n === 1n)) q += 1n;
  return neg ? -q : q;
}

/** Cash reserved by open BUY orders: amount for amount-sized buys, px*leavesQty otherwise. */
export function reservedCash(openOrders: readonly OpenOrderLike[]): Cash {
  let sum = 0n;
  for (const o of openOrders) if (o.side === 'BUY') sum += o.amount != null ? o.amount : notional(o.px, o.leavesQty);
  return sum;
}

/** Shares of `assetId` committed to open SELL orders. */
export function openSellQty(openOrders: readonly OpenOrderLike[], assetId: string): Qty {
  let sum = 0;
  for (const o of openOrders) if (o.side === 'SELL' && o.assetId === assetId) sum += o.leavesQty;
  return sum;
}

/**
 * Shares open BUY orders of `assetId` could still add. For an amount-sized BUY the estimate is amount / px
 * (floor), the count at its worst price; better prices would give more shares (known limit).
 */
export function openBuyQty(openOrders: readonly OpenOrderLike[], assetId: string): Qty {
  let sum = 0;
  for (const o of openOrders) {
    if (o.side !== 'BUY' || o.assetId !== assetId) continue;
    sum += o.amount != null ? amountToQty(o.amount, o.px) : o.leavesQty;
  }
  return sum;
}

/** Shares that `amount` dollars buy at `px` (floor at 1e-6); 0 for px 0. */
export function amountToQty(amount: Cash, px: Px): Qty {
  if (px <= 0) return 0;
  return Number(amount / BigInt(px));
}

/** Exact dollar value of qty shares at a mark (Px ticks or D dollars). */
export function markValueExact(mark: Px | D, qty: Qty): D {
  const price = typeof mark === 'number' ? new D(mark).div(10_000) : mark;
  return price.mul(qtyToDecimal(qty));
}

/** Value of qty shares at a mark in Cash: exact for Px marks, half-even at 1e-10 for D marks. */
export function markValue(mark: Px | D, qty: Qty): Cash {
  return typeof mark === 'number' ? notional(mark, qty) : decimalToCash(markValueExact(mark, qty));
}

interface PosState {
  readonly assetId: string;
  readonly market: string | null;
  qty: Qty;
  costBasis: Cash;
  realized: Cash;
  merged: Cash;
  settlement: Cash;
  feeCash: Cash;
  feeShareValue: Cash;
  feeShares: Qty;
  rebates: Cash;
  boughtQty: Qty;
  soldQty: Qty;
  turnover: Cash;
  trip: { openNs: bigint; pnlAtOpen: Cash; cost: Cash } | null;
  /** view()'s avgCost, cached for the (costBasis, qty) it was computed from (strategies read positions per event). */
  avg: { costBasis: Cash; qty: Qty; d: D | null } | null;
}

function assertQty(q: Qty, what: string): void {
  if (!Number.isSafeInteger(q) || q < 0) throw new Error(`portfolio: ${what} must be a non-negative integer Qty, got ${q}`);
}

export class Portfolio {
  private readonly initialCash: Cash;
  private readonly markets: (id: string) => MarketMeta | undefined;
  private cashBal: Cash;
  private readonly pos = new Map<string, PosState>();
  private readonly trips: RoundTrip[] = [];
  private readonly settledMarkets = new Set<string>();
  private t = {
    feeCash: 0n, feeShares: 0, feeShareValue: 0n, rebates: 0n, realized: 0n,
    mergeCount: 0, mergeQty: 0, mergeCash: 0n, mergePnl: 0n, settlement: 0n, settlementCash: 0n,
    turnover: 0n, fills: 0, buys: 0, sells: 0, boughtQty: 0, soldQty: 0,
  };

  constructor(opts: PortfolioOptions) {
    this.initialCash = opts.initialCash;
    this.cashBal = opts.initialCash;
    this.markets = opts.markets;
  }

  /** Applies a fill. Throws on corrupt fills (see header). */
  onFill(f: OrderFilled): void {
    if (!Number.isSafeInteger(f.qty) || f.qty <= 0) throw new Error(`portfolio: fill ${f.fillId} has qty ${f.qty} (must be > 0)`);
    assertQty(f.feeQty, `fill ${f.fillId} feeQty`);
    if (!Number.isInteger(f.px) || f.px < 0 || f.px > PX_ONE) throw new Error(`portfolio: fill ${f.fillId} has price ${f.px} outside 0..${PX_ONE}`);
    if (f.feeCash < 0n || f.rebateCash < 0n) throw new Error(`portfolio: fill ${f.fillId} has a negative fee or rebate`);
    const p = this.state(f.assetId);
    const gross = notional(f.px, f.qty);
    this.t.fills += 1;
    this.t.turnover += gross;
    p.turnover += gross;
    if (f.side === 'BUY') {
      if (f.feeQty > f.qty) throw new Error(`portfolio: fill ${f.fillId} withholds ${formatQty(f.feeQty)} fee shares of ${formatQty(f.qty)}`);
      const fee = fillFees(f);
      const cashFee = fee.cash;
      const cost = gross + cashFee;
      const received = f.qty - f.feeQty;
      const feeShareValue = fee.value - fee.cash;
      if (p.qty === 0 && p.trip === null) p.trip = { openNs: f.tsNs, pnlAtOpen: this.pnlOf(p), cost: 0n };
      this.cashBal -= cost;
      p.qty += received;
      p.costBasis += cost;
      p.boughtQty += received;
      p.feeShares += f.feeQty;
      p.feeCash += cashFee;
      p.feeShareValue += feeShareValue;
      if (p.trip !== null) p.trip.cost += cost;
      this.t.buys += 1;
      this.t.boughtQty += received;
      this.t.feeShares += f.feeQty;
      this.t.feeCash += cashFee;
      this.t.feeShareValue += feeShareValue;
      if (p.qty === 0) {
        // Every share was withheld: nothing is held, the money is a realized loss.
        p.realized -= p.costBasis;
        this.t.realized -= p.costBasis;
        p.costBasis = 0n;
        this.closeTrip(p, f.tsNs, 'sell');
      }
    } else {
      if (f.feeQty !== 0) throw new Error(`portfolio: SELL fill ${f.fillId} withholds shares (feeQty ${formatQty(f.feeQty)})`);
      if (f.qty > p.qty) {
        throw new Error(`portfolio: SELL fill ${f.fillId} of ${formatQty(f.qty)} ${f.assetId} exceeds the position ${formatQty(p.qty)} (no shorts on Polymarket)`);
      }
      const released = this.release(p, f.qty);
      const pnl = gross - f.feeCash - released;
      this.cashBal += gross - f.feeCash;
      p.realized += pnl;
      p.soldQty += f.qty;
      p.feeCash += f.feeCash;
      this.t.realized += pnl;
      this.t.sells += 1;
      this.t.soldQty += f.qty;
      this.t.feeCash += f.feeCash;
      if (p.qty === 0) this.closeTrip(p, f.tsNs, 'sell');
    }
    if (f.rebateCash > 0n) {
      this.cashBal += f.rebateCash;
      p.rebates += f.rebateCash;
      this.t.rebates += f.rebateCash;
    }
  }

  /** Merges qty YES + qty NO of a binary market into qty dollars. An expected refusal is returned, not thrown. */
  merge(market: string, qty: Qty, tsNs: bigint): Omit<PositionsMerged, 'clientId'> | { error: string } {
    if (!Number.isSafeInteger(qty) || qty <= 0) return { error: `merge of ${market}: quantity ${qty} must be positive` };
    const legs = this.legsOf(market);
    if (legs === null) return { error: `merge of ${market}: not a known binary market (need exactly two tokens)` };
    const [a, b] = legs;
    const pa = this.pos.get(a);
    const pb = this.pos.get(b);
    const ha = pa?.qty ?? 0;
    const hb = pb?.qty ?? 0;
    if (pa === undefined || pb === undefined || ha < qty || hb < qty) {
      return { error: `merge of ${market}: needs ${formatQty(qty)} of both tokens, holds ${formatQty(ha)} (${a}) and ${formatQty(hb)} (${b})` };
    }
    const ra = this.release(pa, qty);
    const rb = this.release(pb, qty);
    const cash = notional(PX_ONE, qty);
    const allocA = ra + rb === 0n ? divRoundHalfEven(cash, 2n) : divRoundHalfEven(cash * ra, ra + rb);
    const allocB = cash - allocA;
    pa.merged += allocA - ra;
    pb.merged += allocB - rb;
    this.cashBal += cash;
    this.t.mergeCount += 1;
    this.t.mergeQty += qty;
    this.t.mergeCash += cash;
    this.t.mergePnl += cash - ra - rb;
    if (pa.qty === 0) this.closeTrip(pa, tsNs, 'merge');
    if (pb.qty === 0) this.closeTrip(pb, tsNs, 'merge');
    return { type: 'positions_merged', tsNs, market, qty, cash, pnl: cash - ra - rb };
  }

  /** Settles a resolved market: the winner pays $1 per share, every other token 0. */
  settle(ev: MarketResolved, tsNs: bigint): PositionSettled[] {
    const payouts = new Map<string, Px>();
    for (const id of ev.assetIds) payouts.set(id, id === ev.winningAssetId ? PX_ONE : 0);
    payouts.set(ev.winningAssetId, PX_ONE);
    return this.settlePayouts(ev.market, payouts, tsNs);
  }

  /**
   * Settles a market with explicit payouts per token (Px per share: 10000 = $1, 5000 = a 50/50 split).
   * Held tokens of the market missing from `payouts` pay 0. Positions close; returns one event per held token.
   */
  settlePayouts(market: string, payouts: ReadonlyMap<string, Px>, tsNs: bigint): PositionSettled[] {
    for (const [id, px] of payouts) {
      if (!Number.isInteger(px) || px < 0 || px > PX_ONE) throw new Error(`portfolio: settlement payout ${px} for ${id} outside 0..${PX_ONE}`);
    }
    const out: PositionSettled[] = [];
    for (const p of this.pos.values()) {
      if (p.qty === 0) continue;
      if (!payouts.has(p.assetId) && p.market !== market) continue;
      const payoutPx = payouts.get(p.assetId) ?? 0;
      const qty = p.qty;
      const cash = notional(payoutPx, qty);
      const released = this.release(p, qty);
      p.settlement += cash - released;
      this.t.settlement += cash - released;
      this.t.settlementCash += cash;
      this.cashBal += cash;
      this.closeTrip(p, tsNs, 'settle');
      out.push({ type: 'position_settled', tsNs, market, assetId: p.assetId, qty, payoutPx, cash });
    }
    this.settledMarkets.add(market);
    return out;
  }

  /** Has `settle` run for this market (condition id)? */
  isSettled(market: string): boolean {
    return this.settledMarkets.has(market);
  }

  cash(): Cash {
    return this.cashBal;
  }

  /**
   * Cash not committed to open BUY orders (the venue's balance check: open BUY notional <= balance).
   * May be negative when orders were placed against cash since spent.
   */
  available(openOrders: readonly OpenOrderLike[]): Cash {
    return this.cashBal - reservedCash(openOrders);
  }

  position(assetId: string): PositionView | undefined {
    const p = this.pos.get(assetId);
    return p === undefined ? undefined : view(p);
  }

  /** What a strategy's ctx.position(assetId) says (qty, avgCost when held, realized), without the whole view (hot path). */
  positionInfo(assetId: string): { assetId: string; qty: Qty; avgCost: D | null; realized: Cash } {
    const p = this.pos.get(assetId);
    return p === undefined ? { assetId, qty: 0, avgCost: null, realized: 0n } : { assetId, qty: p.qty, avgCost: p.qty > 0 ? avgCost(p) : null, realized: p.realized };
  }

  /** Every token ever traded, in first-fill order (flat ones included, for their P&L lines). */
  positions(): PositionView[] {
    return [...this.pos.values()].map(view);
  }

  /** Tokens currently held (qty > 0). */
  openPositions(): PositionView[] {
    return [...this.pos.values()].filter((p) => p.qty > 0).map(view);
  }

  roundTrips(): readonly RoundTrip[] {
    return this.trips;
  }

  /** Intervals with a position, per token: closed trips plus open ones running until `endNs`. */
  exposureIntervals(endNs: bigint): { startNs: bigint; endNs: bigint }[] {
    const out = this.trips.map((r) => ({ startNs: r.openNs, endNs: r.closeNs }));
    for (const p of this.pos.values()) if (p.trip !== null && p.qty > 0) out.push({ startNs: p.trip.openNs, endNs });
    return out;
  }

  /** Held positions marked (see header: rounding, null marks). */
  valuation(marks: Marks): Valuation {
    let value = 0n;
    let cost = 0n;
    const unmarked: string[] = [];
    for (const p of this.pos.values()) {
      if (p.qty === 0) continue;
      cost += p.costBasis;
      const m = marks(p.assetId);
      if (m === null) {
        unmarked.push(p.assetId);
        value += p.costBasis;
      } else {
        value += markValue(m, p.qty);
      }
    }
    return { positionsValue: value, unrealized: value - cost, unmarked };
  }

  /** Unrounded value of held positions and unrealized P&L, in dollars. */
  valuationExact(marks: Marks): { positionsValue: D; unrealized: D } {
    let value = new D(0);
    let cost = new D(0);
    for (const p of this.pos.values()) {
      if (p.qty === 0) continue;
      const c = cashToDecimal(p.costBasis);
      cost = cost.add(c);
      const m = marks(p.assetId);
      value = value.add(m === null ? c : markValueExact(m, p.qty));
    }
    return { positionsValue: value, unrealized: value.sub(cost) };
  }

  unrealized(marks: Marks): Cash {
    return this.valuation(marks).unrealized;
  }

  /** cash + held positions marked. */
  equity(marks: Marks): Cash {
    return this.cashBal + this.valuation(marks).positionsValue;
  }

  totals(): PortfolioTotals {
    const t = this.t;
    return {
      initialCash: this.initialCash,
      cash: this.cashBal,
      fees: t.feeCash + t.feeShareValue,
      feeCash: t.feeCash,
      feeShares: t.feeShares,
      feeShareValue: t.feeShareValue,
      rebates: t.rebates,
      realizedTrading: t.realized,
      merges: { count: t.mergeCount, qty: t.mergeQty, cash: t.mergeCash, pnl: t.mergePnl },
      settlement: t.settlement,
      settlementCash: t.settlementCash,
      turnover: t.turnover,
      fills: t.fills,
      buys: t.buys,
      sells: t.sells,
      boughtQty: t.boughtQty,
      soldQty: t.soldQty,
      roundTrips: this.trips.length,
    };
  }

  /** One-line human summary with exact numbers. */
  describe(marks: Marks): string {
    const t = this.totals();
    return `cash ${formatCash(t.cash)} equity ${formatCash(this.equity(marks))} realized ${formatCash(t.realizedTrading)} ` +
      `merges ${formatCash(t.merges.pnl)} settlement ${formatCash(t.settlement)} rebates ${formatCash(t.rebates)} fees ${formatCash(t.fees)}`;
  }

  private state(assetId: string): PosState {
    let p = this.pos.get(assetId);
    if (p === undefined) {
      p = {
        assetId, market: this.markets(assetId)?.conditionId ?? null,
        qty: 0, costBasis: 0n, realized: 0n, merged: 0n, settlement: 0n, feeCash: 0n, feeShareValue: 0n, feeShares: 0,
        rebates: 0n, boughtQty: 0, soldQty: 0, turnover: 0n, trip: null, avg: null,
      };
      this.pos.set(assetId, p);
    }
    return p;
  }

  /** Removes q shares and returns the cost basis they carried (all of it when the position closes). */
  private release(p: PosState, q: Qty): Cash {
    if (q > p.qty) throw new Error(`portfolio: releasing ${formatQty(q)} of ${p.assetId} but only ${formatQty(p.qty)} held`);
    const released = q === p.qty ? p.costBasis : divRoundHalfEven(p.costBasis * BigInt(q), BigInt(p.qty));
    p.qty -= q;
    p.costBasis -= released;
    return released;
  }

  private pnlOf(p: PosState): Cash {
    return p.realized + p.merged + p.settlement;
  }

  private closeTrip(p: PosState, tsNs: bigint, by: RoundTrip['closedBy']): void {
    if (p.trip === null) return;
    this.trips.push({ assetId: p.assetId, market: p.market, openNs: p.trip.openNs, closeNs: tsNs, pnl: this.pnlOf(p) - p.trip.pnlAtOpen, cost: p.trip.cost, closedBy: by });
    p.trip = null;
  }

  private legsOf(market: string): [string, string] | null {
    const meta = this.markets(market);
    if (meta !== undefined && meta.conditionId === market) {
      const [a, b] = meta.tokens;
      return meta.tokens.length === 2 && a !== undefined && b !== undefined ? [a.tokenId, b.tokenId] : null;
    }
    const held = [...this.pos.values()].filter((p) => p.market === market).map((p) => p.assetId);
    const [a, b] = held;
    return held.length === 2 && a !== undefined && b !== undefined ? [a, b] : null;
  }
}

function view(p: PosState): PositionView {
  return {
    assetId: p.assetId,
    market: p.market,
    qty: p.qty,
    avgCost: avgCost(p),
    costBasis: p.costBasis,
    realized: p.realized,
    merged: p.merged,
    settlement: p.settlement,
    fees: p.feeCash + p.feeShareValue,
    feeCash: p.feeCash,
    feeShares: p.feeShares,
    rebates: p.rebates,
    boughtQty: p.boughtQty,
    soldQty: p.soldQty,
    turnover: p.turnover,
    openedNs: p.trip?.openNs ?? null,
  };
}

/** costBasis / qty as an exact Decimal (null when flat), recomputed only when either changed (Decimals are immutable). */
function avgCost(p: PosState): D | null {
  const a = p.avg;
  if (a !== null && a.costBasis === p.costBasis && a.qty === p.qty) return a.d;
  const d = p.qty === 0 ? null : cashToDecimal(p.costBasis).div(qtyToDecimal(p.qty));
  p.avg = { costBasis: p.costBasis, qty: p.qty, d };
  return d;
}
