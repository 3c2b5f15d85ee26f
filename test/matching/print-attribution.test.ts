// Issue 8 item 2: a trade print that the book already showed is not counted twice.
//
// On Polymarket a level's size decrease very often arrives BEFORE its `last_trade_price` (the post-trade
// `book` and the print in one frame; in 2026 data a price_change drop of 216.22 at 0.925 arrives 228 ms
// before the 216.22 print). A decrease and a print at the same level (same token or its mirror) within the
// print window (default 500 ms) are one event: the print walks the queue as it was before the decrease.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TradingKernel } from '../../src/core/kernel/trading-kernel.ts';
import { constantLatency } from '../../src/core/matching/latency.ts';
import { noFees } from '../../src/core/matching/fees.ts';
import { conservativeQueue, powerProbability, probabilisticQueue, type QueueModel } from '../../src/core/matching/queue.ts';
import { defaultRiskLimits } from '../../src/core/risk/risk.ts';
import { defineStrategy } from '../../src/core/strategy/api.ts';
import type { OrderEvent, OrderFilled } from '../../src/core/types/orders.ts';
import { rawRecord } from '../../src/core/types/raw.ts';
import { Harness, MS, NO, T0, YES, delta, lv, meta, px, q, snapshot, trade } from './harness.ts';

const fillsOf = (evs: readonly OrderEvent[]): OrderFilled[] => evs.filter((e): e is OrderFilled => e.type === 'order_filled');
const ahead = (h: Harness, id: string): number | null => h.ex.openOrders().find((o) => o.clientId === id)?.queueAhead ?? null;
const MODELS: readonly [string, QueueModel][] = [
  ['conservative', conservativeQueue],
  ['probabilistic', probabilisticQueue(powerProbability(2))],
];

