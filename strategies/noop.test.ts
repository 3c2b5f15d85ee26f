// noop: loads, parses, runs a script without trading (equity stays the initial cash).
import { describe, expect, it } from 'vitest';
import strategy from './noop.ts';
import { isStrategyDefinition } from '../src/core/strategy/api.ts';
import { SEC, WireScript, binaryMarket, runScript, usd, yesId } from '../test/strategies/helpers.ts';

describe('noop', () => {
  it('is a valid strategy with no parameters', () => {
    expect(isStrategyDefinition(strategy)).toBe(true);
    expect(strategy.params.parse({})).toEqual({});
    expect(strategy.params.safeParse({ size: '1' }).success).toBe(true); // unknown keys are the loader's job
  });

  it('runs a whole script without trading; equity stays the initial cash', () => {
    const m = binaryMarket({ n: 1 });
    const s = new WireScript([m])
      .at(SEC).book(m, [['0.48', '100']], [['0.52', '100']])
      .at(2n * SEC).set(yesId(1), 'BUY', '0.49', '10')
      .at(3n * SEC).trade(yesId(1), '0.52', '5', 'BUY')
      .at(4n * SEC).resolve(m, 0);
    const run = runScript({ strategy, markets: [m], initialCash: usd('250') }, s);
    expect(run.orders()).toHaveLength(0);
    expect(run.kernel.quality.records).toBe(s.records.length);
    expect(run.kernel.quality.normalizationErrors).toBe(0);
    expect(run.journal.equity.length).toBeGreaterThan(0);
    expect(run.journal.equity.every((e) => e.equity === usd('250'))).toBe(true);
  });
});
