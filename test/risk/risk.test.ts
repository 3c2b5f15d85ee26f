import { describe, expect, it } from 'vitest';
import { RiskEngine, RiskLimitsSchema, defaultRiskLimits, type RiskContext, type RiskLimits, type RiskOpenOrder } from '../../src/core/risk/risk.ts';
import { Portfolio } from '../../src/core/portfolio/portfolio.ts';
import type { BookDelta, BookSnapshot, FeedState, Heartbeat, MarketEvent } from '../../src/core/types/events.ts';
import type { OrderCommand, PlaceOrder } from '../../src/core/types/orders.ts';
import { nsFromIso, NS_PER_S } from '../../src/core/time.ts';
import { COND, NO, YES, fill, lookup, meta, px, qty, usd } from '../portfolio/helpers.ts';

const T0 = nsFromIso('2025-12-11T12:00:00Z')!;
const S = NS_PER_S;
const origin = (recvNs: bigint, source: 'market_ws' | 'clob_rest' = 'market_ws', conn = 'ws-1') => ({ recvNs, source, seq: 0, sub: 0, conn, exchMs: null });
const snapshot = (assetId: string, t: bigint, via: 'ws' | 'rest' = 'ws'): BookSnapshot => ({
  type: 'book_snapshot', ...origin(t, via === 'ws' ? 'market_ws' : 'clob_rest', via === 'ws' ? 'ws-1' : 'rest-1'),
  market: COND, assetId, bids: [{ px: 4900, qty: 1_000_000_000 }], asks: [{ px: 5100, qty: 1_000_000_000 }],
  tickSize: 100, minOrderSize: null, negRisk: null, lastTradePx: null, hash: null, via,
});
const delta = (assetId: string, t: bigint): BookDelta => ({
  type: 'book_delta', ...origin(t), market: COND,
  changes: [{ assetId, side: 'bid', px: 4800, qty: 5_000_000, hash: null, bestBid: null, bestAsk: null }],
});
const feed = (state: FeedState['state'], t: bigint, source: 'market_ws' | 'clob_rest' = 'market_ws'): FeedState => ({ type: 'feed_state', ...origin(t, source), state, detail: '' });
const pong = (t: bigint, conn = 'ws-1'): Heartbeat => ({ type: 'heartbeat', ...origin(t, 'market_ws', conn), text: 'PONG', direction: 'in' });

let n = 0;
const place = (o: Partial<PlaceOrder> & Pick<PlaceOrder, 'side'>): PlaceOrder => ({
  type: 'place', clientId: `o${++n}`, assetId: YES, tif: 'GTC', px: px('0.5'), qty: qty('10'), amount: null, postOnly: false, expireNs: null, ...o,
});

function setup(limits: Partial<RiskLimits> = {}, cash = '1000') {
  const risk = new RiskEngine({ ...defaultRiskLimits, ...limits });
  const portfolio = new Portfolio({ initialCash: usd(cash), markets: lookup(meta()) });
  const openOrders: RiskOpenOrder[] = [];
  const books: Record<string, { valid: boolean }> = {};
  const ctx: RiskContext = {
    portfolio, openOrders,
    marketOf: (id) => lookup(meta())(id)?.conditionId,
    pairOf: (id) => (id === YES ? NO : id === NO ? YES : undefined),
    book: (id) => books[id],
  };
  const feedAll = (...evs: MarketEvent[]) => evs.forEach((e) => risk.onMarketEvent(e));
  feedAll(snapshot(YES, T0), snapshot(NO, T0));
  return { risk, portfolio, openOrders, ctx, books, feedAll };
}

const ruleOf = (r: ReturnType<RiskEngine['check']>) => r?.rule ?? null;

describe('RiskEngine: commands that are never denied', () => {
  it('cancel and cancel_all pass even while halted and with stale data', () => {
    const { risk, ctx } = setup({ maxDailyLoss: usd('1') });
    risk.onEquity(T0, usd('100'));
    expect(risk.onEquity(T0 + S, usd('90'))).not.toBeNull();
    const later = T0 + 3600n * S;
    for (const cmd of [{ type: 'cancel', clientId: 'x' }, { type: 'cancel_all', market: null, assetId: null }] as OrderCommand[]) {
      expect(risk.check(cmd, ctx, later)).toBeNull();
    }
    expect(ruleOf(risk.check(place({ side: 'BUY' }), ctx, later))).toBe('halted');
  });
});

