import { describe, expect, it } from 'vitest';
import { L2Book } from '../../src/core/book/l2.ts';
import type { BookView } from '../../src/core/strategy/api.ts';
import { brandBook } from '../../src/core/strategy/surface.ts';
import { D } from '../../src/core/types/fixed.ts';
import { cash, L, px, qty } from './helpers.ts';

/** asks 0.50 x 100, 0.51 x 200, 0.53 x 50; bids 0.49 x 10, 0.48 x 20, 0.45 x 5 (given in wire order). */
function sample(): L2Book {
  const b = new L2Book('tok');
  b.applySnapshot(
    [L('0.45', '5'), L('0.48', '20'), L('0.49', '10')],
    [L('0.53', '50'), L('0.51', '200'), L('0.5', '100')],
    px('0.01'),
  );
  return b;
}

describe('L2Book snapshot and reads', () => {
  it('sorts snapshot levels best first whatever their input order', () => {
    const b = sample();
    expect(b.depth('bid', 10)).toEqual([L('0.49', '10'), L('0.48', '20'), L('0.45', '5')]);
    expect(b.depth('ask', 10)).toEqual([L('0.5', '100'), L('0.51', '200'), L('0.53', '50')]);
    expect(b.bestBid()).toBe(4900);
    expect(b.bestAsk()).toBe(5000);
    expect(b.bestBidQty()).toBe(qty('10'));
    expect(b.bestAskQty()).toBe(qty('100'));
    expect(b.levelCount('bid')).toBe(3);
    expect(b.levelCount('ask')).toBe(3);
    expect(b.tickSize).toBe(100);
    expect(b.valid).toBe(true);
  });

  it('drops zero sizes and keeps the later entry of a duplicated price', () => {
    const b = new L2Book('tok');
    b.applySnapshot([L('0.4', '1'), L('0.41', '0'), L('0.4', '7'), L('0.39', '2'), L('0.39', '0')], []);
    expect(b.depth('bid', 10)).toEqual([L('0.4', '7')]);
    expect(b.levelCount('ask')).toBe(0);
  });

  it('replaces the previous book entirely and keeps the cached tick when the snapshot has none', () => {
    const b = sample();
    const changed = b.applySnapshot([L('0.2', '3')], [L('0.9', '4')]);
    expect(changed).toBe(true);
    expect(b.depth('bid', 10)).toEqual([L('0.2', '3')]);
    expect(b.depth('ask', 10)).toEqual([L('0.9', '4')]);
    expect(b.tickSize).toBe(100);
    expect(b.applySnapshot([L('0.2', '3')], [L('0.9', '4')])).toBe(false);
  });

  it('answers qtyAt, depth limits and lazy levels', () => {
    const b = sample();
    expect(b.qtyAt('ask', px('0.51'))).toBe(qty('200'));
    expect(b.qtyAt('ask', px('0.52'))).toBe(0);
    expect(b.qtyAt('bid', px('0.5'))).toBe(0);
    expect(b.depth('ask', 2)).toEqual([L('0.5', '100'), L('0.51', '200')]);
    expect(b.depth('bid', 0)).toEqual([]);
    expect(b.depth('bid', Infinity)).toHaveLength(3);
    const it = b.levels('bid');
    expect(it.next().value).toEqual(L('0.49', '10'));
    expect(it.next().value).toEqual(L('0.48', '20'));
    expect([...b.levels('ask')].map((l) => l.px)).toEqual([5000, 5100, 5300]);
  });

  it('computes mid in ticks (half ticks exact), the exact dollar mid, spread in ticks, and null for one-sided books', () => {
    const b = sample();
    expect(b.mid()).toBe(4950);
    expect(b.midDollars()?.toString()).toBe('0.495');
    const half = new L2Book('h');
    half.applySnapshot([L('0.4901', '1')], [L('0.4902', '1')]);
    expect(half.mid()).toBe(4901.5);
    expect(half.midDollars()?.toString()).toBe('0.49015');
    expect(b.spread()).toBe(100);
    const one = new L2Book('x');
    one.applySnapshot([L('0.3', '1')], []);
    expect(one.mid()).toBeNull();
    expect(one.midDollars()).toBeNull();
    expect(one.spread()).toBeNull();
    expect(one.bestAsk()).toBeNull();
    expect(one.bestAskQty()).toBe(0);
    expect(one.isCrossed()).toBe(false);
  });

  it('is what the kernel hands a strategy as its BookView (same object, branded units)', () => {
    const book = sample();
    const view: BookView = brandBook(book);
    expect(view).toBe(book);
    expect(view.bestBid()).toBe(4900);
  });
});

