// Issue 8 item 1: no displayed share is ever filled to us twice, by any path.
//
// The consumed overlay remembers shares our fills took from displayed liquidity (the venue never sees
// paper orders, so the recorded book keeps showing them). Its one rule, on EVERY book refresh (WS
// `book`, REST `/books` resync, delta, the snapshot after a tick-size change or a feed loss):
//   consumed := min(consumed, displayed now), entry deleted when the level is gone.
// Nothing else ever forgets consumption. The regression test reproduces the numbers; the
// property test checks the rule and its consequence (per level, book fills <= first displayed size +
// every later increase) over random scripts of WS and REST snapshots, deltas, prints, feed losses,
// tick-size changes and our orders (FOK/FAK/GTC/GTD, post-only) on both the YES and the NO view.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TradingKernel } from '../../src/core/kernel/trading-kernel.ts';
import { constantLatency, noFees } from '../../src/core/matching/index.ts';
import { uniformLatency } from '../../src/core/matching/latency.ts';
import { defaultRiskLimits } from '../../src/core/risk/risk.ts';
import { defineStrategy } from '../../src/core/strategy/api.ts';
import { rawRecord } from '../../src/core/types/raw.ts';
import { binaryMarket, SEC, usd, WireScript } from '../strategies/helpers.ts';
import { conservativeQueue, powerProbability, probabilisticQueue } from '../../src/core/matching/queue.ts';
import { seededRng } from '../../src/core/rng.ts';
import type { BookSide, Level, MarketEvent } from '../../src/core/types/events.ts';
import { PX_ONE } from '../../src/core/types/fixed.ts';
import type { OrderEvent, OrderFilled } from '../../src/core/types/orders.ts';
import { Harness, MS, NO, T0, YES, delta, feedClosed, lv, order, px, q, snapshot, tickChange, trade, types } from './harness.ts';

const fillsOf = (evs: readonly OrderEvent[]): OrderFilled[] => evs.filter((e): e is OrderFilled => e.type === 'order_filled');

