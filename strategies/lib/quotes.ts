/**
 * QuoteSlots: keeps at most one resting post-only GTC order per named slot (e.g. "<token>:bid") and
 * replaces it safely.
 *
 * Rules
 * - `want(key, quote)` with no live order places one; with a live order at an acceptable price
 *   (`moved` false) keeps it; otherwise cancels it. The replacement is placed only AFTER the venue
 *   confirms the cancel (or the order ends another way): sending both at once would, for a moment,
 *   count both against cash / position (risk denies the second SELL), and with latency the old order
 *   could still fill while the new one rests.
 * - `onOrder(ev)` frees the slot whose order ended. After a fill or a cancel it returns the key, so the
 *   strategy can quote again at once. After a rejection or a risk denial it returns null: quoting the same
 *   order again at the same instant would be refused again, forever (an endless loop at one timestamp);
 *   the strategy tries again on its next book update instead.
 * - `pull(filter)` cancels live orders and forgets nothing until the venue confirms.
 * Known limit: the slot's size is fixed when placed; a size change alone never triggers a requote.
 */
import type { StrategyContext } from 'poly';
import type { Px, Qty } from 'poly';
import type { OrderEvent } from 'poly';

export interface QuoteSpec {
  readonly assetId: string;
  readonly side: 'BUY' | 'SELL';
  readonly px: Px;
  readonly qty: Qty;
}

export interface LiveQuote extends QuoteSpec {
  readonly id: string;
  canceling: boolean;
}

const differs = (cur: QuoteSpec, spec: QuoteSpec): boolean => cur.px !== spec.px || cur.assetId !== spec.assetId || cur.side !== spec.side;

export class QuoteSlots {
  private readonly slots = new Map<string, LiveQuote>();

  constructor(private readonly ctx: StrategyContext<unknown>) {}

  get(key: string): LiveQuote | undefined {
    return this.slots.get(key);
  }

  /** Live (not canceling) quotes, for inspection. */
  live(): LiveQuote[] {
    return [...this.slots.values()].filter((q) => !q.canceling);
  }

  /**
   * Desired state of one slot. `moved(current, wanted)` says whether a live quote must be replaced
   * (default: any change of price, token or side).
   */
  want(key: string, spec: QuoteSpec | null, moved: (cur: LiveQuote, spec: QuoteSpec) => boolean = differs): void {
    const cur = this.slots.get(key);
    if (cur !== undefined) {
      if (cur.canceling) return;
      if (spec !== null && !moved(cur, spec)) return;
      cur.canceling = true;
      this.ctx.cancel(cur.id);
      return;
    }
    if (spec === null) return;
    const order = { assetId: spec.assetId, px: spec.px, qty: spec.qty, tif: 'GTC' as const, postOnly: true };
    const id = spec.side === 'BUY' ? this.ctx.buy(order) : this.ctx.sell(order);
    this.slots.set(key, { ...spec, id, canceling: false });
  }

  /** Cancels every live quote whose key passes `filter` (default: all). */
  pull(filter: (key: string, q: LiveQuote) => boolean = () => true): void {
    for (const [key, q] of this.slots) {
      if (q.canceling || !filter(key, q)) continue;
      q.canceling = true;
      this.ctx.cancel(q.id);
    }
  }

  /** Frees the slot of an order that ended; returns its key when quoting again at once is safe (see header). */
  onOrder(ev: OrderEvent): string | null {
    let id: string | null = null;
    let again = true;
    if (ev.type === 'order_filled' && ev.leavesQty === 0) id = ev.clientId;
    else if (ev.type === 'order_canceled') id = ev.clientId;
    else if (ev.type === 'order_rejected' || ev.type === 'order_denied') {
      id = ev.clientId;
      again = false;
    }
    if (id === null) return null;
    for (const [key, q] of this.slots) {
      if (q.id === id) {
        this.slots.delete(key);
        return again ? key : null;
      }
    }
    return null;
  }
}
