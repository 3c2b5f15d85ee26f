import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Stamper } from '../../src/sources/stamp.ts';

describe('Stamper', () => {
  it('numbers records consecutively from nextSeq and clamps time so it never decreases', () => {
    const times = [100n, 105n, 90n, 90n, 200n, 150n];
    let i = 0;
    const s = new Stamper(() => times[i++] ?? 0n, 42);
    const got = times.map(() => s.stamp());
    expect(got.map((g) => g.seq)).toEqual([42, 43, 44, 45, 46, 47]);
    expect(got.map((g) => g.recvNs)).toEqual([100n, 105n, 105n, 105n, 200n, 200n]);
    expect(s.nextSeq).toBe(48);
    expect(s.lastRecvNs).toBe(200n);
  });

  it('continues from a floor time given by a resumed recording', () => {
    const s = new Stamper(() => 10n, 7, 1_000n);
    expect(s.stamp()).toEqual({ seq: 7, recvNs: 1_000n });
  });

  it('rejects a bad starting seq', () => {
    expect(() => new Stamper(() => 0n, -1)).toThrow(RangeError);
    expect(() => new Stamper(() => 0n, 1.5)).toThrow(RangeError);
  });

  it('property: seq strictly increases by one and recvNs is the running max of the clock', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 10n ** 18n }), { minLength: 1, maxLength: 200 }), fc.nat(1_000_000), (clock, start) => {
        let i = 0;
        const s = new Stamper(() => clock[i++] as bigint, start);
        let max = 0n;
        for (let k = 0; k < clock.length; k++) {
          const st = s.stamp();
          const t = clock[k] as bigint;
          if (t > max) max = t;
          expect(st.seq).toBe(start + k);
          expect(st.recvNs).toBe(max);
        }
      }),
      { seed: 20240601, numRuns: 200 },
    );
  });
});