describe('regression: a REST /books resync does not hand back shares we already took', () => {
  it('246 shares at 0.58 bought; resync 40 ms later: no post-only refill, the next FOK is killed (246 taken, not 438)', () => {
    const h = new Harness();
    const book = (): [Level[], Level[]] => [[lv('0.55', '100')], [lv('0.58', '246'), lv('0.60', '500')]];
    h.feed(snapshot(T0, YES, ...book()));
    // FOK BUY $142.68 limit 0.58: 246 sh x $0.58 = $142.68 -> all 246 shares shown at 0.58.
    const first = fillsOf(h.place({ id: 'all', side: 'BUY', tif: 'FOK', px: '0.58', amount: '142.68' }, T0 + MS));
    expect(first.map((f) => [f.px, f.qty])).toEqual([[px('0.58'), q('246')]]);
    expect(h.ex.consumedAt(YES, 'ask', px('0.58'))).toBe(q('246'));
    // A post-only bid of 20 at 0.58 rests: the 246 shown at 0.58 are ours already (246 - 246 = 0 available).
    expect(types(h.place({ id: 'post', side: 'BUY', px: '0.58', qty: '20', postOnly: true }, T0 + 2n * MS))).toEqual(['order_accepted']);
    // REST /books resync 40 ms after the buy shows the same book: the venue never saw our paper buy.
    // consumed = min(246, 246 displayed) = 246 -> the post-only bid sees 246 - 246 = 0 shares to trade through.
    const resync = h.feed(snapshot(T0 + 41n * MS, YES, ...book(), px('0.01'), 'rest'));
    const consumedAfterResync = h.ex.consumedAt(YES, 'ask', px('0.58'));
    // A new FOK for 172 more shares at 0.58 ($99.76 = 172 x 0.58): 0 available at 0.58 -> killed.
    const second = h.place({ id: 'more', side: 'BUY', tif: 'FOK', px: '0.58', amount: '99.76' }, T0 + 42n * MS);
    const sum = (fs: readonly OrderFilled[]) => fs.reduce((a, f) => a + f.qty, 0);
    // Total taken from the 246-share level: 246 (before the fix: 246 + 20 + 172 = 438).
    expect({
      consumedAfterResync, postOnlyRefill: sum(fillsOf(resync)), secondFok: sum(fillsOf(second)), taken: sum(fillsOf(h.events)),
    }).toEqual({ consumedAfterResync: q('246'), postOnlyRefill: 0, secondFok: 0, taken: q('246') });
    expect(types(second)).toEqual(['order_accepted', 'order_canceled']);
  });

  it('the same resync through the NO view (a REST snapshot of the other token) keeps the consumption too', () => {
    const h = new Harness();
    h.feed(snapshot(T0, YES, [lv('0.55', '100')], [lv('0.58', '246')]));
    h.place({ id: 'all', side: 'BUY', tif: 'FOK', px: '0.58', amount: '142.68' }, T0 + MS);
    // NO book = mirror: NO bids 1 - 0.58 = 0.42 x 246, NO asks 1 - 0.55 = 0.45 x 100.
    h.feed(snapshot(T0 + 41n * MS, NO, [lv('0.42', '246')], [lv('0.45', '100')], px('0.01'), 'rest'));
    // SELL NO at 0.42 consumes the same canonical level (YES ask 0.58): nothing left to sell into.
    const evs = h.place({ id: 'no', asset: NO, side: 'SELL', tif: 'FAK', px: '0.42', qty: '50' }, T0 + 42n * MS);
    expect(fillsOf(evs)).toEqual([]);
  });

  it('a level that shrinks below what we took, then grows, offers only the growth', () => {
    const h = new Harness();
    h.feed(snapshot(T0, YES, [lv('0.55', '100')], [lv('0.58', '246')]));
    h.place({ id: 'all', side: 'BUY', tif: 'FOK', px: '0.58', amount: '142.68' }, T0 + MS);
    // resync shows 100 at 0.58: consumed = min(246, 100) = 100 (we may be among the 146 gone)
    h.feed(snapshot(T0 + 10n * MS, YES, [lv('0.55', '100')], [lv('0.58', '100')], px('0.01'), 'rest'));
    expect(h.ex.consumedAt(YES, 'ask', px('0.58'))).toBe(q('100'));
    // the level grows to 130: 130 - 100 = 30 new shares available, no more
    h.feed(delta(T0 + 20n * MS, [{ side: 'ask', px: '0.58', qty: '130' }]));
    const evs = h.place({ id: 'next', side: 'BUY', tif: 'FAK', px: '0.58', amount: '100' }, T0 + 21n * MS);
    expect(fillsOf(evs).map((f) => f.qty)).toEqual([q('30')]);
  });

  it('a tick-size change or a feed loss does not forget consumption: the next snapshot decays it', () => {
    for (const gap of ['tick', 'feed'] as const) {
      const h = new Harness({ feedLoss: 'keep' });
      h.feed(snapshot(T0, YES, [lv('0.55', '100')], [lv('0.58', '246')]));
      h.place({ id: 'all', side: 'BUY', tif: 'FOK', px: '0.58', amount: '142.68' }, T0 + MS);
      h.feed(gap === 'tick' ? tickChange(T0 + 5n * MS, '0.01', '0.001') : feedClosed(T0 + 5n * MS));
      // the fresh snapshot shows the same 246 at 0.58: they are the shares we took
      h.feed(snapshot(T0 + 10n * MS, YES, [lv('0.55', '100')], [lv('0.58', '246')], px(gap === 'tick' ? '0.001' : '0.01')));
      expect(h.ex.consumedAt(YES, 'ask', px('0.58')), gap).toBe(q('246'));
      const evs = h.place({ id: 'again', side: 'BUY', tif: 'FAK', px: '0.58', amount: '50' }, T0 + 11n * MS);
      expect(fillsOf(evs), gap).toEqual([]);
    }
  });
});

// ------------------------------------------------------------------------------------------------
// property: the overlay rule holds on every path

type Op =
  | { k: 'place'; asset: 0 | 1; buy: boolean; tif: 'GTC' | 'GTD' | 'FOK' | 'FAK'; cents: number; shares: number; dollars: number; post: boolean }
  | { k: 'cancel'; idx: number }
  | { k: 'delta'; asset: 0 | 1; bid: boolean; cents: number; size: number }
  | { k: 'trade'; asset: 0 | 1; buy: boolean; cents: number; size: number }
  | { k: 'snap'; asset: 0 | 1; rest: boolean; same: boolean; bids: readonly (readonly [number, number])[]; asks: readonly (readonly [number, number])[] }
  | { k: 'loss' }
  | { k: 'tick' };

