// px / qty / usd: exact values from text for strategy code, and a clear error on bad text.
import { describe, expect, it } from 'vitest';
import { CASH_SCALE, px, qty, usd } from '../../src/api.ts';

describe('px, qty, usd', () => {
  it('parse text exactly into ticks, micro-shares and Cash', () => {
    expect(px('0.41')).toBe(4100);
    expect(px('1')).toBe(10_000);
    expect(px('0')).toBe(0);
    expect(px(' 0.0001 ')).toBe(1);
    expect(qty('10')).toBe(10_000_000);
    expect(qty('0.000001')).toBe(1);
    expect(usd('5')).toBe(5n * CASH_SCALE);
    expect(usd('250.50')).toBe(2505n * CASH_SCALE / 10n);
    expect(usd('-3.25')).toBe(-325n * CASH_SCALE / 100n);
  });

  it('throw an error naming the call and the text', () => {
    expect(() => px('1.5')).toThrow("px('1.5'): not a price in [0, 1] with at most 4 decimals");
    expect(() => px('0.41$')).toThrow(RangeError);
    expect(() => px('0.00005')).toThrow(/at most 4 decimals/);
    expect(() => qty('-1')).toThrow("qty('-1'): not a share quantity (>= 0, at most 6 decimals)");
    expect(() => qty('1.0000001')).toThrow(RangeError);
    expect(() => usd('5 dollars')).toThrow("usd('5 dollars'): not a dollar amount");
    expect(() => usd('$5')).toThrow(RangeError);
    expect(() => px(0.41 as unknown as string)).toThrow("px() takes text such as px('0.41'), got number 0.41");
  });
});
