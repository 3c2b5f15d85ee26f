/**
 * The market registry (src/core/markets/registry.ts) is the one owner of markets, YES/NO pairs, canonical
 * tokens, book freshness and the book-vs-venue checks:
 * - pairing rules (first pairing wins, a contradicting market is one conflict, the same pair again nothing);
 * - ONE freshness state read by the books, risk and the paper exchange (a shared registry: a feed loss makes
 *   risk deny and the exchange reject; a snapshot of either token refreshes both for both readers);
 * - a tick-size change that leaves the book valid (a duplicate) is no wait; without books every one is;
 * - the kernel wires one registry into books, risk, exchange and portfolio, and its checks reach
 *   summary.json's data_quality (mirror mismatches of twin snapshots, venue top-of-book mismatches).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BookRegistry } from '../../src/core/book/registry.ts';
import { TradingKernel } from '../../src/core/kernel/trading-kernel.ts';
import { MarketRegistry } from '../../src/core/markets/registry.ts';
import { conservativeQueue, constantLatency, noFees, PaperExchange } from '../../src/core/matching/index.ts';
import { buildSummary, reportInputFromKernel } from '../../src/core/reports/render.ts';
import { defaultRiskLimits, RiskEngine } from '../../src/core/risk/risk.ts';
import { seededRng } from '../../src/core/rng.ts';
import { defineStrategy } from '../../src/core/strategy/api.ts';
import type { FeedState, MarketEvent } from '../../src/core/types/events.ts';
import { parsePx, parseQty } from '../../src/core/types/fixed.ts';
import { C1, C2, meta } from '../helpers/markets.ts';
import type { OrderEvent, PlaceOrder, VenueEvent } from '../../src/core/types/orders.ts';
import { rawRecord } from '../../src/core/types/raw.ts';
import { L, px, snapshotEv, tickEv } from '../book/helpers.ts';

const S = 1_000_000_000n;

describe('pairs and canonical tokens', () => {
  it('first pairing wins; a contradicting market is one conflict; the same pair again is nothing', () => {
    const r = new MarketRegistry([meta(C1, ['B', 'A'])]);
    expect([r.pairOf('A'), r.pairOf('B'), r.yesNo('A')]).toEqual(['B', 'A', ['B', 'A']]);
    // canonical = the smaller id; the other token is its mirror
    expect([r.canonicalOf('A'), r.canonicalOf('B'), r.canonicalOf('Z')]).toEqual([
      { canon: 'A', mirrored: false }, { canon: 'A', mirrored: true }, { canon: 'Z', mirrored: false },
    ]);
    expect(r.add(meta(C1, ['B', 'A']))).toBe(false);
    r.pair('A', 'B');
    expect(r.pairConflicts).toBe(0);
    expect(r.add(meta(C2, ['A', 'C']))).toBe(true); // a new market, but A is taken
    expect(r.pairConflicts).toBe(1);
    expect(r.pairOf('A')).toBe('B');
    expect(r.pairOf('C')).toBeUndefined();
    expect(r.market('C')?.conditionId).toBe(C2);
    expect(r.market(C1)?.conditionId).toBe(C1);
    expect(r.all().map((m) => m.conditionId)).toEqual([C1, C2]);
  });
});

const feedLoss = (t: bigint): FeedState => ({ type: 'feed_state', recvNs: t, source: 'market_ws', seq: 0, sub: 0, conn: 'c0', exchMs: null, state: 'close', detail: 'gone' });

describe('one freshness state for books, risk and the paper exchange', () => {
  function world() {
    const reg = new MarketRegistry([meta(C1, ['YES', 'NO'])]);
    const books = new BookRegistry(reg);
    const risk = new RiskEngine(defaultRiskLimits, reg);
    const ex = new PaperExchange({ latency: constantLatency(0n), queue: conservativeQueue, fees: noFees, rng: seededRng(1) }, books, reg);
    /** The kernel's order: exchange before, books, registry, exchange after. */
    const apply = (ev: MarketEvent): OrderEvent[] => {
      ex.beforeMarketEvent(ev, ev.recvNs);
      books.apply(ev);
      reg.onBookEvent(ev, (id) => books.book(id));
      return ex.onMarketEvent(ev, ev.recvNs);
    };
    const order = (t: bigint, id: string): VenueEvent[] => {
      const cmd: PlaceOrder = { type: 'place', clientId: `c${t}`, assetId: id, side: 'BUY', tif: 'GTC', px: px('0.40'), qty: parseQty('10')!, amount: null, postOnly: false, expireNs: null };
      ex.submit(cmd, t);
      return ex.onTime(t);
    };
    return { reg, books, risk, ex, apply, order };
  }

  it('a feed loss: risk denies and the exchange rejects until a snapshot of EITHER token', () => {
    const w = world();
    expect(w.books.markets).toBe(w.reg);
    expect(w.risk.markets).toBe(w.reg);
    const s1 = snapshotEv('YES', [L('0.4', '10')], [L('0.6', '10')], px('0.01'));
    w.apply(s1);
    expect(w.risk.staleReason('NO', s1.recvNs)).toBeNull(); // one book: the YES snapshot refreshes NO
    expect(w.order(s1.recvNs, 'NO')[0]?.type).toBe('order_accepted');
    const t = s1.recvNs + S;
    w.apply(feedLoss(t));
    expect(w.risk.staleReason('YES', t)).toMatch(/market feed dropped at .*waiting for a fresh book snapshot/);
    const rej = w.order(t, 'YES')[0];
    expect(rej?.type === 'order_rejected' ? rej.reason : rej?.type).toMatch(/^book_stale:/);
    // a snapshot of the NO token ends the wait for both tokens, for both readers
    const s2 = { ...snapshotEv('NO', [L('0.4', '10')], [L('0.6', '10')], px('0.01')), recvNs: t + S };
    w.apply(s2);
    expect(w.risk.staleReason('YES', s2.recvNs)).toBeNull();
    expect(w.order(s2.recvNs, 'YES')[0]?.type).toBe('order_accepted');
  });

  it('a tick-size change waits for a snapshot only when it invalidated the book; without books, always', () => {
    const w = world();
    const s = snapshotEv('YES', [L('0.4', '10')], [L('0.6', '10')], px('0.01'));
    w.apply(s);
    w.apply(tickEv('YES', px('0.01'), px('0.001'))); // clears the book
    expect(w.reg.awaitingSnapshot('NO')?.why).toBe('tick');
    const dup = tickEv('NO', px('0.01'), px('0.001')); // the pair token's copy: the book is already on the new grid
    w.apply(snapshotEv('YES', [L('0.4', '10')], [L('0.6', '10')], px('0.001')));
    expect(w.reg.awaitingSnapshot('YES')).toBeNull();
    w.apply(dup);
    expect(w.books.book('YES')?.valid).toBe(true);
    expect(w.reg.awaitingSnapshot('YES')).toBeNull();
    // a registry without books cannot tell: the reading that cannot flatter
    const alone = new MarketRegistry([meta(C1, ['YES', 'NO'])]);
    alone.onBookEvent(s);
    alone.onBookEvent(dup);
    expect(alone.awaitingSnapshot('YES')?.why).toBe('tick');
  });
});

