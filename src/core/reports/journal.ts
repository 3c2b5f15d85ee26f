/**
 * RunJournal: the record of everything a run did, kept as it happens, from which the reports are
 * rendered. Pure bookkeeping; it never decides anything.
 *
 * Invariants
 * - Orders appear in the order they were created (clientId sequence); fills in the order they happened.
 * - Each order's state follows its events: denied | rejected end it at once; accepted -> open;
 *   fills move it to partially_filled / filled; canceled ends it with the cancel reason.
 * - Each merge is pending from its command until it reaches the venue: merged (cash, P&L) or denied.
 *   Merges are rows of their own (merges.csv), not orders.
 * - Nothing here reads time: every entry carries the event's own timestamp.
 */
import { fillFees } from '../portfolio/portfolio.ts';
import { type Cash, type Px, type Qty } from '../types/fixed.ts';
import type { Side } from '../types/events.ts';
import type { MergePositions, OrderDenied, OrderEvent, OrderFilled, PlaceOrder, TimeInForce } from '../types/orders.ts';

/**
 * One change of a position by a fill, a merge leg or a settlement, with the position and cash right after it
 * (ledger.csv; the report's position-and-cash panel). Rows are in the order the portfolio applied them.
 */
export interface LedgerRow {
  readonly tsNs: bigint;
  readonly kind: 'fill' | 'merge' | 'settle';
  /** Fill id, or the market's condition id for merges and settlements. */
  readonly ref: string;
  readonly assetId: string;
  /** Shares added (buys, net of withheld fee shares) or removed (negative: sells, merges, settlements). */
  readonly qtyDelta: Qty;
  readonly positionAfter: Qty;
  readonly cashAfter: Cash;
}

/** What ledger rows read from the portfolio after an event was applied. */
export interface LedgerSource {
  positionQty(assetId: string): Qty;
  /** The two tokens of a binary market (merge legs), or undefined. */
  legsOf(market: string): readonly [string, string] | undefined;
}

export type OrderStatus = 'pending' | 'open' | 'partially_filled' | 'filled' | 'canceled' | 'rejected' | 'denied';

export interface OrderRow {
  readonly clientId: string;
  readonly createdNs: bigint;
  readonly assetId: string;
  readonly side: Side;
  readonly tif: TimeInForce;
  readonly px: Px;
  readonly qty: Qty | null;
  readonly amount: Cash | null;
  readonly postOnly: boolean;
  status: OrderStatus;
  filledQty: Qty;
  filledCost: Cash;
  /** Fees charged to cash. */
  fees: Cash;
  /** Shares withheld as fees. */
  feeQty: Qty;
  /** Fees in dollars: cash fees + withheld shares at their fill price (fillFees). */
  feeValue: Cash;
  rebates: Cash;
  reason: string;
  updatedNs: bigint;
}

/** One merge command: pending until it reaches the venue, then merged or denied. */
export interface MergeRow {
  readonly clientId: string;
  readonly createdNs: bigint;
  readonly market: string;
  readonly qty: Qty;
  status: 'pending' | 'merged' | 'denied';
  /** Dollars received (qty x $1) when merged. */
  cash: Cash;
  /** Merge P&L (cash - cost basis released) when merged. */
  pnl: Cash;
  reason: string;
  updatedNs: bigint;
}

export interface EquityPoint {
  readonly tsNs: bigint;
  readonly cash: Cash;
  readonly positionsValue: Cash;
  readonly equity: Cash;
  readonly realized: Cash;
  readonly unrealized: Cash;
  readonly fees: Cash;
  readonly exposure: Cash;
}

export interface StrategyFailure {
  readonly tsNs: bigint;
  readonly hook: string;
  readonly message: string;
}

export class RunJournal {
  readonly orders = new Map<string, OrderRow>();
  /** Merge commands in the order they were sent. */
  readonly merges = new Map<string, MergeRow>();
  readonly fills: OrderFilled[] = [];
  readonly denials: OrderDenied[] = [];
  readonly equity: EquityPoint[] = [];
  /** Position changes in order (fills, merge legs, settlements); see LedgerRow. */
  readonly ledger: LedgerRow[] = [];
  /** Every order event in order (tests and tools); left empty when the journal was made with keepEvents = false. */
  readonly events: OrderEvent[] = [];
  strategyFailure: StrategyFailure | null = null;

  /** keepEvents = false keeps memory flat on long runs: the reports need orders, fills and equity, not the event log. */
  constructor(private readonly keepEvents = true) {}

