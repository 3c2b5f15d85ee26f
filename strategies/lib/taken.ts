/**
 * TakenLiquidity: the displayed liquidity our own taker fills already took, so a strategy plans on what
 * is really left. In replay the recorded book does not react to paper orders: after we buy 30 shares at
 * 0.96 the book still shows them. The paper exchange hides them from later orders (its consumed-liquidity
 * overlay); this is the strategy-side mirror of that rule.
 *
 * Rule (the exchange's overlay rule, per token, side and price)
 * - A taker BUY fill of q at p adds q taken at (ask, p); a taker SELL adds q at (bid, p).
 * - After every book change of the token: taken := min(taken, displayed size now); a level that is gone
 *   forgets its entry. Growth of a level is new liquidity, available on top.
 * - `levels(book, side)` = displayed levels minus taken, empty ones skipped, best first.
 * Known limits: kept per token in its own terms (a SELL of YES and a BUY of NO at the mirrored price
 * share liquidity at the venue, not here); the exchange also forgets everything on a feed loss, a REST
 * resync or a tick-size change, this tracker only when the levels change (so it errs on the side of
 * less liquidity).
 */
import type { BookView } from 'poly';
import type { BookSide, Level } from 'poly';
import type { Cash, Px, Qty } from 'poly';
import type { OrderFilled } from 'poly';

export class TakenLiquidity {
  private readonly taken = new Map<string, Map<Px, Qty>>();

  private side(assetId: string, side: BookSide, create: boolean): Map<Px, Qty> | undefined {
    const key = `${assetId}|${side}`;
    let m = this.taken.get(key);
    if (m === undefined && create) this.taken.set(key, (m = new Map()));
    return m;
  }

  /** Records one of our fills (maker fills take nothing from the displayed book). */
  onFill(f: OrderFilled): void {
    if (f.liquidity !== 'taker' || f.qty <= 0) return;
    const m = this.side(f.assetId, f.side === 'BUY' ? 'ask' : 'bid', true)!;
    m.set(f.px, (m.get(f.px) ?? 0) + f.qty);
  }

  /** Applies the decay rule after a change of `book` (call from onBook for every changed token). */
  onBook(book: BookView): void {
    for (const side of ['bid', 'ask'] as const) {
      const m = this.side(book.assetId, side, false);
      if (m === undefined) continue;
      for (const [px, t] of m) {
        const shown = book.qtyAt(side, px);
        if (shown <= 0) m.delete(px);
        else if (t > shown) m.set(px, shown);
      }
    }
  }

  /** Shares we took at one level (still counted). */
  at(assetId: string, side: BookSide, px: Px): Qty {
    return this.side(assetId, side, false)?.get(px) ?? 0;
  }

  /** The side's levels best first, minus what we took. */
  levels(book: BookView, side: BookSide): Level[] {
    const m = this.side(book.assetId, side, false);
    const out: Level[] = [];
    for (const l of book.levels(side)) {
      const qty = l.qty - (m?.get(l.px) ?? 0);
      if (qty > 0) out.push(qty === l.qty ? l : { px: l.px, qty });
    }
    return out;
  }
}

/** The result of walking a ladder (same meaning as BookView.sweep). */
export interface LadderSweep {
  readonly filledQty: Qty;
  readonly cost: Cash;
  readonly fills: Level[];
  readonly complete: boolean;
}

const beyond = (side: BookSide, px: Px, limit: Px | undefined): boolean => limit !== undefined && (side === 'ask' ? px > limit : px < limit);

/** Takes up to `qty` shares from `levels` (best first), each level at its own price, up to `limitPx`. */
export function sweepLevels(levels: readonly Level[], side: BookSide, qty: Qty, limitPx?: Px): LadderSweep {
  let left = qty;
  let cost = 0n;
  const fills: Level[] = [];
  for (const l of levels) {
    if (left <= 0 || beyond(side, l.px, limitPx)) break;
    const take = Math.min(l.qty, left);
    fills.push({ px: l.px, qty: take });
    cost += BigInt(l.px) * BigInt(take);
    left -= take;
  }
  return { filledQty: qty - left, cost, fills, complete: left === 0 };
}

/**
 * Spends up to `cash` on `levels` (best first), shares floored to 1e-6 at the last level, as the paper
 * exchange fills a dollar-sized BUY. `complete` = the budget, not the depth or the limit, ended the walk.
 */
export function sweepLevelsCash(levels: readonly Level[], side: BookSide, cash: Cash, limitPx?: Px): LadderSweep {
  let left = cash;
  let filled = 0;
  const fills: Level[] = [];
  for (const l of levels) {
    if (beyond(side, l.px, limitPx) || l.px <= 0) break;
    const afford = left / BigInt(l.px);
    const take = Number(afford < BigInt(l.qty) ? afford : BigInt(l.qty));
    if (take <= 0) return { filledQty: filled, cost: cash - left, fills, complete: true };
    fills.push({ px: l.px, qty: take });
    left -= BigInt(l.px) * BigInt(take);
    filled += take;
    if (take < l.qty) return { filledQty: filled, cost: cash - left, fills, complete: true };
  }
  return { filledQty: filled, cost: cash - left, fills, complete: left === 0n };
}
