/**
 * Risk engine: pre-trade checks and the daily-loss halt. The same object and rules serve replay and live.
 * Anchor: nautilus_trader crates/risk/src/engine/mod.rs — a denial is an event (OrderDenied), never a throw.
 *
 * Commands
 * - cancel / cancel_all are never denied: they only reduce risk, and they must work while halted or stale.
 * - merge is checked for a positive size and for both legs being held beyond what open SELL orders already
 *   commit ('insufficient_position'). A merge is allowed while halted (it turns a hedged pair into cash).
 *   The engine runs this check when the merge ARRIVES at the venue (it travels the command path like an
 *   order), with the SELL orders already at the venue as the open ones.
 * - A SELL counts the shares of merges still in flight (context `pendingMerges`) as promised, like the
 *   shares of open SELL orders.
 * - place is checked in this order; the first failing rule is reported:
 *   1 invalid_order (no qty/amount, or <= 0)   2 halted   3 stale_data   4 max_order_notional
 *   5 max_open_orders (GTC/GTD only: FOK/FAK never rest)   6 order_rate
 *   7 SELL: insufficient_position (qty > held - open SELL qty; Polymarket has no shorts)
 *   8 BUY: insufficient_cash (notional > cash - open BUY notional: the venue's balance check)
 *   9 BUY: max_position_token (held + open BUY qty + this order > limit)
 *   10 BUY: max_position_market (same, summed over both tokens of the binary market, via pairOf).
 *   Notional: BUY amount (FOK/FAK BUY) or px*qty; SELL px*qty. An amount-sized BUY counts amount/px shares
 *   toward position limits (the count at its worst price; better prices give more shares: known limit).
 *   Buys pay taker fees in shares, so no cash is reserved for fees.
 * - Only orders that pass every check count toward the order rate (sliding window (now - windowNs, now]).
 *
 * Stale data (staleAfterNs, default 60 s). The facts (last update, heartbeats, waits for a snapshot, pairs) are
 * the market registry's (src/core/markets/registry.ts), shared with the kernel or, for a RiskEngine built from a
 * market list, its own (then onMarketEvent feeds it); risk only applies the limit:
 * - A token's book is fresh when its last book_snapshot / book_delta (by receive time) is at most staleAfterNs old.
 *   An inbound heartbeat (PONG, NO NEW ASSETS) on the market_ws connection that delivered the token's last update
 *   also proves the book current (a quiet market sends no deltas): a refinement of the brief.
 * - A tick_size_changed that clears the token's book (PROTOCOL.md §1.6; a duplicate copy does not) makes the token
 *   stale until its next snapshot; without a book lookup (a RiskEngine of its own) every tick change does.
 * - feed_state close/error on market_ws makes every known token stale until its next book_snapshot (WS or REST);
 *   deltas alone do not make it fresh again. A token never seen is stale ("no book data").
 * - Both tokens of a binary market are one book (PROTOCOL.md §1.6): they share one freshness state, so a snapshot
 *   of either token refreshes both. Pairs come from the market registry, or the context's pairOf at check time
 *   (the registry merges states learned late).
 * - If the context offers `book(assetId)` and that book is not `valid` (e.g. cleared on a tick-size change), the
 *   order is denied as stale_data too.
 *
 * Daily loss (maxDailyLoss): "day" = UTC day of the clock. The day's start equity is the last equity seen before
 * the day began (the value at midnight of a step curve), or the first one seen when none came before. When
 * start - equity >= maxDailyLoss, onEquity returns TradingHalted (once); the engine then cancels every open order
 * and records it. A halt lasts for the rest of the run (like Nautilus' HALTED); restart to resume.
 *
 * Ordering: feed onMarketEvent in bus order; `nowNs` must not decrease between calls. Known limit: with several
 * market_ws connections (sharding), one connection's drop conservatively makes every token stale.
 */
import { z } from 'zod';
import { formatCash, formatQty, formatScaled, notional, type Cash, type Qty } from '../types/fixed.ts';
import type { MarketEvent } from '../types/events.ts';
import type { MarketMeta } from '../types/market.ts';
import { MarketRegistry } from '../markets/registry.ts';
import type { OrderCommand, OrderDenied, PlaceOrder, TradingHalted, MergePositions } from '../types/orders.ts';
import { isoDate, isoFromNs, NS_PER_S, utcDay } from '../time.ts';
import { p } from '../strategy/params.ts';
import { amountToQty, openBuyQty, openSellQty, reservedCash, type OpenOrderLike } from '../portfolio/portfolio.ts';

