/**
 * poly's public strategy API: the one module a strategy imports (besides zod).
 * Everything here is stable for strategy authors; anything else under src/ is internal.
 *
 *   import { defineStrategy, p, parsePx, type StrategyContext } from '../src/api.ts';
 */
export { defineStrategy, isStrategyDefinition } from './core/strategy/api.ts';
export type {
  BookView,
  LimitOrderSpec,
  Logger,
  MarketOrderSpec,
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
  parsePx,
  parseQty,
  pxToDecimal,
  qtyToDecimal,
  type Cash,
  type Px,
  type Qty,
} from './core/types/fixed.ts';
export type { BestBidAsk, BookSide, FeedState, Level, MarketListed, MarketResolved, ReferencePrice, Side, TickSizeChanged, TradePrinted } from './core/types/events.ts';
export type { FeeSchedule, MarketMeta, MarketToken } from './core/types/market.ts';
export type { OrderEvent, OrderFilled, TimeInForce } from './core/types/orders.ts';
/** The paper exchange's own fee arithmetic, so a strategy's estimate matches what it will be charged. */
export { takerFee, makerRebate, type FeeTerms } from './core/matching/fees.ts';
