/**
 * poly's public strategy API: what `import ... from 'poly'` gives (package.json "exports"), and the one module a
 * strategy imports. Everything here is stable for strategy authors; anything else under src/ is internal.
 *
 *   import { defineStrategy, p, px, qty, usd, z, type StrategyContext } from 'poly';
 *
 * `z` is the zod poly itself uses, so a strategy's parameter schema and poly's `p.*` helpers are one zod.
 */
export { z } from 'zod';
export { defineStrategy, isStrategyDefinition } from './core/strategy/api.ts';
export { px, qty, usd, type Cash, type Px, type Qty } from './core/strategy/units.ts';
export type {
  BookView,
  GtcLimitOrderSpec,
  Level,
  GtdLimitOrderSpec,
  LimitOrderSpec,
  Logger,
  MarketBuySpec,
  MarketSellSpec,
  OpenOrderInfo,
  PositionInfo,
  StrategyContext,
  StrategyDefinition,
  StrategyHooks,
  TimerInfo,
} from './core/strategy/api.ts';
export { p, parseDurationNs } from './core/strategy/params.ts';
export {
  CASH_SCALE,
  D,
  PX_ONE,
  PX_SCALE,
  QTY_SCALE,
  cashToDecimal,
  decimalToCash,
  decimalToPx,
  decimalToQty,
  formatCash,
  formatPx,
  formatQty,
  notional,
  parseCash,
  parsePx,
  parseQty,
  pxToDecimal,
  qtyToDecimal,
} from './core/types/fixed.ts';
// events and metadata as hooks and ctx show them: the core's types with their unit fields branded
export type { BestBidAsk, Branded, MarketListed, MarketMeta, MarketResolved, OrderEvent, OrderFilled, TickSizeChanged, TradePrinted } from './core/strategy/api.ts';
export type { BookSide, FeedState, ReferencePrice, Side } from './core/types/events.ts';
export type { FeeSchedule, MarketToken } from './core/types/market.ts';
export type { TimeInForce } from './core/types/orders.ts';
/** The paper exchange's own fee arithmetic, so a strategy's estimate matches what it will be charged. */
export { takerFee, makerRebate, type FeeTerms } from './core/matching/fees.ts';
