/**
 * The Strategy API: one interface for replay and live (habit 6).
 *
 * A strategy module default-exports `defineStrategy({ name, params, create })`.
 * `params` is a zod schema: `--param k=v` / `--params file.json` are validated against it before the run.
 * `create(ctx)` is called once at start and returns the hooks; keep per-run state in its closure.
 *
 * Guarantees to a strategy
 * - Hooks run one at a time, in the bus's total order; `ctx.now()` is the time of the event being handled
 *   (virtual in replay, wall in live). Nothing a strategy sees depends on replay speed.
 * - Book hooks fire once per changed token after the whole venue message was applied (both legs of a
 *   binary price_change are visible together).
 * - Commands are requests: `ctx.buy(...)` returns a clientId at once; acceptance, rejection, risk denial,
 *   fills and cancels arrive later through onOrder/onFill (after the latency model's delay).
 * - Randomness only from `ctx.rng` (seeded); time only from `ctx.now()`.
 * - A hook that throws stops the strategy: its orders are cancelled, the error is reported, and the
 *   run still writes its reports.
 * - A command with a bad value (a price in dollars instead of ticks, NaN, a bigint size, a number amount,
 *   qty 0, ...) is an OrderDenied (rule invalid_order) whose reason names the field, the value and the
 *   fix; the run goes on (src/core/kernel/command-check.ts).
 */
import type { z } from 'zod';
import type { Cash, D, Px, Qty } from '../types/fixed.ts';
import type { BestBidAsk, FeedState, Level, MarketListed, MarketResolved, ReferencePrice, Side, TickSizeChanged, TradePrinted, BookSide } from '../types/events.ts';
import type { MarketMeta } from '../types/market.ts';
import type { OrderEvent, OrderFilled, TimeInForce } from '../types/orders.ts';
import type { Rng } from '../rng.ts';

/** Read-only view of one token's book (YES and NO views of a binary market are mirrors of one book). */
export interface BookView {
  readonly assetId: string;
  readonly tickSize: Px | null;
  readonly valid: boolean;
  bestBid(): Px | null;
  bestAsk(): Px | null;
  bestBidQty(): Qty;
  bestAskQty(): Qty;
  qtyAt(side: BookSide, px: Px): Qty;
  depth(side: BookSide, n: number): Level[];
  levels(side: BookSide): IterableIterator<Level>;
  mid(): D | null;
  spread(): Px | null;
  isCrossed(): boolean;
  vwap(side: BookSide, qty: Qty): D | null;
  sweep(side: BookSide, qty: Qty, limitPx?: Px): { filledQty: Qty; cost: Cash; fills: Level[]; complete: boolean };
  sweepCash(side: BookSide, cash: Cash, limitPx?: Px): { filledQty: Qty; cost: Cash; fills: Level[]; complete: boolean };
}

export interface PositionInfo {
  readonly assetId: string;
  readonly qty: Qty;
  /** Average cost per share, exact decimal (null when flat). */
  readonly avgCost: D | null;
  readonly realized: Cash;
}

export interface OpenOrderInfo {
  readonly clientId: string;
  readonly assetId: string;
  readonly side: Side;
  readonly px: Px;
  readonly tif: TimeInForce;
  /** Shares still open (for resting orders). */
  readonly leavesQty: Qty;
  readonly postOnly: boolean;
}

interface LimitOrderBase {
  /** Token id (ctx.market(id).tokens[i].tokenId). */
  readonly assetId: string;
  /** Limit price in ticks (Px, integer 1e-4 dollars, 1..9999), on the market's tick grid (else the venue rejects it). */
  readonly px: Px;
  /** Shares (Qty, integer 1e-6 shares, > 0). */
  readonly qty: Qty;
  /** Rejected by the venue instead of taking liquidity when it would cross. Default false. */
  readonly postOnly?: boolean;
}

/** A resting limit order that stays until filled or cancelled (the default time in force). */
export interface GtcLimitOrderSpec extends LimitOrderBase {
  readonly tif?: 'GTC';
  readonly expireNs?: never;
}

/** A resting limit order that expires at `expireNs` (ns since the epoch); the expiry is required. */
export interface GtdLimitOrderSpec extends LimitOrderBase {
  readonly tif: 'GTD';
  readonly expireNs: bigint;
}