export interface RiskLimits {
  readonly maxOrderNotional: Cash | null;
  readonly maxPositionPerToken: Qty | null;
  readonly maxPositionPerMarket: Qty | null;
  readonly maxOpenOrders: number | null;
  /** Breach halts trading (TradingHalted); "daily" = UTC day of the clock. */
  readonly maxDailyLoss: Cash | null;
  /** No new orders on a book whose last update is older than this. */
  readonly staleAfterNs: bigint;
  /** Sliding-window order-rate limit. */
  readonly orderRate: { readonly count: number; readonly windowNs: bigint } | null;
}

export const defaultRiskLimits: RiskLimits = {
  maxOrderNotional: null,
  maxPositionPerToken: null,
  maxPositionPerMarket: null,
  maxOpenOrders: null,
  maxDailyLoss: null,
  staleAfterNs: 60n * NS_PER_S,
  orderRate: null,
};

const positive = <T extends bigint | number>(schema: z.ZodType<T, string | number>, what: string) =>
  schema.refine((v) => v > 0, { message: `${what} must be greater than 0` });

/**
 * User configuration of the limits (JSON file or CLI). Money is a decimal dollar string ("250", "12.5"), sizes are
 * share strings, durations "60s" / "500ms" / "5m". Every field is optional (missing = default); null disables a limit.
 * Example: {"maxOrderNotional":"100","maxDailyLoss":"50","staleAfter":"30s","orderRate":{"count":10,"window":"1s"}}
 */
export const RiskLimitsSchema = z
  .strictObject({
    maxOrderNotional: positive(p.usd(), 'maxOrderNotional (dollars)').nullable().optional(),
    maxPositionPerToken: positive(p.qty(), 'maxPositionPerToken (shares)').nullable().optional(),
    maxPositionPerMarket: positive(p.qty(), 'maxPositionPerMarket (shares)').nullable().optional(),
    maxOpenOrders: positive(p.int(), 'maxOpenOrders').nullable().optional(),
    maxDailyLoss: positive(p.usd(), 'maxDailyLoss (dollars)').nullable().optional(),
    staleAfter: positive(p.duration(), 'staleAfter (e.g. "60s")').optional(),
    orderRate: z
      .strictObject({ count: positive(p.int(), 'orderRate.count'), window: positive(p.duration(), 'orderRate.window (e.g. "1s")') })
      .nullable()
      .optional(),
  })
  .transform((c): RiskLimits => ({
    maxOrderNotional: c.maxOrderNotional ?? defaultRiskLimits.maxOrderNotional,
    maxPositionPerToken: c.maxPositionPerToken ?? defaultRiskLimits.maxPositionPerToken,
    maxPositionPerMarket: c.maxPositionPerMarket ?? defaultRiskLimits.maxPositionPerMarket,
    maxOpenOrders: c.maxOpenOrders ?? defaultRiskLimits.maxOpenOrders,
    maxDailyLoss: c.maxDailyLoss ?? defaultRiskLimits.maxDailyLoss,
    staleAfterNs: c.staleAfter ?? defaultRiskLimits.staleAfterNs,
    orderRate: c.orderRate == null ? defaultRiskLimits.orderRate : { count: c.orderRate.count, windowNs: c.orderRate.window },
  }));

/** What risk reads of the portfolio (Portfolio satisfies it). */
export interface RiskPortfolioView {
  cash(): Cash;
  position(assetId: string): { readonly qty: Qty } | undefined;
  positions(): readonly { readonly assetId: string; readonly qty: Qty }[];
}

export interface RiskOpenOrder extends OpenOrderLike {
  readonly clientId: string;
}

export interface RiskContext {
  readonly portfolio: RiskPortfolioView;
  /** Every order not yet done (resting, or sent and not yet acknowledged). */
  readonly openOrders: readonly RiskOpenOrder[];
  /** Condition id of a token. */
  marketOf(assetId: string): string | undefined;
  /** The other token of a binary market. */
  pairOf(assetId: string): string | undefined;
  /** Optional: the token's book; an invalid one counts as stale. */
  book?(assetId: string): { readonly valid: boolean } | undefined;
  /** Optional: merges sent and not yet arrived; their shares are promised (a SELL cannot use them). */
  readonly pendingMerges?: readonly { readonly market: string; readonly qty: Qty }[];
}

