// Issue 8 item 4: market sells and the $1 minimum.
//
// A marketable order (FOK/FAK) must be worth >= $1: what it would actually trade against the book within
// its limit at arrival (displayed minus what we already took), not qty x the worst price it allows.
// The strategy context prices a market order without `worstPx` the way Polymarket's own client does
// (py-clob-client `calculate_market_price`): walk the book to the level where the size is filled.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TradingKernel } from '../../src/core/kernel/trading-kernel.ts';
import { constantLatency } from '../../src/core/matching/latency.ts';
import { noFees } from '../../src/core/matching/fees.ts';
import { conservativeQueue } from '../../src/core/matching/queue.ts';
import { defaultRiskLimits } from '../../src/core/risk/risk.ts';
import { defineStrategy, type StrategyContext } from '../../src/core/strategy/api.ts';
import type { OrderEvent, OrderFilled, OrderRejected } from '../../src/core/types/orders.ts';
import { rawRecord } from '../../src/core/types/raw.ts';
import { Harness, MS, T0, YES, lv, meta, px, q, snapshot, types, usd, type OrderSpec } from './harness.ts';

const fillsOf = (evs: readonly OrderEvent[]): OrderFilled[] => evs.filter((e): e is OrderFilled => e.type === 'order_filled');
const outcome = (h: Harness, s: OrderSpec): string => {
  const evs = h.place(s);
  return evs[0]?.type === 'order_rejected' ? (evs[0] as OrderRejected).reason : types(evs).join(',');
};

describe('the $1 minimum is checked against what the order would trade now', () => {
  it('SELL into a 0.43 bid with the widest limit (0.01): 2.325582 sh = $1.00000026 passes, 2.325581 sh = $0.99999983 does not', () => {
    for (const tif of ['FOK', 'FAK'] as const) {
      const h = new Harness();
      h.feed(snapshot(T0, YES, [lv('0.43', '100')], [lv('0.50', '100')]));
      // before the fix: worth = qty x limit = 2.325582 x 0.01 = $0.02325582 -> rejected
      expect(outcome(h, { id: `a${tif}`, side: 'SELL', tif, px: '0.01', qty: '2.325582' }), tif).toBe('order_accepted,order_filled');
      expect(outcome(h, { id: `b${tif}`, side: 'SELL', tif, px: '0.01', qty: '2.325581' }), tif).toBe(
        'below_min_notional: marketable order worth $0.99999983 against the book within its limit < $1',
      );
      // 10 shares (the case: any market sell under 100 shares was rejected): 10 x 0.43 = $4.30
      expect(fillsOf(h.place({ id: `c${tif}`, side: 'SELL', tif, px: '0.01', qty: '10' })).map((f) => [f.px, f.qty]), tif).toEqual([[px('0.43'), q('10')]]);
    }
  });

  it('SELL across two levels: 0.43 x 1 + 0.40 x 1.425 = $0.9999... / + 0.40 x 1.425001 crosses $1', () => {
    const h = new Harness();
    h.feed(snapshot(T0, YES, [lv('0.43', '1'), lv('0.40', '100')], [lv('0.50', '100')]));
    // 2.425 sh: 1 x 0.43 + 1.425 x 0.40 = 0.43 + 0.57 = $1.00 exactly -> passes (>= $1)
    expect(outcome(h, { id: 'a', side: 'SELL', tif: 'FAK', px: '0.01', qty: '2.425' })).toBe('order_accepted,order_filled,order_filled');
    // the 0.43 share is ours now (overlay): 2.425 more = 2.425 x 0.40 = $0.97 -> rejected
    expect(outcome(h, { id: 'b', side: 'SELL', tif: 'FAK', px: '0.01', qty: '2.425' })).toBe(
      'below_min_notional: marketable order worth $0.97 against the book within its limit < $1',
    );
  });

  it('only liquidity within the limit counts: a 0.44 limit sees none of the 0.43 bid', () => {
    const h = new Harness();
    h.feed(snapshot(T0, YES, [lv('0.43', '100')], [lv('0.50', '100')]));
    // 10 x 0.44 = $4.40 if it traded at its limit, but no bid >= 0.44 exists: worth $0
    expect(outcome(h, { id: 'a', side: 'SELL', tif: 'FAK', px: '0.44', qty: '10' })).toBe(
      'below_min_notional: marketable order worth $0 against the book within its limit < $1',
    );
  });

  it('BUY FOK/FAK: worth its dollar amount (what it signs, and never more than it trades)', () => {
    for (const tif of ['FOK', 'FAK'] as const) {
      const h = new Harness();
      h.feed(snapshot(T0, YES, [lv('0.20', '100')], [lv('0.30', '100')]));
      // $1 at 0.30: floor(1 / 0.30) = 3.333333 sh for $0.9999999, but the order is worth its $1
      expect(outcome(h, { id: `a${tif}`, side: 'BUY', tif, px: '0.99', amount: '1' }), tif).toBe('order_accepted,order_filled');
      expect(outcome(h, { id: `b${tif}`, side: 'BUY', tif, px: '0.99', amount: '0.9999999' }), tif).toBe(
        'below_min_notional: marketable order worth $0.9999999 against the book within its limit < $1',
      );
    }
    // a FAK BUY of $5 into $0.9999999 of asks is a $5 order: it fills what there is and cancels the rest
    const h = new Harness();
    h.feed(snapshot(T0, YES, [lv('0.20', '100')], [lv('0.30', '3.333333')]));
    expect(outcome(h, { id: 'c', side: 'BUY', tif: 'FAK', px: '0.99', amount: '5' })).toBe('order_accepted,order_filled,order_canceled');
  });
});

