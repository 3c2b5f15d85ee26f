// market-maker through a real TradingKernel: prices around the mid, inventory skew, requote threshold,
// post-only guard, merges, stop before endDate, feed loss and staleness.
import { describe, expect, it } from 'vitest';
import strategy, { makerPrices, makerPricesDecimal } from './market-maker.ts';
import { L2Book } from '../src/core/book/l2.ts';
import { seededRng } from '../src/core/rng.ts';
import { brandBook } from '../src/core/strategy/surface.ts';
import { px as brand } from 'poly';
import { MIN, SEC, StrategyRun, WireScript, binaryMarket, isoOf, noId, px, q, runScript, T0, usd, yesId } from '../test/strategies/helpers.ts';

const YES = yesId(1), NO = noId(1);
const base = { size: '10', halfSpread: '0.02', skewPerShare: '0.001', maxPosition: '100' };

/** [token, side, px, createdNs - start] of every order. */
const quotes = (run: StrategyRun, start: bigint) => run.orders().map((o) => [o.assetId === YES ? 'YES' : 'NO', o.side, o.px, o.createdNs - start]);

describe('market-maker', () => {
  it('quotes around the mid, skews both quotes against inventory, and merges YES+NO pairs', () => {
    const m = binaryMarket({ n: 1 });
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.48', '100']], [['0.52', '100']])
      .at(2n * SEC).trade(YES, '0.48', '110', 'SELL') // 100 ahead of our bid: we get 10
      .at(3n * SEC).trade(NO, '0.49', '10', 'SELL'); // nobody ahead of our NO bid at 0.49: we get 10
    const run = runScript({ strategy, markets: [m], params: base }, s);
    expect(quotes(run, s.startNs)).toEqual([
      // mid 0.50, flat: bid 0.48, ask 0.52 (= BUY NO at 0.48)
      ['YES', 'BUY', px('0.48'), SEC],
      ['NO', 'BUY', px('0.48'), SEC],
      // long 10 YES: skew 10 x 0.001 = 0.01 -> bid 0.47, ask 0.51 (= BUY NO at 0.49)
      ['YES', 'BUY', px('0.47'), 2n * SEC],
      ['NO', 'BUY', px('0.49'), 2n * SEC],
      // the NO bid fills: flat again -> ask back to 0.52 (NO 0.48), bid back to 0.48
      ['NO', 'BUY', px('0.48'), 3n * SEC],
      ['YES', 'BUY', px('0.48'), 3n * SEC],
    ]);
    expect(run.orders().map((o) => o.postOnly && o.tif === 'GTC')).toEqual([true, true, true, true, true, true]);
    // 10 YES at 0.48 + 10 NO at 0.49 merged into $10: +$0.30
    expect(run.events('positions_merged').map((e) => e.qty)).toEqual([q('10')]);
    expect(run.cash()).toBe(usd('1000.3'));
    expect(run.position(YES)).toBe(0);
    expect(run.position(NO)).toBe(0);
  });

  it('leans harder with more inventory and stops bidding at maxPosition', () => {
    const m = binaryMarket({ n: 1 });
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.48', '100']], [['0.52', '100']])
      .at(2n * SEC).trade(YES, '0.48', '110', 'SELL');
    const run = runScript({ strategy, markets: [m], params: { ...base, skewPerShare: '0.002', maxPosition: '10' } }, s);
    // net 10 = maxPosition: no new bid; skew 0.02 -> ask 0.50 (BUY NO at 0.50)
    expect(quotes(run, s.startNs)).toEqual([
      ['YES', 'BUY', px('0.48'), SEC],
      ['NO', 'BUY', px('0.48'), SEC],
      ['NO', 'BUY', px('0.50'), 2n * SEC],
    ]);
  });

  it('does not requote a move smaller than requoteThreshold ticks', () => {
    const m = binaryMarket({ n: 1 });
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.48', '100'], ['0.46', '100']], [['0.52', '100']])
      .at(2n * SEC).set(YES, 'SELL', '0.50', '100') // mid 0.49: both desired prices move 1 tick
      .at(3n * SEC).set(YES, 'BUY', '0.48', '0'); // mid 0.48: 2 ticks from the live quotes
    const lazy = runScript({ strategy, markets: [m], params: { ...base, requoteThreshold: '2' } }, s);
    expect(quotes(lazy, s.startNs)).toEqual([
      ['YES', 'BUY', px('0.48'), SEC],
      ['NO', 'BUY', px('0.48'), SEC],
      ['YES', 'BUY', px('0.46'), 3n * SEC],
      ['NO', 'BUY', px('0.50'), 3n * SEC],
    ]);
    const eager = runScript({ strategy, markets: [m], params: { ...base, requoteThreshold: '1' } }, s);
    expect(quotes(eager, s.startNs).map((r) => r[3])).toEqual([SEC, SEC, 2n * SEC, 2n * SEC, 3n * SEC, 3n * SEC]);
    expect(quotes(eager, s.startNs).slice(2, 4)).toEqual([
      ['YES', 'BUY', px('0.47'), 2n * SEC],
      ['NO', 'BUY', px('0.49'), 2n * SEC],
    ]);
  });

  it('keeps quotes inside the book (post-only) when the spread is tighter than 2 x halfSpread', () => {
    const m = binaryMarket({ n: 1 });
    const s = new WireScript([m]).at(SEC).book(m, [['0.49', '100']], [['0.50', '100']]);
    const run = runScript({ strategy, markets: [m], params: { ...base, halfSpread: '0' } }, s);
    // mid 0.495 -> bid floor 0.49, ask ceil 0.50: both at the touch, neither crosses
    expect(quotes(run, s.startNs)).toEqual([
      ['YES', 'BUY', px('0.49'), SEC],
      ['NO', 'BUY', px('0.50'), SEC],
    ]);
    expect(run.events('order_rejected')).toHaveLength(0);
  });

  it('cancels everything stopBefore the end date and does not quote again', () => {
    const m = binaryMarket({ n: 1, endDate: isoOf(T0 + 10n * MIN) });
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.48', '100']], [['0.52', '100']])
      .keepAlive(4n * MIN) // PONGs keep the quiet book fresh
      .at(4n * MIN).set(YES, 'BUY', '0.50', '10') // mid 0.51, still before the stop: requote both
      .keepAlive(6n * MIN)
      .at(6n * MIN).book(m, [['0.45', '100']], [['0.55', '100']]); // after the stop: nothing
    const run = runScript({ strategy, markets: [m], params: { ...base, stopBefore: '5m' } }, s);
    const orders = run.orders();
    expect(orders.map((o) => o.createdNs - s.startNs)).toEqual([SEC, SEC, 4n * MIN, 4n * MIN]);
    const cancels = run.events('order_canceled');
    expect(cancels.filter((c) => c.tsNs === T0 + 5n * MIN).map((c) => c.clientId).sort()).toEqual([orders[2]!.clientId, orders[3]!.clientId].sort());
    expect(run.openOrders()).toHaveLength(0);
  });

  it('keeps each market to itself: its own stop, its own tick in the requote threshold', () => {
    // per-market state (slot keys, pull filter, tick, stop flag) made once per market must not leak across markets
    const m1 = binaryMarket({ n: 1, endDate: isoOf(T0 + 10n * MIN) });
    const m2 = binaryMarket({ n: 2, tick: '0.001' });
    const s = new WireScript([m1, m2])
      .at(SEC).book(m1, [['0.48', '100']], [['0.52', '100']])
      .at(SEC).book(m2, [['0.480', '100']], [['0.520', '100']])
      .keepAlive(6n * MIN)
      // after m1's stop (5m): m2's desired quotes move 3 of its 0.001 ticks (>= requoteThreshold 2): requote m2 only
      .at(6n * MIN).set(yesId(2), 'BUY', '0.486', '100')
      .at(6n * MIN).book(m1, [['0.45', '100']], [['0.55', '100']]);
    const run = runScript({ strategy, markets: [m1, m2], params: { ...base, stopBefore: '5m', requoteThreshold: '2' } }, s);
    const at = (o: { assetId: string; px: number; createdNs: bigint }) => [o.assetId, o.px, o.createdNs - s.startNs];
    expect(run.orders().map(at)).toEqual([
      [YES, px('0.48'), SEC],
      [NO, px('0.48'), SEC],
      [yesId(2), px('0.48'), SEC],
      [noId(2), px('0.48'), SEC],
      [yesId(2), px('0.483'), 6n * MIN],
      [noId(2), px('0.477'), 6n * MIN],
    ]);
    const ids = run.orders().map((o) => o.clientId);
    // the stop cancels exactly m1's two quotes
    expect(run.events('order_canceled').filter((c) => c.tsNs === T0 + 5n * MIN).map((c) => c.clientId).sort()).toEqual([ids[0], ids[1]].sort());
    expect(run.openOrders().map((o) => o.assetId).sort()).toEqual([yesId(2), noId(2)].sort());
  });

  it('pulls quotes on feed loss and when the book goes stale, and resumes on a fresh snapshot', () => {
    const m = binaryMarket({ n: 1 });
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.48', '100']], [['0.52', '100']])
      .at(2n * SEC).close()
      .at(3n * SEC).reconnect()
      .at(4n * SEC).set(YES, 'BUY', '0.47', '10') // deltas after a loss do not make the book fresh
      .at(5n * SEC).book(m, [['0.48', '100']], [['0.52', '100']]);
    const run = runScript({ strategy, markets: [m], params: base, risk: { staleAfterNs: 10n * SEC } }, s, T0 + 30n * SEC);
    const orders = run.orders();
    expect(orders.map((o) => [o.createdNs - s.startNs, o.status])).toEqual([
      [SEC, 'canceled'],
      [SEC, 'canceled'],
      [5n * SEC, 'canceled'],
      [5n * SEC, 'canceled'],
    ]);
    expect(run.events('order_canceled').map((c) => [c.tsNs - s.startNs, c.reason])).toEqual([
      [2n * SEC, 'feed_lost'],
      [2n * SEC, 'feed_lost'],
      // last update at 5 s, stale after 15 s: the 5 s check timer pulls the quotes at 20 s
      [20n * SEC, 'user'],
      [20n * SEC, 'user'],
    ]);
  });
});