describe('L2Book level sets', () => {
  it('inserts, updates and deletes levels anywhere and keeps best tracking exact', () => {
    const b = sample();
    expect(b.setLevel('bid', px('0.495'), qty('3'))).toBe(true); // new best bid, finer than tick
    expect(b.bestBid()).toBe(4950);
    b.setLevel('bid', px('0.47'), qty('8')); // middle insert
    b.setLevel('bid', px('0.01'), qty('1000')); // new worst
    expect(b.depth('bid', 10).map((l) => l.px)).toEqual([4950, 4900, 4800, 4700, 4500, 100]);
    b.setLevel('bid', px('0.48'), qty('21')); // update
    expect(b.qtyAt('bid', 4800)).toBe(qty('21'));
    b.setLevel('bid', px('0.495'), 0); // delete best
    expect(b.bestBid()).toBe(4900);
    b.setLevel('ask', px('0.5'), 0);
    expect(b.bestAsk()).toBe(5100);
    b.setLevel('ask', px('0.52'), 0); // deleting an absent level is a no-op
    expect(b.levelCount('ask')).toBe(2);
    expect(b.bestAskQty()).toBe(qty('200'));
  });

  it('grows past its initial capacity and empties back', () => {
    const b = new L2Book('x');
    for (let p = 100; p <= 4000; p += 100) b.setLevel('bid', p, p);
    expect(b.levelCount('bid')).toBe(40);
    expect(b.bestBid()).toBe(4000);
    for (let p = 100; p <= 4000; p += 100) b.setLevel('bid', p, 0);
    expect(b.levelCount('bid')).toBe(0);
    expect(b.bestBid()).toBeNull();
  });

  it('bumps version only on observable changes', () => {
    const b = sample();
    const v0 = b.version;
    b.setLevel('ask', px('0.51'), qty('200')); // same size: no change
    expect(b.version).toBe(v0);
    b.setLevel('ask', px('0.52'), 0); // absent level removed: no change
    expect(b.version).toBe(v0);
    b.setLevel('ask', px('0.51'), qty('201'));
    expect(b.version).toBe(v0 + 1);
  });

  it('fails fast on values that are not Px / Qty', () => {
    const b = new L2Book('x');
    expect(() => b.setLevel('bid', 10001, 1)).toThrow(RangeError);
    expect(() => b.setLevel('bid', 0.5, 1)).toThrow(RangeError);
    expect(() => b.setLevel('bid', 5000, -1)).toThrow(RangeError);
    expect(() => b.setLevel('bid', 5000, 1.5)).toThrow(RangeError);
    expect(() => b.applySnapshot([{ px: -1, qty: 1 }], [])).toThrow(RangeError);
    expect(() => b.onTickSizeChange(0)).toThrow(RangeError);
  });

  it('a snapshot with a bad level is refused whole: the book is left as it was', () => {
    const b = sample();
    const v = b.version;
    expect(() => b.applySnapshot([L('0.1', '1')], [L('0.9', '1'), { px: 5000, qty: 0.5 }])).toThrow(RangeError);
    expect(b.depth('bid', 10)).toEqual([L('0.49', '10'), L('0.48', '20'), L('0.45', '5')]);
    expect(b.levelCount('ask')).toBe(3);
    expect(b.version).toBe(v);
  });
});

