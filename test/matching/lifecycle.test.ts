import { describe, expect, it } from 'vitest';
import { constantLatency, lognormalLatency, uniformLatency } from '../../src/core/matching/latency.ts';
import { constantTakerDelay } from '../../src/core/matching/taker-delay.ts';
import { powerProbability, probabilisticQueue } from '../../src/core/matching/queue.ts';
import { seededRng } from '../../src/core/rng.ts';
import type { OrderCanceled, OrderEvent, OrderFilled } from '../../src/core/types/orders.ts';
import { Harness, MARKET, MS, NO, T0, YES, delta, feedClosed, lv, px, q, resolved, snapshot, tickChange, trade, types } from './harness.ts';

function setup(h: Harness): Harness {
  h.feed(snapshot(T0, YES, [lv('0.48', '100')], [lv('0.50', '100'), lv('0.55', '100')]));
  return h;
}
const fillsOf = (evs: readonly OrderEvent[]): OrderFilled[] => evs.filter((e): e is OrderFilled => e.type === 'order_filled');
const cancels = (evs: readonly OrderEvent[]): OrderCanceled[] => evs.filter((e): e is OrderCanceled => e.type === 'order_canceled');

describe('latency', () => {
  it('an order acts on the book as it is when it arrives (submit + entry latency)', () => {
    const h = setup(new Harness({ latency: constantLatency(50n * MS, 30n * MS) }));
    expect(h.place({ id: 'a', side: 'BUY', tif: 'FAK', px: '0.60', amount: '20' })).toEqual([]);
    expect(h.ex.nextWakeNs()).toBe(T0 + 50n * MS);
    expect(h.ex.openOrders().map((o) => [o.state, o.arrivalNs])).toEqual([['in_flight', T0 + 50n * MS]]);
    // 10 ms later the 0.50 ask disappears; the order has not arrived yet
    h.feed(delta(T0 + 10n * MS, [{ side: 'ask', px: '0.50', qty: '0' }]));
    const evs = h.run(T0 + 50n * MS);
    // $20 at 0.55 = 36.363636 sh, stamped at arrival
    expect(fillsOf(evs).map((f) => [f.px, f.qty, f.tsNs])).toEqual([[px('0.55'), q('36.363636'), T0 + 50n * MS]]);
    expect(evs[0]!.tsNs).toBe(T0 + 50n * MS);
  });

  it('an order can fill while its cancel is in flight; the cancel then cancels only the rest', () => {
    const h = setup(new Harness({ latency: constantLatency(0n, 30n * MS) }));
    h.place({ id: 'm', side: 'BUY', px: '0.48', qty: '10' }); // 100 ahead
    h.submit({ type: 'cancel', clientId: 'm' }, T0 + MS); // reaches the venue at T0 + 31 ms
    const f = fillsOf(h.feed(trade(T0 + 10n * MS, '0.48', '104', 'SELL')));
    expect(f.map((x) => [x.qty, x.leavesQty])).toEqual([[q('4'), q('6')]]);
    const c = cancels(h.run(T0 + 31n * MS));
    expect(c.map((x) => [x.reason, x.leavesQty, x.tsNs])).toEqual([['user', q('6'), T0 + 31n * MS]]);
    // a cancel that arrives after the order is done is ignored (counted)
    h.place({ id: 'z', side: 'BUY', tif: 'FAK', px: '0.50', amount: '5' }, T0 + 40n * MS);
    h.submit({ type: 'cancel', clientId: 'z' }, T0 + 40n * MS);
    expect(cancels(h.run(T0 + 80n * MS)).filter((x) => x.reason === 'user')).toEqual([]);
    expect(h.ex.stats().cancelsIgnored).toBe(1);
  });

  it('commands reach the venue in submission order: a fast cancel never overtakes its slow order', () => {
    const h = setup(new Harness({ latency: constantLatency(50n * MS, 5n * MS) }));
    h.place({ id: 'm', side: 'BUY', px: '0.40', qty: '10' });
    h.submit({ type: 'cancel', clientId: 'm' }, T0 + MS);
    const evs = h.run(T0 + 60n * MS);
    expect(evs.map((e) => [e.type, e.tsNs])).toEqual([['order_accepted', T0 + 50n * MS], ['order_canceled', T0 + 50n * MS]]);
  });

  it('random latency models are deterministic for a seed and respect their bounds', () => {
    const u = uniformLatency({ minNs: 10n * MS, maxNs: 20n * MS });
    const ln = lognormalLatency({ medianNs: 30n * MS, sigma: 0.5, minNs: 5n * MS, maxNs: 200n * MS });
    const draw = (seed: number) => {
      const r = seededRng(seed);
      return Array.from({ length: 50 }, () => [u.entryNs(r), ln.entryNs(r)]);
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
    for (const [a, b] of draw(3)) {
      expect(a! >= 10n * MS && a! <= 20n * MS).toBe(true);
      expect(b! >= 5n * MS && b! <= 200n * MS).toBe(true);
    }
  });
});

describe('order lifecycle', () => {
  it('GTD expires at expireNs through nextWakeNs / onTime', () => {
    const h = setup(new Harness());
    h.place({ id: 'g', side: 'BUY', tif: 'GTD', px: '0.45', qty: '10', expireNs: T0 + 1000n * MS });
    expect(h.ex.nextWakeNs()).toBe(T0 + 1000n * MS);
    expect(h.run(T0 + 999n * MS)).toEqual([]);
    const c = cancels(h.run(T0 + 1000n * MS));
    expect(c.map((x) => [x.reason, x.leavesQty, x.tsNs])).toEqual([['expired', q('10'), T0 + 1000n * MS]]);
    expect(h.ex.nextWakeNs()).toBeNull();
  });

  it('taker delay holds marketable orders, then matches against the book at release', () => {
    const h = setup(new Harness({ takerDelay: constantTakerDelay(250n * MS) }));
    const acc = h.place({ id: 't', side: 'BUY', tif: 'FAK', px: '0.60', amount: '10' });
    expect(types(acc)).toEqual(['order_accepted']);
    expect(h.ex.openOrders().map((o) => o.state)).toEqual(['held']);
    // a resting (non-marketable) order is not delayed
    expect(types(h.place({ id: 'r', side: 'BUY', px: '0.40', qty: '10' }))).toEqual(['order_accepted']);
    expect(h.ex.openOrders().map((o) => [o.clientId, o.state])).toEqual([['t', 'held'], ['r', 'resting']]);
    h.feed(delta(T0 + 100n * MS, [{ side: 'ask', px: '0.50', qty: '0' }]));
    const evs = h.run(T0 + 250n * MS);
    // $10 at 0.55 = 18.181818 sh
    expect(fillsOf(evs).map((f) => [f.px, f.qty, f.tsNs])).toEqual([[px('0.55'), q('18.181818'), T0 + 250n * MS]]);
    // a held order can be canceled before release
    h.place({ id: 'u', side: 'BUY', tif: 'FAK', px: '0.60', amount: '10' }, T0 + 300n * MS);
    h.submit({ type: 'cancel', clientId: 'u' }, T0 + 301n * MS);
    expect(cancels(h.events).map((c) => [c.clientId, c.reason])).toContainEqual(['u', 'user']);
    expect(fillsOf(h.run(T0 + 600n * MS))).toEqual([]);
  });

  it('tick-size change: off-grid orders canceled, on-grid orders kept, new orders wait for the snapshot', () => {
    const h = new Harness();
    h.feed(snapshot(T0, YES, [lv('0.96', '100')], [lv('0.97', '100')], px('0.01')));
    h.place({ id: 'a', side: 'BUY', px: '0.95', qty: '10' });
    h.feed(tickChange(T0 + MS, '0.01', '0.001'));
    h.feed(snapshot(T0 + 2n * MS, YES, [lv('0.965', '100')], [lv('0.975', '100')], null));
    h.place({ id: 'b', side: 'BUY', px: '0.962', qty: '10' });
    // back to a 0.01 grid: 0.962 is off-grid -> canceled; 0.95 stays
    const evs = h.feed(tickChange(T0 + 3n * MS, '0.001', '0.01'));
    expect(cancels(evs).map((c) => [c.clientId, c.reason])).toEqual([['b', 'tick_size_changed']]);
    expect(h.ex.openOrders().map((o) => o.clientId)).toEqual(['a']);
    // the pair token's duplicate copy of the change does not invalidate anything new
    h.feed(snapshot(T0 + 4n * MS, YES, [lv('0.96', '100')], [lv('0.97', '100')], null));
    h.feed(tickChange(T0 + 5n * MS, '0.001', '0.01', NO));
    expect(types(h.place({ id: 'c', side: 'BUY', px: '0.94', qty: '10' }))).toEqual(['order_accepted']);
  });

  it('market_resolved cancels resting orders and rejects later arrivals', () => {
    const h = setup(new Harness());
    h.place({ id: 'a', side: 'BUY', px: '0.40', qty: '10' });
    h.place({ id: 'b', asset: NO, side: 'BUY', px: '0.40', qty: '10' });
    const evs = h.feed(resolved(T0 + MS));
    expect(cancels(evs).map((c) => [c.clientId, c.reason])).toEqual([['a', 'market_resolved'], ['b', 'market_resolved']]);
    expect(types(h.place({ id: 'c', side: 'BUY', px: '0.40', qty: '10' }))).toEqual(['order_rejected']);
  });

  it('feed loss cancels resting orders (default) and rejects new ones until a fresh snapshot', () => {
    const h = setup(new Harness());
    h.place({ id: 'a', side: 'BUY', px: '0.40', qty: '10' });
    expect(cancels(h.feed(feedClosed(T0 + MS))).map((c) => [c.clientId, c.reason])).toEqual([['a', 'feed_lost']]);
    expect(h.events.at(-1)!.type).toBe('order_canceled');
    const rej = h.place({ id: 'b', side: 'BUY', px: '0.40', qty: '10' });
    const r0 = rej[0]!;
    expect(r0.type === 'order_rejected' && r0.reason.startsWith('book_stale:')).toBe(true);
    h.feed(snapshot(T0 + 2n * MS, NO, [lv('0.50', '100')], [lv('0.52', '100')]));
    expect(types(h.place({ id: 'c', side: 'BUY', px: '0.40', qty: '10' }))).toEqual(['order_accepted']);
    // 'keep' leaves resting orders alone
    const k = setup(new Harness({ feedLoss: 'keep' }));
    k.place({ id: 'a', side: 'BUY', px: '0.40', qty: '10' });
    expect(cancels(k.feed(feedClosed(T0 + MS)))).toEqual([]);
    expect(k.ex.openOrders().map((o) => o.clientId)).toEqual(['a']);
  });

  it('cancel_all by market and by token', () => {
    const h = setup(new Harness());
    h.place({ id: 'a', side: 'BUY', px: '0.40', qty: '10' });
    h.place({ id: 'b', asset: NO, side: 'BUY', px: '0.40', qty: '10' });
    h.submit({ type: 'cancel_all', market: null, assetId: NO });
    expect(h.ex.openOrders().map((o) => o.clientId)).toEqual(['a']);
    h.submit({ type: 'cancel_all', market: '0xother', assetId: null });
    expect(h.ex.openOrders().map((o) => o.clientId)).toEqual(['a']);
    h.submit({ type: 'cancel_all', market: MARKET, assetId: null });
    expect(cancels(h.events).map((c) => [c.clientId, c.reason])).toEqual([['b', 'cancel_all'], ['a', 'cancel_all']]);
  });
});

describe('determinism', () => {
  it('the same script with seeded random latency and the probabilistic queue gives identical events', () => {
    const script = (seed: number) => {
      const h = new Harness({
        latency: uniformLatency({ minNs: 1n * MS, maxNs: 40n * MS }),
        queue: probabilisticQueue(powerProbability(3)),
        rng: seededRng(seed),
      });
      h.feed(snapshot(T0, YES, [lv('0.48', '300'), lv('0.47', '300')], [lv('0.50', '300'), lv('0.52', '300')]));
      for (let i = 0; i < 20; i++) {
        const t = T0 + BigInt(i) * 10n * MS;
        h.place({ id: `o${i}`, side: i % 2 === 0 ? 'BUY' : 'SELL', px: i % 2 === 0 ? '0.48' : '0.50', qty: '10' }, t);
        // levels shrink by 30 per step while only 20 print: the rest are cancels (seeded draws)
        const size = String(Math.max(40, 300 - 30 * i));
        h.feed(trade(t + 5n * MS, '0.48', '20', 'SELL'));
        h.feed(trade(t + 6n * MS, '0.50', '20', 'BUY'));
        h.feed(delta(t + 7n * MS, [{ side: 'bid', px: '0.48', qty: size }, { side: 'ask', px: '0.50', qty: size }]));
      }
      h.run(T0 + 10_000n * MS);
      return h.events;
    };
    const a = script(11);
    expect(a.filter((e) => e.type === 'order_filled').length).toBeGreaterThan(5);
    expect(script(11)).toEqual(a);
    expect(script(12)).not.toEqual(a);
  });
});
