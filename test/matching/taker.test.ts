import { describe, expect, it } from 'vitest';
import { FEE_REGIME_JAN2026_NS, polymarketFees } from '../../src/core/matching/fees.ts';
import type { OrderCanceled, OrderFilled } from '../../src/core/types/orders.ts';
import { cashToDecimal, notional, qtyToDecimal } from '../../src/core/types/fixed.ts';
import { CRYPTO_FEES, Harness, MS, NO, T0, YES, delta, lv, meta, px, q, snapshot, sumQty, types, usd } from './harness.ts';

// YES book: bids 0.48 x 100, 0.47 x 200; asks 0.50 x 100, 0.52 x 50, 0.55 x 200.
function setup(h = new Harness()): Harness {
  h.feed(snapshot(T0, YES, [lv('0.48', '100'), lv('0.47', '200')], [lv('0.50', '100'), lv('0.52', '50'), lv('0.55', '200')]));
  return h;
}
const fillsOf = (evs: readonly unknown[]): OrderFilled[] => evs.filter((e): e is OrderFilled => (e as OrderFilled).type === 'order_filled');

describe('marketable orders walk the book level by level', () => {
  it('FAK BUY $100 limit 0.52: each level at its own price, remainder canceled', () => {
    const h = setup();
    const evs = h.place({ id: 'a', side: 'BUY', tif: 'FAK', px: '0.52', amount: '100' });
    expect(types(evs)).toEqual(['order_accepted', 'order_filled', 'order_filled', 'order_canceled']);
    const [f1, f2] = fillsOf(evs);
    // level 1: 100 sh x 0.50 = $50; $50 left -> level 2 affords 96.15 sh but shows 50: 50 x 0.52 = $26.
    expect([f1!.px, f1!.qty, f1!.liquidity]).toEqual([px('0.50'), q('100'), 'taker']);
    expect([f2!.px, f2!.qty]).toEqual([px('0.52'), q('50')]);
    // 0.55 is beyond the limit. $24 left -> leaves = floor(24 / 0.52) = 46.153846 shares.
    const c = evs[3] as OrderCanceled;
    expect([c.reason, c.leavesQty]).toEqual(['fak_remainder', q('46.153846')]);
    // VWAP = $76 / 150 sh = 0.506666...
    const cost = notional(f1!.px, f1!.qty) + notional(f2!.px, f2!.qty);
    expect(cost).toBe(usd('76'));
    expect(sumQty([f1!, f2!])).toBe(q('150'));
    const vwap = cashToDecimal(cost).div(qtyToDecimal(sumQty([f1!, f2!])));
    expect(vwap.toDecimalPlaces(6).toString()).toBe('0.506667');
  });

  it('FOK BUY that cannot be fully filled is killed without fills; one that can fills completely', () => {
    const h = setup();
    const killed = h.place({ id: 'a', side: 'BUY', tif: 'FOK', px: '0.52', amount: '100' });
    expect(types(killed)).toEqual(['order_accepted', 'order_canceled']);
    expect((killed[1] as OrderCanceled).reason).toBe('fok_killed');
    expect(h.ex.consumedAt(YES, 'ask', px('0.50'))).toBe(0);
    // $70: 100 sh @0.50 = $50, then floor($20 / 0.52) = 38.461538 sh = $19.99999976; $0.00000024 left
    // cannot buy 1e-6 share at 0.52 -> complete.
    const ok = h.place({ id: 'b', side: 'BUY', tif: 'FOK', px: '0.52', amount: '70' });
    expect(types(ok)).toEqual(['order_accepted', 'order_filled', 'order_filled']);
    expect(fillsOf(ok).map((f) => [f.px, f.qty])).toEqual([[px('0.50'), q('100')], [px('0.52'), q('38.461538')]]);
    expect(fillsOf(ok)[1]!.leavesQty).toBe(0);
  });

  it('FOK/FAK SELL are sized in shares and walk the bids down to the limit', () => {
    const h = setup();
    const evs = h.place({ id: 's', side: 'SELL', tif: 'FOK', px: '0.47', qty: '250' });
    // 100 @0.48 then 150 @0.47
    expect(fillsOf(evs).map((f) => [f.px, f.qty, f.leavesQty])).toEqual([[px('0.48'), q('100'), q('150')], [px('0.47'), q('150'), 0]]);
    const fak = h.place({ id: 't', side: 'SELL', tif: 'FAK', px: '0.47', qty: '80' });
    // only 50 left at 0.47 (200 - 150 consumed by our own earlier fill)
    expect(fillsOf(fak).map((f) => f.qty)).toEqual([q('50')]);
    expect((fak[2] as OrderCanceled).leavesQty).toBe(q('30'));
  });

  it('a crossing GTC fills as taker for the crossing part and rests the remainder', () => {
    const h = setup();
    const evs = h.place({ id: 'g', side: 'BUY', px: '0.52', qty: '200' });
    expect(fillsOf(evs).map((f) => [f.px, f.qty, f.leavesQty])).toEqual([[px('0.50'), q('100'), q('100')], [px('0.52'), q('50'), q('50')]]);
    const open = h.ex.openOrders();
    expect(open.map((o) => [o.clientId, o.state, o.leavesQty, o.queueAhead])).toEqual([['g', 'resting', q('50'), 0]]);
  });
});