describe('RiskEngine: one test per denial rule', () => {
  it('passes a plain order with default limits', () => {
    const { risk, ctx } = setup();
    expect(risk.check(place({ side: 'BUY' }), ctx, T0 + S)).toBeNull();
  });

  it('invalid_order: no size, or a non-positive one', () => {
    const { risk, ctx } = setup();
    const d = risk.check(place({ side: 'BUY', qty: null }), ctx, T0);
    expect(d).toMatchObject({ type: 'order_denied', command: 'place', rule: 'invalid_order', tsNs: T0 });
    expect(ruleOf(risk.check(place({ side: 'SELL', qty: 0 }), ctx, T0))).toBe('invalid_order');
    expect(ruleOf(risk.check(place({ side: 'BUY', tif: 'FOK', qty: null, amount: 0n }), ctx, T0))).toBe('invalid_order');
  });

  it('halted: after a TradingHalted every place is denied with the halt reason', () => {
    const { risk, ctx } = setup();
    const h = risk.halt(T0, 'strategy_error', 'hook threw');
    expect(h).toEqual({ type: 'trading_halted', tsNs: T0, rule: 'strategy_error', reason: 'hook threw' });
    expect(risk.halt(T0, 'again', 'x')).toBeNull();
    const d = risk.check(place({ side: 'BUY' }), ctx, T0);
    expect(d?.rule).toBe('halted');
    expect(d?.reason).toContain('hook threw');
  });

  it('stale_data: no book, or a last update older than staleAfterNs', () => {
    const { risk, ctx, feedAll } = setup({ staleAfterNs: 60n * S });
    const other = '3'.repeat(77);
    expect(risk.check(place({ side: 'BUY', assetId: other }), ctx, T0)?.reason).toMatch(/no book data/);
    expect(risk.check(place({ side: 'BUY' }), ctx, T0 + 60n * S)).toBeNull();
    const d = risk.check(place({ side: 'BUY' }), ctx, T0 + 61n * S);
    expect(d?.rule).toBe('stale_data');
    expect(d?.reason).toContain('61s old (limit 60s)');
    feedAll(delta(YES, T0 + 61n * S));
    expect(risk.check(place({ side: 'BUY' }), ctx, T0 + 62n * S)).toBeNull();
    expect(risk.canTrade(YES, T0 + 62n * S)).toBe(true);
    expect(risk.isFresh(YES, T0 + 122n * S)).toBe(false);
    // the NO token is the same binary book (paired through ctx.pairOf at the first check): fresh too
    expect(risk.canTrade(NO, T0 + 62n * S)).toBe(true);
  });

  it('stale_data: unpaired tokens keep their own freshness; market_meta pairs them', () => {
    const { risk, ctx, feedAll } = setup({ staleAfterNs: 60n * S });
    const [A, B] = ['5'.repeat(77), '6'.repeat(77)];
    const solo: RiskContext = { ...ctx, pairOf: () => undefined, book: () => undefined };
    feedAll(snapshot(A, T0));
    expect(risk.check(place({ side: 'BUY', assetId: A }), solo, T0 + S)).toBeNull();
    expect(risk.check(place({ side: 'BUY', assetId: B }), solo, T0 + S)?.reason).toMatch(/no book data/);
    feedAll({ type: 'market_meta', ...origin(T0 + S), meta: meta('0x' + '77'.repeat(32), A, B), via: 'gamma' });
    expect(risk.check(place({ side: 'BUY', assetId: B }), solo, T0 + 2n * S)).toBeNull();
    // a pair learned late keeps a wait that began after the last snapshot of either token
    const [E, F] = ['8'.repeat(77), '9'.repeat(77)];
    feedAll(snapshot(E, T0), { type: 'tick_size_changed', ...origin(T0 + S), market: null, assetId: F, oldTick: 100, newTick: 10 });
    expect(risk.check(place({ side: 'BUY', assetId: E }), solo, T0 + 2n * S)).toBeNull();
    risk.pair(E, F);
    expect(ruleOf(risk.check(place({ side: 'BUY', assetId: E }), solo, T0 + 2n * S))).toBe('stale_data');
  });

  it('max_order_notional: BUY px*qty, BUY amount, SELL px*qty', () => {
    const { risk, ctx, portfolio } = setup({ maxOrderNotional: usd('5') });
    portfolio.onFill(fill({ side: 'BUY', px: px('0.5'), qty: qty('20') }));
    expect(risk.check(place({ side: 'BUY', qty: qty('10') }), ctx, T0)).toBeNull(); // exactly 5
    const d = risk.check(place({ side: 'BUY', qty: qty('10.000002') }), ctx, T0);
    expect(d).toMatchObject({ rule: 'max_order_notional', reason: 'order notional 5.000001 exceeds the limit 5' });
    expect(ruleOf(risk.check(place({ side: 'BUY', tif: 'FOK', qty: null, amount: usd('5.01'), px: px('0.99') }), ctx, T0))).toBe('max_order_notional');
    expect(ruleOf(risk.check(place({ side: 'SELL', px: px('0.6'), qty: qty('10') }), ctx, T0))).toBe('max_order_notional');
  });

  it('max_open_orders: resting orders only (FOK/FAK never rest)', () => {
    const { risk, ctx, openOrders } = setup({ maxOpenOrders: 2 });
    openOrders.push({ clientId: 'a', assetId: YES, side: 'BUY', px: 4000, leavesQty: qty('1') });
    expect(risk.check(place({ side: 'BUY' }), ctx, T0)).toBeNull();
    openOrders.push({ clientId: 'b', assetId: YES, side: 'BUY', px: 4000, leavesQty: qty('1') });
    expect(risk.check(place({ side: 'BUY', tif: 'GTD', expireNs: T0 + 100n * S }), ctx, T0)).toMatchObject({ rule: 'max_open_orders', reason: '2 open orders; the limit is 2' });
    expect(risk.check(place({ side: 'BUY', tif: 'FAK' }), ctx, T0)).toBeNull();
  });

  it('order_rate: a sliding window (now - window, now] of orders that passed', () => {
    const { risk, ctx } = setup({ orderRate: { count: 2, windowNs: S } });
    expect(risk.check(place({ side: 'BUY', qty: null }), ctx, T0)?.rule).toBe('invalid_order'); // denied: not counted
    expect(risk.check(place({ side: 'BUY' }), ctx, T0)).toBeNull();
    expect(risk.check(place({ side: 'BUY' }), ctx, T0 + S / 2n)).toBeNull();
    expect(risk.check(place({ side: 'BUY' }), ctx, T0 + S - 1n)).toMatchObject({ rule: 'order_rate', reason: '2 orders in the last 1s; the limit is 2' });
    expect(risk.check(place({ side: 'BUY' }), ctx, T0 + S)).toBeNull(); // the first slid out
    expect(ruleOf(risk.check(place({ side: 'BUY' }), ctx, T0 + S))).toBe('order_rate');
  });

  it('insufficient_position: no shorts, and open SELL orders already commit shares', () => {
    const { risk, ctx, portfolio, openOrders } = setup();
    expect(ruleOf(risk.check(place({ side: 'SELL', qty: qty('1') }), ctx, T0))).toBe('insufficient_position');
    portfolio.onFill(fill({ side: 'BUY', px: px('0.5'), qty: qty('10') }));
    expect(risk.check(place({ side: 'SELL', qty: qty('10') }), ctx, T0)).toBeNull();
    openOrders.push({ clientId: 's', assetId: YES, side: 'SELL', px: 6000, leavesQty: qty('4') });
    expect(risk.check(place({ side: 'SELL', qty: qty('6') }), ctx, T0)).toBeNull();
    const d = risk.check(place({ side: 'SELL', qty: qty('6.5') }), ctx, T0);
    expect(d).toMatchObject({ rule: 'insufficient_position' });
    expect(d?.reason).toContain('SELL 6.5 of');
    expect(d?.reason).toContain('holds 10, of which 4 are in open SELL orders');
  });

  it('insufficient_cash: BUY notional must fit cash minus open BUY orders (the venue balance check)', () => {
    const { risk, ctx, openOrders } = setup({}, '10');
    openOrders.push({ clientId: 'b', assetId: NO, side: 'BUY', px: 4000, leavesQty: qty('10') }); // reserves 4
    openOrders.push({ clientId: 'f', assetId: YES, side: 'BUY', px: 9900, leavesQty: 0, amount: usd('1') }); // reserves 1
    expect(risk.check(place({ side: 'BUY', qty: qty('10') }), ctx, T0)).toBeNull(); // 5 of 5
    const d = risk.check(place({ side: 'BUY', qty: qty('10.0002') }), ctx, T0);
    expect(d).toMatchObject({ rule: 'insufficient_cash', reason: 'BUY needs 5.0001; available 5 (cash 10 - open BUY orders 5)' });
    expect(ruleOf(risk.check(place({ side: 'BUY', tif: 'FOK', qty: null, amount: usd('5.5') }), ctx, T0))).toBe('insufficient_cash');
  });

  it('max_position_token: held + open BUY + this order', () => {
    const { risk, ctx, portfolio, openOrders } = setup({ maxPositionPerToken: qty('30') });
    portfolio.onFill(fill({ side: 'BUY', px: px('0.5'), qty: qty('10') }));
    openOrders.push({ clientId: 'b', assetId: YES, side: 'BUY', px: 4000, leavesQty: qty('10') });
    expect(risk.check(place({ side: 'BUY', qty: qty('10') }), ctx, T0)).toBeNull();
    const d = risk.check(place({ side: 'BUY', qty: qty('10.5') }), ctx, T0);
    expect(d).toMatchObject({ rule: 'max_position_token' });
    expect(d?.reason).toContain('could reach 30.5 (held 10 + open BUY 10 + order 10.5), limit 30');
    // an amount-sized buy counts amount / px shares: $6 at 0.5 = 12 shares
    expect(ruleOf(risk.check(place({ side: 'BUY', tif: 'FAK', qty: null, amount: usd('6') }), ctx, T0))).toBe('max_position_token');
    // selling is never limited by position limits
    expect(risk.check(place({ side: 'SELL', qty: qty('10') }), ctx, T0)).toBeNull();
  });

  it('max_position_market: both tokens of the binary market count', () => {
    const { risk, ctx, portfolio } = setup({ maxPositionPerMarket: qty('25') });
    portfolio.onFill(fill({ assetId: NO, side: 'BUY', px: px('0.5'), qty: qty('20') }));
    expect(risk.check(place({ side: 'BUY', qty: qty('5') }), ctx, T0)).toBeNull();
    const d = risk.check(place({ side: 'BUY', qty: qty('5.000001') }), ctx, T0);
    expect(d).toMatchObject({ rule: 'max_position_market' });
    expect(d?.reason).toContain(`market ${COND}: positions could reach 25.000001 shares`);
  });

  it('merge needs both legs held beyond open SELL orders', () => {
    const { risk, ctx, portfolio, openOrders } = setup();
    const merge = (q: string): OrderCommand => ({ type: 'merge', clientId: 'm1', market: COND, qty: qty(q) });
    portfolio.onFill(fill({ assetId: YES, side: 'BUY', px: px('0.5'), qty: qty('10') }));
    expect(risk.check(merge('1'), ctx, T0)).toMatchObject({ rule: 'insufficient_position', command: 'merge', clientId: 'm1' });
    portfolio.onFill(fill({ assetId: NO, side: 'BUY', px: px('0.5'), qty: qty('8') }));
    expect(risk.check(merge('8'), ctx, T0)).toBeNull();
    openOrders.push({ clientId: 's', assetId: NO, side: 'SELL', px: 6000, leavesQty: qty('3') });
    expect(risk.check(merge('5'), ctx, T0)).toBeNull();
    expect(risk.check(merge('5.1'), ctx, T0)?.reason).toContain('holds 8, of which 3 are in open SELL orders');
    expect(ruleOf(risk.check(merge('0'), ctx, T0))).toBe('invalid_order');
    risk.halt(T0, 'x', 'y');
    expect(risk.check(merge('5'), ctx, T0)).toBeNull(); // allowed while halted
  });
});