describe('L2Book validity', () => {
  it('clears on a tick-size change and ignores sets until the next snapshot', () => {
    const b = sample();
    expect(b.onTickSizeChange(px('0.001'))).toBe(true);
    expect(b.valid).toBe(false);
    expect(b.tickSize).toBe(10);
    expect(b.levelCount('bid') + b.levelCount('ask')).toBe(0);
    expect(b.setLevel('bid', px('0.961'), qty('5'))).toBe(false);
    expect(b.bestBid()).toBeNull();
    b.applySnapshot([L('0.961', '5')], [L('0.97', '1')]);
    expect(b.valid).toBe(true);
    expect(b.tickSize).toBe(10);
    expect(b.setLevel('bid', px('0.962'), qty('1'))).toBe(true);
    expect(b.bestBid()).toBe(9620);
  });

  it('ignores a tick-size change to the tick it already has', () => {
    const b = sample();
    const v = b.version;
    expect(b.onTickSizeChange(100)).toBe(false);
    expect(b.valid).toBe(true);
    expect(b.version).toBe(v);
    expect(b.levelCount('ask')).toBe(3);
  });

  it('with requireSnapshot starts invalid and takes its tick from options', () => {
    const b = new L2Book('x', { requireSnapshot: true, tickSize: 100 });
    expect(b.valid).toBe(false);
    expect(b.tickSize).toBe(100);
    expect(b.setLevel('ask', 5000, 1)).toBe(false);
    b.applySnapshot([], []);
    expect(b.valid).toBe(true);
    expect(b.setLevel('ask', 5000, 1)).toBe(true);
  });

  it('clear() empties but stays valid; invalidate() empties and waits for a snapshot', () => {
    const b = sample();
    b.clear();
    expect(b.valid).toBe(true);
    expect(b.bestAsk()).toBeNull();
    expect(b.setLevel('ask', 5000, 1)).toBe(true);
    b.invalidate();
    expect(b.valid).toBe(false);
    expect(b.levelCount('ask')).toBe(0);
    expect(b.setLevel('ask', 5000, 1)).toBe(false);
  });

  it('detects a crossed (and a locked) book without throwing', () => {
    const b = sample();
    expect(b.isCrossed()).toBe(false);
    b.setLevel('bid', px('0.5'), qty('1')); // locked: bid == ask
    expect(b.isCrossed()).toBe(true);
    expect(b.spread()).toBe(0);
    b.setLevel('bid', px('0.5'), 0);
    b.setLevel('ask', px('0.47'), qty('1')); // ask below best bid
    expect(b.isCrossed()).toBe(true);
    expect(b.spread()).toBe(-200);
  });
});