export type RiskRule =
  | 'invalid_order' | 'halted' | 'stale_data' | 'max_order_notional' | 'max_open_orders' | 'order_rate'
  | 'insufficient_position' | 'insufficient_cash' | 'max_position_token' | 'max_position_market' | 'daily_loss';

const fmtDur = (ns: bigint): string => `${formatScaled(ns, 9)}s`;

export class RiskEngine {
  readonly limits: RiskLimits;
  /** The market registry: freshness and pairs (shared, or this engine's own). */
  readonly markets: MarketRegistry;
  private readonly ownsMarkets: boolean;
  private readonly orderTimes: bigint[] = [];
  private orderHead = 0;
  private haltEv: TradingHalted | null = null;
  private day: number | null = null;
  private dayStart: Cash | null = null;
  private lastEquity: Cash | null = null;

  /** `markets`: the shared MarketRegistry (the kernel feeds it), or market metadata for a registry of its own. */
  constructor(limits: RiskLimits = defaultRiskLimits, markets: Iterable<MarketMeta> | MarketRegistry = []) {
    this.ownsMarkets = !(markets instanceof MarketRegistry);
    this.markets = markets instanceof MarketRegistry ? markets : new MarketRegistry(markets);
    if (limits.staleAfterNs <= 0n) throw new Error('RiskEngine: staleAfterNs must be > 0');
    if (limits.orderRate !== null && (limits.orderRate.count <= 0 || limits.orderRate.windowNs <= 0n)) {
      throw new Error('RiskEngine: orderRate count and window must be > 0');
    }
    this.limits = limits;
  }

  get halted(): boolean {
    return this.haltEv !== null;
  }

  /** The event that halted trading, or null. */
  get haltedBy(): TradingHalted | null {
    return this.haltEv;
  }

  /** Equity at the start of the current UTC day (null before the first onEquity). */
  get dayStartEquity(): Cash | null {
    return this.dayStart;
  }

  /** Feeds the engine's own market registry (no-op with a shared one: its owner feeds it). */
  onMarketEvent(ev: MarketEvent): void {
    if (!this.ownsMarkets) return;
    if (ev.type === 'market_meta') this.markets.add(ev.meta);
    else this.markets.onBookEvent(ev);
  }

  /** Why new orders on this token are refused for stale data, or null when its book is fresh. */
  staleReason(assetId: string, nowNs: bigint): string | null {
    const last = this.markets.lastUpdateNs(assetId);
    const w = this.markets.awaitingSnapshot(assetId);
    // a feed loss concerns the books that had data; one never seen says so instead
    const wait = w !== null && w.why === 'feed' && last === null ? this.markets.tickWait(assetId) : w;
    if (wait !== null) {
      const what = wait.why === 'feed' ? 'market feed dropped' : 'tick size changed';
      return `${assetId}: ${what} at ${isoFromNs(wait.ns)}; waiting for a fresh book snapshot`;
    }
    if (last === null) return `${assetId}: no book data yet`;
    const age = nowNs - last;
    if (age > this.limits.staleAfterNs) return `${assetId}: last book update is ${fmtDur(age)} old (limit ${fmtDur(this.limits.staleAfterNs)})`;
    return null;
  }

  /** The token's book is fresh (staleReason is null). */
  isFresh(assetId: string, nowNs: bigint): boolean {
    // staleReason(...) === null without building the reason (strategies ask on every book change):
    // with data seen, the wait is the registry's own, so fresh = seen, not waiting, and young enough
    const last = this.markets.lastUpdateNs(assetId);
    return last !== null && !this.markets.isAwaitingSnapshot(assetId) && nowNs - last <= this.limits.staleAfterNs;
  }

  /** Not halted and the token's book is fresh. */
  canTrade(assetId: string, nowNs: bigint): boolean {
    return !this.halted && this.isFresh(assetId, nowNs);
  }

  check(cmd: OrderCommand, ctx: RiskContext, nowNs: bigint): OrderDenied | null {
    switch (cmd.type) {
      case 'cancel':
      case 'cancel_all':
        return null;
      case 'merge':
        return this.checkMerge(cmd, ctx, nowNs);
      case 'place':
        return this.checkPlace(cmd, ctx, nowNs);
    }
  }