describe('RiskEngine: daily loss', () => {
  it('halts once when the day loss reaches the limit, with the numbers in the reason', () => {
    const { risk, ctx } = setup({ maxDailyLoss: usd('10') });
    expect(risk.onEquity(T0, usd('1000'))).toBeNull();
    expect(risk.dayStartEquity).toBe(usd('1000'));
    expect(risk.onEquity(T0 + S, usd('990.0000000001'))).toBeNull(); // 9.9999999999
    const h = risk.onEquity(T0 + 2n * S, usd('990'));
    expect(h).toEqual({
      type: 'trading_halted', tsNs: T0 + 2n * S, rule: 'daily_loss',
      reason: 'daily loss 10 reached the limit 10 (UTC day 2025-12-11 started at equity 1000, now 990)',
    });
    expect(risk.halted).toBe(true);
    expect(risk.haltedBy).toBe(h);
    expect(risk.onEquity(T0 + 3n * S, usd('900'))).toBeNull(); // once
    expect(ruleOf(risk.check(place({ side: 'BUY' }), ctx, T0 + 3n * S))).toBe('halted');
  });

  it('the UTC day rolls over at midnight: the new day starts from the last equity of the previous one', () => {
    const { risk } = setup({ maxDailyLoss: usd('10') });
    const night = nsFromIso('2025-12-11T23:59:59Z')!;
    expect(risk.onEquity(night - 3600n * S, usd('1000'))).toBeNull();
    expect(risk.onEquity(night, usd('992'))).toBeNull(); // -8 on Dec 11
    expect(risk.onEquity(night + S, usd('985'))).toBeNull(); // Dec 12 starts at 992: -7
    expect(risk.dayStartEquity).toBe(usd('992'));
    const h = risk.onEquity(night + 2n * S, usd('982'));
    expect(h?.reason).toBe('daily loss 10 reached the limit 10 (UTC day 2025-12-12 started at equity 992, now 982)');
  });

  it('without a limit nothing halts', () => {
    const { risk } = setup();
    risk.onEquity(T0, usd('1000'));
    expect(risk.onEquity(T0 + S, usd('1'))).toBeNull();
    expect(risk.halted).toBe(false);
  });
});