describe('L2Book sweeps (hand-computed)', () => {
  it('sweep walks asks best first, each level at its own price', () => {
    const s = sample().sweep('ask', qty('250'));
    expect(s.fills).toEqual([L('0.5', '100'), L('0.51', '150')]);
    expect(s.filledQty).toBe(qty('250'));
    expect(s.cost).toBe(cash('126.5')); // 100*0.50 + 150*0.51
    expect(s.complete).toBe(true);
  });

  it('sweep reports partial fills when depth runs out', () => {
    const s = sample().sweep('ask', qty('400'));
    expect(s.filledQty).toBe(qty('350'));
    expect(s.cost).toBe(cash('178.5')); // 50 + 102 + 26.5
    expect(s.complete).toBe(false);
    expect(s.fills).toHaveLength(3);
  });

  it('sweep stops at levels worse than the limit, on both sides', () => {
    const b = sample();
    const buy = b.sweep('ask', qty('250'), px('0.5'));
    expect(buy.fills).toEqual([L('0.5', '100')]);
    expect(buy.cost).toBe(cash('50'));
    expect(buy.complete).toBe(false);
    const sell = b.sweep('bid', qty('25'), px('0.48'));
    expect(sell.fills).toEqual([L('0.49', '10'), L('0.48', '15')]);
    expect(sell.cost).toBe(cash('12.1')); // 4.9 + 7.2
    expect(sell.complete).toBe(true);
    expect(b.sweep('bid', qty('100'), px('0.5')).filledQty).toBe(0);
    expect(b.sweep('ask', 0).complete).toBe(true);
  });

  it('sweeping does not mutate the book', () => {
    const b = sample();
    const v = b.version;
    b.sweep('ask', qty('1000'));
    b.sweepCash('bid', cash('1000'));
    expect(b.depth('ask', 10)).toEqual([L('0.5', '100'), L('0.51', '200'), L('0.53', '50')]);
    expect(b.version).toBe(v);
  });

  it('sweepCash spends dollars and floors the last level to 1e-6 shares', () => {
    const s = sample().sweepCash('ask', cash('100'));
    // $50 buys 100 @0.50; the remaining $50 buys floor(50/0.51 * 1e6) = 98.039215 shares @0.51
    expect(s.fills).toEqual([L('0.5', '100'), L('0.51', '98.039215')]);
    expect(s.filledQty).toBe(qty('198.039215'));
    expect(s.cost).toBe(cash('99.99999965')); // 50 + 0.51 * 98.039215
    expect(s.complete).toBe(true);
  });

  it('sweepCash: exact budget, depth exhausted, limit, sub-share budget, bid side', () => {
    const b = sample();
    const exact = b.sweepCash('ask', cash('152'));
    expect(exact.filledQty).toBe(qty('300'));
    expect(exact.cost).toBe(cash('152'));
    expect(exact.complete).toBe(true);
    const all = b.sweepCash('ask', cash('200'));
    expect(all.cost).toBe(cash('178.5'));
    expect(all.filledQty).toBe(qty('350'));
    expect(all.complete).toBe(false);
    const lim = b.sweepCash('ask', cash('500'), px('0.51'));
    expect(lim.cost).toBe(cash('152'));
    expect(lim.complete).toBe(false);
    const dust = b.sweepCash('ask', cash('0.0000004')); // < 0.5 * 1e-6
    expect(dust.filledQty).toBe(0);
    expect(dust.fills).toEqual([]);
    expect(dust.cost).toBe(0n);
    expect(dust.complete).toBe(true);
    const sell = b.sweepCash('bid', cash('10')); // 10 @0.49 = 4.9, then 5.1 / 0.48 = 10.625 @0.48
    expect(sell.fills).toEqual([L('0.49', '10'), L('0.48', '10.625')]);
    expect(sell.cost).toBe(cash('10'));
    expect(sell.complete).toBe(true);
  });

  it('vwap: exact average, partial depth, empty side', () => {
    const b = sample();
    expect(b.vwap('ask', qty('250'))?.toString()).toBe('0.506'); // 126.5 / 250
    expect(b.vwap('ask', qty('400'))?.toString()).toBe('0.51'); // 178.5 / 350 (what is there)
    expect(b.vwap('bid', qty('30'))?.eq(new D('14.5').div(30))).toBe(true); // (4.9 + 9.6) / 30
    expect(b.vwap('ask', 0)).toBeNull();
    expect(new L2Book('e').vwap('ask', qty('1'))).toBeNull();
  });
});

describe('L2Book snapshot: levels already best first (the fast path) and any other order agree', () => {
  it('same book from sorted, reversed and duplicated input; zero sizes dropped', () => {
    const bidsBest = [L('0.49', '10'), L('0.48', '0'), L('0.45', '5'), L('0.40', '7')];
    const asksBest = [L('0.5', '100'), L('0.51', '200'), L('0.53', '0'), L('0.6', '1')];
    const a = new L2Book('a');
    a.applySnapshot(bidsBest, asksBest, px('0.01'));
    const b = new L2Book('b');
    b.applySnapshot([...bidsBest].reverse(), [...asksBest].reverse(), px('0.01'));
    // a repeated price is not "strictly best first": the slow path, where the later entry wins
    const c = new L2Book('c');
    c.applySnapshot([...bidsBest, L('0.45', '9')], [L('0.5', '1'), ...asksBest], px('0.01'));
    for (const side of ['bid', 'ask'] as const) expect(b.depth(side, 10)).toEqual(a.depth(side, 10));
    expect(a.depth('bid', 10)).toEqual([L('0.49', '10'), L('0.45', '5'), L('0.40', '7')]);
    expect(a.depth('ask', 10)).toEqual([L('0.5', '100'), L('0.51', '200'), L('0.6', '1')]);
    expect(c.qtyAt('bid', px('0.45'))).toBe(qty('9'));
    expect(c.qtyAt('ask', px('0.5'))).toBe(qty('100'));
    expect(() => new L2Book('d').applySnapshot([L('0.49', '10'), { px: 4800.5, qty: 1 }], [], null)).toThrow(RangeError);
  });
});
