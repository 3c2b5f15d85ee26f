// spike-fade through a real TradingKernel: fades fast moves only (window + threshold), exits at the
// target or after the hold time, fades one spike once.
import { describe, expect, it } from 'vitest';
import strategy from './spike-fade.ts';
import { SEC, WireScript, binaryMarket, noId, px, q, runScript, usd, yesId } from '../test/strategies/helpers.ts';

const m = binaryMarket({ n: 1 });
const YES = yesId(1), NO = noId(1);
const params = { window: '30s', threshold: '0.05', size: '10', hold: '60s', target: '0.03', maxSlippage: '0.02' };

/** Mid 0.50, then a jump to 0.60 at 10 s (NO asks = 1 - YES bids: 0.41 x 100 after the jump). */
const spike = () =>
  new WireScript([m])
    .at(SEC).book(m, [['0.49', '100']], [['0.51', '100']])
    .at(10n * SEC).book(m, [['0.59', '100']], [['0.61', '100']]);

const rows = (run: ReturnType<typeof runScript>, start: bigint) =>
  run.orders().map((o) => [o.assetId === YES ? 'YES' : 'NO', o.side, o.tif, o.px, o.createdNs - start, o.filledQty]);

describe('spike-fade', () => {
  it('fades an up-spike by buying NO and exits after the hold time', () => {
    const s = spike().keepAlive(80n * SEC);
    const run = runScript({ strategy, markets: [m], params }, s);
    expect(rows(run, s.startNs)).toEqual([
      ['NO', 'BUY', 'GTC', px('0.41'), 10n * SEC, q('10')], // at the NO best ask
      ['NO', 'SELL', 'FAK', px('0.37'), 70n * SEC, q('10')], // hold over: sell, no lower than 0.39 - 0.02
    ]);
    expect(run.fills().map((f) => f.px)).toEqual([px('0.41'), px('0.39')]);
    expect(run.position(NO)).toBe(0);
    expect(run.cash()).toBe(usd('999.8')); // bought at 0.41, sold at 0.39
  });

  it('exits early when the target is reached', () => {
    const s = spike().at(20n * SEC).book(m, [['0.49', '100']], [['0.51', '100']]).keepAlive(80n * SEC);
    const run = runScript({ strategy, markets: [m], params }, s);
    // NO best bid back to 0.49 >= 0.41 + 0.03
    expect(rows(run, s.startNs)).toEqual([
      ['NO', 'BUY', 'GTC', px('0.41'), 10n * SEC, q('10')],
      ['NO', 'SELL', 'FAK', px('0.47'), 20n * SEC, q('10')],
    ]);
    expect(run.cash()).toBe(usd('1000.8'));
  });

  it('fades a down-spike by buying YES', () => {
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.49', '100']], [['0.51', '100']])
      .at(5n * SEC).book(m, [['0.43', '100']], [['0.45', '100']]); // mid 0.44: down 0.06
    const run = runScript({ strategy, markets: [m], params }, s);
    expect(rows(run, s.startNs)[0]).toEqual(['YES', 'BUY', 'GTC', px('0.45'), 5n * SEC, q('10')]);
  });

  it('ignores the same move when it is slower than the window, or smaller than the threshold', () => {
    // 0.50 -> 0.60 in steps of 0.02 every 20 s: never 0.05 within 30 s.
    const slow = new WireScript([m]);
    for (let i = 0n; i <= 5n; i++) {
      const mid = 50 + 2 * Number(i);
      slow.at(SEC + 20n * SEC * i).book(m, [[`0.${mid - 1}`, '100']], [[`0.${mid + 1}`, '100']]);
    }
    expect(runScript({ strategy, markets: [m], params }, slow).orders()).toHaveLength(0);
    const small = new WireScript([m]).at(SEC).book(m, [['0.49', '100']], [['0.51', '100']]).at(2n * SEC).book(m, [['0.53', '100']], [['0.55', '100']]);
    expect(runScript({ strategy, markets: [m], params }, small).orders()).toHaveLength(0);
    expect(runScript({ strategy, markets: [m], params: { ...params, threshold: '0.04' } }, small).orders()).toHaveLength(1);
  });

  it('fades one spike once: the window restarts after the trade', () => {
    const s = spike().at(12n * SEC).book(m, [['0.60', '100']], [['0.62', '100']]).keepAlive(80n * SEC);
    const run = runScript({ strategy, markets: [m], params }, s);
    expect(run.orders().filter((o) => o.side === 'BUY')).toHaveLength(1);
  });
});
