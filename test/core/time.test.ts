import { describe, expect, it } from 'vitest';
import { isoFromNs, nsFromIso, utcDay, daysFromCivil, civilFromDays } from '../../src/core/time.ts';

describe('pure time helpers', () => {
  it('formats ns instants as ISO UTC with nanoseconds', () => {
    expect(isoFromNs(0n)).toBe('1970-01-01T00:00:00.000000000Z');
    // 1765450800 = slug time of the Caiooooo window, 2025-12-11 11:00:00 UTC
    expect(isoFromNs(1_765_450_800_123_456_789n)).toBe('2025-12-11T11:00:00.123456789Z');
    expect(isoFromNs(951_782_400n * 1_000_000_000n)).toBe('2000-02-29T00:00:00.000000000Z');
    expect(isoFromNs(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
  });
  it('parses ISO back exactly and refuses impossible dates', () => {
    expect(nsFromIso('2025-12-11T11:00:00.123456789Z')).toBe(1_765_450_800_123_456_789n);
    expect(nsFromIso('2025-12-11')).toBe(1_765_411_200_000_000_000n);
    expect(nsFromIso('2025-12-11T11:00Z')).toBe(1_765_450_800_000_000_000n);
    expect(nsFromIso('2025-02-29')).toBeNull();
    expect(nsFromIso('2025-13-01')).toBeNull();
    expect(nsFromIso('yesterday')).toBeNull();
  });
  it('round-trips civil dates over four centuries', () => {
    for (let day = -200_000; day < 200_000; day += 97) {
      const { y, m, d } = civilFromDays(day);
      expect(daysFromCivil(y, m, d)).toBe(day);
    }
    expect(utcDay(86_400n * 1_000_000_000n - 1n)).toBe(0);
    expect(utcDay(86_400n * 1_000_000_000n)).toBe(1);
  });
});
