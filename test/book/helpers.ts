// Test helpers for the book suite: readable levels from venue-style strings, and event builders.
import type { BookDelta, BookSide, BookSnapshot, Level, LevelChange, TickSizeChanged } from '../../src/core/types/events.ts';
import type { Cash as BCash, Px as BPx, Qty as BQty } from '../../src/core/strategy/units.ts';
import { parsePx, parseQty, type Px } from '../../src/core/types/fixed.ts';
import type { MarketMeta } from '../../src/core/types/market.ts';

/** Price string -> Px (branded, so strategy API calls take it too), failing the test on a bad literal. */
export function px(price: string): BPx {
  const v = parsePx(price);
  if (v === null) throw new Error(`bad price literal ${price}`);
  return v as BPx;
}

/** Size string -> Qty, failing the test on a bad literal. */
export function qty(size: string): BQty {
  const v = parseQty(size);
  if (v === null) throw new Error(`bad size literal ${size}`);
  return v as BQty;
}

/** A level from venue strings: L('0.51', '200'). */
export const L = (price: string, size: string): Level => ({ px: px(price), qty: qty(size) });

/** Dollars string -> Cash (1e-10 $) by exact scaling. */
export function cash(dollars: string): BCash {
  const [i = '0', f = ''] = dollars.split('.');
  return BigInt(i + f.padEnd(10, '0')) as BCash;
}

let seq = 0;
const origin = (exchMs: number | null = null) => {
  seq++;
  return { recvNs: BigInt(seq) * 1000n, source: 'market_ws' as const, seq, sub: 0, conn: 'c0', exchMs };
};

export function snapshotEv(
  assetId: string, bids: readonly Level[], asks: readonly Level[], tickSize: Px | null = null, exchMs: number | null = null,
): BookSnapshot {
  return {
    ...origin(exchMs), type: 'book_snapshot', market: '0xm', assetId, bids, asks, tickSize,
    minOrderSize: null, negRisk: null, lastTradePx: null, hash: null, via: 'ws',
  };
}

export interface ChangeSpec {
  assetId: string;
  side: BookSide;
  px: Px;
  qty: number;
  bestBid?: Px | null;
  bestAsk?: Px | null;
}

export function deltaEv(changes: readonly ChangeSpec[]): BookDelta {
  const cs: LevelChange[] = changes.map((c) => ({
    assetId: c.assetId, side: c.side, px: c.px, qty: c.qty, hash: null,
    bestBid: c.bestBid ?? null, bestAsk: c.bestAsk ?? null,
  }));
  return { ...origin(), type: 'book_delta', market: '0xm', changes: cs };
}

export function tickEv(assetId: string, oldTick: Px, newTick: Px): TickSizeChanged {
  return { ...origin(), type: 'tick_size_changed', market: '0xm', assetId, oldTick, newTick };
}

export function meta(tokens: readonly string[], tickSize: Px | null = 100): MarketMeta {
  return {
    conditionId: `0x${'ab'.repeat(32)}`, id: null, slug: null, question: null,
    tokens: tokens.map((t, i) => ({ tokenId: t, outcome: i === 0 ? 'Yes' : 'No' })),
    tickSize, minOrderSize: null, negRisk: false, feesEnabled: false, feeSchedule: null,
    endDate: null, active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: [],
  };
}
