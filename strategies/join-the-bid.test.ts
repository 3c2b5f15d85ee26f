// join-the-bid (the starter poly init copies) through a real TradingKernel: joins the best bid post-only,
// re-places the bid when it moves, offers what it holds at the ask but never below bid + edge, caps the
// position, and logs each fill.
import { describe, expect, it } from 'vitest';
import strategy from './join-the-bid.ts';
import { SEC, WireScript, binaryMarket, px, q, runScript, yesId } from '../test/strategies/helpers.ts';

const m = binaryMarket({ n: 1 });
const YES = yesId(1);

describe('join-the-bid', () => {
  it('joins the bid, follows it, sells the fill at the ask, and logs the fill', () => {
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.40', '100']], [['0.45', '100']])
      .at(2n * SEC).set(YES, 'BUY', '0.41', '30') // the bid moves up: cancel 0.40, join 0.41
      .at(3n * SEC).trade(YES, '0.41', '40', 'SELL') // 30 ahead of us, the print fills our 10
      .at(4n * SEC).set(YES, 'BUY', '0.41', '20'); // the next book change: bid again, offer the 10 held
    const run = runScript({ strategy, markets: [m], params: { size: '10' } }, s);
    const yes = run.orders().filter((o) => o.assetId === YES);
    expect(yes.map((o) => [o.side, o.px, o.qty, o.postOnly, o.status])).toEqual([
      ['BUY', px('0.40'), q('10'), true, 'canceled'],
      ['BUY', px('0.41'), q('10'), true, 'filled'],
      ['BUY', px('0.41'), q('10'), true, 'open'],
      ['SELL', px('0.45'), q('10'), true, 'open'],
    ]);
    expect(run.position(YES)).toBe(q('10'));
    expect(run.logs.filter((l) => l.msg === 'filled').map((l) => l.fields)).toEqual([{ side: 'BUY', px: px('0.41'), qty: q('10'), assetId: YES }]);
  });

  it('never offers below bid + edge, and stops bidding at maxPosition', () => {
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.40', '100']], [['0.41', '100']])
      .at(2n * SEC).trade(YES, '0.40', '200', 'SELL')
      .at(3n * SEC).set(YES, 'SELL', '0.41', '90');
    const run = runScript({ strategy, markets: [m], params: { size: '10', edge: '0.03', maxPosition: '10' } }, s);
    const yes = run.orders().filter((o) => o.assetId === YES);
    expect(yes.map((o) => [o.side, o.px, o.status])).toEqual([
      ['BUY', px('0.40'), 'filled'],
      ['SELL', px('0.43'), 'open'], // the ask is 0.41, but 0.40 + 0.03 is the floor
    ]);
  });
});
