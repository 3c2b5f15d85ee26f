import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/core/rng.ts';
import { Backoff } from '../../src/sources/backoff.ts';

describe('Backoff', () => {
  it('without jitter doubles from initialMs up to maxMs and resets', () => {
    const b = new Backoff({ initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0 });
    const seq = Array.from({ length: 9 }, () => b.next());
    expect(seq).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(b.attempts).toBe(9);
    b.reset();
    expect(b.next()).toBe(500);
  });

  it('with jitter stays within [(1 - jitter) * base, base] and is reproducible from the seed', () => {
    const mk = (seed: number): number[] => {
      const b = new Backoff({ initialMs: 100, maxMs: 10_000, factor: 3, jitter: 0.5 }, seededRng(seed));
      return Array.from({ length: 12 }, () => b.next());
    };
    const a = mk(11);
    expect(mk(11)).toEqual(a);
    expect(mk(12)).not.toEqual(a);
    a.forEach((d, n) => {
      const base = Math.min(10_000, 100 * 3 ** n);
      expect(d).toBeGreaterThanOrEqual(Math.floor(base * 0.5));
      expect(d).toBeLessThanOrEqual(base);
    });
    // jitter actually varies the delays (not all at the same point of the band)
    const ratios = a.map((d, n) => d / Math.min(10_000, 100 * 3 ** n));
    expect(new Set(ratios.map((r) => r.toFixed(3))).size).toBeGreaterThan(6);
  });

  it('refuses nonsense options', () => {
    expect(() => new Backoff({ initialMs: 10, maxMs: 5 })).toThrow(RangeError);
    expect(() => new Backoff({ jitter: 2 })).toThrow(RangeError);
    expect(() => new Backoff({ factor: 0.5 })).toThrow(RangeError);
  });
});
