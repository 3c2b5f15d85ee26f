import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/core/rng.ts';

describe('seeded rng', () => {
  it('is a pure function of its seed', () => {
    const a = seededRng(7), b = seededRng(7), c = seededRng(8);
    const sa = Array.from({ length: 50 }, () => a.nextU32());
    const sb = Array.from({ length: 50 }, () => b.nextU32());
    const sc = Array.from({ length: 50 }, () => c.nextU32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });
  it('draws ints in range without obvious bias', () => {
    const r = seededRng(1);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(6)]! += 1;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    for (let i = 0; i < 1000; i++) {
      const f = r.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
    }
  });
  it('forks deterministic, distinct streams', () => {
    const f1 = seededRng(3).fork(), f2 = seededRng(3).fork();
    expect(f1.nextU32()).toBe(f2.nextU32());
    expect(seededRng(3).fork().nextU32()).not.toBe(seededRng(3).nextU32());
  });
});