const levelsArb = (lo: number, hi: number) =>
  fc.uniqueArray(fc.integer({ min: lo, max: hi }), { maxLength: 5 }).chain((ps) => fc.tuple(...ps.map((p) => fc.integer({ min: 1, max: 300 }).map((s) => [p, s] as const))));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      k: fc.constant('place' as const), asset: fc.constantFrom(0 as const, 1 as const), buy: fc.boolean(),
      tif: fc.constantFrom('GTC' as const, 'GTD' as const, 'FOK' as const, 'FAK' as const), cents: fc.integer({ min: 40, max: 60 }),
      shares: fc.integer({ min: 5, max: 150 }), dollars: fc.integer({ min: 1, max: 80 }), post: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), idx: fc.nat(40) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('delta' as const), asset: fc.constantFrom(0 as const, 1 as const), bid: fc.boolean(),
      cents: fc.integer({ min: 40, max: 60 }), size: fc.integer({ min: 0, max: 300 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('trade' as const), asset: fc.constantFrom(0 as const, 1 as const), buy: fc.boolean(),
      cents: fc.integer({ min: 40, max: 60 }), size: fc.integer({ min: 1, max: 300 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('snap' as const), asset: fc.constantFrom(0 as const, 1 as const), rest: fc.boolean(), same: fc.boolean(),
      bids: levelsArb(40, 49), asks: levelsArb(51, 60),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ k: 'loss' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'tick' as const }) },
);