describe('a decrease followed by its print is one event', () => {
  for (const [name, queue] of MODELS) {
    it(`${name}: post-trade book then the print of 10 at 0.35 in one frame; an order with exactly 10 ahead gets nothing`, () => {
      const h = new Harness({ queue });
      h.feed(snapshot(T0, YES, [lv('0.35', '10'), lv('0.34', '50')], [lv('0.40', '100')]));
      h.place({ id: 'm', side: 'BUY', px: '0.35', qty: '5' }, T0 + MS);
      expect(ahead(h, 'm')).toBe(q('10')); // joins behind the 10 shown
      // one frame at T0 + 2 s: the post-trade `book` (0.35 gone: 10 -> 0), then `last_trade_price` SELL 10 @0.35.
      const t = T0 + 2000n * MS;
      const a = h.feed(snapshot(t, YES, [lv('0.34', '50')], [lv('0.40', '100')]));
      const b = h.feed(trade(t, '0.35', '10', 'SELL'));
      // One event: the taker sold 10 into the queue [10 venue shares][us 5]: 10 - 10 = 0 reach us.
      // (Before the fix the book clamped ahead 10 -> 0, then the same 10 shares filled us 5.)
      expect(fillsOf([...a, ...b]).map((f) => f.qty)).toEqual([]);
      expect(ahead(h, 'm')).toBe(0);
      // the next print at 0.35 (a new trade) does fill us: 0 ahead
      expect(fillsOf(h.feed(trade(t + 3000n * MS, '0.35', '3', 'SELL'))).map((f) => f.qty)).toEqual([q('3')]);
    });

    it(`${name}: a price_change drop of 216.22 at 0.925, then the 216.22 print 228 ms later (2026 pattern)`, () => {
      const h = new Harness({ queue }, meta({ tickSize: px('0.001') }));
      h.feed(snapshot(T0, YES, [lv('0.925', '300'), lv('0.92', '400')], [lv('0.93', '100')], px('0.001')));
      h.place({ id: 'm', side: 'BUY', px: '0.925', qty: '10' }, T0 + MS);
      expect(ahead(h, 'm')).toBe(q('300'));
      // drop 300 -> 83.78 (216.22 traded, shown first)
      h.feed(delta(T0 + 1000n * MS, [{ side: 'bid', px: '0.925', qty: '83.78' }]));
      // ... the print arrives 228 ms later
      const f = fillsOf(h.feed(trade(T0 + 1228n * MS, '0.925', '216.22', 'SELL')));
      // One event: 216.22 traded from the front of [300 venue][us]: 300 - 216.22 = 83.78 still ahead, no fill.
      // (Before: the drop clamped ahead 300 -> 83.78, then the print's 216.22 filled us 10.)
      expect(f.map((x) => x.qty)).toEqual([]);
      expect(ahead(h, 'm')).toBe(q('83.78'));
    });

    it(`${name}: the print on the mirror token (taker BUY NO 216.22 @0.075) is the same event`, () => {
      const h = new Harness({ queue }, meta({ tickSize: px('0.001') }));
      h.feed(snapshot(T0, YES, [lv('0.925', '300')], [lv('0.93', '100')], px('0.001')));
      h.place({ id: 'm', side: 'BUY', px: '0.925', qty: '10' }, T0 + MS);
      h.feed(delta(T0 + 1000n * MS, [{ assetId: NO, side: 'ask', px: '0.075', qty: '83.78' }])); // NO ask 0.075 = YES bid 0.925
      expect(fillsOf(h.feed(trade(T0 + 1228n * MS, '0.075', '216.22', 'BUY', NO)))).toEqual([]);
      expect(ahead(h, 'm')).toBe(q('83.78'));
    });

    it(`${name}: a print bigger than the drop: the unshown rest walks on from the same queue`, () => {
      const h = new Harness({ queue });
      h.feed(snapshot(T0, YES, [lv('0.35', '10'), lv('0.34', '50')], [lv('0.40', '100')]));
      h.place({ id: 'm', side: 'BUY', px: '0.35', qty: '5' }, T0 + MS);
      // the book shows 10 -> 4 (6 traded), the print says 13 traded: [10 venue][us 5]: 13 - 10 = 3 reach us
      h.feed(delta(T0 + 100n * MS, [{ side: 'bid', px: '0.35', qty: '4' }]));
      const f = fillsOf(h.feed(trade(T0 + 120n * MS, '0.35', '13', 'SELL')));
      expect(f.map((x) => [x.qty, x.leavesQty])).toEqual([[q('3'), q('2')]]);
    });
  }

  it('an order that joined after the drop gets none of the print (same level and a better price)', () => {
    const h = new Harness();
    h.feed(snapshot(T0, YES, [lv('0.35', '12'), lv('0.34', '50')], [lv('0.40', '100')]));
    // the post-trade book: 0.35 shows 2 (10 traded); our orders arrive right after it, before the print
    h.feed(delta(T0 + 100n * MS, [{ side: 'bid', px: '0.35', qty: '2' }]));
    h.place({ id: 'same', side: 'BUY', px: '0.35', qty: '5' }, T0 + 101n * MS);
    h.place({ id: 'better', side: 'BUY', px: '0.36', qty: '5' }, T0 + 101n * MS);
    expect([ahead(h, 'same'), ahead(h, 'better')]).toEqual([q('2'), 0]);
    // the print of that trade: it happened before either order existed
    // (before the fix: 'better' was "passed" by the taker and filled 5, 'same' got 10 - 5 - 2 = 3)
    expect(fillsOf(h.feed(trade(T0 + 130n * MS, '0.35', '10', 'SELL')))).toEqual([]);
    expect([ahead(h, 'same'), ahead(h, 'better')]).toEqual([q('2'), 0]);
  });

  it('beyond the window the decrease and the print are two events (cancel, then a trade)', () => {
    for (const [window, expected] of [[500n * MS, []], [100n * MS, [q('5')]]] as const) {
      const h = new Harness({ printWindowNs: window });
      h.feed(snapshot(T0, YES, [lv('0.35', '10'), lv('0.34', '50')], [lv('0.40', '100')]));
      h.place({ id: 'm', side: 'BUY', px: '0.35', qty: '5' }, T0 + MS);
      h.feed(delta(T0 + 1000n * MS, [{ side: 'bid', px: '0.35', qty: '0' }]));
      // print 228 ms after the drop: inside a 500 ms window one event (no fill); outside a 100 ms one,
      // the drop was a cancel of the 10 ahead (ahead 0) and the print a new trade that fills us 5
      expect(fillsOf(h.feed(trade(T0 + 1228n * MS, '0.35', '10', 'SELL'))).map((f) => f.qty), String(window)).toEqual(expected);
    }
  });

  it('a print that came first explains the decrease after it (the decrease is no cancel)', () => {
    const h = new Harness({ queue: probabilisticQueue(powerProbability(2)) });
    h.feed(snapshot(T0, YES, [lv('0.35', '100')], [lv('0.40', '100')]));
    h.place({ id: 'm', side: 'BUY', px: '0.35', qty: '5' }, T0 + MS); // 100 ahead
    h.feed(trade(T0 + 100n * MS, '0.35', '30', 'SELL')); // 100 -> 70 ahead
    h.feed(delta(T0 + 130n * MS, [{ side: 'bid', px: '0.35', qty: '70' }])); // the book shows the same 30: not a cancel
    expect(ahead(h, 'm')).toBe(q('70'));
  });
});

