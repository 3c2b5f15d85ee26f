import { describe, expect, it } from 'vitest';
import { polymarketFees } from '../../src/core/matching/fees.ts';
import {
  conservativeQueue, depthChangeAheads, logProbability, powerProbability, probabilisticQueue, tradeAtLevel,
} from '../../src/core/matching/queue.ts';
import type { Rng } from '../../src/core/rng.ts';
import type { OrderFilled } from '../../src/core/types/orders.ts';
import { CRYPTO_FEES, Harness, MS, NO, T0, YES, delta, lv, meta, px, q, snapshot, trade, usd } from './harness.ts';

/** An Rng whose nextFloat returns the given values in turn (hand-computable draws). */
function fixedRng(...floats: number[]): Rng & { draws: number } {
  let i = 0;
  const r = {
    draws: 0,
    nextFloat: () => {
      r.draws++;
      return floats[i++ % floats.length]!;
    },
    nextU32: () => 0,
    int: () => 0,
    fork: () => r,
  };
  return r;
}

// YES book: bids 0.48 x 100, 0.47 x 200; asks 0.50 x 100.
function setup(h = new Harness()): Harness {
  h.feed(snapshot(T0, YES, [lv('0.48', '100'), lv('0.47', '200')], [lv('0.50', '100')]));
  return h;
}
const ahead = (h: Harness, id: string): number | null => h.ex.openOrders().find((o) => o.clientId === id)?.queueAhead ?? null;
const fillsOf = (evs: readonly unknown[]): OrderFilled[] => evs.filter((e): e is OrderFilled => (e as OrderFilled).type === 'order_filled');

describe('probability functions (hftbacktest ProbQueueModel)', () => {
  it('power and log: share of a decrease attributed to the back of the queue', () => {
    // power 2, front 100, back 50: 50^2 / (50^2 + 100^2) = 2500 / 12500 = 0.2
    expect(powerProbability(2)(100, 50)).toBeCloseTo(0.2, 12);
    // power 1: back / (front + back) = 50 / 150
    expect(powerProbability(1)(100, 50)).toBeCloseTo(1 / 3, 12);
    // front = back = 0 -> 0/0 -> treated as 1 (all behind)
    expect(powerProbability(2)(0, 0)).toBe(1);
    // log: ln(1+50) / (ln(1+50) + ln(1+100))
    expect(logProbability(100, 50)).toBeCloseTo(Math.log(51) / (Math.log(51) + Math.log(101)), 12);
  });
});

describe('queue arithmetic', () => {
  it('conservative depth change only clamps to the level size', () => {
    const rng = fixedRng(0.5);
    // aheads [100, 120], level 150 -> 90 (cap 90): clamp -> [90, 90]
    expect(depthChangeAheads(conservativeQueue, [q('100'), q('120')], q('150'), q('90'), 0, q('90'), rng)).toEqual([q('90'), q('90')]);
    expect(rng.draws).toBe(0);
  });

  it('probabilistic: one draw decides front/back; prints since the last change are not cancels', () => {
    const model = probabilisticQueue(powerProbability(2));
    // front 100, back 50 (level 150 -> 120, chg 30): p(behind) = 0.2.
    // u = 0.9 >= 0.2 -> the cancel was in front: 100 - 30 = 70.
    expect(depthChangeAheads(model, [q('100')], q('150'), q('120'), 0, q('120'), fixedRng(0.9))).toEqual([q('70')]);
    // u = 0.1 < 0.2 -> behind: 30 <= back 50, ahead stays 100.
    expect(depthChangeAheads(model, [q('100')], q('150'), q('120'), 0, q('120'), fixedRng(0.1))).toEqual([q('100')]);
    // behind but the decrease (80) exceeds the back (50): the extra 30 came from the front -> 70.
    expect(depthChangeAheads(model, [q('100')], q('150'), q('70'), 0, q('70'), fixedRng(0.1))).toEqual([q('70')]);
    // 20 traded since the last change: chg = 30 - 20 = 10, in front -> 90.
    expect(depthChangeAheads(model, [q('100')], q('150'), q('120'), q('20'), q('120'), fixedRng(0.9))).toEqual([q('90')]);
    // decrease fully explained by prints: no draw at all
    const r = fixedRng(0.9);
    expect(depthChangeAheads(model, [q('100')], q('150'), q('120'), q('30'), q('120'), r)).toEqual([q('100')]);
    expect(r.draws).toBe(0);
  });

  it('a print is a shared budget walking the virtual queue (venue shares, our orders, venue shares, ...)', () => {
    // order 1: 100 ahead, 30 open; order 2: 120 ahead (20 venue shares between), 30 open. Print 150:
    // 100 venue, 30 to order 1, 20 venue between -> budget gone, order 2 gets 0. Venue consumed 120.
    expect(tradeAtLevel([{ ahead: q('100'), leaves: q('30') }, { ahead: q('120'), leaves: q('30') }], q('150'))).toEqual({
      fills: [q('30'), 0], aheads: [0, 0], used: q('30'),
    });
    // print 170: order 2 gets the last 20.
    expect(tradeAtLevel([{ ahead: q('100'), leaves: q('30') }, { ahead: q('120'), leaves: q('30') }], q('170')).fills).toEqual([q('30'), q('20')]);
    // print 60: nobody fills, both move up 60.
    expect(tradeAtLevel([{ ahead: q('100'), leaves: q('30') }, { ahead: q('120'), leaves: q('30') }], q('60')).aheads).toEqual([q('40'), q('60')]);
  });
});