describe('consumed overlay', () => {
  it('never fills the same displayed liquidity twice; decays when the venue level drops below it', () => {
    const h = setup();
    h.place({ id: 'a', side: 'BUY', tif: 'FAK', px: '0.50', amount: '30' }); // 60 sh of the 100 @0.50
    expect(h.ex.consumedAt(YES, 'ask', px('0.50'))).toBe(q('60'));
    const b = h.place({ id: 'b', side: 'BUY', tif: 'FAK', px: '0.50', amount: '50' });
    expect(fillsOf(b).map((f) => f.qty)).toEqual([q('40')]); // only 100 - 60 left
    // venue level 0.50 drops to 70 (< consumed 100): consumed decays to 70, still nothing available
    h.feed(delta(T0 + MS, [{ side: 'ask', px: '0.50', qty: '70' }]));
    expect(h.ex.consumedAt(YES, 'ask', px('0.50'))).toBe(q('70'));
    const c = h.place({ id: 'c', side: 'BUY', tif: 'FAK', px: '0.50', amount: '5' });
    expect(fillsOf(c)).toEqual([]);
    // venue level grows to 90: 20 new shares on top of the 70 we consumed
    h.feed(delta(T0 + 2n * MS, [{ side: 'ask', px: '0.50', qty: '90' }]));
    const d = h.place({ id: 'd', side: 'BUY', tif: 'FAK', px: '0.50', amount: '50' });
    expect(fillsOf(d).map((f) => f.qty)).toEqual([q('20')]);
    // level removed -> entry deleted; a fresh level at the same price is fully available
    h.feed(delta(T0 + 3n * MS, [{ side: 'ask', px: '0.50', qty: '0' }]));
    expect(h.ex.consumedAt(YES, 'ask', px('0.50'))).toBe(0);
    h.feed(delta(T0 + 4n * MS, [{ side: 'ask', px: '0.50', qty: '10' }]));
    expect(fillsOf(h.place({ id: 'e', side: 'BUY', tif: 'FAK', px: '0.50', amount: '50' })).map((f) => f.qty)).toEqual([q('10')]);
  });

  it('a websocket snapshot and a REST resync both keep the overlay (decay rule only)', () => {
    const h = setup();
    h.place({ id: 'a', side: 'BUY', tif: 'FAK', px: '0.50', amount: '50' }); // all 100 @0.50
    h.feed(snapshot(T0 + MS, YES, [lv('0.48', '100')], [lv('0.50', '100')]));
    expect(h.ex.consumedAt(YES, 'ask', px('0.50'))).toBe(q('100'));
    // a REST /books resync never contains our paper trades either: min(100, 100 displayed) = 100
    h.feed(snapshot(T0 + 2n * MS, YES, [lv('0.48', '100')], [lv('0.50', '100')], px('0.01'), 'rest'));
    expect(h.ex.consumedAt(YES, 'ask', px('0.50'))).toBe(q('100'));
    // it decays like a WS book when it shows less: min(100, 40) = 40
    h.feed(snapshot(T0 + 3n * MS, YES, [lv('0.48', '100')], [lv('0.50', '40')], px('0.01'), 'rest'));
    expect(h.ex.consumedAt(YES, 'ask', px('0.50'))).toBe(q('40'));
  });

  it('unified YES/NO book: BUY YES and SELL NO at the mirrored price cannot both take the same shares', () => {
    // YES ask 0.40 x 100 is the same liquidity as NO bid 0.60 x 100.
    const h = new Harness();
    h.feed(snapshot(T0, YES, [lv('0.30', '100')], [lv('0.40', '100')]));
    const a = h.place({ id: 'a', side: 'BUY', tif: 'FAK', px: '0.40', amount: '40' }); // 100 sh
    expect(fillsOf(a).map((f) => f.qty)).toEqual([q('100')]);
    // nothing left to sell into: the SELL is worth $0 against the book (below the $1 minimum)
    const b = h.place({ id: 'b', asset: NO, side: 'SELL', tif: 'FAK', px: '0.60', qty: '100' });
    expect(types(b)).toEqual(['order_rejected']);
    expect((b[0] as { reason: string }).reason).toMatch(/^below_min_notional: marketable order worth \$0 /);
    expect(h.ex.consumedAt(NO, 'bid', px('0.60'))).toBe(q('100'));

    // The other way round: NO first takes 30, YES gets the other 70.
    const h2 = new Harness();
    h2.feed(snapshot(T0, YES, [lv('0.30', '100')], [lv('0.40', '100')]));
    expect(fillsOf(h2.place({ id: 'b', asset: NO, side: 'SELL', tif: 'FAK', px: '0.60', qty: '30' })).map((f) => [f.px, f.qty])).toEqual([
      [px('0.60'), q('30')],
    ]);
    expect(fillsOf(h2.place({ id: 'a', side: 'BUY', tif: 'FAK', px: '0.40', amount: '40' })).map((f) => f.qty)).toEqual([q('70')]);
    // BUY NO at 0.70 takes NO asks = YES bids (0.30) -> also shared with SELL YES at 0.30.
    expect(fillsOf(h2.place({ id: 'c', asset: NO, side: 'BUY', tif: 'FAK', px: '0.70', amount: '35' })).map((f) => f.qty)).toEqual([q('50')]);
    expect(fillsOf(h2.place({ id: 'd', side: 'SELL', tif: 'FAK', px: '0.30', qty: '100' })).map((f) => f.qty)).toEqual([q('50')]);
  });
});