// ------------------------------------------------------------------------------------------------
// the strategy context prices market orders like Polymarket's client

const YES77 = '1'.repeat(77);
const NO77 = '2'.repeat(77);
const CID = '0x' + 'cd'.repeat(32);
const market = { ...meta(), conditionId: CID, tokens: [{ tokenId: YES77, outcome: 'Yes' }, { tokenId: NO77, outcome: 'No' }] };
const bookFrame = (bids: [string, string][], asks: [string, string][], ts: number) => ({
  market: CID, asset_id: YES77, timestamp: String(ts), hash: '0'.repeat(40), bids: bids.map(([price, size]) => ({ price, size })),
  asks: asks.map(([price, size]) => ({ price, size })), tick_size: '0.01', event_type: 'book',
});

function runCtx(act: (ctx: StrategyContext) => void, latencyNs = 0n, later: [string, string][] | null = null) {
  const events: OrderEvent[] = [];
  const k = new TradingKernel({
    strategy: defineStrategy({
      name: 'probe', params: z.object({}),
      create: (ctx) => {
        let done = false;
        return {
          onBook() {
            if (done) return;
            done = true;
            // hold 50 shares to sell: $30 / 0.60, half of the 0.60 ask
            ctx.marketBuy({ assetId: YES77, spend: usd('30'), worstPx: px('0.60'), tif: 'FOK' });
          },
          onOrder(ev) {
            events.push(ev);
            if (ev.type === 'order_filled' && ev.clientId === 'o000001') act(ctx);
          },
        };
      },
    }),
    params: {}, markets: [market], initialCash: usd('1000'), seed: 1, risk: defaultRiskLimits,
    fill: { latency: constantLatency(latencyNs), queue: conservativeQueue, fees: noFees }, equityIntervalNs: 60_000n * MS,
  });
  // bids 0.43 x 5, 0.42 x 10, 0.10 x 1000; asks 0.60 x 100
  const frames: [bigint, unknown][] = [[0n, [bookFrame([['0.10', '1000'], ['0.42', '10'], ['0.43', '5']], [['0.60', '100']], 1)]]];
  // after the sell is submitted (on the first fill, at T0 + latency) and before it arrives (T0 + 2 x latency)
  if (later !== null) frames.push([latencyNs + latencyNs / 2n, [bookFrame(later, [['0.60', '100']], 2)]]);
  frames.forEach(([t, p], i) => k.onRecord(rawRecord({ seq: i, recvNs: T0 + t, source: 'market_ws', conn: 'c1', kind: 'frame', payload: JSON.stringify(p) })));
  k.finish(T0 + 1000n * MS);
  return { k, events, orders: [...k.journal.orders.values()] };
}