describe('resting orders (maker fills)', () => {
  it('conservative: joins behind the displayed size, advances on prints at its price, fills beyond queue-ahead', () => {
    const h = setup();
    h.place({ id: 'm', side: 'BUY', px: '0.48', qty: '10' });
    expect(ahead(h, 'm')).toBe(q('100'));
    // taker SELL prints 60 @0.48: ahead 100 -> 40, nothing for us
    expect(fillsOf(h.feed(trade(T0 + MS, '0.48', '60', 'SELL')))).toEqual([]);
    expect(ahead(h, 'm')).toBe(q('40'));
    // a BUY-taker print at 0.48 hits asks, not our bid
    h.feed(trade(T0 + 2n * MS, '0.48', '60', 'BUY'));
    expect(ahead(h, 'm')).toBe(q('40'));
    // a cancel shrinks the level to 30: we cannot be behind more than is shown -> 30
    h.feed(delta(T0 + 3n * MS, [{ side: 'bid', px: '0.48', qty: '30' }]));
    expect(ahead(h, 'm')).toBe(q('30'));
    // print 35 @0.48 more than the print window (500 ms) after that decrease, so a separate trade:
    // 30 ahead, 5 reach us (within the window it would be the decrease's own trade: see print-attribution.test.ts)
    const f = fillsOf(h.feed(trade(T0 + 1000n * MS, '0.48', '35', 'SELL')));
    expect(f.map((x) => [x.px, x.qty, x.liquidity, x.leavesQty])).toEqual([[px('0.48'), q('5'), 'maker', q('5')]]);
    // a SELL print through our price (0.47) fills the rest at OUR price
    const g = fillsOf(h.feed(trade(T0 + 1001n * MS, '0.47', '20', 'SELL')));
    expect(g.map((x) => [x.px, x.qty, x.leavesQty])).toEqual([[px('0.48'), q('5'), 0]]);
    expect(h.ex.openOrders()).toEqual([]);
  });

  it('prints on the NO token hit the mirrored YES level (BUY NO taker at q = SELL YES at 1 - q)', () => {
    const h = setup();
    h.place({ id: 'm', side: 'BUY', px: '0.48', qty: '10' });
    // NO taker BUY at 0.52 consumed NO asks 0.52 = YES bids 0.48
    const f = fillsOf(h.feed(trade(T0 + MS, '0.52', '105', 'BUY', NO)));
    expect(f.map((x) => [x.assetId, x.px, x.qty])).toEqual([[YES, px('0.48'), q('5')]]);
    // an order on NO resting at the same canonical level: SELL NO at 0.52 (= YES bid 0.48)
    h.place({ id: 'n', asset: NO, side: 'SELL', px: '0.52', qty: '10' });
    // level shows 100 (the print did not change the book) -> order n has 100 ahead, m had 0
    expect(ahead(h, 'n')).toBe(q('100'));
    const g = fillsOf(h.feed(trade(T0 + 2n * MS, '0.48', '8', 'SELL')));
    // queue at 0.48: [m: 0 ahead, 5 open] [100 venue shares] [n: 10 open]. Print 8: m gets 5, the other 3
    // take venue shares in front of n: n's ahead 100 -> 97.
    expect(g.map((x) => [x.clientId, x.qty])).toEqual([['m', q('5')]]);
    expect(ahead(h, 'n')).toBe(q('97'));
  });

  it('orders at better prices fill first from a print that went through them', () => {
    const h = setup();
    h.place({ id: 'hi', side: 'BUY', px: '0.49', qty: '10' });
    h.place({ id: 'lo', side: 'BUY', px: '0.48', qty: '10' });
    expect([ahead(h, 'hi'), ahead(h, 'lo')]).toEqual([0, q('100')]);
    // SELL print 12 @0.48: 'hi' (0.49) had price priority: fills 10; 2 left go to the 0.48 queue (100 ahead)
    const f = fillsOf(h.feed(trade(T0 + MS, '0.48', '12', 'SELL')));
    expect(f.map((x) => [x.clientId, x.px, x.qty])).toEqual([['hi', px('0.49'), q('10')]]);
    expect(ahead(h, 'lo')).toBe(q('98'));
  });

  it('trade-through via the book: a venue ask at or below our bid fills us as maker at our price', () => {
    const h = setup();
    h.place({ id: 'm', side: 'BUY', px: '0.49', qty: '10' });
    // a seller posts 4 @0.49 (venue best bid is 0.48, so it rests there): it would have matched us
    const f = fillsOf(h.feed(delta(T0 + MS, [{ side: 'ask', px: '0.49', qty: '4' }])));
    expect(f.map((x) => [x.px, x.qty, x.liquidity])).toEqual([[px('0.49'), q('4'), 'maker']]);
    // an unrelated change does not refill us from the same 4 shares (consumed overlay)
    expect(fillsOf(h.feed(delta(T0 + 2n * MS, [{ side: 'bid', px: '0.47', qty: '150' }])))).toEqual([]);
    // the level grows to 10: 6 new shares -> we complete
    const g = fillsOf(h.feed(delta(T0 + 3n * MS, [{ side: 'ask', px: '0.49', qty: '10' }])));
    expect(g.map((x) => [x.qty, x.leavesQty])).toEqual([[q('6'), 0]]);
    // an ask BELOW our bid fills at our price too, and a crossed venue book is ignored
    h.place({ id: 'k', side: 'BUY', px: '0.45', qty: '10' });
    h.feed(delta(T0 + 4n * MS, [{ side: 'bid', px: '0.48', qty: '0' }, { side: 'bid', px: '0.47', qty: '0' }]));
    const k = fillsOf(h.feed(delta(T0 + 5n * MS, [{ side: 'ask', px: '0.44', qty: '3' }])));
    expect(k.map((x) => [x.px, x.qty])).toEqual([[px('0.45'), q('3')]]);
    h.feed(delta(T0 + 6n * MS, [{ side: 'bid', px: '0.46', qty: '50' }])); // venue now crossed: 0.46 >= 0.44
    expect(fillsOf(h.feed(delta(T0 + 7n * MS, [{ side: 'ask', px: '0.44', qty: '9' }])))).toEqual([]);
  });

  it('maker fills earn the rebate (fee-equivalent x rebateRate) and pay no fee', () => {
    const h = setup(new Harness({ fees: polymarketFees() }, meta({}, CRYPTO_FEES)));
    h.place({ id: 'm', side: 'BUY', px: '0.48', qty: '10' });
    const f = fillsOf(h.feed(trade(T0 + MS, '0.47', '10', 'SELL')))[0]!;
    // 10 @0.48: 10 x 0.07 x 0.48 x 0.52 = 0.17472; x 0.2 = 0.034944 -> $0.03494
    expect([f.liquidity, f.feeCash, f.feeQty, f.rebateCash]).toEqual(['maker', 0n, 0, usd('0.03494')]);
  });

  it('probabilistic model advances on cancels with the seeded draw; conservative does not', () => {
    const run = (h: Harness) => {
      setup(h);
      h.place({ id: 'm', side: 'BUY', px: '0.48', qty: '10' }); // ahead 100, level 100
      // venue adds 50 behind us, then 30 are canceled: front 100, back 50 -> p(behind) = 0.2
      h.feed(delta(T0 + MS, [{ side: 'bid', px: '0.48', qty: '150' }]));
      h.feed(delta(T0 + 2n * MS, [{ side: 'bid', px: '0.48', qty: '120' }]));
      return ahead(h, 'm');
    };
    expect(run(new Harness({ queue: conservativeQueue }))).toBe(q('100'));
    expect(run(new Harness({ queue: probabilisticQueue(powerProbability(2)), rng: fixedRng(0.9) }))).toBe(q('70'));
    expect(run(new Harness({ queue: probabilisticQueue(powerProbability(2)), rng: fixedRng(0.1) }))).toBe(q('100'));
  });
});
