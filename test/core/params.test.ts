import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { humanParams, p, parseDurationNs } from '../../src/core/strategy/params.ts';

describe('strategy parameter schemas', () => {
  const schema = z.object({ edge: p.px().prefault('0.01'), size: p.qty(), budget: p.usd(), n: p.int(), on: p.bool(), every: p.duration() });
  it('turns strings and JSON numbers into exact values', () => {
    const v = schema.parse({ size: '12.5', budget: '100.25', n: '3', on: 'true', every: '5s' });
    expect(v).toEqual({ edge: 100, size: 12_500_000, budget: 1_002_500_000_000n, n: 3, on: true, every: 5_000_000_000n });
    const w = schema.parse({ edge: 0.07, size: 10, budget: 5, n: 1, on: false, every: 250 });
    expect(w.edge).toBe(700);
    expect(w.budget).toBe(50_000_000_000n);
    expect(w.every).toBe(250_000_000n);
  });
  it('names the bad value', () => {
    const r = schema.safeParse({ edge: '0.00001', size: 'x', budget: 'lots', n: '1.5', on: 'maybe', every: 'soon' });
    expect(r.success).toBe(false);
    const msgs = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(msgs).toEqual([
      "edge: '0.00001' is not a price in [0, 1] on the 0.0001 grid",
      "size: 'x' is not a share quantity (>= 0, at most 6 decimals)",
      "budget: 'lots' is not a dollar amount",
      "n: '1.5' is not an integer",
      "on: 'maybe' is not a boolean (true/false)",
      "every: 'soon' is not a duration (e.g. 250ms, 10s, 5m, 1h)",
    ]);
  });
  it('parses durations', () => {
    expect(parseDurationNs('1h')).toBe(3_600_000_000_000n);
    expect(parseDurationNs('10')).toBe(10_000_000n);
    expect(parseDurationNs('-1s')).toBeNull();
  });
});

describe('humanParams: parameters in the units people write them (run.json, summary.json)', () => {
  const schema = z.object({
    edge: p.px().prefault('0.02'),
    size: p.qty().prefault('10'),
    budget: p.usd().prefault('1000'),
    window: p.duration().prefault('5m'),
    levels: p.int().prefault('3'),
    mode: z.enum(['a', 'b']).prefault('a'),
    raw: z.bigint().optional(),
  });

  it('prints every p.* value as its exact text, keeps unit-less values, bigint as text', () => {
    const v = schema.parse({ raw: 7n });
    expect(v.size).toBe(10_000_000);
    expect(humanParams(schema, v)).toEqual({ edge: '0.02', size: '10', budget: '1000', window: '5m', levels: 3, mode: 'a', raw: '7' });
  });

  it('round-trips: the printed text parses back to the same values', () => {
    const v = schema.parse({ edge: '0.0137', size: '2.5', budget: '0.0000000001', window: '1500ms' });
    const back = schema.parse(humanParams(schema, v));
    expect(back).toEqual(v);
  });
});
