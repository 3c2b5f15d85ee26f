// Portfolio marks and risk freshness against the real book registry (src/core/book), fed the same events.
import { describe, expect, it } from 'vitest';
import { BookRegistry } from '../../src/core/book/index.ts';
import { Portfolio } from '../../src/core/portfolio/portfolio.ts';
import { RiskEngine, defaultRiskLimits, type RiskContext } from '../../src/core/risk/risk.ts';
import type { BookSnapshot, MarketEvent, TickSizeChanged } from '../../src/core/types/events.ts';
import type { PlaceOrder } from '../../src/core/types/orders.ts';
import { COND, NO, YES, fill, lookup, meta, px, qty, usd } from '../portfolio/helpers.ts';

const origin = (recvNs: bigint) => ({ recvNs, source: 'market_ws' as const, seq: 0, sub: 0, conn: 'ws-1', exchMs: null });
const snap = (t: bigint, bid: string, ask: string): BookSnapshot => ({
  type: 'book_snapshot', ...origin(t), market: COND, assetId: YES,
  bids: [{ px: px(bid), qty: qty('100') }], asks: [{ px: px(ask), qty: qty('100') }],
  tickSize: 100, minOrderSize: null, negRisk: null, lastTradePx: null, hash: null, via: 'ws',
});
const tick = (t: bigint): TickSizeChanged => ({ type: 'tick_size_changed', ...origin(t), market: COND, assetId: YES, oldTick: 100, newTick: 10 });
const order = (assetId: string): PlaceOrder => ({
  type: 'place', clientId: 'o', assetId, side: 'BUY', tif: 'GTC', px: px('0.3'), qty: qty('1'), amount: null, postOnly: false, expireNs: null,
});

function setup() {
  const books = new BookRegistry([meta()]);
  const risk = new RiskEngine(defaultRiskLimits);
  const portfolio = new Portfolio({ initialCash: usd('100'), markets: lookup(meta()) });
  const ctx: RiskContext = {
    portfolio, openOrders: [],
    marketOf: (id) => lookup(meta())(id)?.conditionId,
    pairOf: (id) => books.pairOf(id),
    book: (id) => books.book(id),
  };
  const feed = (ev: MarketEvent) => {
    books.apply(ev);
    risk.onMarketEvent(ev);
  };
  return { books, risk, portfolio, ctx, feed };
}

describe('portfolio marked at the real book mid', () => {
  it('YES at the YES mid, NO at the mirrored NO mid (half-tick mids exact in D, Cash half-even)', () => {
    const { books, portfolio, feed } = setup();
    feed(snap(1n, '0.45', '0.46')); // YES mid 0.455, NO book = 1 - YES: bid 0.54 ask 0.55, mid 0.545
    portfolio.onFill(fill({ assetId: YES, side: 'BUY', px: px('0.4'), qty: qty('10') }));
    portfolio.onFill(fill({ assetId: NO, side: 'BUY', px: px('0.5'), qty: qty('2.000001') }));
    const marks = (id: string) => books.book(id)?.midDollars() ?? null;
    expect(books.book(NO)!.midDollars()!.eq('0.545')).toBe(true);
    // YES 10 * 0.455 = 4.55 (cost 4); NO 2.000001 * 0.545 = 1.090000545 (cost 1.0000005)
    expect(portfolio.unrealized(marks)).toBe(usd('0.55') + usd('0.0900000450'));
    expect(portfolio.equity(marks)).toBe(usd('100') - usd('4') - usd('1.0000005') + usd('4.55') + usd('1.090000545'));
  });
});

describe('risk freshness with the real book registry', () => {
  it('a tick-size change makes both tokens of the market unusable until the next snapshot', () => {
    const { risk, ctx, feed } = setup();
    feed(snap(1n, '0.45', '0.46'));
    expect(risk.check(order(YES), ctx, 2n)).toBeNull();
    expect(ctx.pairOf(YES)).toBe(NO);
    feed(tick(3n));
    expect(risk.check(order(YES), ctx, 4n)?.rule).toBe('stale_data');
    expect(risk.check(order(NO), ctx, 4n)?.rule).toBe('stale_data'); // the NO view of the same book is invalid
    feed(snap(5n, '0.451', '0.459'));
    expect(risk.check(order(YES), ctx, 6n)).toBeNull();
    expect(risk.check(order(NO), ctx, 6n)).toBeNull();
  });
});