/**
 * ctx.buy / ctx.sell: a limit order rests (GTC or GTD). Immediate-or-cancel orders are market orders
 * (ctx.marketBuy / ctx.marketSell with tif FOK or FAK); a limit spec with tif FOK/FAK, a GTD without
 * expireNs or a GTC with one is denied (rule invalid_order) with a reason that names the fix.
 */
export type LimitOrderSpec = GtcLimitOrderSpec | GtdLimitOrderSpec;

interface MarketOrderBase {
  readonly assetId: string;
  /**
   * Worst acceptable price (ticks). Default: priced the way Polymarket's client prices a market order
   * (py-clob-client `calculate_market_price`): the price of the book level where the size is reached,
   * counting liquidity still available to you; a FAK the book cannot fill gets the worst displayed price,
   * a FOK it cannot fill is denied (`no_match`), as the client refuses to send it.
   */
  readonly worstPx?: Px;
  /** FOK (default: all or nothing) or FAK (fill what is there, cancel the rest). */
  readonly tif?: 'FOK' | 'FAK';
}

/** ctx.marketBuy: a BUY sized in dollars to spend (Cash, > 0), as Polymarket's market BUY is. */
export interface MarketBuySpec extends MarketOrderBase {
  readonly spend: Cash;
}

/** ctx.marketSell: a SELL sized in shares (Qty, > 0). */
export interface MarketSellSpec extends MarketOrderBase {
  readonly qty: Qty;
}

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface TimerInfo {
  readonly id: number;
  readonly name: string;
  readonly atNs: bigint;
}

export interface StrategyContext<P = unknown> {
  readonly params: P;
  readonly rng: Rng;
  readonly log: Logger;
  now(): bigint;
  /** Markets known to the run (from the recording's manifest, REST metadata and new_market announcements). */
  markets(): readonly MarketMeta[];
  /** Market of a token id or condition id. */
  market(id: string): MarketMeta | undefined;
  /** The other token of a binary market. */
  pairOf(assetId: string): string | undefined;
  book(assetId: string): BookView | undefined;
  position(assetId: string): PositionInfo;
  positions(): readonly PositionInfo[];
  cash(): Cash;
  openOrders(assetId?: string): readonly OpenOrderInfo[];
  /** Is trading allowed right now (not halted by risk, book fresh)? */
  canTrade(assetId: string): boolean;
  buy(spec: LimitOrderSpec): string;
  sell(spec: LimitOrderSpec): string;
  marketBuy(spec: MarketBuySpec): string;
  marketSell(spec: MarketSellSpec): string;
  cancel(clientId: string): void;
  cancelAll(filter?: { market?: string; assetId?: string }): void;
  /**
   * Merge qty YES + qty NO of a binary market (condition id) into qty dollars. Returns the merge's id
   * (`m000001`, ...). It reaches the venue like an order (latency, in submission order with the commands
   * before it) and is checked against the positions then: PositionsMerged, or OrderDenied with the reason.
   */
  merge(market: string, qty: Qty): string;
  /** Timer at an absolute time (ns); returns its id. */
  setTimer(name: string, atNs: bigint): number;
  /** Timer after a delay (ns). */
  setTimeout(name: string, delayNs: bigint): number;
  cancelTimer(id: number): void;
}

export interface StrategyHooks {
  onStart?(): void;
  onStop?(): void;
  onBook?(assetId: string, book: BookView): void;
  onTrade?(trade: TradePrinted): void;
  onBestBidAsk?(ev: BestBidAsk): void;
  onTickSize?(ev: TickSizeChanged): void;
  onMarket?(ev: MarketListed): void;
  onResolved?(ev: MarketResolved): void;
  onReferencePrice?(ev: ReferencePrice): void;
  onFeed?(ev: FeedState): void;
  onTimer?(timer: TimerInfo): void;
  /** Every order event: accepted, rejected, denied, filled, canceled, merged, settled, halted. */
  onOrder?(ev: OrderEvent): void;
  onFill?(fill: OrderFilled): void;
}

export interface StrategyDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description?: string;
  readonly params: S;
  create(ctx: StrategyContext<z.output<S>>): StrategyHooks;
}

export function defineStrategy<S extends z.ZodType>(def: StrategyDefinition<S>): StrategyDefinition<S> {
  return def;
}

export function isStrategyDefinition(value: unknown): value is StrategyDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['name'] === 'string' && typeof v['create'] === 'function' && typeof v['params'] === 'object' && v['params'] !== null;
}