describe('taker fees on fills', () => {
  it('crypto schedule 0.07: BUY withholds shares, SELL pays dollars, no rebate for takers', () => {
    const h = setup(new Harness({ fees: polymarketFees() }, meta({}, CRYPTO_FEES)));
    const buy = fillsOf(h.place({ id: 'b', side: 'BUY', tif: 'FAK', px: '0.50', amount: '50' }))[0]!;
    // 100 sh @0.50: 100 x 0.07 x 0.25 = $1.75 -> 3.5 shares
    expect([buy.qty, buy.feeQty, buy.feeCash, buy.rebateCash]).toEqual([q('100'), q('3.5'), 0n, 0n]);
    const sell = fillsOf(h.place({ id: 's', side: 'SELL', tif: 'FAK', px: '0.48', qty: '10' }))[0]!;
    // 10 sh @0.48: 10 x 0.07 x 0.48 x 0.52 = 0.17472 -> $0.17472
    expect([sell.feeCash, sell.feeQty]).toEqual([usd('0.17472'), 0]);
  });

  it('fee regime by fill date: a fee-enabled market without a schedule is free before 2026-01-06', () => {
    const h = new Harness({ fees: polymarketFees() }, meta({ feesEnabled: true, slug: 'btc-updown-15m-1767657600' }));
    const before = FEE_REGIME_JAN2026_NS - 1_000_000_000n;
    h.now = before;
    h.feed(snapshot(before, YES, [lv('0.50', '1000')], [lv('0.52', '1000')]));
    expect(fillsOf(h.place({ id: 'a', side: 'SELL', tif: 'FAK', px: '0.50', qty: '100' }, before))[0]!.feeCash).toBe(0n);
    // after: Jan-2026 curve, 100 sh @0.50 -> 100 x 0.25 x 0.25^2 = $1.5625 (sell: dollars)
    const after = FEE_REGIME_JAN2026_NS + 1_000_000_000n;
    expect(fillsOf(h.place({ id: 'b', side: 'SELL', tif: 'FAK', px: '0.50', qty: '100' }, after))[0]!.feeCash).toBe(usd('1.5625'));
    // buy: $ fee 0.52 x 0.48 = 0.2496; ^2 = 0.06230016; x 0.25 x 10 = 0.15575040 -> 0.15575 $ -> / 0.52 = 0.299519 sh
    expect(fillsOf(h.place({ id: 'c', side: 'BUY', tif: 'FAK', px: '0.52', amount: '5.2' }, after))[0]!.feeQty).toBe(q('0.299519'));
  });

  it('fill ids come from a counter', () => {
    const h = setup();
    h.place({ id: 'a', side: 'BUY', tif: 'FAK', px: '0.52', amount: '60' });
    h.place({ id: 'b', side: 'SELL', tif: 'FAK', px: '0.48', qty: '10' });
    expect(h.fills().map((f) => f.fillId)).toEqual(['pf-1', 'pf-2', 'pf-3']);
  });
});
