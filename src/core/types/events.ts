/**
 * Normalized events: what the normalizer makes of raw records, and what the bus, books and
 * strategies consume. Past tense where they report something that happened at the venue.
 *
 * Every event carries where it came from (`recvNs`, `source`, `seq` of its raw record, `sub` = index
 * of the event within that record) so the bus's total order (recvNs, source rank, seq, sub) is defined
 * for every event, and any event can be traced back to its bytes.
 * Prices are Px (1e-4 integer ticks), sizes Qty (1e-6 integer shares); see fixed.ts.
 */
import type { Px, Qty } from './fixed.ts';
import type { MarketMeta } from './market.ts';
import type { RawRecord, Source } from './raw.ts';

export type Side = 'BUY' | 'SELL';
export type BookSide = 'bid' | 'ask';

export interface Level {
  readonly px: Px;
  readonly qty: Qty;
}

export interface EventOrigin {
  readonly recvNs: bigint;
  readonly source: Source;
  readonly seq: number;
  readonly sub: number;
  readonly conn: string;
  /** Exchange timestamp in epoch milliseconds when the payload has one. */
  readonly exchMs: number | null;
}

/** Full L2 snapshot of one token's book. Levels sorted best first (bids descending, asks ascending). */
export interface BookSnapshot extends EventOrigin {
  readonly type: 'book_snapshot';
  readonly market: string | null;
  readonly assetId: string;
  readonly bids: readonly Level[];
  readonly asks: readonly Level[];
  readonly tickSize: Px | null;
  readonly minOrderSize: Qty | null;
  readonly negRisk: boolean | null;
  readonly lastTradePx: Px | null;
  readonly hash: string | null;
  /** ws = `book` message; rest = `/book` or `/books` response. */
  readonly via: 'ws' | 'rest';
}

/** One level set: `qty` is the new total at `px` (0 removes the level). */
export interface LevelChange {
  readonly assetId: string;
  readonly side: BookSide;
  readonly px: Px;
  readonly qty: Qty;
  readonly hash: string | null;
  /** Top of book after the change, as the venue reported it (null when not sent). */
  readonly bestBid: Px | null;
  readonly bestAsk: Px | null;
}

/** A `price_change` message (any of the three schemas): applied atomically, in order. */
export interface BookDelta extends EventOrigin {
  readonly type: 'book_delta';
  readonly market: string | null;
  readonly changes: readonly LevelChange[];
}

export interface TickSizeChanged extends EventOrigin {
  readonly type: 'tick_size_changed';
  readonly market: string | null;
  readonly assetId: string;
  readonly oldTick: Px;
  readonly newTick: Px;
}

/** A `last_trade_price` print. `takerSide` BUY = the taker bought this token. */
export interface TradePrinted extends EventOrigin {
  readonly type: 'trade';
  readonly market: string | null;
  readonly assetId: string;
  readonly px: Px;
  readonly qty: Qty;
  readonly takerSide: Side;
  readonly feeRateBps: number | null;
  readonly txHash: string | null;
}

export interface BestBidAsk extends EventOrigin {
  readonly type: 'best_bid_ask';
  readonly market: string | null;
  readonly assetId: string;
  readonly bestBid: Px | null;
  readonly bestAsk: Px | null;
}

export interface MarketListed extends EventOrigin {
  readonly type: 'market_meta';
  readonly meta: MarketMeta;
  /** new_market = WS announcement; gamma / clob = REST metadata. */
  readonly via: 'new_market' | 'gamma' | 'clob';
}

export interface MarketResolved extends EventOrigin {
  readonly type: 'market_resolved';
  readonly market: string;
  readonly assetIds: readonly string[];
  readonly winningAssetId: string;
  readonly winningOutcome: string | null;
}

/** RTDS reference price (crypto / equity). `value` is an exact decimal string. */
export interface ReferencePrice extends EventOrigin {
  readonly type: 'reference_price';
  readonly topic: string;
  readonly symbol: string;
  readonly priceMs: number;
  readonly value: string;
}

/** Connection lifecycle: a gap in data is always visible as a close/error followed by an open. */
export interface FeedState extends EventOrigin {
  readonly type: 'feed_state';
  readonly state: 'open' | 'close' | 'error';
  readonly detail: string;
  /** WebSocket close code when the close record carries one (1000 = a normal close, e.g. our own stop). */
  readonly code?: number;
  /** Dial attempt of the connection an `open` belongs to (1 = first dial; > 1 = a reconnect). */
  readonly attempt?: number;
}

/** Non-data text frames (`PONG`, `NO NEW ASSETS`) and our own sent frames; they prove liveness. */
export interface Heartbeat extends EventOrigin {
  readonly type: 'heartbeat';
  readonly text: string;
  readonly direction: 'in' | 'out';
}

/** User-channel order update (real account feed; poly never trades, but can record and read it). */
export interface UserOrderUpdated extends EventOrigin {
  readonly type: 'user_order';
  readonly orderId: string;
  readonly market: string | null;
  readonly assetId: string;
  readonly side: Side;
  readonly px: Px;
  readonly originalQty: Qty | null;
  readonly matchedQty: Qty | null;
  readonly status: string;
  readonly orderType: string | null;
}

export interface UserTradeUpdated extends EventOrigin {
  readonly type: 'user_trade';
  readonly tradeId: string;
  readonly market: string | null;
  readonly assetId: string;
  readonly side: Side;
  readonly px: Px;
  readonly qty: Qty;
  readonly status: string;
}

/** A record that could not be normalized. Counted, kept whole, never thrown. */
export interface NormalizationError extends EventOrigin {
  readonly type: 'normalization_error';
  readonly reason: string;
  readonly raw: RawRecord;
}

export type MarketEvent =
  | BookSnapshot
  | BookDelta
  | TickSizeChanged
  | TradePrinted
  | BestBidAsk
  | MarketListed
  | MarketResolved
  | ReferencePrice
  | FeedState
  | Heartbeat
  | UserOrderUpdated
  | UserTradeUpdated
  | NormalizationError;

export type MarketEventType = MarketEvent['type'];
