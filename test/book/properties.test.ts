// Property tests for the book (fast-check, fixed seeds): a plain Map is the reference model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinaryBook } from '../../src/core/book/binary.ts';
import { L2Book } from '../../src/core/book/l2.ts';
import { mirrorLevels, mirrorPx, mirrorSide } from '../../src/core/book/mirror.ts';
import type { BookSide, Level } from '../../src/core/types/events.ts';

const RUNS = { seed: 42, numRuns: 200 };

interface Op {
  side: BookSide;
  px: number;
  qty: number;
}

// Prices on a narrow band so sets collide with existing levels often; ~1/4 of sets are deletes.
const pxArb = fc.integer({ min: 3000, max: 7000 }).map((p) => p - (p % 50));
const qtyArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000_000_000 }), fc.integer({ min: 1, max: 3 }));
const sideArb = fc.constantFrom<BookSide>('bid', 'ask');
const opArb = fc.record({ side: sideArb, px: pxArb, qty: qtyArb });
const levelsArb = fc.array(fc.record({ px: pxArb, qty: qtyArb }), { maxLength: 40 });

type Model = { bid: Map<number, number>; ask: Map<number, number> };

function modelFrom(bids: readonly Level[], asks: readonly Level[]): Model {
  const m: Model = { bid: new Map(), ask: new Map() };
  for (const [side, ls] of [['bid', bids], ['ask', asks]] as const) {
    for (const l of ls) {
      if (l.qty === 0) m[side].delete(l.px);
      else m[side].set(l.px, l.qty);
    }
  }
  return m;
}

function applyModel(m: Model, op: Op): void {
  if (op.qty === 0) m[op.side].delete(op.px);
  else m[op.side].set(op.px, op.qty);
}

/** Model side as levels, best first. */
function sorted(m: Model, side: BookSide): Level[] {
  const ls = [...m[side]].map(([px, qty]) => ({ px, qty }));
  return ls.sort((a, b) => (side === 'bid' ? b.px - a.px : a.px - b.px));
}

/** Reference sweep by qty over a best-first list. */
function refSweep(levels: readonly Level[], side: BookSide, want: number, limit?: number) {
  let left = want;
  let cost = 0n;
  for (const l of levels) {
    if (left === 0) break;
    if (limit !== undefined && (side === 'bid' ? l.px < limit : l.px > limit)) break;
    const t = Math.min(left, l.qty);
    left -= t;
    cost += BigInt(l.px) * BigInt(t);
  }
  return { filledQty: want - left, cost };
}

