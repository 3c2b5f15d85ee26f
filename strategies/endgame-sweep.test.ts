// endgame-sweep through a real TradingKernel: acts only in [endDate - window, endDate), only on a side
// bid at the threshold, caps price and budget, holds to settlement.
import { describe, expect, it } from 'vitest';
import strategy from './endgame-sweep.ts';
import { MIN, SEC, WireScript, binaryMarket, isoOf, noId, px, q, runScript, T0, usd, yesId } from '../test/strategies/helpers.ts';

const m = binaryMarket({ n: 1, endDate: isoOf(T0 + 30n * MIN) });
const YES = yesId(1);
const params = { window: '5m', threshold: '0.95', maxPx: '0.98', budget: '60' };

/** YES 0.95 bid; asks 0.96 x 30, 0.97 x 20, 0.99 x 100 (above the 0.98 cap). */
const favourite = (bid = '0.95') =>
  new WireScript([m]).at(SEC).book(m, [[bid, '100']], [['0.96', '30'], ['0.97', '20'], ['0.99', '100']]).keepAlive(20n * MIN);

describe('endgame-sweep', () => {
  it('buys the favourite only inside the last minutes, capped at maxPx, up to the budget, and holds to settlement', () => {
    const s = favourite()
      .at(20n * MIN).set(YES, 'BUY', '0.94', '10') // before the window: nothing
      .keepAlive(27n * MIN)
      .at(27n * MIN).set(YES, 'SELL', '0.98', '10') // new asks within the cap: top up
      .at(28n * MIN).set(YES, 'SELL', '0.99', '40') // above the cap: nothing
      .keepAlive(31n * MIN)
      .at(31n * MIN).resolve(m, 0);
    const run = runScript({ strategy, markets: [m], params }, s);
    expect(run.orders().map((o) => [o.assetId, o.side, o.tif, o.px, o.amount, o.createdNs - s.startNs])).toEqual([
      // the window opens at 25 min: 30 x 0.96 + 20 x 0.97 = 48.20
      [YES, 'BUY', 'FAK', px('0.98'), usd('48.2'), 25n * MIN],
      // 11.80 of budget left: 10 x 0.98 = 9.80
      [YES, 'BUY', 'FAK', px('0.98'), usd('9.8'), 27n * MIN],
    ]);
    expect(run.fills().map((f) => [f.px, f.qty])).toEqual([
      [px('0.96'), q('30')],
      [px('0.97'), q('20')],
      [px('0.98'), q('10')],
    ]);
    // held to settlement: 60 shares pay $60 for $58 spent
    expect(run.events('position_settled').map((e) => [e.assetId, e.qty, e.cash])).toEqual([[YES, q('60'), usd('60')]]);
    expect(run.cash()).toBe(usd('1002'));
  });

  it('does nothing when neither side is priced at the threshold', () => {
    const s = favourite('0.94').keepAlive(29n * MIN);
    expect(runScript({ strategy, markets: [m], params }, s).orders()).toHaveLength(0);
  });

  it('does nothing after the end date, and buys the NO side when NO is the favourite', () => {
    const late = new WireScript([m])
      .at(SEC).book(m, [['0.90', '100']], [['0.96', '100']])
      .keepAlive(30n * MIN + 30n * SEC)
      .at(30n * MIN + 30n * SEC).set(YES, 'BUY', '0.95', '100'); // favourite only after the end
    expect(runScript({ strategy, markets: [m], params }, late).orders()).toHaveLength(0);
    // YES bid 0.02 / ask 0.04 -> NO bid 0.96 / ask 0.98
    const no = new WireScript([m]).at(SEC).book(m, [['0.02', '100']], [['0.04', '100']]).keepAlive(26n * MIN);
    const run = runScript({ strategy, markets: [m], params }, no);
    // $60 at 0.98 buys 61.224489 shares (floored to 1e-6), costing 59.9999992200
    expect(run.orders().map((o) => [o.assetId, o.amount])).toEqual([[noId(1), usd('59.99999922')]]);
    expect(run.position(noId(1))).toBe(q('61.224489'));
  });

  it('ignores markets without an end date', () => {
    const open = binaryMarket({ n: 2 });
    const s = new WireScript([open]).at(SEC).book(open, [['0.97', '100']], [['0.98', '100']]);
    expect(runScript({ strategy, markets: [open], params }, s).orders()).toHaveLength(0);
  });
});