describe('RiskEngine: stale-data guard across disconnects', () => {
  it('a market_ws close makes every token stale until its next snapshot; deltas do not refresh it', () => {
    const { risk, ctx, feedAll } = setup();
    feedAll(feed('close', T0 + S));
    const d = risk.check(place({ side: 'BUY' }), ctx, T0 + 2n * S);
    expect(d?.rule).toBe('stale_data');
    expect(d?.reason).toContain('market feed dropped at 2025-12-11T12:00:01.000000000Z');
    feedAll(feed('open', T0 + 3n * S), delta(YES, T0 + 3n * S), pong(T0 + 3n * S));
    expect(ruleOf(risk.check(place({ side: 'BUY' }), ctx, T0 + 4n * S))).toBe('stale_data');
    expect(ruleOf(risk.check(place({ side: 'BUY', assetId: NO }), ctx, T0 + 4n * S))).toBe('stale_data');
    feedAll(snapshot(NO, T0 + 5n * S, 'rest')); // REST reconciliation counts too; one snapshot refreshes the pair's book
    expect(risk.check(place({ side: 'BUY', assetId: NO }), ctx, T0 + 5n * S)).toBeNull();
    expect(risk.check(place({ side: 'BUY' }), ctx, T0 + 5n * S)).toBeNull();
  });

  it('a token of another market waits for its own snapshot after a drop', () => {
    const { risk, ctx, feedAll } = setup();
    const C = '7'.repeat(77);
    const solo: RiskContext = { ...ctx, pairOf: () => undefined, book: () => undefined };
    feedAll(snapshot(C, T0), feed('close', T0 + S), feed('open', T0 + 2n * S), snapshot(YES, T0 + 3n * S));
    expect(risk.check(place({ side: 'BUY' }), ctx, T0 + 3n * S)).toBeNull();
    expect(ruleOf(risk.check(place({ side: 'BUY', assetId: C }), solo, T0 + 3n * S))).toBe('stale_data');
    feedAll(snapshot(C, T0 + 4n * S));
    expect(risk.check(place({ side: 'BUY', assetId: C }), solo, T0 + 4n * S)).toBeNull();
  });

  it('a tick-size change makes the token stale until its next snapshot', () => {
    const { risk, ctx, feedAll } = setup();
    feedAll({ type: 'tick_size_changed', ...origin(T0 + S), market: COND, assetId: YES, oldTick: 100, newTick: 10 });
    expect(risk.check(place({ side: 'BUY' }), ctx, T0 + S)?.reason).toMatch(/tick size changed at .*waiting for a fresh book snapshot/);
    feedAll(delta(YES, T0 + 2n * S));
    expect(ruleOf(risk.check(place({ side: 'BUY', px: 5010 }), ctx, T0 + 2n * S))).toBe('stale_data');
    feedAll(snapshot(YES, T0 + 3n * S));
    expect(risk.check(place({ side: 'BUY', px: 5010 }), ctx, T0 + 3n * S)).toBeNull();
  });

  it('an error on market_ws counts as a drop; feed states of other sources do not', () => {
    const { risk, ctx, feedAll } = setup();
    feedAll(feed('close', T0 + S, 'clob_rest'));
    expect(risk.check(place({ side: 'BUY' }), ctx, T0 + S)).toBeNull();
    feedAll(feed('error', T0 + S));
    expect(ruleOf(risk.check(place({ side: 'BUY' }), ctx, T0 + S))).toBe('stale_data');
  });

  it('inbound heartbeats on the connection that delivered the book keep a quiet book fresh', () => {
    const { risk, ctx, feedAll } = setup({ staleAfterNs: 60n * S });
    feedAll(pong(T0 + 50n * S), pong(T0 + 100n * S, 'other-conn'));
    expect(risk.check(place({ side: 'BUY' }), ctx, T0 + 110n * S)).toBeNull();
    expect(ruleOf(risk.check(place({ side: 'BUY' }), ctx, T0 + 111n * S))).toBe('stale_data');
  });

  it('an invalid book from the context is stale', () => {
    const { risk, ctx, books } = setup();
    books[YES] = { valid: false };
    expect(risk.check(place({ side: 'BUY' }), ctx, T0)?.reason).toMatch(/book is not valid/);
    books[YES] = { valid: true };
    expect(risk.check(place({ side: 'BUY' }), ctx, T0)).toBeNull();
  });
});

