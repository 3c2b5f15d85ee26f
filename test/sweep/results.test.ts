/** Sweep aggregation and ranking: combined equity, sums, deterministic ties. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregate, combinedEquity, compareByObjective, equityFromCsv, metricsFromSummary, objectiveValue, type Metrics } from '../../src/sweep/results.ts';
import { ROOT } from '../helpers/cli.ts';

const GOLD = join(ROOT, 'test/golden/sol-15m/market-maker');
const C = (d: string): bigint => BigInt(d) * 10_000_000_000n;

describe('sweep results', () => {
  it('reads a run summary; the aggregate of two runs sums money and recomputes drawdown on the combined curve', async () => {
    const m = metricsFromSummary(await readFile(join(GOLD, 'summary.json'), 'utf8'));
    expect(m.pnl).toBe('-9.2');
    expect(m.fills).toBe(17);
    expect(m.records).toBe(878);
    const eq = equityFromCsv(await readFile(join(GOLD, 'equity.csv'), 'utf8'));
    expect(eq.length).toBeGreaterThan(5);
    // a single run aggregates to itself
    expect(aggregate([{ metrics: m, equity: eq }], C('1000'), 60_000_000_000n)).toEqual(m);
    // the same run twice, one day apart: P&L doubles, the combined drawdown is the sum of both (no recovery in between)
    const day = 86_400_000_000_000n;
    const later = eq.map((p) => ({ tsNs: p.tsNs + day, equity: p.equity }));
    const two = aggregate([{ metrics: m, equity: eq }, { metrics: m, equity: later }], C('1000'), 60_000_000_000n);
    expect(two.pnl).toBe('-18.4');
    expect(two.fills).toBe(34);
    expect(two.records).toBe(1756);
    expect(two.return).toBe('-0.018400');
    expect(two.max_drawdown).toBe('18.4');
  });

  it('combined equity: initial + the sum of each run P&L so far, step-wise', () => {
    const i = C('100');
    const a = [{ tsNs: 10n, equity: C('100') }, { tsNs: 20n, equity: C('105') }];
    const b = [{ tsNs: 15n, equity: C('100') }, { tsNs: 30n, equity: C('98') }];
    expect(combinedEquity([a, b], i)).toEqual([
      { tsNs: 10n, equity: C('100') },
      { tsNs: 15n, equity: C('100') },
      { tsNs: 20n, equity: C('105') },
      { tsNs: 30n, equity: C('103') },
    ]);
  });

  it('ranks by the objective, a missing value last, ties by drawdown then by the parameter text', () => {
    const base = { pnl: '1', return: '0.001000', sharpe: null, sortino: null, max_drawdown: '1', max_drawdown_fraction: '0.001000' } as unknown as Metrics;
    const rows = [
      { human: { a: '2' }, metrics: { ...base } },
      { human: { a: '1' }, metrics: { ...base } },
      { human: { a: '0' }, metrics: { ...base, max_drawdown: '0.5' } },
      { human: { a: '9' }, metrics: { ...base, pnl: '3' } },
    ];
    expect([...rows].sort(compareByObjective('pnl')).map((r) => r.human.a)).toEqual(['9', '0', '1', '2']);
    expect([...rows].reverse().sort(compareByObjective('pnl')).map((r) => r.human.a)).toEqual(['9', '0', '1', '2']);
    const withSharpe = [{ human: { a: '1' }, metrics: { ...base, sharpe: '-5' } }, { human: { a: '2' }, metrics: { ...base } }];
    expect(withSharpe.sort(compareByObjective('sharpe')).map((r) => r.human.a)).toEqual(['1', '2']);
    expect(objectiveValue({ ...base, return: '0.002', max_drawdown_fraction: '0.001' }, 'calmar')?.toString()).toBe('2');
    expect(objectiveValue({ ...base, max_drawdown_fraction: '0' }, 'calmar')).toBeNull();
  });
});