describe('book properties', () => {
  it('(1) a snapshot then any sequence of level sets equals the final snapshot (and the model)', () => {
    fc.assert(
      fc.property(levelsArb, levelsArb, fc.array(opArb, { maxLength: 120 }), (bids, asks, ops) => {
        const book = new L2Book('a');
        book.applySnapshot(bids, asks);
        const model = modelFrom(bids, asks);
        for (const op of ops) {
          expect(book.setLevel(op.side, op.px, op.qty)).toBe(true);
          applyModel(model, op);
        }
        const fresh = new L2Book('b');
        fresh.applySnapshot(sorted(model, 'bid'), sorted(model, 'ask'));
        for (const side of ['bid', 'ask'] as const) {
          expect(book.depth(side, Infinity)).toEqual(sorted(model, side));
          expect([...book.levels(side)]).toEqual(fresh.depth(side, Infinity));
          expect(book.levelCount(side)).toBe(model[side].size);
        }
        // Re-applying the same final snapshot is not a change.
        expect(book.applySnapshot(sorted(model, 'bid'), sorted(model, 'ask'))).toBe(false);
      }),
      RUNS,
    );
  });

  it('(1b) sweep and sweepCash agree with a reference walk of the model', () => {
    fc.assert(
      fc.property(
        levelsArb, levelsArb, sideArb, fc.integer({ min: 0, max: 3_000_000_000_000 }),
        fc.option(pxArb, { nil: undefined }), fc.bigInt({ min: 0n, max: 20_000_000_000_000_000n }),
        (bids, asks, side, want, limit, budget) => {
          const book = new L2Book('a');
          book.applySnapshot(bids, asks);
          const levels = sorted(modelFrom(bids, asks), side);
          const s = book.sweep(side, want, limit);
          const r = refSweep(levels, side, want, limit);
          expect(s.filledQty).toBe(r.filledQty);
          expect(s.cost).toBe(r.cost);
          expect(s.complete).toBe(r.filledQty === want);
          expect(s.fills.reduce((a, f) => a + f.qty, 0)).toBe(s.filledQty);
          const c = book.sweepCash(side, budget, limit);
          expect(c.cost <= budget).toBe(true);
          expect(c.fills.reduce((a, f) => a + BigInt(f.px) * BigInt(f.qty), 0n)).toBe(c.cost);
          // Same shares by qty cost the same: sweepCash is a qty sweep of its own filledQty.
          const again = book.sweep(side, c.filledQty, limit);
          expect(again.cost).toBe(c.cost);
          if (c.complete && budget > c.cost) {
            // The walk stopped at the first level it could not pay for in full; what is left
            // cannot buy one more 1e-6 share there.
            const n = c.fills.length;
            const lastFull = n > 0 && c.fills[n - 1]?.qty === levels[n - 1]?.qty;
            const stop = n === 0 ? levels[0] : lastFull ? levels[n] : levels[n - 1];
            if (stop === undefined) throw new Error('complete sweepCash without a stop level');
            expect(budget - c.cost < BigInt(stop.px)).toBe(true);
          } else if (!c.complete) {
            expect(again.filledQty).toBe(refSweep(levels, side, Number.MAX_SAFE_INTEGER, limit).filledQty);
          }
        },
      ),
      RUNS,
    );
  });

  it('(2) a valid sequence (bids stay below asks) never reads as crossed', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 150 }), (ops) => {
        const book = new L2Book('a');
        for (const op of ops) {
          const bb = book.bestBid();
          const ba = book.bestAsk();
          const crosses = op.qty > 0 && (op.side === 'bid' ? ba !== null && op.px >= ba : bb !== null && op.px <= bb);
          if (crosses) continue; // the venue never sends this
          book.setLevel(op.side, op.px, op.qty);
          expect(book.isCrossed()).toBe(false);
          const spread = book.spread();
          if (spread !== null) expect(spread).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it('(2b) crossing is detected exactly: isCrossed() == (max bid >= min ask) after any sequence', () => {
    let crossedRuns = 0;
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 150 }), (ops) => {
        const book = new L2Book('a');
        const model: Model = { bid: new Map(), ask: new Map() };
        let sawCrossed = false;
        for (const op of ops) {
          book.setLevel(op.side, op.px, op.qty);
          applyModel(model, op);
          const maxBid = model.bid.size ? Math.max(...model.bid.keys()) : null;
          const minAsk = model.ask.size ? Math.min(...model.ask.keys()) : null;
          const crossed = maxBid !== null && minAsk !== null && maxBid >= minAsk;
          expect(book.isCrossed()).toBe(crossed);
          sawCrossed ||= crossed;
        }
        if (sawCrossed) crossedRuns++;
      }),
      RUNS,
    );
    // The generator does produce crossing sequences, so the detection above was exercised.
    expect(crossedRuns).toBeGreaterThan(20);
  });

  it('(3) VWAP is monotone in size: buy non-decreasing, sell non-increasing, within best..worst', () => {
    fc.assert(
      fc.property(
        levelsArb, levelsArb,
        fc.integer({ min: 1, max: 2_000_000_000_000 }), fc.integer({ min: 1, max: 2_000_000_000_000 }),
        (bids, asks, q1, q2) => {
          const book = new L2Book('a');
          book.applySnapshot(bids, asks);
          const [small, large] = q1 <= q2 ? [q1, q2] : [q2, q1];
          for (const side of ['ask', 'bid'] as const) {
            const v1 = book.vwap(side, small);
            const v2 = book.vwap(side, large);
            if (book.levelCount(side) === 0) {
              expect(v1).toBeNull();
              expect(v2).toBeNull();
              continue;
            }
            if (v1 === null || v2 === null) throw new Error('vwap null on a non-empty side');
            if (side === 'ask') expect(v2.gte(v1)).toBe(true);
            else expect(v2.lte(v1)).toBe(true);
            const best = book.depth(side, 1)[0]?.px ?? 0;
            const worst = book.depth(side, Infinity).at(-1)?.px ?? 0;
            const [lo, hi] = side === 'ask' ? [best, worst] : [worst, best];
            for (const v of [v1, v2]) {
              expect(v.mul(10_000).gte(lo)).toBe(true);
              expect(v.mul(10_000).lte(hi)).toBe(true);
            }
          }
        },
      ),
      RUNS,
    );
  });

  it('(4a) mirroring is an involution', () => {
    fc.assert(
      fc.property(levelsArb, sideArb, fc.integer({ min: 0, max: 10_000 }), (levels, side, p) => {
        expect(mirrorLevels(mirrorLevels(levels))).toEqual(levels);
        expect(mirrorSide(mirrorSide(side))).toBe(side);
        expect(mirrorPx(mirrorPx(p))).toBe(p);
        expect(mirrorLevels(levels).map((l) => l.qty)).toEqual(levels.map((l) => l.qty));
      }),
      RUNS,
    );
  });

  it('(4b) BinaryBook: YES and NO views stay mirror images under updates to either token', () => {
    const tokenOp = fc.record({ onNo: fc.boolean(), both: fc.boolean(), op: opArb });
    fc.assert(
      fc.property(levelsArb, levelsArb, fc.boolean(), fc.array(tokenOp, { maxLength: 100 }), (bids, asks, snapNo, ops) => {
        const bin = new BinaryBook('Y', 'N');
        const ref = new L2Book('ref'); // YES book maintained directly in YES terms
        if (snapNo) bin.applySnapshot('N', bids, asks);
        else bin.applySnapshot('Y', bids, asks);
        if (snapNo) ref.applySnapshot(mirrorLevels(asks), mirrorLevels(bids));
        else ref.applySnapshot(bids, asks);
        for (const { onNo, both, op } of ops) {
          const yesOp = onNo ? { side: mirrorSide(op.side), px: mirrorPx(op.px), qty: op.qty } : op;
          const noOp = { side: mirrorSide(yesOp.side), px: mirrorPx(yesOp.px), qty: yesOp.qty };
          bin.setLevel(onNo ? 'N' : 'Y', op.side, op.px, op.qty);
          if (both) {
            // the other leg of the same price_change: idempotent
            const v = bin.yesBook.version;
            if (onNo) bin.setLevel('Y', yesOp.side, yesOp.px, yesOp.qty);
            else bin.setLevel('N', noOp.side, noOp.px, noOp.qty);
            expect(bin.yesBook.version).toBe(v);
          }
          ref.setLevel(yesOp.side, yesOp.px, yesOp.qty);
        }
        const yes = bin.book('Y');
        const no = bin.book('N');
        if (yes === undefined || no === undefined) throw new Error('views missing');
        expect(yes.depth('bid', Infinity)).toEqual(ref.depth('bid', Infinity));
        expect(yes.depth('ask', Infinity)).toEqual(ref.depth('ask', Infinity));
        expect(no.depth('bid', Infinity)).toEqual(mirrorLevels(yes.depth('ask', Infinity)));
        expect(no.depth('ask', Infinity)).toEqual(mirrorLevels(yes.depth('bid', Infinity)));
        const yb = yes.bestBid();
        const ya = yes.bestAsk();
        expect(no.bestAsk()).toBe(yb === null ? null : 10_000 - yb);
        expect(no.bestBid()).toBe(ya === null ? null : 10_000 - ya);
        expect(no.bestBidQty()).toBe(yes.bestAskQty());
        expect(no.isCrossed()).toBe(yes.isCrossed());
        expect(no.spread()).toBe(yes.spread());
        const ym = yes.midDollars();
        expect(no.midDollars()?.toString() ?? null).toBe(ym === null ? null : ym.neg().plus(1).toString());
        for (const side of ['bid', 'ask'] as const) {
          for (const l of ref.depth(side, Infinity)) expect(no.qtyAt(mirrorSide(side), mirrorPx(l.px))).toBe(l.qty);
          // Taking from the NO side = taking the same YES levels at complementary prices.
          const want = 777_000_000;
          expect(no.sweep(mirrorSide(side), want).fills).toEqual(mirrorLevels(yes.sweep(side, want).fills));
          expect([...no.levels(mirrorSide(side))]).toEqual(mirrorLevels(yes.depth(side, Infinity)));
        }
      }),
      RUNS,
    );
  });
});
