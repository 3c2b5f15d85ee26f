/**
 * Binary-market mirroring. Polymarket runs ONE book per binary market and shows it twice: an order
 * resting on YES at p is equally an order on NO at 1 - p on the other side (MINT / MERGE matching),
 * so NO bids = 1 - YES asks and NO asks = 1 - YES bids, with identical sizes (PROTOCOL.md §1.6, §5).
 *
 * Invariants: mirroring is an exact involution on the 1e-4 grid (px -> 10000 - px, BookSide flipped),
 * sizes never change, and the order of a level list is kept (a best-first list of YES asks becomes
 * a best-first list of NO bids).
 */
import type { BookSide, Level } from '../types/events.ts';
import type { Px } from '../types/fixed.ts';
import { PX_ONE } from '../types/fixed.ts';

/** 1 - px on the 1e-4 grid. */
export const mirrorPx = (px: Px): Px => PX_ONE - px;

/** The side of the other token that holds the same liquidity. */
export const mirrorSide = (side: BookSide): BookSide => (side === 'bid' ? 'ask' : 'bid');

/** Levels of one side of a token -> the same liquidity on the other side of its pair token. Order kept. */
export function mirrorLevels(levels: readonly Level[]): Level[] {
  const out: Level[] = new Array<Level>(levels.length);
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] as Level;
    out[i] = { px: PX_ONE - l.px, qty: l.qty };
  }
  return out;
}
