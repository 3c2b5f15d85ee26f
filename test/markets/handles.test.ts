/**
 * Token handles (src/core/markets/registry.ts, the per-event hot path): the market registry interns token ids
 * as small integers and the books, freshness, the paper exchange and the top-of-book series read arrays by
 * handle when the kernel hands them an event's legs. These tests check the table itself (first seen first,
 * never reused, queries by id create none, the two-entry memo returns the right handle whatever the order)
 * and that the handle path and the id path are the same machine: over random scripts of snapshots,
 * multi-leg deltas, prints, tick-size changes, feed losses, a late pairing of two standalone books and
 * resting orders, both give the same changed tokens, order events, books, freshness and series.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookRegistry } from '../../src/core/book/registry.ts';
import { MarketRegistry } from '../../src/core/markets/registry.ts';
import { constantLatency, noFees, PaperExchange } from '../../src/core/matching/index.ts';
import { conservativeQueue } from '../../src/core/matching/queue.ts';
import { TopOfBookRecorder } from '../../src/core/reports/series.ts';
import { seededRng } from '../../src/core/rng.ts';
import type { BookSide, Level, MarketEvent } from '../../src/core/types/events.ts';
import type { Px } from '../../src/core/types/fixed.ts';
import { C1, C2, meta } from '../helpers/markets.ts';
import type { OrderEvent, PlaceOrder } from '../../src/core/types/orders.ts';


describe('the handle table', () => {
  it('interns ids first seen first, never twice; id queries create none; legs resolve each change', () => {
    const r = new MarketRegistry([meta(C1, ['Y', 'N'])]);
    // the pairing interned the canonical (smaller) id first
    expect([r.handle('N'), r.handle('Y'), r.handleCount]).toEqual([0, 1, 2]);
    expect(r.peekHandle('Z')).toBeUndefined();
    expect(r.isAwaitingSnapshot('Z')).toBe(false);
    expect(r.canonicalOf('Z')).toEqual({ canon: 'Z', mirrored: false });
    expect(r.handleCount).toBe(2); // asking about Z made no handle
    // the memo (last two ids) must return the right handle in any order of asking
    const order = ['A', 'B', 'A', 'Y', 'B', 'B', 'N', 'A', 'Y', 'N', 'Y', 'C', 'A'];
    const got = order.map((id) => r.handle(id));
    expect(got).toEqual([2, 3, 2, 1, 3, 3, 0, 2, 1, 0, 1, 4, 2]);
    expect(got.map((h) => r.idOf(h))).toEqual(order);
    expect(() => r.idOf(99)).toThrow(RangeError);
    const legs: number[] = [];
    const delta = {
      type: 'book_delta', recvNs: 1n, source: 'market_ws', seq: 1, sub: 0, conn: 'c', exchMs: null, market: null,
      changes: ['Y', 'Y', 'N', 'C'].map((assetId) => ({ assetId, side: 'bid' as const, px: 100, qty: 1, hash: null, bestBid: null, bestAsk: null })),
    } satisfies MarketEvent;
    expect(r.legs(delta, legs)).toBe(4);
    expect(legs.slice(0, 4)).toEqual([1, 1, 0, 4]);
    expect(r.legs({ type: 'heartbeat', recvNs: 1n, source: 'market_ws', seq: 2, sub: 0, conn: 'c', exchMs: null, direction: 'in', text: 'PONG' } as MarketEvent, legs)).toBe(0);
    // canonical terms and waits by handle are the id forms'
    expect(r.canonAt(1)).toEqual(r.canonicalOf('Y'));
    expect(r.canonAt(1)).toEqual({ canon: 'N', mirrored: true });
    expect(r.waitingAt(1)).toBe(r.isAwaitingSnapshot('Y'));
  });

  it('a pairing learned after both tokens had state merges them under the canonical handle', () => {
    const r = new MarketRegistry();
    const snap = (assetId: string, t: bigint): MarketEvent => ({
      type: 'book_snapshot', recvNs: t, source: 'market_ws', seq: 0, sub: 0, conn: 'c', exchMs: null, market: null, assetId,
      bids: [], asks: [], tickSize: null, minOrderSize: null, negRisk: null, lastTradePx: null, hash: null, via: 'ws',
    });
    r.onBookEvent(snap('Q', 5n));
    r.onBookEvent(snap('P', 9n));
    r.onBookEvent({ type: 'feed_state', recvNs: 10n, source: 'market_ws', seq: 0, sub: 0, conn: 'c', exchMs: null, state: 'close', detail: 'x' });
    r.onBookEvent(snap('Q', 12n)); // Q's snapshot after the loss: Q is fresh, P waits
    expect([r.isAwaitingSnapshot('P'), r.isAwaitingSnapshot('Q')]).toEqual([true, false]);
    expect(r.pair('Q', 'P')).toBe(true);
    // one state now: the latest snapshot (Q's, after the loss) counts for both
    expect([r.isAwaitingSnapshot('P'), r.isAwaitingSnapshot('Q'), r.waitingAt(r.handle('P'))]).toEqual([false, false, false]);
    expect([r.lastUpdateNs('P'), r.lastUpdateNs('Q')]).toEqual([12n, 12n]);
  });
});

// ------------------------------------------------------------------------------------------ differential

const TOKENS = ['Y1', 'N1', 'P', 'Q', 'Z'] as const;
type Op =
  | { k: 'snap'; tok: number; bids: number[]; asks: number[]; sizes: number[] }
  | { k: 'delta'; legs: { tok: number; side: BookSide; px: number; qty: number; top: boolean }[] }
  | { k: 'trade'; tok: number; px: number; qty: number; buy: boolean }
  | { k: 'tick'; tok: number; fine: boolean }
  | { k: 'loss' }
  | { k: 'pairLate' }
  | { k: 'order'; tok: number; buy: boolean; px: number; qty: number };

const pxOf = (i: number): Px => i * 100; // 0.01 .. 0.99
const tok = fc.integer({ min: 0, max: TOKENS.length - 1 });
const pairTok = fc.integer({ min: 0, max: 1 }); // orders on the YES/NO pair, the books most scripts make valid
const nearIdx = fc.integer({ min: 40, max: 60 }); // prints and orders near the books' touch, so they meet
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('snap' as const), tok, bids: fc.uniqueArray(fc.integer({ min: 35, max: 50 }), { maxLength: 4 }), asks: fc.uniqueArray(fc.integer({ min: 50, max: 65 }), { maxLength: 4 }), sizes: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 8, maxLength: 8 }) }) },
  { weight: 6, arbitrary: fc.record({ k: fc.constant('delta' as const), legs: fc.array(fc.record({ tok, side: fc.constantFrom<BookSide>('bid', 'ask'), px: fc.integer({ min: 30, max: 70 }), qty: fc.integer({ min: 0, max: 40 }), top: fc.boolean() }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('trade' as const), tok, px: nearIdx, qty: fc.integer({ min: 1, max: 20 }), buy: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('tick' as const), tok, fine: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('loss' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('pairLate' as const) }) },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('order' as const), tok: pairTok, buy: fc.boolean(), px: nearIdx, qty: fc.integer({ min: 5, max: 30 }) }) },
);

const MS = 1_000_000n;

function world(byHandle: boolean) {
  const reg = new MarketRegistry([meta(C1, ['Y1', 'N1'])]);
  const books = new BookRegistry(reg);
  const cfg = { latency: constantLatency(0n), queue: conservativeQueue, fees: noFees, rng: seededRng(7) };
  // the id path: a lookup function gives the exchange no handle reads
  const ex = byHandle ? new PaperExchange(cfg, books, reg) : new PaperExchange(cfg, (id: string) => books.book(id), reg);
  const tops = new TopOfBookRecorder();
  const legs: number[] = [];
  const apply = (ev: MarketEvent, t: bigint): { changed: string[]; out: OrderEvent[] } => {
    if (ev.type === 'market_meta') reg.add(ev.meta);
    let changed: string[];
    let out: OrderEvent[];
    if (byHandle) {
      reg.legs(ev, legs);
      ex.beforeMarketEvent(ev, t, legs);
      const n = books.applyLegs(ev, legs);
      changed = books.changedIds.slice(0, n);
      for (let i = 0; i < n; i++) {
        const v = books.bookAt(books.changedHandles[i]!);
        if (v !== undefined) tops.offerAt(books.changedHandles[i]!, books.changedIds[i]!, t, v.bestBid(), v.bestAsk(), v.bestBidQty(), v.bestAskQty());
      }
      reg.onBookEvent(ev, (id) => books.book(id), legs);
      out = ex.onMarketEvent(ev, t, legs);
    } else {
      ex.beforeMarketEvent(ev, t);
      changed = books.apply(ev);
      for (const id of changed) {
        const v = books.book(id);
        if (v !== undefined) tops.offer(id, t, v.bestBid(), v.bestAsk(), v.bestBidQty(), v.bestAskQty());
      }
      reg.onBookEvent(ev, (id) => books.book(id));
      out = ex.onMarketEvent(ev, t);
    }
    return { changed, out };
  };
  const state = () =>
    TOKENS.map((id) => ({
      id,
      bids: books.book(id)?.depth('bid', 99) ?? null,
      asks: books.book(id)?.depth('ask', 99) ?? null,
      valid: books.book(id)?.valid ?? null,
      wait: reg.awaitingSnapshot(id),
      last: reg.lastUpdateNs(id),
      tops: tops.get(id)?.points() ?? null,
      consumedBid: ex.consumedAt(id, 'bid', pxOf(40)),
    }));
  /** Per token with a handle: do the by-handle reads agree with the by-id ones? (peekHandle: asking must not intern) */
  const agree = () =>
    TOKENS.flatMap((id) => {
      const h = reg.peekHandle(id);
      return h === undefined ? [] : [reg.waitingAt(h) === reg.isAwaitingSnapshot(id), reg.canonAt(h) === reg.canonicalOf(id), books.bookAt(h) === books.book(id)];
    });
  return { ex, apply, state, agree, stats: () => ({ ...books.stats, ...ex.stats() }) };
}