describe('the one-frame pattern through the normalizer and the kernel', () => {
  it('a frame [post-trade book, last_trade_price 10 @0.35] does not fill a resting order that had 10 ahead', () => {
    const YES77 = '1'.repeat(77);
    const NO77 = '2'.repeat(77);
    const CID = '0x' + 'ab'.repeat(32);
    const m = { ...meta(), conditionId: CID, tokens: [{ tokenId: YES77, outcome: 'Yes' }, { tokenId: NO77, outcome: 'No' }] };
    const book = (bids: [string, string][], ts: number) => ({
      market: CID, asset_id: YES77, timestamp: String(ts), hash: '0'.repeat(40), bids: bids.map(([price, size]) => ({ price, size })),
      asks: [{ price: '0.40', size: '100' }], tick_size: '0.01', event_type: 'book',
    });
    const print = { market: CID, asset_id: YES77, price: '0.35', size: '10', side: 'SELL', fee_rate_bps: '0', timestamp: '3', event_type: 'last_trade_price' };
    const frames: [bigint, unknown][] = [
      [0n, [book([['0.34', '50'], ['0.35', '10']], 1)]],
      [2000n * MS, [book([['0.34', '50']], 3), print]],
      [60_000n * MS, 'PONG'],
    ];
    const fills: OrderFilled[] = [];
    const k = new TradingKernel({
      strategy: defineStrategy({
        name: 'probe', params: z.object({}),
        create: (ctx) => {
          let sent = false;
          return {
            onBook(assetId) {
              if (!sent && assetId === YES77) ctx.buy({ assetId, px: px('0.35'), qty: q('5') });
              sent = true;
            },
            onFill: (f) => void fills.push(f),
          };
        },
      }),
      params: {}, markets: [m], initialCash: 1000n * 10n ** 10n, seed: 1, risk: defaultRiskLimits,
      fill: { latency: constantLatency(0n), queue: conservativeQueue, fees: noFees }, equityIntervalNs: 60_000n * MS,
    });
    frames.forEach(([t, payload], i) =>
      k.onRecord(rawRecord({ seq: i, recvNs: T0 + t, source: 'market_ws', conn: 'c1', kind: 'frame', payload: typeof payload === 'string' ? payload : JSON.stringify(payload) })),
    );
    k.finish();
    expect(k.quality.normalizationErrors).toBe(0);
    expect(fills).toEqual([]); // before the fix: one maker fill of 5 @0.35
    expect(k.exchange.openOrders().map((o) => [o.clientId, o.queueAhead])).toEqual([['o000001', 0]]);
  });
});
