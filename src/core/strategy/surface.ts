/**
 * Where the core's plain fixed-point values become the strategy API's branded ones (units.ts).
 *
 * These are type-level identities: the value is returned as is, at no run-time cost. They assert rather
 * than check the brand, which is sound because each value comes from the core (books, portfolio, fee
 * arithmetic, open orders), whose invariants make it an integer of its unit (src/core/types/fixed.ts).
 * Only the kernel's strategy context uses them; values coming the other way (from strategy code) are
 * checked at run time (src/core/kernel/command-check.ts), never asserted.
 */
import type { BookReader } from '../book/reader.ts';
import type { BestBidAsk, FeedState, Level as CoreLevel, MarketListed, MarketResolved, ReferencePrice, TickSizeChanged, TradePrinted } from '../types/events.ts';
import type { Cash as CoreCash, D, Px as CorePx, Qty as CoreQty } from '../types/fixed.ts';
import type { MarketMeta as CoreMarketMeta } from '../types/market.ts';
import type { OrderEvent, OrderFilled } from '../types/orders.ts';
import type { BookView, Level, MarketMeta, PositionInfo, StrategyHooks, TimerInfo } from './api.ts';
import type { Cash, Px, Qty } from './units.ts';

export const brandPx = (v: CorePx): Px => v as Px;
export const brandQty = (v: CoreQty): Qty => v as Qty;
export const brandCash = (v: CoreCash): Cash => v as Cash;
export const brandLevels = (levels: CoreLevel[]): Level[] => levels as Level[];
/** A portfolio position answer as the strategy's PositionInfo (same object: the same four fields, branded). */
export const brandPosition = (p: { readonly assetId: string; readonly qty: CoreQty; readonly avgCost: D | null; readonly realized: CoreCash }): PositionInfo => p as PositionInfo;
/** A core book reader as the strategy's BookView (same object; BookReader has every BookView method). */
export function brandBook(book: BookReader): BookView;
export function brandBook(book: BookReader | undefined): BookView | undefined;
export function brandBook(book: BookReader | undefined): BookView | undefined {
  return book as BookView | undefined;
}

/** Market metadata as the strategy sees it (tickSize a Px, minOrderSize a Qty). */
export function brandMeta(m: CoreMarketMeta): MarketMeta;
export function brandMeta(m: CoreMarketMeta | undefined): MarketMeta | undefined;
export function brandMeta(m: CoreMarketMeta | undefined): MarketMeta | undefined {
  return m as MarketMeta | undefined;
}
export const brandMetas = (ms: readonly CoreMarketMeta[]): readonly MarketMeta[] => ms as readonly MarketMeta[];

/**
 * The hooks as the kernel calls them: the strategy's StrategyHooks with the core's (plain) event types.
 * A StrategyHooks object is one (method parameters compare bivariantly, and each branded event type is
 * the core type with narrower fields), so the kernel passes its events as they are.
 */
export interface KernelHooks {
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
  onOrder?(ev: OrderEvent): void;
  onFill?(fill: OrderFilled): void;
}
// every hook of the API is one the kernel knows (a new hook must be added to both)
type SameKeys<A, B> = [Exclude<keyof A, keyof B> | Exclude<keyof B, keyof A>] extends [never] ? true : false;
type Assert<T extends true> = T;
export type HooksCovered = Assert<SameKeys<KernelHooks, StrategyHooks>>;
