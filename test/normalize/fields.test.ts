import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal, timestampMsOf } from '../../src/core/normalize/polymarket/fields.ts';
import { parseScaled } from '../../src/core/types/fixed.ts';

describe('parseDecimal (the hot-path parser) agrees with parseScaled in fixed.ts', () => {
  const decimalish = fc.stringMatching(/^-?[0-9]{0,18}(\.[0-9]{0,9})?$/);
  const noisy = fc.string({ unit: fc.constantFrom('0', '1', '5', '9', '.', '-', 'e', ' ', '+', 'x'), maxLength: 12 });

  it('on decimal-looking and noisy strings, for 4 and 6 decimals (property)', () => {
    fc.assert(
      fc.property(fc.oneof(decimalish, noisy), fc.constantFrom(4, 6), (s, d) => {
        const want = parseScaled(s, d);
        expect(parseDecimal(s, d)).toBe(want === null ? -1 : want);
      }),
      { seed: 1234, numRuns: 2000 },
    );
  });

  it('on the edges of exactness', () => {
    const cases = ['0', '.5', '5.', '.', '', '0.00010', '0.00001', '9007199254.740991', '9007199254.740992', '99999999999', '007.50', '1e3', '-1', '0x10'];
    for (const s of cases) for (const d of [4, 6]) expect([s, d, parseDecimal(s, d)]).toEqual([s, d, parseScaled(s, d) ?? -1]);
  });
});

describe('timestamps', () => {
  it('takes epoch ms strings and numbers, scales seconds, refuses junk', () => {
    expect(timestampMsOf('1766481546487', 't')).toBe(1_766_481_546_487);
    expect(timestampMsOf(1_780_730_269_142, 't')).toBe(1_780_730_269_142);
    expect(timestampMsOf('1762776436', 't')).toBe(1_762_776_436_000);
    expect(timestampMsOf(undefined, 't')).toBeNull();
    expect(timestampMsOf('', 't')).toBeNull();
    expect(() => timestampMsOf('17664815x6487', 't')).toThrow(/invalid_field: t: "17664815x6487" is not an epoch timestamp/);
    expect(() => timestampMsOf(1.5, 't')).toThrow(/not an epoch timestamp/);
  });
});
