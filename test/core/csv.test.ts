import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCsv, toCsv, toJson } from '../../src/core/reports/csv.ts';

describe('csv/json writers', () => {
  it('quotes only what needs quoting and ends lines with \\n', () => {
    const csv = toCsv(
      [
        { name: 'a', get: (r: { a: string; b: bigint | null }) => r.a },
        { name: 'b', get: (r) => r.b },
      ],
      [
        { a: 'plain', b: 1n },
        { a: 'with,comma', b: null },
        { a: 'say "hi"\nthere', b: -2n },
      ],
    );
    expect(csv).toBe('a,b\nplain,1\n"with,comma",\n"say ""hi""\nthere",-2\n');
  });
  it('serialises bigint in JSON as strings', () => {
    expect(toJson({ x: 10n ** 20n, y: [1n] })).toBe('{\n  "x": "100000000000000000000",\n  "y": [\n    "1"\n  ]\n}\n');
  });
  it('parseCsv reads back what toCsv wrote (quotes, commas, line breaks, empty fields)', () => {
    expect(parseCsv('a,b\nplain,1\n"with,comma",\n"say ""hi""\nthere",-2\n')).toEqual({
      header: ['a', 'b'],
      rows: [['plain', '1'], ['with,comma', ''], ['say "hi"\nthere', '-2']],
    });
    expect(parseCsv('a,b\r\n1,2\r\n')).toEqual({ header: ['a', 'b'], rows: [['1', '2']] });
    expect(parseCsv('a\n')).toEqual({ header: ['a'], rows: [] });
    expect(() => parseCsv('a,b\n1\n')).toThrow(/row 2 has 1 fields/);
    expect(() => parseCsv('a\n"open\n')).toThrow(/unterminated/);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 8 }), (rows) => {
        const csv = toCsv([{ name: 'x', get: (r: [string, string]) => r[0] }, { name: 'y', get: (r) => r[1] }], rows);
        expect(parseCsv(csv)).toEqual({ header: ['x', 'y'], rows: rows.map(([a, b]) => [a, b]) });
      }),
      { seed: 13, numRuns: 300 },
    );
  });
});