describe('makerPrices (integer ticks) = makerPricesDecimal (the Decimal reference)', () => {
  it('gives the same quotes on 20,000 random books, inventories and parameters, both signs of net', () => {
    const rng = seededRng(11);
    const ticks = [1, 10, 100];
    for (let i = 0; i < 20_000; i++) {
      const tick = ticks[rng.int(3)]!;
      const bid = (1 + rng.int(10_000 / tick - 2)) * tick;
      const ask = Math.min(10_000 - tick, bid + tick * (1 + rng.int(20)));
      const book = new L2Book('a');
      book.applySnapshot(rng.int(10) === 0 ? [] : [{ px: bid, qty: 1_000_000 }], rng.int(10) === 0 ? [] : [{ px: ask, qty: 1_000_000 }], tick);
      const net = (rng.int(2) === 0 ? -1 : 1) * rng.int(500_000_001); // up to 500 shares, any micro-share
      const P = { halfSpread: brand.ticks(rng.int(600)), skewPerShare: brand.ticks(rng.int(60)) };
      const view = brandBook(book);
      const t = brand.ticks(tick);
      expect(makerPrices(view, t, net, P), `#${i} bid ${bid} ask ${ask} tick ${tick} net ${net} P ${JSON.stringify(P)}`).toEqual(makerPricesDecimal(view, t, net, P));
    }
  });

  it('falls back to the Decimal form beyond the safe-integer range (same answer)', () => {
    const book = new L2Book('a');
    book.applySnapshot([{ px: 4_000, qty: 1 }], [{ px: 6_000, qty: 1 }], 100);
    const P = { halfSpread: brand.ticks(200), skewPerShare: brand.ticks(9_000) };
    const net = 2 ** 52; // 2 x net x skew is beyond 2^53
    expect(makerPrices(brandBook(book), brand.ticks(100), net, P)).toEqual(makerPricesDecimal(brandBook(book), brand.ticks(100), net, P));
  });
});
