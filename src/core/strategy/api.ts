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
 * - Units are branded on this surface (units.ts): a plain number does not typecheck where a Px, Qty or
 *   Cash is expected (make one with px('0.41'), qty('10'), usd('5'), or px.ticks(n) / qty.micro(n) /
 *   usd.raw(n) after arithmetic, which check it). Getters return branded values, so a strategy that does
 *   no arithmetic passes them straight back (ctx.sell({ px: book.bestAsk(), qty: ctx.position(id).qty })).
 *   Hook events (fills, trades, order events, ...) and market metadata are the core's types with the same
 *   fields branded (`Branded<T>` below), so `onFill(f) { ctx.marketSell({ assetId: f.assetId, qty: f.qty }) }`
 *   typechecks. The one exception, on purpose: `mid()` is a plain number (it can be a half tick, which is
 *   not a valid order price).
 */
import type { z } from 'zod';
import type { D } from '../types/fixed.ts';
import type { Cash, Px, Qty } from './units.ts';
import type * as Core from '../types/events.ts';
import type { FeedState, ReferencePrice, Side, BookSide } from '../types/events.ts';
import type * as CoreMarket from '../types/market.ts';
import type * as CoreOrders from '../types/orders.ts';
import type { TimeInForce } from '../types/orders.ts';
import type { Rng } from '../rng.ts';
import type { FeeTerms } from '../matching/fees.ts';

/** Fields that hold a price, a size or dollars in the core's event and metadata types (by name). */
type PxField = 'px' | 'bestBid' | 'bestAsk' | 'oldTick' | 'newTick' | 'payoutPx' | 'tickSize' | 'lastTradePx';
type QtyField = 'qty' | 'feeQty' | 'leavesQty' | 'minOrderSize';
type CashField = 'feeCash' | 'rebateCash' | 'cash' | 'pnl' | 'amount';
type Swap<V, Plain, B> = V extends Plain ? B : V;
/**
 * A core event or metadata type as a strategy sees it: the same object, its unit fields branded (`px` a Px,
 * `qty` a Qty, `feeCash` a Cash, ...; nested `order` and `meta` too). Type-level only: the kernel passes
 * the core's objects, whose values are integers of their units by the core's invariants.
 */
export type Branded<T> = T extends unknown
  ? {
      readonly [K in keyof T]: K extends PxField
        ? Swap<T[K], number, Px>
        : K extends QtyField
          ? Swap<T[K], number, Qty>
          : K extends CashField
            ? Swap<T[K], bigint, Cash>
            : K extends 'order' | 'meta'
              ? Branded<T[K]>
              : T[K];
    }
  : never;

/** Market metadata (tickSize a Px, minOrderSize a Qty); fields documented in src/core/types/market.ts. */
export interface MarketMeta extends Branded<CoreMarket.MarketMeta> {}
/** A trade print (px, qty branded); src/core/types/events.ts. */
export interface TradePrinted extends Branded<Core.TradePrinted> {}
export interface BestBidAsk extends Branded<Core.BestBidAsk> {}
export interface TickSizeChanged extends Branded<Core.TickSizeChanged> {}
export interface MarketListed extends Branded<Core.MarketListed> {}
export type MarketResolved = Core.MarketResolved;
/** One of our fills (px, qty, feeQty, leavesQty, feeCash, rebateCash branded); src/core/types/orders.ts. */
export interface OrderFilled extends Branded<CoreOrders.OrderFilled> {}
/** Every order event (accepted, rejected, denied, filled, canceled, merged, settled, halted), branded; narrow on `type`. */
export type OrderEvent = Branded<CoreOrders.OrderEvent>;

/** One price level as the strategy API shows it: branded units (see units.ts). */
export interface Level {
  readonly px: Px;
  readonly qty: Qty;
}

