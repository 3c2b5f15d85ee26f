// sum-to-one-arb through a real TradingKernel: trades only when YES ask + NO ask (+ fees) <= 1 - minEdge,
// sizes to the profitable depth, merges min(YES, NO), respects the feed state. Numbers are hand-checked.
import { describe, expect, it } from 'vitest';
import strategy from './sum-to-one-arb.ts';
import { CRYPTO_FEES, MS, SEC, StrategyRun, WireScript, binaryMarket, noId, px, q, runScript, usd, yesId } from '../test/strategies/helpers.ts';

// Polymarket's YES and NO books are one book: NO asks = 1 - YES bids. YES ask + NO ask < 1 therefore
// needs a crossed YES book (bid above ask). The scenarios below cross it on purpose.

describe('sum-to-one-arb', () => {
  it('does nothing on a normal (uncrossed) book: YES ask + NO ask = 1 + spread', () => {
    const m = binaryMarket({ n: 1 });
    const s = new WireScript([m]).at(SEC).book(m, [['0.50', '100']], [['0.52', '100']]).at(2n * SEC).set(yesId(1), 'BUY', '0.51', '40');
    const run = runScript({ strategy, markets: [m] }, s);
    expect(run.orders()).toHaveLength(0);
  });

  it('buys both legs to the profitable depth and merges the pairs (fee-free)', () => {
    const m = binaryMarket({ n: 1 });
    // YES bid 0.55 x 50 crosses the YES ask 0.52: NO asks are 0.45 x 50, 0.50 x 100.
    // Pairs: 0.52 + 0.45 = 0.97 <= 0.99 for 50 pairs; the next pair 0.52 + 0.50 = 1.02 is not worth it.
    const s = new WireScript([m]).at(SEC).book(m, [['0.50', '100']], [['0.52', '100']]).at(2n * SEC).set(yesId(1), 'BUY', '0.55', '50');
    const run = runScript({ strategy, markets: [m], params: { minEdge: '0.01' } }, s);
    const orders = run.orders();
    expect(orders.map((o) => [o.assetId, o.side, o.tif, o.amount, o.px])).toEqual([
      [yesId(1), 'BUY', 'FAK', usd('26'), px('0.52')], // 50 x 0.52
      [noId(1), 'BUY', 'FAK', usd('22.5'), px('0.45')], // 50 x 0.45
    ]);
    expect(orders.every((o) => o.createdNs === s.startNs + 2n * SEC)).toBe(true);
    expect(run.fills().map((f) => [f.assetId, f.px, f.qty])).toEqual([
      [yesId(1), px('0.52'), q('50')],
      [noId(1), px('0.45'), q('50')],
    ]);
    const merges = run.events('positions_merged');
    expect(merges.map((e) => e.qty)).toEqual([q('50')]);
    expect(run.position(yesId(1))).toBe(0);
    expect(run.position(noId(1))).toBe(0);
    // 1000 - 48.50 + 50 = 1001.50
    expect(run.cash()).toBe(usd('1001.5'));
  });

  it('trades exactly when the pair costs at most 1 - minEdge', () => {
    const m = binaryMarket({ n: 1 });
    // YES ask 0.52, YES bid 0.535 -> NO ask 0.465: the pair costs exactly 0.985.
    const script = () => new WireScript([m]).at(SEC).book(m, [['0.535', '100']], [['0.52', '100']], { tick: '0.001' });
    const at = runScript({ strategy, markets: [m], params: { minEdge: '0.015' } }, script());
    expect(at.orders()).toHaveLength(2);
    expect(at.events('positions_merged').map((e) => e.qty)).toEqual([q('100')]);
    const above = runScript({ strategy, markets: [m], params: { minEdge: '0.0151' } }, script());
    expect(above.orders()).toHaveLength(0);
  });

  it('counts the taker fee (paid in shares) and merges min(YES received, NO received)', () => {
    const m = binaryMarket({ n: 2, fees: CRYPTO_FEES });
    // YES ask 0.40, NO ask 0.45 (YES bid 0.55). Fees 0.07 x p(1-p) per share, withheld in shares:
    // YES: 100 x 0.07 x 0.24 = $1.68 -> 1.68 / 0.40 = 4.2 shares; NO: 100 x 0.07 x 0.2475 = $1.7325 -> 3.85 shares.
    const s = new WireScript([m]).at(SEC).book(m, [['0.55', '100']], [['0.40', '100']]);
    const run = runScript({ strategy, markets: [m], params: { size: '100' } }, s);
    expect(run.fills().map((f) => [f.assetId, f.qty, f.feeQty])).toEqual([
      [yesId(2), q('100'), q('4.2')],
      [noId(2), q('100'), q('3.85')],
    ]);
    expect(run.events('positions_merged').map((e) => e.qty)).toEqual([q('95.8')]);
    expect(run.position(yesId(2))).toBe(0);
    expect(run.position(noId(2))).toBe(q('0.35')); // the leg with the smaller fee keeps its extra shares
    // 1000 - 40 - 45 + 95.8
    expect(run.cash()).toBe(usd('1010.8'));
  });

  it('skips a gap the fee eats: 0.97 a pair is an arb fee-free but not at 0.07 x p(1-p)', () => {
    const book = (s: WireScript, m: ReturnType<typeof binaryMarket>) => s.at(SEC).book(m, [['0.53', '100']], [['0.50', '100']]);
    const free = binaryMarket({ n: 3 });
    const feed = binaryMarket({ n: 4, fees: CRYPTO_FEES });
    expect(runScript({ strategy, markets: [free] }, book(new WireScript([free]), free)).orders()).toHaveLength(2);
    // With fees: (0.50 + 0.47) > 0.99 x (1 - 0.07 x 0.53) = 0.9533
    expect(runScript({ strategy, markets: [feed] }, book(new WireScript([feed]), feed)).orders()).toHaveLength(0);
  });

  it('respects size and maxSpend per attempt, and never takes the same displayed shares twice', () => {
    const m = binaryMarket({ n: 1 });
    // 50 crossed pairs on display: YES ask 0.40 x 50, NO ask 0.45 x 50 (YES bid 0.55 x 50).
    // The replayed book does not react to our fills; later updates elsewhere keep showing the 50.
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.55', '50']], [['0.40', '50']])
      .at(3n * SEC).set(yesId(1), 'BUY', '0.10', '7')
      .at(5n * SEC).set(yesId(1), 'BUY', '0.20', '7')
      .at(7n * SEC).set(yesId(1), 'BUY', '0.30', '7');
    const bySize = runScript({ strategy, markets: [m], params: { size: '30', cooldown: '2s' } }, s);
    // 30 pairs; when the 2 s cooldown ends, the 20 left; then nothing
    expect(bySize.orders().map((o) => [o.amount, o.createdNs - s.startNs])).toEqual([
      [usd('12'), SEC], [usd('13.5'), SEC],
      [usd('8'), 3n * SEC], [usd('9'), 3n * SEC],
    ]);
    const bySpend = runScript({ strategy, markets: [m], params: { maxSpend: '17', cooldown: '500ms' } }, s);
    // $17 / 0.85 = 20 pairs per attempt: 20, 20, then the 10 left, 0.5 s apart
    expect(bySpend.orders().map((o) => [o.amount, o.createdNs - s.startNs])).toEqual([
      [usd('8'), SEC], [usd('9'), SEC],
      [usd('8'), SEC + 500_000_000n], [usd('9'), SEC + 500_000_000n],
      [usd('4'), 2n * SEC], [usd('4.5'), 2n * SEC],
    ]);
    expect(bySpend.events('positions_merged').map((e) => e.qty)).toEqual([q('20'), q('20'), q('10')]);
    expect(bySpend.fills().reduce((a, f) => a + f.qty, 0)).toBe(q('100'));
  });

  it('merges only the matched pairs when one leg fills partly', () => {
    const m = binaryMarket({ n: 1 });
    // Orders take 10 ms to arrive; in between the YES ask shrinks from 100 to 20 shares.
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.50', '100']], [['0.52', '100']])
      .at(2n * SEC).set(yesId(1), 'BUY', '0.55', '50')
      .wait(5n * MS).set(yesId(1), 'SELL', '0.52', '20');
    const run = runScript({ strategy, markets: [m], latencyNs: 10n * MS }, s);
    expect(run.fills().map((f) => [f.assetId, f.qty])).toEqual([
      [yesId(1), q('20')],
      [noId(1), q('50')],
    ]);
    expect(run.events('order_canceled').map((e) => e.reason)).toEqual(['fak_remainder']);
    expect(run.events('positions_merged').map((e) => e.qty)).toEqual([q('20')]);
    expect(run.position(noId(1))).toBe(q('30'));
  });

  it('does not trade while the feed is lost, and trades on the next snapshot', () => {
    const m = binaryMarket({ n: 1 });
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.50', '50']], [['0.52', '100']])
      .at(2n * SEC).close()
      .at(3n * SEC).reconnect()
      .at(4n * SEC).set(yesId(1), 'BUY', '0.55', '50') // crossed, but no snapshot since the loss
      .at(6n * SEC).book(m, [['0.55', '50']], [['0.52', '100']]);
    const run = new StrategyRun({ strategy, markets: [m] }, s.records);
    run.feedTo(s.startNs + 5n * SEC);
    expect(run.orders()).toHaveLength(0);
    run.finish();
    expect(run.orders().map((o) => o.createdNs)).toEqual([s.startNs + 6n * SEC, s.startNs + 6n * SEC]);
  });
});