const scenarioArb = fc.record({
  ops: fc.array(fc.tuple(opArb, fc.integer({ min: 0, max: 20 })), { minLength: 20, maxLength: 70 }),
  probabilistic: fc.boolean(),
  keep: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

const cents = (c: number): string => (c / 100).toFixed(2);
const SH = 1_000_000;
const GRID = Array.from({ length: 99 }, (_, i) => (i + 1) * 100); // every cent, in Px
const SIDES: readonly BookSide[] = ['bid', 'ask'];

/** YES-terms displayed size per level 'side|px' of a valid book; null while the book awaits a snapshot. */
function displayed(h: Harness): Map<string, number> | null {
  const b = h.registry.book(YES);
  if (b === undefined || !b.valid) return null;
  const m = new Map<string, number>();
  for (const side of SIDES) for (const l of b.levels(side)) m.set(`${side}|${l.px}`, l.qty);
  return m;
}
function consumed(h: Harness): Map<string, number> {
  const m = new Map<string, number>();
  for (const side of SIDES) for (const p of GRID) {
    const c = h.ex.consumedAt(YES, side, p);
    if (c > 0) m.set(`${side}|${p}`, c);
  }
  return m;
}

interface Tally {
  /** Per YES level: first displayed size + every later increase (between valid states of the book). */
  supply: Map<string, number>;
  /** Per YES level: shares our fills took from the displayed book (overlay increments). */
  taken: Map<string, number>;
  last: Map<string, number>;
  bookFills: number;
  refreshes: number;
  paths: Set<string>;
}

function runScenario(sc: Scenario): Tally {
  const h = new Harness({
    latency: uniformLatency({ minNs: 0n, maxNs: 5n * MS }),
    queue: sc.probabilistic ? probabilisticQueue(powerProbability(2)) : conservativeQueue,
    feedLoss: sc.keep ? 'keep' : 'cancel',
    rng: seededRng(sc.seed),
  });
  const tally: Tally = { supply: new Map(), taken: new Map(), last: new Map(), bookFills: 0, refreshes: 0, paths: new Set() };
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  let stale = false;

  /** Checks one engine step: the overlay only decays as the rule says, and grows by exactly the book fills. */
  const step = (before: Map<string, number>, disp: Map<string, number> | null, out: readonly OrderEvent[], bookEvent: boolean, tradeEvent: boolean): void => {
    const after = consumed(h);
    let grown = 0;
    for (const key of new Set([...before.keys(), ...after.keys()])) {
      const b = before.get(key) ?? 0;
      const a = after.get(key) ?? 0;
      // the floor the rule allows: min(consumed, displayed) after a book change of a valid, fresh book;
      // unchanged otherwise (while the token awaits a snapshot after a feed loss the overlay is frozen)
      const floor = bookEvent && disp !== null && !stale ? Math.min(b, disp.get(key) ?? 0) : b;
      expect(a, `overlay at ${key} forgot ${floor - a} shares beyond the decay rule`).toBeGreaterThanOrEqual(floor);
      grown += a - floor;
      add(tally.taken, key, a - floor);
    }
    let fills = 0;
    for (const f of fillsOf(out)) {
      if (f.liquidity === 'taker') {
        fills += f.qty;
        tally.paths.add('taker');
      } else if (!tradeEvent) {
        fills += f.qty; // trade-through: a maker fill from displayed liquidity
        tally.paths.add('trade-through');
      }
    }
    expect(grown).toBe(fills);
    tally.bookFills += fills;
  };

  const run = (t: bigint) => {
    const before = consumed(h);
    step(before, null, h.run(t), false, false);
  };
  const feed = (ev: MarketEvent) => {
    run(ev.recvNs);
    const before = consumed(h);
    h.ex.beforeMarketEvent(ev, ev.recvNs);
    h.registry.apply(ev);
    const disp = displayed(h);
    if (disp !== null) {
      for (const [k, v] of disp) {
        const inc = v - (tally.last.get(k) ?? 0);
        if (inc > 0) add(tally.supply, k, inc);
      }
      for (const k of tally.last.keys()) if (!disp.has(k)) tally.last.set(k, 0);
      for (const [k, v] of disp) tally.last.set(k, v);
    }
    if (ev.type === 'book_snapshot') stale = false;
    const out = h.ex.onMarketEvent(ev, ev.recvNs);
    h.events.push(...out);
    if (ev.type === 'feed_state') stale = true;
    const bookEvent = ev.type === 'book_snapshot' || ev.type === 'book_delta';
    if (ev.type === 'book_snapshot') tally.refreshes++;
    step(before, disp, out, bookEvent, ev.type === 'trade');
  };

  const lvls = (xs: readonly (readonly [number, number])[]): Level[] => xs.map(([p, s]) => ({ px: p * 100, qty: s * SH }));
  const mirror = (xs: Level[]): Level[] => xs.map((l) => ({ px: PX_ONE - l.px, qty: l.qty }));
  let tick = px('0.01');
  feed(snapshot(T0, YES, lvls([[48, 100], [47, 200]]), lvls([[52, 100], [55, 200]]), tick));
  let t = T0;
  const ids: string[] = [];
  sc.ops.forEach(([op, dt], i) => {
    t += BigInt(dt) * MS + 1n;
    switch (op.k) {
      case 'place': {
        const market = op.tif === 'FOK' || op.tif === 'FAK';
        const cmd = order({
          id: `o${i}`, asset: op.asset === 0 ? YES : NO, side: op.buy ? 'BUY' : 'SELL', tif: op.tif, px: cents(op.cents),
          ...(market && op.buy ? { amount: String(op.dollars) } : { qty: String(op.shares) }),
          postOnly: op.post && !market, ...(op.tif === 'GTD' ? { expireNs: t + BigInt(op.dollars) * 3n * MS } : {}),
        });
        ids.push(cmd.clientId);
        run(t);
        h.ex.submit(cmd, t);
        break;
      }
      case 'cancel':
        if (ids.length > 0) {
          run(t);
          h.ex.submit({ type: 'cancel', clientId: ids[op.idx % ids.length]! }, t);
        }
        break;
      case 'delta':
        feed(delta(t, [{ assetId: op.asset === 0 ? YES : NO, side: op.bid ? 'bid' : 'ask', px: cents(op.cents), qty: String(op.size) }]));
        break;
      case 'trade':
        feed(trade(t, cents(op.cents), String(op.size), op.buy ? 'BUY' : 'SELL', op.asset === 0 ? YES : NO));
        break;
      case 'snap': {
        // `same`: re-send the book as it is (a resync that shows exactly what we took from)
        const cur = h.registry.book(YES);
        let bids = lvls(op.bids);
        let asks = lvls(op.asks);
        if (op.same && cur !== undefined && cur.valid) {
          bids = [...cur.levels('bid')];
          asks = [...cur.levels('ask')];
        }
        if (op.asset === 0) feed(snapshot(t, YES, bids, asks, tick, op.rest ? 'rest' : 'ws'));
        else feed(snapshot(t, NO, mirror(asks), mirror(bids), tick, op.rest ? 'rest' : 'ws'));
        break;
      }
      case 'loss':
        feed(feedClosed(t));
        break;
      case 'tick': {
        const next = tick === px('0.01') ? px('0.001') : px('0.01');
        feed(tickChange(t, tick === px('0.01') ? '0.01' : '0.001', next === px('0.01') ? '0.01' : '0.001'));
        tick = next;
        break;
      }
    }
  });
  run(t + 10_000n * MS);
  return tally;
}

describe('property: no displayed share is filled to us twice, by any path', () => {
  it('over random WS/REST snapshots, deltas, prints, feed losses, tick changes and orders on YES and NO', () => {
    const seen = new Set<string>();
    let refills = 0;
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const t = runScenario(sc);
        for (const p of t.paths) seen.add(p);
        if (t.refreshes > 1 && t.bookFills > 0) refills++;
        // per level: everything our fills took <= first displayed size + every later increase
        for (const [k, v] of t.taken) expect(v, `level ${k}`).toBeLessThanOrEqual(t.supply.get(k) ?? 0);
      }),
      { seed: 20260808, numRuns: 200 },
    );
    // both consuming paths and the resync-after-fill case were exercised
    expect([...seen].sort()).toEqual(['taker', 'trade-through']);
    expect(refills).toBeGreaterThan(50);
  });
});