  /** Daily-loss tracking; returns TradingHalted when this equity breaches the limit (once per run). */
  onEquity(nowNs: bigint, equity: Cash): TradingHalted | null {
    const day = utcDay(nowNs);
    if (this.day !== day) {
      this.dayStart = this.lastEquity ?? equity;
      this.day = day;
    }
    this.lastEquity = equity;
    const limit = this.limits.maxDailyLoss;
    const start = this.dayStart ?? equity;
    if (limit === null || this.halted) return null;
    const loss = start - equity;
    if (loss < limit) return null;
    return this.halt(nowNs, 'daily_loss',
      `daily loss ${formatCash(loss)} reached the limit ${formatCash(limit)} (UTC day ${isoDate(nowNs)} started at equity ${formatCash(start)}, now ${formatCash(equity)})`);
  }

  /** Halts trading for the rest of the run (also for engine-side reasons); null when already halted. */
  halt(nowNs: bigint, rule: string, reason: string): TradingHalted | null {
    if (this.haltEv !== null) return null;
    this.haltEv = { type: 'trading_halted', tsNs: nowNs, rule, reason };
    return this.haltEv;
  }

  /** Learns a market (its pair) in the engine's market registry. */
  addMarket(meta: MarketMeta): void {
    this.markets.add(meta);
  }

  /** Makes two tokens one binary book for freshness (the market registry's pairing rule; a = YES). */
  pair(a: string, b: string): void {
    this.markets.pair(a, b);
  }

  private deny(cmd: OrderCommand, nowNs: bigint, rule: RiskRule, reason: string): OrderDenied {
    const clientId = cmd.type === 'cancel_all' ? null : cmd.clientId;
    return { type: 'order_denied', tsNs: nowNs, clientId, command: cmd.type, rule, reason };
  }

  private checkMerge(cmd: MergePositions, ctx: RiskContext, nowNs: bigint): OrderDenied | null {
    if (!Number.isSafeInteger(cmd.qty) || cmd.qty <= 0) return this.deny(cmd, nowNs, 'invalid_order', `merge of ${cmd.market}: quantity ${cmd.qty} must be positive`);
    const legs = ctx.portfolio.positions().filter((x) => ctx.marketOf(x.assetId) === cmd.market).map((x) => x.assetId);
    if (legs.length !== 2) {
      return this.deny(cmd, nowNs, 'insufficient_position', `merge of ${formatQty(cmd.qty)} in ${cmd.market} needs both tokens held; holds ${legs.length} of them`);
    }
    for (const id of legs) {
      const held = ctx.portfolio.position(id)?.qty ?? 0;
      const committed = openSellQty(ctx.openOrders, id);
      if (cmd.qty > held - committed) {
        return this.deny(cmd, nowNs, 'insufficient_position',
          `merge of ${formatQty(cmd.qty)} in ${cmd.market} needs ${formatQty(cmd.qty)} of ${id}; holds ${formatQty(held)}, of which ${formatQty(committed)} are in open SELL orders`);
      }
    }
    return null;
  }