function script(ops: readonly Op[]): { events: (MarketEvent | PlaceOrder)[]; times: bigint[] } {
  const events: (MarketEvent | PlaceOrder)[] = [];
  const times: bigint[] = [];
  let seq = 0;
  let t = 1_000n * MS;
  for (const op of ops) {
    seq++;
    t += 5n * MS;
    const o = { recvNs: t, source: 'market_ws' as const, seq, sub: 0, conn: 'c0', exchMs: null };
    const id = (i: number): string => TOKENS[i]!;
    let ev: MarketEvent | PlaceOrder;
    switch (op.k) {
      case 'snap': {
        const lv = (xs: number[], off: number): Level[] => xs.map((p, i) => ({ px: pxOf(p), qty: op.sizes[(i + off) % 8]! * 1_000_000 }));
        ev = { ...o, type: 'book_snapshot', market: null, assetId: id(op.tok), bids: lv(op.bids, 0), asks: lv(op.asks, 4), tickSize: 100, minOrderSize: null, negRisk: null, lastTradePx: null, hash: null, via: 'ws' };
        break;
      }
      case 'delta':
        ev = {
          ...o, type: 'book_delta', market: null,
          changes: op.legs.map((l) => ({ assetId: id(l.tok), side: l.side, px: pxOf(l.px), qty: l.qty * 1_000_000, hash: null, bestBid: l.top ? pxOf(l.px) : null, bestAsk: null })),
        };
        break;
      case 'trade':
        ev = { ...o, type: 'trade', market: null, assetId: id(op.tok), px: pxOf(op.px), qty: op.qty * 1_000_000, takerSide: op.buy ? 'BUY' : 'SELL', feeRateBps: null, txHash: null };
        break;
      case 'tick':
        ev = { ...o, type: 'tick_size_changed', market: null, assetId: id(op.tok), oldTick: 100, newTick: op.fine ? 10 : 100 };
        break;
      case 'loss':
        ev = { ...o, type: 'feed_state', state: 'close', detail: 'gone' };
        break;
      case 'pairLate':
        ev = { ...o, type: 'market_meta', meta: meta(C2, ['Q', 'P']), via: 'gamma' };
        break;
      case 'order':
        ev = { type: 'place', clientId: `o${seq}`, assetId: id(op.tok), side: op.buy ? 'BUY' : 'SELL', tif: 'GTC', px: pxOf(op.px), qty: op.qty * 1_000_000, amount: null, postOnly: false, expireNs: null };
        break;
    }
    events.push(ev);
    times.push(t);
  }
  return { events, times };
}