describe('ctx.marketSell / marketBuy without worstPx: priced like py-clob-client', () => {
  it('SELL 12: walks 0.43 x 5, 0.42 x 10 -> 15 >= 12 at 0.42: the limit is 0.42 (not one tick)', () => {
    const r = runCtx((ctx) => ctx.marketSell({ assetId: YES77, qty: q('12') }));
    const o = r.orders.find((x) => x.clientId === 'o000002')!;
    expect([o.tif, o.px, o.status]).toEqual(['FOK', px('0.42'), 'filled']); // before: px 0.01
    expect(r.k.journal.fills.filter((f) => f.clientId === 'o000002').map((f) => [f.px, f.qty])).toEqual([[px('0.43'), q('5')], [px('0.42'), q('7')]]);
  });

  it('the limit protects the order when the book moves before it arrives (50 ms latency)', () => {
    // at arrival the 0.43 bid is gone: 0.42 x 10 < 12 within the 0.42 limit -> the FOK is killed.
    // (The old default limit, one tick, was rejected as worth 12 x 0.01 = $0.12; with the $1 rule fixed
    // but that limit kept, it would have sold 10 @0.42 + 2 @0.10.)
    const r = runCtx((ctx) => ctx.marketSell({ assetId: YES77, qty: q('12') }), 50n * MS, [['0.10', '1000'], ['0.42', '10']]);
    const o = r.orders.find((x) => x.clientId === 'o000002')!;
    expect([o.px, o.status, o.reason]).toEqual([px('0.42'), 'canceled', 'fok_killed']);
  });

  it('FAK that the book cannot fill is priced at the worst displayed level; FOK is refused (no match)', () => {
    // 2000 > 5 + 10 + 1000 = 1015 shown: FAK -> the worst bid 0.10 (risk then denies it: we hold 50)
    const fak = runCtx((ctx) => ctx.marketSell({ assetId: YES77, qty: q('2000'), tif: 'FAK' }));
    const f = fak.orders.find((x) => x.clientId === 'o000002')!;
    expect([f.px, f.status]).toEqual([px('0.10'), 'denied']);
    expect(f.reason).toMatch(/^insufficient_position:/);
    // FOK: py-clob-client raises "no match" and sends nothing
    const fok = runCtx((ctx) => ctx.marketSell({ assetId: YES77, qty: q('2000'), tif: 'FOK' }));
    const o = fok.orders.find((x) => x.clientId === 'o000002')!;
    expect(o.status).toBe('denied');
    expect(o.reason).toMatch(/^no_match: FOK market SELL of 2000 shares: the book shows 1015 within reach/);
  });

  it('BUY $10: walks 0.60 x 50 left ($30 >= $10): the limit is 0.60', () => {
    const r = runCtx((ctx) => ctx.marketBuy({ assetId: YES77, spend: usd('10') }));
    const o = r.orders.find((x) => x.clientId === 'o000002')!;
    expect([o.px, o.status]).toEqual([px('0.60'), 'filled']); // before: 0.99
  });

  it('a FOK the book cannot fill at all is denied with the reason (the client refuses: no match)', () => {
    const r = runCtx((ctx) => ctx.marketBuy({ assetId: YES77, spend: usd('500') }));
    const o = r.orders.find((x) => x.clientId === 'o000002')!;
    // asks: 0.60 x (100 - 50 we bought) = $30 < $500
    expect(o.status).toBe('denied');
    expect(o.reason).toMatch(/^no_match: FOK market BUY of \$500: the book offers \$30 within reach/);
  });
});
