// neg-risk-basket through a real TradingKernel: buys every outcome only when the set (VWAP for the size,
// fees included) costs less than 1 - minEdge; maxBaskets, cooldown, maxSpend; settles at $1 per set.
import { describe, expect, it } from 'vitest';
import strategy, { planBasket } from './neg-risk-basket.ts';
import { CRYPTO_FEES, SEC, WireScript, binaryMarket, px, q, runScript, usd, yesId } from '../test/strategies/helpers.ts';

const event = (negRisk = true, slug = 'who-wins') => [11, 12, 13].map((n) => binaryMarket({ n, negRisk, eventSlug: slug, question: `Will outcome ${n} win?` }));

/** YES books: A 0.28/0.30, B 0.23/0.25, C 0.43/0.45 (sum of asks 1.00). */
function books(ms: ReturnType<typeof event>): WireScript {
  const [a, b, c] = ms as [(typeof ms)[0], (typeof ms)[0], (typeof ms)[0]];
  return new WireScript(ms)
    .at(SEC).book(a, [['0.28', '100']], [['0.30', '100']])
    .book(b, [['0.23', '100']], [['0.25', '100']])
    .book(c, [['0.43', '100']], [['0.45', '100']]);
}

describe('neg-risk-basket', () => {
  it('buys YES of every outcome only once the set costs less than 1 - minEdge, and collects $1 per set', () => {
    const ms = event();
    const s = books(ms)
      .at(5n * SEC).set(yesId(13), 'SELL', '0.40', '100') // C offered at 0.40: set = 0.30 + 0.25 + 0.40 = 0.95
      .at(6n * SEC).resolve(ms[0]!, 0).resolve(ms[1]!, 1).resolve(ms[2]!, 1);
    const run = runScript({ strategy, markets: ms, params: { size: '10', minEdge: '0.01' } }, s);
    expect(run.orders().map((o) => [o.assetId, o.side, o.tif, o.amount, o.px, o.createdNs - s.startNs])).toEqual([
      [yesId(11), 'BUY', 'FOK', usd('3'), px('0.30'), 5n * SEC],
      [yesId(12), 'BUY', 'FOK', usd('2.5'), px('0.25'), 5n * SEC],
      [yesId(13), 'BUY', 'FOK', usd('4'), px('0.40'), 5n * SEC],
    ]);
    expect(run.fills().map((f) => f.qty)).toEqual([q('10'), q('10'), q('10')]);
    // A wins: 10 x $1 for $9.50
    expect(run.events('position_settled').map((e) => [e.assetId, e.cash])).toEqual([
      [yesId(11), usd('10')],
      [yesId(12), 0n],
      [yesId(13), 0n],
    ]);
    expect(run.cash()).toBe(usd('1000.5'));
  });

  it('prices the set at the VWAP for the whole size, not the best ask', () => {
    const ms = event();
    // C: only 5 at 0.40, the next 5 at 0.45 -> C costs 4.25 for 10; the set 9.75 for 10
    const s = books(ms).at(5n * SEC).set(yesId(13), 'SELL', '0.40', '5');
    const ok = runScript({ strategy, markets: ms, params: { size: '10', minEdge: '0.025' } }, s);
    expect(ok.orders().map((o) => o.amount)).toEqual([usd('3'), usd('2.5'), usd('4.25')]);
    expect(ok.orders()[2]!.px).toBe(px('0.45'));
    const tooTight = runScript({ strategy, markets: ms, params: { size: '10', minEdge: '0.026' } }, s);
    expect(tooTight.orders()).toHaveLength(0);
  });

  it('counts complete sets after the taker fee: the leg that loses the most shares decides', () => {
    const ms = [11, 12, 13].map((n) => binaryMarket({ n, negRisk: true, eventSlug: 'fees', fees: CRYPTO_FEES }));
    // asks A 0.30, B 0.25, C 0.35: $9.00 for 10 of each. Fee shares (0.07 x p(1-p) x 10 / p):
    // A 0.49, B 0.525, C 0.455 -> sets = 10 - 0.525 = 9.475; 9.00 <= (1 - e) x 9.475 iff e <= 0.05013...
    const s = new WireScript(ms)
      .at(SEC).book(ms[0]!, [['0.28', '100']], [['0.30', '100']])
      .book(ms[1]!, [['0.23', '100']], [['0.25', '100']])
      .book(ms[2]!, [['0.33', '100']], [['0.35', '100']])
      .at(2n * SEC).resolve(ms[0]!, 0).resolve(ms[1]!, 1).resolve(ms[2]!, 1);
    const run = runScript({ strategy, markets: ms, params: { size: '10', minEdge: '0.05' } }, s);
    expect(run.fills().map((f) => f.feeQty)).toEqual([q('0.49'), q('0.525'), q('0.455')]);
    expect(run.cash()).toBe(usd('1000.51')); // paid 9.00, A won: 9.51 shares pay $9.51
    expect(runScript({ strategy, markets: ms, params: { size: '10', minEdge: '0.0502' } }, s).orders()).toHaveLength(0);
  });

  it('does nothing when the set costs $1 or more, or the markets are not one neg-risk event', () => {
    const ms = event();
    expect(runScript({ strategy, markets: ms }, books(ms)).orders()).toHaveLength(0);
    const plain = event(false);
    const s = books(plain).at(5n * SEC).set(yesId(13), 'SELL', '0.40', '100');
    expect(runScript({ strategy, markets: plain }, s).orders()).toHaveLength(0);
    const other = event(true, 'who-wins');
    const s2 = books(other).at(5n * SEC).set(yesId(13), 'SELL', '0.40', '100');
    expect(runScript({ strategy, markets: other, params: { event: 'something-else' } }, s2).orders()).toHaveLength(0);
  });

  it('buys at most maxBaskets sets, cooldown apart, from the liquidity still there', () => {
    const ms = event();
    const s = books(ms)
      .at(5n * SEC).set(yesId(13), 'SELL', '0.40', '100')
      .at(5n * SEC + 500_000_000n).set(yesId(11), 'BUY', '0.10', '1') // within the cooldown
      .at(7n * SEC).set(yesId(11), 'BUY', '0.11', '1')
      .at(9n * SEC).set(yesId(11), 'BUY', '0.12', '1');
    const once = runScript({ strategy, markets: ms, params: { size: '10' } }, s);
    expect(once.orders()).toHaveLength(3);
    const twice = runScript({ strategy, markets: ms, params: { size: '10', maxBaskets: '2' } }, s);
    expect(twice.orders().map((o) => o.createdNs - s.startNs)).toEqual([5n * SEC, 5n * SEC, 5n * SEC, 7n * SEC, 7n * SEC, 7n * SEC]);
    expect(twice.position(yesId(12))).toBe(q('20'));
  });

  it('shrinks the set to maxSpend', () => {
    const ms = event();
    const s = books(ms).at(5n * SEC).set(yesId(13), 'SELL', '0.40', '100');
    const run = runScript({ strategy, markets: ms, params: { size: '50', maxSpend: '19' } }, s);
    // 50 sets cost 47.50 > 19: 50 x 19 / 47.5 = 20 sets
    expect(run.orders().map((o) => o.amount)).toEqual([usd('6'), usd('5'), usd('8')]);
  });

  it('plans nothing (and does not throw) when there is no cash to spend', () => {
    const outcomes = ['0.30', '0.31'].map((p, i) => ({ assetId: `t${i}`, asks: [{ px: px(p), qty: q('100') }], fee: () => q('0') }));
    expect(planBasket(outcomes, q('10'), px('0.01'), usd('0'))).toBeNull();
    expect(planBasket(outcomes, q('10'), px('0.01'), usd('-1'))).toBeNull();
    expect(planBasket(outcomes, q('10'), px('0.01'), usd('100'))?.sets).toBe(q('10'));
  });
});
