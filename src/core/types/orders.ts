/**
 * Order commands (imperative) and order events (past tense) shared by the strategy API, risk,
 * the paper fill engine, the portfolio and the reports. The same types serve replay and live.
 *
 * Amounts: limit prices are Px; share sizes Qty; dollar amounts Cash (see fixed.ts).
 * Polymarket rule: FOK/FAK BUY orders are sized in dollars (`amount`), FOK/FAK SELL and all
 * GTC/GTD orders in shares (`qty`).
 * A risk denial is an event (OrderDenied), never a throw; so is a venue-rule rejection (OrderRejected).
 */
import type { Cash, Px, Qty } from './fixed.ts';
import type { Side } from './events.ts';

export type TimeInForce = 'GTC' | 'GTD' | 'FOK' | 'FAK';
export type Liquidity = 'maker' | 'taker';

/** Place a limit order. Market orders are marketable limits (FOK/FAK with a worst price). */
export interface PlaceOrder {
  readonly type: 'place';
  /** Unique per run, chosen by the strategy context (deterministic). */
  readonly clientId: string;
  readonly assetId: string;
  readonly side: Side;
  readonly tif: TimeInForce;
  /** Limit price (worst acceptable price for FOK/FAK). */
  readonly px: Px;
  /** Shares: GTC, GTD, and FOK/FAK SELL. */
  readonly qty: Qty | null;
  /** Dollars to spend: FOK/FAK BUY only. */
  readonly amount: Cash | null;
  readonly postOnly: boolean;
  /** GTD expiry, ns since epoch (virtual clock). */
  readonly expireNs: bigint | null;
}

export interface CancelOrder {
  readonly type: 'cancel';
  readonly clientId: string;
}

/** Cancel every open order, or only those of one market (condition id) or one token. */
export interface CancelAll {
  readonly type: 'cancel_all';
  readonly market: string | null;
  readonly assetId: string | null;
}

/**
 * Merge `qty` YES + `qty` NO of a binary market into `qty` dollars. It travels the command path like an
 * order (latency, submission order) and is checked against the positions when it arrives.
 */
export interface MergePositions {
  readonly type: 'merge';
  /** Unique per run, chosen by the strategy context (`m000001`, ...). */
  readonly clientId: string;
  readonly market: string;
  readonly qty: Qty;
}

export type OrderCommand = PlaceOrder | CancelOrder | CancelAll | MergePositions;

interface OrderEventBase {
  /** Virtual (replay) or wall (live) time of the event, ns since epoch. */
  readonly tsNs: bigint;
}

export interface OrderAccepted extends OrderEventBase {
  readonly type: 'order_accepted';
  readonly order: PlaceOrder;
}

/** The venue's rules refused the order (tick, min size, post-only would cross, FOK unfillable ...). */
export interface OrderRejected extends OrderEventBase {
  readonly type: 'order_rejected';
  readonly clientId: string;
  readonly reason: string;
}

/** Risk refused a command before it reached the venue. */
export interface OrderDenied extends OrderEventBase {
  readonly type: 'order_denied';
  readonly clientId: string | null;
  readonly command: OrderCommand['type'];
  readonly rule: string;
  readonly reason: string;
}

export interface OrderFilled extends OrderEventBase {
  readonly type: 'order_filled';
  readonly fillId: string;
  readonly clientId: string;
  readonly assetId: string;
  readonly side: Side;
  readonly px: Px;
  readonly qty: Qty;
  readonly liquidity: Liquidity;
  /** Taker fee in dollars (5 dp), 0 for makers. */
  readonly feeCash: Cash;
  /** Shares withheld as the fee on a taker BUY (the buyer receives qty - feeQty); 0 otherwise. */
  readonly feeQty: Qty;
  /** Maker rebate credited for this fill, dollars; 0 for takers. A separate line in reports. */
  readonly rebateCash: Cash;
  /** Remaining open quantity of the order after this fill. */
  readonly leavesQty: Qty;
}

export type CancelReason = 'user' | 'cancel_all' | 'expired' | 'fok_killed' | 'fak_remainder' | 'risk_halt' | 'market_resolved' | 'feed_lost' | 'tick_size_changed';

export interface OrderCanceled extends OrderEventBase {
  readonly type: 'order_canceled';
  readonly clientId: string;
  readonly reason: CancelReason;
  readonly leavesQty: Qty;
}

export interface PositionsMerged extends OrderEventBase {
  readonly type: 'positions_merged';
  /** The merge command's id. */
  readonly clientId: string;
  readonly market: string;
  readonly qty: Qty;
  /** Dollars received: qty x $1. */
  readonly cash: Cash;
  /** Merge P&L: cash - the cost basis both legs released. */
  readonly pnl: Cash;
}

export interface PositionSettled extends OrderEventBase {
  readonly type: 'position_settled';
  readonly market: string;
  readonly assetId: string;
  readonly qty: Qty;
  /** Payout per share: 1 for the winner, 0 for the loser (Px, so a 50/50 split is 5000). */
  readonly payoutPx: Px;
  readonly cash: Cash;
}

export interface TradingHalted extends OrderEventBase {
  readonly type: 'trading_halted';
  readonly rule: string;
  readonly reason: string;
}

/**
 * Engine-internal notice from the paper exchange: a merge command reached the venue. The kernel checks it
 * against the positions then and turns it into PositionsMerged or OrderDenied. Never shown to a strategy.
 */
export interface MergeArrived extends OrderEventBase {
  readonly type: 'merge_arrived';
  readonly cmd: MergePositions;
}

/** What the paper exchange emits: order events plus merge arrivals. */
export type VenueEvent = OrderEvent | MergeArrived;

export type OrderEvent =
  | OrderAccepted
  | OrderRejected
  | OrderDenied
  | OrderFilled
  | OrderCanceled
  | PositionsMerged
  | PositionSettled
  | TradingHalted;
