/** The sweep's parameter space: values validated by the strategy's schema, exact ranges, grid order, seeded random draws. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineStrategy, p } from '../../src/api.ts';
import { buildSpace, drawSets, rangeValues, schemaChoices, spaceSize } from '../../src/sweep/space.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);

const def = defineStrategy({
  name: 'space-test',
  params: z.object({
    size: p.qty().prefault('10'),
    halfSpread: p.px().prefault('0.02'),
    stopBefore: p.duration().prefault('5m'),
    mode: z.enum(['passive', 'aggressive']).prefault('passive'),
    hedge: p.bool().prefault('false'),
    levels: p.int().refine((v) => v >= 1, { message: 'levels must be at least 1' }).prefault('1'),
  }),
  create: () => ({}),
});

describe('parameter space', () => {
  it('a grid is the product in schema order (last varies fastest), whatever the flag order', async () => {
    const dims = await buildSpace(def, { grid: ['halfSpread=0.01,0.02', 'size=5,10,20'], fixed: [] });
    expect(dims.map((d) => d.name)).toEqual(['size', 'halfSpread']);
    const sets = drawSets(def, dims, undefined);
    expect(sets.map((s) => s.human)).toEqual([
      { size: '5', halfSpread: '0.01' },
      { size: '5', halfSpread: '0.02' },
      { size: '10', halfSpread: '0.01' },
      { size: '10', halfSpread: '0.02' },
      { size: '20', halfSpread: '0.01' },
      { size: '20', halfSpread: '0.02' },
    ]);
    // validated exactly like --param: human units in, exact internal values out
    expect((sets[0]!.resolved as { size: number; halfSpread: number }).size).toBe(5_000_000);
    expect((sets[0]!.resolved as { size: number; halfSpread: number }).halfSpread).toBe(100);
    expect(sets.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('refuses a value the schema refuses, naming it, before any run', async () => {
    await expect(buildSpace(def, { grid: ['halfSpread=0.01,1.5'], fixed: [] })).rejects.toThrow(/halfSpread.*'1\.5' is not a price/);
    await expect(buildSpace(def, { grid: ['levels=1,0'], fixed: [] })).rejects.toThrow(/levels must be at least 1/);
    await expect(buildSpace(def, { grid: ['nope=1'], fixed: [] })).rejects.toThrow(/has no parameter 'nope'; its parameters are: size, halfSpread/);
    await expect(buildSpace(def, { grid: ['size'], fixed: [] })).rejects.toThrow(/name=v1,v2/);
  });

  it('ranges are exact decimals or durations', () => {
    expect(rangeValues('0.01', '0.05', '0.01', 'x')).toEqual(['0.01', '0.02', '0.03', '0.04', '0.05']);
    expect(rangeValues('0.1', '0.35', '0.1', 'x')).toEqual(['0.1', '0.2', '0.3']); // never 0.30000000000000004
    expect(rangeValues('1m', '3m', '30s', 'x')).toEqual(['60s', '90s', '120s', '150s', '180s']);
    expect(rangeValues('1m', '3m', '1m', 'x')).toEqual(['1m', '2m', '3m']);
    expect(() => rangeValues('1', '0', '1', 'x')).toThrow(/below min/);
    expect(() => rangeValues('1m', '2m', '0s', 'x')).toThrow(/step must be positive/);
    expect(() => rangeValues('1m', '2', '1s', 'x')).toThrow(/all be decimals \(0.01\) or all durations/);
  });

  it('choices come from the schema (enum, booleans); a space file mixes values, ranges and fixed values', async () => {
    expect(schemaChoices(def, 'mode')).toEqual(['passive', 'aggressive']);
    expect(schemaChoices(def, 'hedge')).toEqual(['false', 'true']);
    expect(schemaChoices(def, 'size')).toBeNull();
    const file = join(tempDir(), 'space.json');
    await writeFile(file, JSON.stringify({ mode: '*', size: { min: '5', max: '15', step: '5' }, halfSpread: ['0.01', 0.02], stopBefore: '2m', hedge: { choices: true } }));
    const dims = await buildSpace(def, { grid: ['size=7'], fixed: ['levels=2'], spaceFile: file });
    expect(dims).toEqual([
      { name: 'size', values: ['7'] },
      { name: 'halfSpread', values: ['0.01', '0.02'] },
      { name: 'stopBefore', values: ['2m'] },
      { name: 'mode', values: ['passive', 'aggressive'] },
      { name: 'hedge', values: ['false', 'true'] },
      { name: 'levels', values: ['2'] },
    ]);
    expect(spaceSize(dims)).toBe(8);
    await expect(buildSpace(def, { grid: ['size=*'], fixed: [] })).rejects.toThrow(/'\*' needs a parameter with declared choices/);
  });

  it('random search: N distinct sets, the same for the same seed, others for another seed', async () => {
    const dims = await buildSpace(def, { grid: ['size=1,2,3,4,5,6,7,8,9,10', 'halfSpread=0.01,0.02,0.03,0.04,0.05,0.06,0.07,0.08,0.09,0.1'], fixed: [] });
    const a = drawSets(def, dims, { n: 20, seed: 7 });
    const b = drawSets(def, dims, { n: 20, seed: 7 });
    const c = drawSets(def, dims, { n: 20, seed: 8 });
    expect(a.length).toBe(20);
    expect(new Set(a.map((s) => JSON.stringify(s.human))).size).toBe(20);
    expect(b.map((s) => s.human)).toEqual(a.map((s) => s.human));
    expect(c.map((s) => s.human)).not.toEqual(a.map((s) => s.human));
    // asking for more than the space holds gives the whole grid, in grid order
    const all = drawSets(def, dims, { n: 500, seed: 7 });
    expect(all.map((s) => s.human)).toEqual(drawSets(def, dims, undefined).map((s) => s.human));
  });
});
