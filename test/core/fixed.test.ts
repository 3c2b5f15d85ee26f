import { describe, expect, it } from 'vitest';
import { D, decimalToCash, formatCash, formatPx, formatQty, notional, parsePx, parseQty, parseScaled } from '../../src/core/types/fixed.ts';

describe('fixed-point parsing', () => {
  it('parses venue price strings exactly onto the 1e-4 grid', () => {
    expect(parsePx('0.5')).toBe(5000);
    expect(parsePx('.48')).toBe(4800);
    expect(parsePx('0.500')).toBe(5000);
    expect(parsePx('0.0001')).toBe(1);
    expect(parsePx('1')).toBe(10000);
    expect(parsePx('0')).toBe(0);
    expect(parsePx('0.99900')).toBe(9990);
  });
  it('rejects prices off the grid, out of range, or not decimals', () => {
    expect(parsePx('0.00001')).toBeNull();
    expect(parsePx('1.0001')).toBeNull();
    expect(parsePx('-0.5')).toBeNull();
    expect(parsePx('')).toBeNull();
    expect(parsePx('.')).toBeNull();
    expect(parsePx('1e-2')).toBeNull();
    expect(parsePx('0x10')).toBeNull();
    expect(parsePx(' 0.5')).toBeNull();
  });
  it('parses sizes to micro-shares and refuses what would not be exact', () => {
    expect(parseQty('5786.29')).toBe(5_786_290_000);
    expect(parseQty('10500100')).toBe(10_500_100_000_000);
    expect(parseQty('25.0000')).toBe(25_000_000);
    expect(parseQty('0.0000001')).toBeNull();
    expect(parseQty('99999999999')).toBeNull();
    expect(parseScaled('007.50', 2)).toBe(750);
  });
  it('formats back to the shortest exact string', () => {
    expect(formatPx(5000)).toBe('0.5');
    expect(formatPx(10000)).toBe('1');
    expect(formatPx(1)).toBe('0.0001');
    expect(formatQty(5_786_290_000)).toBe('5786.29');
    expect(formatCash(-12_345n)).toBe('-0.0000012345');
    expect(formatCash(0n)).toBe('0');
  });
  it('computes notional exactly where binary floats would not', () => {
    // 0.1 * 3 shares: a float gives 0.30000000000000004
    expect(formatCash(notional(parsePx('0.1')!, parseQty('3')!))).toBe('0.3');
    expect(formatCash(notional(parsePx('0.9999')!, parseQty('9999999.999999')!))).toBe('9998999.9999990001');
    expect(decimalToCash(new D('1.56'))).toBe(15_600_000_000n);
  });
});
