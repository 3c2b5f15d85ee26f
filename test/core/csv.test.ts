import { describe, expect, it } from 'vitest';
import { toCsv, toJson } from '../../src/core/reports/csv.ts';

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
});