  private checkPlace(cmd: PlaceOrder, ctx: RiskContext, nowNs: bigint): OrderDenied | null {
    const L = this.limits;
    const id = cmd.assetId;
    let orderNotional: Cash;
    let addQty: Qty;
    if (cmd.side === 'BUY' && cmd.amount !== null) {
      if (cmd.amount <= 0n) return this.deny(cmd, nowNs, 'invalid_order', `BUY amount ${formatCash(cmd.amount)} must be positive`);
      orderNotional = cmd.amount;
      addQty = amountToQty(cmd.amount, cmd.px);
    } else if (cmd.qty !== null) {
      if (!Number.isSafeInteger(cmd.qty) || cmd.qty <= 0) return this.deny(cmd, nowNs, 'invalid_order', `${cmd.side} size ${cmd.qty} must be a positive share quantity`);
      orderNotional = notional(cmd.px, cmd.qty);
      addQty = cmd.qty;
    } else {
      return this.deny(cmd, nowNs, 'invalid_order', `${cmd.side} ${cmd.tif} order has neither a share size nor a dollar amount`);
    }

    if (this.haltEv !== null) return this.deny(cmd, nowNs, 'halted', `trading halted (${this.haltEv.rule}): ${this.haltEv.reason}`);

    const pairId = ctx.pairOf(id);
    if (pairId !== undefined) this.pair(id, pairId);
    const book = ctx.book?.(id);
    if (book !== undefined && !book.valid) return this.deny(cmd, nowNs, 'stale_data', `${id}: book is not valid (waiting for a snapshot)`);
    const stale = this.staleReason(id, nowNs);
    if (stale !== null) return this.deny(cmd, nowNs, 'stale_data', stale);

    if (L.maxOrderNotional !== null && orderNotional > L.maxOrderNotional) {
      return this.deny(cmd, nowNs, 'max_order_notional', `order notional ${formatCash(orderNotional)} exceeds the limit ${formatCash(L.maxOrderNotional)}`);
    }

    const resting = cmd.tif === 'GTC' || cmd.tif === 'GTD';
    if (L.maxOpenOrders !== null && resting && ctx.openOrders.length >= L.maxOpenOrders) {
      return this.deny(cmd, nowNs, 'max_open_orders', `${ctx.openOrders.length} open orders; the limit is ${L.maxOpenOrders}`);
    }

    if (L.orderRate !== null) {
      const from = nowNs - L.orderRate.windowNs;
      while (this.orderHead < this.orderTimes.length && this.orderTimes[this.orderHead]! <= from) this.orderHead += 1;
      if (this.orderHead > 1024 && this.orderHead * 2 > this.orderTimes.length) {
        this.orderTimes.splice(0, this.orderHead);
        this.orderHead = 0;
      }
      const inWindow = this.orderTimes.length - this.orderHead;
      if (inWindow >= L.orderRate.count) {
        return this.deny(cmd, nowNs, 'order_rate', `${inWindow} orders in the last ${fmtDur(L.orderRate.windowNs)}; the limit is ${L.orderRate.count}`);
      }
    }

    const held = ctx.portfolio.position(id)?.qty ?? 0;
    if (cmd.side === 'SELL') {
      const committed = openSellQty(ctx.openOrders, id);
      const market = ctx.marketOf(id);
      let merging = 0;
      for (const mg of ctx.pendingMerges ?? []) if (market !== undefined && mg.market === market) merging += mg.qty;
      if (addQty > held - committed - merging) {
        const inMerges = merging > 0 ? ` and ${formatQty(merging)} in merges in flight` : '';
        return this.deny(cmd, nowNs, 'insufficient_position',
          `SELL ${formatQty(addQty)} of ${id}: holds ${formatQty(held)}, of which ${formatQty(committed)} are in open SELL orders${inMerges} (no shorts)`);
      }
    } else {
      const cash = ctx.portfolio.cash();
      const reserved = reservedCash(ctx.openOrders);
      const available = cash - reserved;
      if (orderNotional > available) {
        return this.deny(cmd, nowNs, 'insufficient_cash',
          `BUY needs ${formatCash(orderNotional)}; available ${formatCash(available)} (cash ${formatCash(cash)} - open BUY orders ${formatCash(reserved)})`);
      }
      if (L.maxPositionPerToken !== null) {
        const open = openBuyQty(ctx.openOrders, id);
        const potential = held + open + addQty;
        if (potential > L.maxPositionPerToken) {
          return this.deny(cmd, nowNs, 'max_position_token',
            `${id}: position could reach ${formatQty(potential)} (held ${formatQty(held)} + open BUY ${formatQty(open)} + order ${formatQty(addQty)}), limit ${formatQty(L.maxPositionPerToken)}`);
        }
      }
      if (L.maxPositionPerMarket !== null) {
        const pair = ctx.pairOf(id);
        const tokens = pair === undefined || pair === id ? [id] : [id, pair];
        let potential = addQty;
        for (const t of tokens) potential += (ctx.portfolio.position(t)?.qty ?? 0) + openBuyQty(ctx.openOrders, t);
        if (potential > L.maxPositionPerMarket) {
          const market = ctx.marketOf(id) ?? id;
          return this.deny(cmd, nowNs, 'max_position_market',
            `market ${market}: positions could reach ${formatQty(potential)} shares over both tokens (including open BUY orders and this order), limit ${formatQty(L.maxPositionPerMarket)}`);
        }
      }
    }

    if (L.orderRate !== null) this.orderTimes.push(nowNs);
    return null;
  }
}
