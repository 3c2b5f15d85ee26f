import { describe, expect, it } from 'vitest';
import { BinaryBook } from '../../src/core/book/binary.ts';
import { mirrorLevels, mirrorPx, mirrorSide } from '../../src/core/book/mirror.ts';
import type { BookReader } from '../../src/core/book/reader.ts';
import { D } from '../../src/core/types/fixed.ts';
import { cash, L, px, qty } from './helpers.ts';

function views(b: BinaryBook): { yes: BookReader; no: BookReader } {
  const yes = b.book('YES');
  const no = b.book('NO');
  if (yes === undefined || no === undefined) throw new Error('missing view');
  return { yes, no };
}

/** YES: bids 0.49 x 10, 0.48 x 20; asks 0.51 x 30, 0.53 x 40. */
function sample(): BinaryBook {
  const b = new BinaryBook('YES', 'NO');
  b.applySnapshot('YES', [L('0.48', '20'), L('0.49', '10')], [L('0.53', '40'), L('0.51', '30')], px('0.01'));
  return b;
}

describe('mirror helpers', () => {
  it('maps prices to 1 - p, flips sides, keeps sizes and order', () => {
    expect(mirrorPx(px('0.49'))).toBe(px('0.51'));
    expect(mirrorPx(0)).toBe(10_000);
    expect(mirrorSide('bid')).toBe('ask');
    expect(mirrorSide('ask')).toBe('bid');
    // YES asks best first (ascending) -> NO bids best first (descending)
    expect(mirrorLevels([L('0.51', '30'), L('0.53', '40')])).toEqual([L('0.49', '30'), L('0.47', '40')]);
    expect(mirrorLevels([])).toEqual([]);
  });
});