describe('the kernel: one registry, its checks in summary.json', () => {
  const YES = '1'.repeat(77);
  const NO = '2'.repeat(77);
  const m = { ...meta(C1, [YES, NO]), tickSize: parsePx('0.01') };
  const T0 = 1_765_450_800_000_000_000n;
  const frame = (i: number, payload: unknown) => rawRecord({ seq: i, recvNs: T0 + BigInt(i) * S, source: 'market_ws', conn: 'c1', kind: 'frame', payload: JSON.stringify(payload) });
  const book = (asset: string, bids: [string, string][], asks: [string, string][], ts: number) => ({
    market: C1, asset_id: asset, timestamp: String(ts), hash: '0'.repeat(40), tick_size: '0.01', event_type: 'book',
    bids: bids.map(([price, size]) => ({ price, size })), asks: asks.map(([price, size]) => ({ price, size })),
  });

  it('books, risk, exchange and portfolio read the kernel\'s registry; mirror and top-of-book mismatches are reported', () => {
    const k = new TradingKernel({
      strategy: defineStrategy({ name: 'noop', params: z.object({}), create: () => ({}) }), params: {}, markets: [m],
      initialCash: 10n ** 13n, seed: 1, risk: defaultRiskLimits, fill: { latency: constantLatency(0n), queue: conservativeQueue, fees: noFees }, equityIntervalNs: 60n * S,
    });
    expect(k.books.markets).toBe(k.markets);
    expect(k.risk.markets).toBe(k.markets);
    expect(k.market(C1)).toBe(m);
    expect(k.markets.pairOf(NO)).toBe(YES);
    // twin snapshots of one venue instant that disagree (NO bid 0.45 mirrors a YES ask 0.55; YES says 0.56)
    k.onRecord(frame(0, [book(YES, [['0.44', '10']], [['0.56', '10']], 5), book(NO, [['0.45', '10']], [['0.56', '10']], 5)]));
    // the venue says best bid 0.50 after a change that leaves ours at 0.44
    k.onRecord(frame(1, { event_type: 'price_change', market: C1, timestamp: '6', price_changes: [{ asset_id: YES, price: '0.30', size: '5', side: 'BUY', best_bid: '0.50', best_ask: '0.56' }] }));
    k.finish();
    const dq = buildSummary(reportInputFromKernel(k, { strategyName: 'noop', params: {}, initialCash: 10n ** 13n, equityIntervalNs: 60n * S, startNs: T0, endNs: T0 + 2n * S })).data_quality;
    expect(dq).toMatchObject({ mirror_mismatches: 1, book_mismatches: 1, pair_conflicts: 0 });
    expect(k.markets.checks).toEqual({ topMismatches: 1, mirrorMismatches: 1, pairConflicts: 0 });
  });
});