/**
 * Read-only view of one token's book (YES and NO views of a binary market are mirrors of one book).
 * Units: prices Px (integer 1e-4 dollar ticks), sizes Qty (integer 1e-6 shares), cost Cash (bigint 1e-10 $).
 * Costs: the best-level reads are O(1); `depth`/`levels`/`vwap`/`sweep*` walk levels best first (O(levels
 * walked)). The view is live: read it inside the hook, do not keep values across hooks expecting them to move.
 * It shows the DISPLAYED book; what is left for you after your own taker fills is `ctx.available`.
 */
export interface BookView {
  readonly assetId: string;
  /** The token's tick in Px (100 = 0.01), null until the venue sent one. */
  readonly tickSize: Px | null;
  /** False while the book is awaiting a snapshot (after a feed loss or a crossed update); orders are then refused. */
  readonly valid: boolean;
  /** Best bid in Px; null when the bid side is empty. O(1). */
  bestBid(): Px | null;
  /** Best ask in Px; null when the ask side is empty. O(1). */
  bestAsk(): Px | null;
  /** Shares at the best bid (0 when empty). O(1). */
  bestBidQty(): Qty;
  /** Shares at the best ask (0 when empty). O(1). */
  bestAskQty(): Qty;
  /** Displayed shares at one price on one side (0 when no level). O(log levels). */
  qtyAt(side: BookSide, px: Px): Qty;
  /** Up to n levels best first (a new array). O(n). */
  depth(side: BookSide, n: number): Level[];
  /** All levels best first, lazily (do not keep the iterator across hooks). */
  levels(side: BookSide): IterableIterator<Level>;
  /**
   * (bestBid + bestAsk) / 2 in ticks, like every other price: an integer or a half tick (4950.5 = $0.49505),
   * exact in a number. Not a valid order price when it is a half tick: round it to the tick first
   * (floor for a bid, ceil for an ask). null unless both sides have a level. O(1).
   */
  mid(): number | null;
  /** The same mid as an exact Decimal in DOLLARS (0.49505), for dollar arithmetic; null unless both sides have a level. O(1). */
  midDollars(): D | null;
  /** bestAsk - bestBid in Px (<= 0 when crossed); null unless both sides have a level. O(1). */
  spread(): Px | null;
  /** Both sides present and bestBid >= bestAsk (a data-quality problem; never thrown). O(1). */
  isCrossed(): boolean;
  /** Average price in DOLLARS per share of taking `qty` from `side` (what is there when thinner); null when empty. O(levels walked). */
  vwap(side: BookSide, qty: Qty): D | null;
  /**
   * Walks `side` best first taking up to `qty` shares, each level at its own price, stopping at `limitPx`:
   * what a taker BUY (side 'ask') or SELL (side 'bid') of that size would take from the DISPLAYED book.
   * `complete` = the whole qty was there. Never mutates. O(levels walked).
   */
  sweep(side: BookSide, qty: Qty, limitPx?: Px): { filledQty: Qty; cost: Cash; fills: Level[]; complete: boolean };
  /** As `sweep`, spending up to `cash` dollars (shares floored to 1e-6 at the last level), as a dollar-sized market BUY fills. */
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

/**
 * What a strategy can read and do. Every method is cheap unless noted; none blocks. Reads reflect the state
 * after the event being handled (books, positions, cash, open orders as the venue last told us: a command
 * sent in this hook shows up only when its events arrive). Commands return an id at once and never throw
 * on a bad value: they become an OrderDenied (rule invalid_order) with a reason.
 */
export interface StrategyContext<P = unknown> {
  /** The validated parameters (`params` schema output: p.px() -> Px, p.qty() -> Qty, p.usd() -> Cash, p.duration() -> bigint ns). */
  readonly params: P;
  /** The run's seeded random source (the only randomness a strategy may use). */
  readonly rng: Rng;
  /** Lines to strategy.log.jsonl beside the reports (and stderr with --verbose), stamped with virtual time and record seq. */
  readonly log: Logger;
  /** Time of the event being handled, ns since the epoch (virtual in replay, wall in live). */
  now(): bigint;
  /** Markets known to the run (from the recording's manifest, REST metadata and new_market announcements). A new array: O(markets). */
  markets(): readonly MarketMeta[];
  /** Market of a token id or condition id; undefined when unknown. */
  market(id: string): MarketMeta | undefined;
  /** The other token of a binary market; undefined when unknown or not binary. */
  pairOf(assetId: string): string | undefined;
  /** The token's book view; undefined when no book was ever seen for it. */
  book(assetId: string): BookView | undefined;
  /**
   * One side of the token's book as the paper exchange would fill you against it NOW: displayed levels best
   * first minus what your own taker fills already took (the exchange's consumed-liquidity overlay; in replay
   * the recorded book does not react to paper orders), empty levels skipped. YES and NO share liquidity (a
   * BUY of NO at 0.40 takes the YES bid at 0.60). side 'ask' = what a BUY takes, 'bid' = what a SELL takes.
   * [] when the token has no valid book. A new array: O(levels).
   */
  available(assetId: string, side: BookSide): Level[];
  /**
   * The exact fee terms the paper exchange charges a taker fill of this token now (the run's FeeModel: the
   * dated Polymarket regime in force at ctx.now(), the market's feeSchedule where authoritative; --fees
   * none gives null). null = fee-free. `source` names where they came from ('market' or the regime).
   */
  feeTerms(assetId: string): FeeTerms | null;
  /**
   * The fee of one taker fill of `qty` shares at `px` of this token now, exactly as the exchange computes it:
   * a BUY pays in shares (`feeQty`, withheld from the shares received), a SELL in dollars (`feeCash`). Each
   * fill (one per book level) is rounded on its own: sum over the levels you plan to take.
   */
  takerFee(assetId: string, side: Side, px: Px, qty: Qty): { feeCash: Cash; feeQty: Qty };
  /** Your position in a token (qty 0, avgCost null when flat or never traded). */
  position(assetId: string): PositionInfo;
  /** Every token you have held during the run. O(positions). */
  positions(): readonly PositionInfo[];
  /** Cash now (Cash, bigint 1e-10 $): initial cash + proceeds - costs - fees + merges + settlements. */
  cash(): Cash;
  /** Your resting orders as the venue last confirmed them (all tokens, or one). A new array: O(open orders). */
  openOrders(assetId?: string): readonly OpenOrderInfo[];
  /** Is trading allowed right now: not halted by risk, the strategy not stopped, the token's book fresh? */
  canTrade(assetId: string): boolean;
  /** A resting BUY (GTC, or GTD with expireNs). Returns its clientId (o000001, ...); the outcome arrives in onOrder. */
  buy(spec: LimitOrderSpec): string;
  /** A resting SELL of shares you hold (GTC, or GTD with expireNs). Returns its clientId. */
  sell(spec: LimitOrderSpec): string;
  /** A market BUY spending `spend` dollars (FOK default, or FAK). Returns its clientId; an unfillable FOK is denied (no_match). */
  marketBuy(spec: MarketBuySpec): string;
  /** A market SELL of `qty` shares (FOK default, or FAK). Returns its clientId. */
  marketSell(spec: MarketSellSpec): string;
  /** Cancels one order by clientId (after the cancel latency); an unknown or finished id gets a cancel rejection event. */
  cancel(clientId: string): void;
  /** Cancels every open order, or those of one market (condition id) or token. */
  cancelAll(filter?: { market?: string; assetId?: string }): void;
  /**
   * Merge qty YES + qty NO of a binary market (condition id) into qty dollars. Returns the merge's id
   * (`m000001`, ...). It reaches the venue like an order (latency, in submission order with the commands
   * before it) and is checked against the positions then: PositionsMerged, or OrderDenied with the reason.
   */
  merge(market: string, qty: Qty): string;
  /** Timer at an absolute time (ns since the epoch; a past time fires at once); returns its id. onTimer receives it. */
  setTimer(name: string, atNs: bigint): number;
  /** Timer after a delay (ns, bigint; negative = now); returns its id. */
  setTimeout(name: string, delayNs: bigint): number;
  /** Cancels a timer by id (a fired or unknown id is ignored). */
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