describe('RiskLimitsSchema', () => {
  it('parses dollars, shares and durations exactly; missing fields take defaults; null disables', () => {
    const l = RiskLimitsSchema.parse({ maxOrderNotional: '100.5', maxPositionPerToken: '250', maxOpenOrders: 20, maxDailyLoss: 50, staleAfter: '30s', orderRate: { count: '10', window: '1s' }, maxPositionPerMarket: null });
    expect(l).toEqual({
      maxOrderNotional: usd('100.5'), maxPositionPerToken: qty('250'), maxPositionPerMarket: null, maxOpenOrders: 20,
      maxDailyLoss: usd('50'), staleAfterNs: 30n * S, orderRate: { count: 10, windowNs: S },
    });
    expect(RiskLimitsSchema.parse({})).toEqual(defaultRiskLimits);
    expect(defaultRiskLimits.staleAfterNs).toBe(60n * S);
  });

  it('names the bad field', () => {
    const bad = (v: unknown) => {
      const r = RiskLimitsSchema.safeParse(v);
      expect(r.success).toBe(false);
      return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(bad({ maxDailyLoss: '0' })).toContain('maxDailyLoss: maxDailyLoss (dollars) must be greater than 0');
    expect(bad({ maxOrderNotional: 'lots' })).toContain("'lots' is not a dollar amount");
    expect(bad({ staleAfter: '1 minute' })).toContain('staleAfter');
    expect(bad({ maxLoss: '5' })).toMatch(/maxLoss/);
  });
});