  orderCreated(order: PlaceOrder, tsNs: bigint): void {
    this.orders.set(order.clientId, {
      clientId: order.clientId,
      createdNs: tsNs,
      assetId: order.assetId,
      side: order.side,
      tif: order.tif,
      px: order.px,
      qty: order.qty,
      amount: order.amount,
      postOnly: order.postOnly,
      status: 'pending',
      filledQty: 0,
      filledCost: 0n,
      fees: 0n,
      feeQty: 0,
      feeValue: 0n,
      rebates: 0n,
      reason: '',
      updatedNs: tsNs,
    });
  }

  mergeCreated(cmd: MergePositions, tsNs: bigint): void {
    this.merges.set(cmd.clientId, {
      clientId: cmd.clientId, createdNs: tsNs, market: cmd.market, qty: cmd.qty, status: 'pending', cash: 0n, pnl: 0n, reason: '', updatedNs: tsNs,
    });
  }

  record(ev: OrderEvent): void {
    if (this.keepEvents) this.events.push(ev);
    switch (ev.type) {
      case 'order_accepted':
        this.update(ev.order.clientId, ev.tsNs, (o) => {
          if (o.status === 'pending') o.status = 'open';
        });
        break;
      case 'order_rejected':
        this.update(ev.clientId, ev.tsNs, (o) => {
          o.status = 'rejected';
          o.reason = ev.reason;
        });
        break;
      case 'order_denied':
        this.denials.push(ev);
        if (ev.command === 'merge' && ev.clientId !== null) {
          const m = this.merges.get(ev.clientId);
          if (m !== undefined) Object.assign(m, { status: 'denied', reason: `${ev.rule}: ${ev.reason}`, updatedNs: ev.tsNs });
        } else if (ev.clientId !== null) {
          this.update(ev.clientId, ev.tsNs, (o) => {
            o.status = 'denied';
            o.reason = `${ev.rule}: ${ev.reason}`;
          });
        }
        break;
      case 'order_filled':
        this.fills.push(ev);
        this.update(ev.clientId, ev.tsNs, (o) => {
          const fee = fillFees(ev);
          o.filledQty += ev.qty;
          o.filledCost += BigInt(ev.px) * BigInt(ev.qty);
          o.fees += fee.cash;
          o.feeQty += fee.shares;
          o.feeValue += fee.value;
          o.rebates += ev.rebateCash;
          o.status = ev.leavesQty === 0 ? 'filled' : 'partially_filled';
        });
        break;
      case 'positions_merged': {
        const m = this.merges.get(ev.clientId);
        if (m !== undefined) Object.assign(m, { status: 'merged', cash: ev.cash, pnl: ev.pnl, updatedNs: ev.tsNs });
        break;
      }
      case 'order_canceled':
        this.update(ev.clientId, ev.tsNs, (o) => {
          o.status = 'canceled';
          o.reason = ev.reason;
        });
        break;
      default:
        break;
    }
  }

  /**
   * Ledger rows of one applied order event (call after the portfolio applied it). `cashAfter` is the cash
   * right after this event (the caller subtracts later events of the same batch that were applied together).
   */
  recordLedger(ev: OrderEvent, src: LedgerSource, cashAfter: Cash): void {
    switch (ev.type) {
      case 'order_filled':
        this.ledger.push({ tsNs: ev.tsNs, kind: 'fill', ref: ev.fillId, assetId: ev.assetId, qtyDelta: ev.side === 'BUY' ? ev.qty - ev.feeQty : -ev.qty, positionAfter: src.positionQty(ev.assetId), cashAfter });
        break;
      case 'positions_merged':
        for (const leg of src.legsOf(ev.market) ?? []) {
          this.ledger.push({ tsNs: ev.tsNs, kind: 'merge', ref: ev.market, assetId: leg, qtyDelta: -ev.qty, positionAfter: src.positionQty(leg), cashAfter });
        }
        break;
      case 'position_settled':
        this.ledger.push({ tsNs: ev.tsNs, kind: 'settle', ref: ev.market, assetId: ev.assetId, qtyDelta: -ev.qty, positionAfter: src.positionQty(ev.assetId), cashAfter });
        break;
      default:
        break;
    }
  }

  private update(clientId: string, tsNs: bigint, f: (o: OrderRow) => void): void {
    const o = this.orders.get(clientId);
    if (o === undefined) return;
    f(o);
    o.updatedNs = tsNs;
  }
}