describe('the handle path and the id path are the same machine', () => {
  it('random scripts: same changed tokens, order events, books, freshness, series and stats', () => {
    // the scripts must reach what could differ: fills of resting orders, books waiting, the late pairing.
    // The seed is fixed (as in every property test here) so these coverage counts are the same on every run:
    // unseeded, 300 scripts reach 18 to 30 fills and the floor of 20 failed one CI run in a few.
    const seen = { fills: 0, waits: 0, late: 0 };
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const { events, times } = script(ops);
        const a = world(true);
        const b = world(false);
        for (let i = 0; i < events.length; i++) {
          const ev = events[i]!;
          const t = times[i]!;
          if (ev.type === 'place') {
            a.ex.submit(ev, t);
            b.ex.submit(ev, t);
            const r = a.ex.onTime(t);
            expect(r).toEqual(b.ex.onTime(t));
            seen.fills += r.filter((e) => e.type === 'order_filled').length;
            continue;
          }
          const r = a.apply(ev, t);
          expect(r).toEqual(b.apply(ev, t));
          seen.fills += r.out.filter((e) => e.type === 'order_filled').length;
          if (ev.type === 'market_meta' && r.changed.length > 0) seen.late++;
        }
        seen.waits += a.state().filter((s) => s.wait !== null).length;
        expect(a.state()).toEqual(b.state());
        expect(a.agree()).not.toContain(false);
        expect(b.agree()).not.toContain(false);
        expect(a.stats()).toEqual(b.stats());
      }),
      { seed: 20261202, numRuns: 300 },
    );
    expect(seen.fills).toBeGreaterThan(20);
    expect(seen.waits).toBeGreaterThan(20);
    expect(seen.late).toBeGreaterThan(0);
  });
});
