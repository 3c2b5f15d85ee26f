import { describe, expect, it } from 'vitest';
import type { OrderRejected } from '../../src/core/types/orders.ts';
import { Harness, MS, NO, T0, YES, lv, meta, snapshot, tickChange, types } from './harness.ts';
import type { OrderSpec } from './harness.ts';

// YES book: bids 0.48 x 100, 0.10 x 500; asks 0.50 x 100, 0.52 x 50.
function setup(): Harness {
  const h = new Harness();
  h.feed(snapshot(T0, YES, [lv('0.48', '100'), lv('0.10', '500')], [lv('0.50', '100'), lv('0.52', '50')]));
  return h;
}

function rejectReason(h: Harness, s: OrderSpec): string {
  const evs = h.place(s);
  expect(types(evs)).toEqual(['order_rejected']);
  return (evs[0] as OrderRejected).reason;
}

describe('validation on arrival', () => {
  it('price must be on the tick grid and within [tick, 1 - tick]', () => {
    const h = setup();
    expect(rejectReason(h, { id: 'a', side: 'BUY', px: '0.405', qty: '10' })).toBe('price_off_tick: 0.405 is not a multiple of tick 0.01');
    expect(rejectReason(h, { id: 'b', side: 'SELL', px: '1', qty: '10' })).toBe('price_out_of_range: 1 outside [0.01, 0.99]');
    expect(rejectReason(h, { id: 'c', side: 'BUY', px: '0', qty: '10' })).toMatch(/^price_out_of_range:/);
    expect(types(h.place({ id: 'd', side: 'BUY', px: '0.01', qty: '500' }))).toEqual(['order_accepted']);
  });

  it('GTC/GTD need the minimum size (market orderMinSize, 5 shares)', () => {
    const h = setup();
    expect(rejectReason(h, { id: 'a', side: 'BUY', px: '0.40', qty: '4.99' })).toBe('below_min_size: 4.99 shares < minimum 5');
    expect(types(h.place({ id: 'b', side: 'BUY', px: '0.40', qty: '5' }))).toEqual(['order_accepted']);
    // FOK/FAK have no share minimum, only the $1 rule: 2.1 shares sold into the 0.48 bid = $1.008.
    expect(types(h.place({ id: 'c', side: 'SELL', tif: 'FAK', px: '0.48', qty: '2.1' }))).toEqual(['order_accepted', 'order_filled']);
  });

  it('marketable orders must be worth >= $1', () => {
    const h = setup();
    // FOK BUY is sized in dollars: $0.99 < $1.
    expect(rejectReason(h, { id: 'a', side: 'BUY', tif: 'FOK', px: '0.5', amount: '0.99' })).toBe(
      'below_min_notional: marketable order worth $0.99 against the book within its limit < $1',
    );
    // FAK SELL 1.9 shares into the 0.48 bid = $0.912 (more on SELL in market-orders.test.ts).
    expect(rejectReason(h, { id: 'b', side: 'SELL', tif: 'FAK', px: '0.48', qty: '1.9' })).toMatch(/^below_min_notional: marketable order worth \$0.912 /);
    // A crossing GTC BUY: needs a cheap ask, so use a market whose best ask is 0.10.
    const h2 = new Harness();
    h2.feed(snapshot(T0, YES, [lv('0.05', '100')], [lv('0.10', '100')]));
    // 5 sh x 0.10 = $0.50 and it crosses the 0.10 ask -> rejected.
    expect(rejectReason(h2, { id: 'c', side: 'BUY', px: '0.10', qty: '5' })).toBe('below_min_notional: marketable order worth $0.5 < $1');
    // The same size one tick lower does not cross: a resting GTC has no $1 rule.
    expect(types(h2.place({ id: 'd', side: 'BUY', px: '0.09', qty: '5' }))).toEqual(['order_accepted']);
  });

  it('FOK/FAK BUY are sized by amount, SELL and GTC/GTD by qty', () => {
    const h = setup();
    expect(rejectReason(h, { id: 'a', side: 'BUY', tif: 'FOK', px: '0.5', qty: '10' })).toMatch(/^invalid_size: FOK BUY orders are sized in dollars/);
    expect(rejectReason(h, { id: 'b', side: 'SELL', tif: 'FAK', px: '0.5', amount: '10' })).toMatch(/^invalid_size: FAK SELL orders are sized in shares/);
    expect(rejectReason(h, { id: 'c', side: 'BUY', px: '0.4', amount: '10' })).toMatch(/^invalid_size: GTC orders are sized in shares/);
  });

  it('post-only: only with GTC/GTD, rejected if it would cross at arrival, rests otherwise', () => {
    const h = setup();
    expect(rejectReason(h, { id: 'a', side: 'BUY', tif: 'FAK', px: '0.5', amount: '5', postOnly: true })).toMatch(/^post_only_not_allowed:/);
    expect(rejectReason(h, { id: 'b', side: 'BUY', px: '0.50', qty: '10', postOnly: true })).toBe(
      'post_only_would_cross: available liquidity at 0.5 within limit 0.5',
    );
    // SELL NO at 0.50 would hit NO bids at 0.50 = YES asks at 0.50 (mirror): also crosses.
    expect(rejectReason(h, { id: 'c', asset: NO, side: 'SELL', px: '0.50', qty: '10', postOnly: true })).toMatch(/^post_only_would_cross:/);
    expect(types(h.place({ id: 'd', side: 'BUY', px: '0.49', qty: '10', postOnly: true }))).toEqual(['order_accepted']);
    expect(h.ex.openOrders().map((o) => [o.clientId, o.state, o.queueAhead])).toEqual([['d', 'resting', 0]]);
  });

  it('GTD needs expireNs after arrival; expireNs only with GTD', () => {
    const h = setup();
    expect(rejectReason(h, { id: 'a', side: 'BUY', tif: 'GTD', px: '0.4', qty: '10', expireNs: T0 })).toMatch(/^expiry_not_in_future:/);
    expect(rejectReason(h, { id: 'b', side: 'BUY', tif: 'GTD', px: '0.4', qty: '10' })).toMatch(/^expiry_not_in_future:/);
    expect(rejectReason(h, { id: 'c', side: 'BUY', tif: 'GTC', px: '0.4', qty: '10', expireNs: T0 + MS })).toMatch(/^expiry_without_gtd:/);
    expect(types(h.place({ id: 'd', side: 'BUY', tif: 'GTD', px: '0.4', qty: '10', expireNs: T0 + MS }))).toEqual(['order_accepted']);
  });

  it('unknown asset, no book, invalid book after a tick-size change, closed market, duplicate id', () => {
    const h = setup();
    expect(rejectReason(h, { id: 'a', asset: 'other', side: 'BUY', px: '0.4', qty: '10' })).toMatch(/^unknown_asset:/);
    const noBook = new Harness({}, null); // metadata known, but the registry has no book for the token
    noBook.metas.set(YES, meta());
    expect(rejectReason(noBook, { id: 'b', side: 'BUY', px: '0.4', qty: '10' })).toMatch(/^no_book:/);
    const noSnapshot = new Harness(); // paired in the registry, no snapshot yet: the book is not valid
    expect(rejectReason(noSnapshot, { id: 'b', side: 'BUY', px: '0.4', qty: '10' })).toMatch(/^book_invalid:/);
    h.feed(tickChange(T0 + MS, '0.01', '0.001'));
    expect(rejectReason(h, { id: 'c', side: 'BUY', px: '0.4', qty: '10' })).toMatch(/^book_invalid:/);
    h.feed(snapshot(T0 + 2n * MS, YES, [lv('0.48', '100')], [lv('0.5', '100')], null));
    expect(types(h.place({ id: 'c2', side: 'BUY', px: '0.401', qty: '10' }))).toEqual(['order_accepted']);
    expect(rejectReason(h, { id: 'c2', side: 'BUY', px: '0.40', qty: '10' })).toMatch(/^duplicate_client_id:/);
    const closed = new Harness({}, meta({ closed: true }));
    closed.feed(snapshot(T0, YES, [lv('0.48', '100')], [lv('0.5', '100')]));
    expect(rejectReason(closed, { id: 'd', side: 'BUY', px: '0.4', qty: '10' })).toMatch(/^market_closed:/);
    expect(h.ex.stats().rejected).toBe(3);
  });
});