describe('the REST /books resync through the normalizer and the kernel', () => {
  it('a clob_rest /books response after our FOK does not let the next FOK take the same shares', () => {
    const m = binaryMarket({ n: 8 });
    const yes = m.tokens[0]!.tokenId;
    const s = new WireScript([m]).book(m, [['0.55', '100']], [['0.58', '246']]).wait(SEC);
    // the REST resync 40 ms after our buy: the same book, as /books returns it (a JSON array of books)
    const restBook = { market: m.conditionId, asset_id: yes, timestamp: '1', hash: '0'.repeat(40), bids: [{ price: '0.55', size: '100' }], asks: [{ price: '0.58', size: '246' }], tick_size: '0.01' };
    const records = [...s.records];
    const at = s.now + 40n * MS;
    records.push(rawRecord({ seq: 10_000, recvNs: at, source: 'clob_rest', conn: 'clob-1', kind: 'response', meta: { url: 'https://clob.polymarket.com/books', method: 'POST', status: 200 }, payload: JSON.stringify([restBook]) }));
    const k = new TradingKernel({
      strategy: defineStrategy({
        name: 'resync-probe', params: z.object({}),
        create: (ctx) => ({
          onStart: () => void ctx.setTimer('buy', s.now),
          onTimer: () => void ctx.marketBuy({ assetId: yes, spend: usd('142.68'), worstPx: px('0.58') }), // 246 x 0.58
          onBook: (_id, book) => {
            if (ctx.now() === at && book.assetId === yes) ctx.marketBuy({ assetId: yes, spend: usd('99.76'), worstPx: px('0.58') }); // 172 more
          },
        }),
      }),
      params: {}, markets: [m], initialCash: usd('1000'), seed: 1, risk: defaultRiskLimits,
      fill: { latency: constantLatency(0n), queue: conservativeQueue, fees: noFees }, equityIntervalNs: 60n * SEC,
    });
    for (const r of records) k.onRecord(r);
    k.finish(at + SEC);
    expect(k.quality.byType['book_snapshot']).toBe(3); // [YES, NO] WS books + the REST book
    expect(k.journal.fills.map((f) => [f.px, f.qty])).toEqual([[px('0.58'), q('246')]]); // before: + 172
    expect([...k.journal.orders.values()].map((o) => [o.status, o.reason])).toEqual([['filled', ''], ['canceled', 'fok_killed']]);
  });
});