describe('BinaryBook', () => {
  it('shows the NO token as the mirror of the one YES book', () => {
    const { yes, no } = views(sample());
    expect(no.assetId).toBe('NO');
    expect(yes.assetId).toBe('YES');
    expect(no.depth('bid', 5)).toEqual([L('0.49', '30'), L('0.47', '40')]);
    expect(no.depth('ask', 5)).toEqual([L('0.51', '10'), L('0.52', '20')]);
    expect(no.bestBid()).toBe(px('0.49'));
    expect(no.bestAsk()).toBe(px('0.51'));
    expect(no.bestAskQty()).toBe(qty('10'));
    expect(no.qtyAt('ask', px('0.52'))).toBe(qty('20'));
    expect(no.midDollars()?.toString()).toBe('0.5');
    expect(no.mid()).toBe(5000);
    expect(no.spread()).toBe(200);
    expect(no.tickSize).toBe(100);
    expect(no.valid).toBe(true);
    expect(no.levelCount('bid')).toBe(2);
  });

  it('prices NO sweeps at NO prices (hand-computed)', () => {
    const { no } = views(sample());
    // Buying 15 NO: 10 @0.51 + 5 @0.52 = 5.1 + 2.6
    const s = no.sweep('ask', qty('15'));
    expect(s.fills).toEqual([L('0.51', '10'), L('0.52', '5')]);
    expect(s.cost).toBe(cash('7.7'));
    // $10 of NO: 10 @0.51 = 5.1, then 4.9 / 0.52 = 9.423076 (floored) @0.52
    const c = no.sweepCash('ask', cash('10'));
    expect(c.fills).toEqual([L('0.51', '10'), L('0.52', '9.423076')]);
    expect(c.cost).toBe(cash('9.99999952'));
    expect(c.complete).toBe(true);
    // Selling 50 NO with a limit of 0.48: 30 @0.49 only
    const sell = no.sweep('bid', qty('50'), px('0.48'));
    expect(sell.fills).toEqual([L('0.49', '30')]);
    expect(sell.complete).toBe(false);
    expect(no.vwap('ask', qty('15'))?.eq(new D('7.7').div(15))).toBe(true);
  });

  it('applies both legs of a price_change idempotently', () => {
    const one = sample();
    const two = sample();
    one.setLevel('YES', 'bid', px('0.5'), qty('55'));
    two.setLevel('YES', 'bid', px('0.5'), qty('55'));
    const v = two.yesBook.version;
    expect(two.setLevel('NO', 'ask', px('0.5'), qty('55'))).toBe(true); // the NO leg of the same order
    expect(two.yesBook.version).toBe(v);
    expect(views(two).yes.depth('bid', 9)).toEqual(views(one).yes.depth('bid', 9));
    expect(views(two).no.depth('ask', 9)).toEqual(views(one).no.depth('ask', 9));
    expect(views(two).no.bestAsk()).toBe(px('0.5'));
    // A NO-only update lands in the YES book, mirrored
    two.setLevel('NO', 'bid', px('0.48'), qty('7')); // = YES ask 0.52 x 7
    expect(views(two).yes.qtyAt('ask', px('0.52'))).toBe(qty('7'));
  });

  it('takes a snapshot of either token; last writer wins and a disagreeing twin is counted', () => {
    const b = sample();
    const { yes, no } = views(b);
    // NO twin of the same instant that agrees: no mismatch
    b.applySnapshot('YES', [L('0.48', '20'), L('0.49', '10')], [L('0.53', '40'), L('0.51', '30')], null, 1000);
    b.applySnapshot('NO', [L('0.47', '40'), L('0.49', '30')], [L('0.52', '20'), L('0.51', '10')], null, 1000);
    expect(b.mirrorMismatch).toBe(0);
    // YES twin of the same instant right after, disagreeing: counted, and it wins for the whole book
    b.applySnapshot('YES', [L('0.49', '11')], [L('0.51', '30')], null, 1000);
    expect(b.mirrorMismatch).toBe(1);
    expect(no.depth('ask', 9)).toEqual([L('0.51', '11')]);
    // A later instant legitimately differs: not compared
    b.applySnapshot('NO', [L('0.49', '30')], [L('0.51', '12')], null, 2000);
    expect(b.mirrorMismatch).toBe(1);
    // Nor without a stamp
    b.applySnapshot('YES', [L('0.49', '13')], [L('0.51', '30')]);
    expect(b.mirrorMismatch).toBe(1);
    // After a level change in between, same-instant snapshots are not compared either
    b.applySnapshot('NO', [L('0.49', '30')], [L('0.51', '13')], null, 3000);
    b.setLevel('YES', 'bid', px('0.45'), qty('1'));
    b.applySnapshot('YES', [L('0.2', '1')], [], null, 3000);
    expect(b.mirrorMismatch).toBe(1);
    expect(no.depth('ask', 9)).toEqual([L('0.8', '1')]);
    expect(yes.levelCount('ask')).toBe(0);
    // Two snapshots of the same token are never a mirror mismatch
    b.applySnapshot('YES', [L('0.3', '1')], [], null, 3000);
    expect(b.mirrorMismatch).toBe(1);
    b.recordMirrorMismatch();
    expect(b.mirrorMismatch).toBe(2);
  });

  it('a tick change on either token invalidates the shared book once; a snapshot of either restores it', () => {
    const b = sample();
    const { yes, no } = views(b);
    expect(b.onTickSizeChange('NO', px('0.001'))).toBe(true);
    expect(yes.valid).toBe(false);
    expect(no.valid).toBe(false);
    expect(no.tickSize).toBe(10);
    expect(b.setLevel('YES', 'bid', px('0.5'), qty('1'))).toBe(false);
    b.applySnapshot('YES', [L('0.961', '5')], [L('0.965', '5')]);
    expect(b.onTickSizeChange('YES', px('0.001'))).toBe(false); // the pair token's copy: no-op
    expect(no.valid).toBe(true);
    expect(no.bestAsk()).toBe(px('0.039'));
  });

  it('answers pairing questions and refuses foreign tokens', () => {
    const b = sample();
    expect(b.has('NO')).toBe(true);
    expect(b.has('X')).toBe(false);
    expect(b.pairOf('YES')).toBe('NO');
    expect(b.pairOf('NO')).toBe('YES');
    expect(b.pairOf('X')).toBeUndefined();
    expect(b.book('X')).toBeUndefined();
    expect(() => b.setLevel('X', 'bid', 1, 1)).toThrow(RangeError);
    expect(() => new BinaryBook('A', 'A')).toThrow(RangeError);
    b.invalidate();
    expect(views(b).no.valid).toBe(false);
  });
});
