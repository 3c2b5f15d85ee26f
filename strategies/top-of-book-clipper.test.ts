// top-of-book-clipper through a real TradingKernel: joins the touch, requotes only when it moves, caps
// inventory, offers what it holds, pulls quotes on resolution and feed loss.
import { describe, expect, it } from 'vitest';
import strategy from './top-of-book-clipper.ts';
import { SEC, StrategyRun, WireScript, binaryMarket, noId, px, q, runScript, usd, yesId } from '../test/strategies/helpers.ts';

const m = binaryMarket({ n: 1 });
const YES = yesId(1);

/** Book 0.40 / 0.45; the best bid moves to 0.41; more size joins there; a seller hits 0.41 for 40; the ask moves to 0.44. */
function script(): WireScript {
  return new WireScript([m])
    .at(SEC).book(m, [['0.40', '100']], [['0.45', '100']])
    .at(2n * SEC).set(YES, 'BUY', '0.41', '30')
    .at(3n * SEC).set(YES, 'BUY', '0.41', '50')
    .at(4n * SEC).trade(YES, '0.41', '40', 'SELL')
    .at(5n * SEC).set(YES, 'SELL', '0.44', '20');
}

const summary = (run: StrategyRun) => run.orders().map((o) => [o.side, o.px, o.qty, o.postOnly, o.tif, o.status]);

describe('top-of-book-clipper', () => {
  it('joins the best bid, requotes when the touch moves, then offers what it bought at the best ask', () => {
    const s = script();
    const run = runScript({ strategy, markets: [m], params: { size: '10', maxInventory: '50' } }, s);
    expect(summary(run)).toEqual([
      ['BUY', px('0.40'), q('10'), true, 'GTC', 'canceled'], // joined 0.40; the touch moved to 0.41
      ['BUY', px('0.41'), q('10'), true, 'GTC', 'filled'], // 30 ahead of us; the 40-share print fills our 10
      ['BUY', px('0.41'), q('10'), true, 'GTC', 'open'], // re-joined at once; still resting at the end
      ['SELL', px('0.45'), q('10'), true, 'GTC', 'canceled'], // offers the 10 held; the ask moved to 0.44
      ['SELL', px('0.44'), q('10'), true, 'GTC', 'open'], // placed once the 0.45 cancel was confirmed
    ]);
    const created = run.orders().map((o) => o.createdNs - s.startNs);
    expect(created).toEqual([SEC, 2n * SEC, 4n * SEC, 4n * SEC, 5n * SEC]);
    expect(run.events('order_canceled').slice(0, 2).map((e) => e.reason)).toEqual(['user', 'user']);
    expect(run.position(YES)).toBe(q('10'));
  });

  it('does not requote while the touch stays put', () => {
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.40', '100']], [['0.45', '100']])
      .at(2n * SEC).set(YES, 'BUY', '0.40', '150') // size changes at the touch, price does not
      .at(3n * SEC).set(YES, 'BUY', '0.39', '80') // a level behind the touch
      .at(4n * SEC).set(YES, 'SELL', '0.46', '80');
    const run = runScript({ strategy, markets: [m] }, s);
    expect(run.orders()).toHaveLength(1);
  });

  it('stops bidding at maxInventory and only offers with sides=both', () => {
    const capped = runScript({ strategy, markets: [m], params: { size: '10', maxInventory: '10' } }, script());
    expect(summary(capped).map((o) => [o[0], o[1]])).toEqual([
      ['BUY', px('0.40')],
      ['BUY', px('0.41')],
      ['SELL', px('0.45')],
      ['SELL', px('0.44')],
    ]);
    const bidOnly = runScript({ strategy, markets: [m], params: { size: '10', sides: 'bid' } }, script());
    expect(bidOnly.orders().every((o) => o.side === 'BUY')).toBe(true);
  });

  it('after a risk denial it waits for the next book update instead of retrying at once', () => {
    // 10 x 0.40 = $4 > the $1 order limit: every bid is denied
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.40', '100']], [['0.45', '100']])
      .at(2n * SEC).set(YES, 'BUY', '0.41', '30')
      .at(3n * SEC).set(YES, 'BUY', '0.39', '30');
    const run = runScript({ strategy, markets: [m], risk: { maxOrderNotional: usd('1') } }, s);
    expect(run.journal.denials.map((d) => [d.rule, d.tsNs - s.startNs])).toEqual([
      ['max_order_notional', SEC],
      ['max_order_notional', 2n * SEC],
      ['max_order_notional', 3n * SEC],
    ]);
  });

  it('accepts only outcome 0 or 1', () => {
    expect(strategy.params.safeParse({ outcome: '2' }).success).toBe(false);
    expect(strategy.params.parse({ outcome: '1' }).outcome).toBe(1);
  });

  it('quotes the NO token when outcome=1, and pulls its quote when the market resolves', () => {
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.40', '100']], [['0.45', '100']])
      .at(2n * SEC).resolve(m, 1)
      .at(3n * SEC).set(YES, 'BUY', '0.41', '30');
    const run = runScript({ strategy, markets: [m], params: { outcome: '1' } }, s);
    // NO book: best bid = 1 - 0.45
    expect(run.orders().map((o) => [o.assetId, o.side, o.px, o.status])).toEqual([[noId(1), 'BUY', px('0.55'), 'canceled']]);
    expect(run.orders()[0]!.updatedNs - s.startNs).toBe(2n * SEC);
  });

  it('leaves the book while the feed is lost and rejoins on the next snapshot', () => {
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.40', '100']], [['0.45', '100']])
      .at(2n * SEC).close()
      .at(3n * SEC).reconnect()
      .at(4n * SEC).set(YES, 'BUY', '0.41', '30') // no snapshot yet: not tradeable
      .at(5n * SEC).book(m, [['0.42', '100']], [['0.45', '100']]);
    const run = runScript({ strategy, markets: [m] }, s);
    expect(run.orders().map((o) => [o.px, o.createdNs - s.startNs, o.reason])).toEqual([
      [px('0.40'), SEC, 'feed_lost'],
      [px('0.42'), 5n * SEC, ''],
    ]);
  });
});
