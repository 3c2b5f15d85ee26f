import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { decodeSpoolLine, emptySpoolStats, encodeSpoolLine, readSpool } from '../../src/recorder/spool.ts';
import { cleanupTempDirs, recordArb, recordFor, tempDir } from './helpers.ts';

afterAll(cleanupTempDirs);

async function readAll(path: string): Promise<{ records: RawRecord[]; stats: ReturnType<typeof emptySpoolStats> }> {
  const stats = emptySpoolStats();
  const records: RawRecord[] = [];
  for await (const r of readSpool(path, stats)) records.push(r);
  return { records, stats };
}


describe('spool line format', () => {
  it('round-trips any record exactly, one LF-terminated line with no inner LF', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        const line = encodeSpoolLine(r);
        expect(line[line.length - 1]).toBe(0x0a);
        expect(line.subarray(0, line.length - 1).includes(0x0a)).toBe(false);
        const back = decodeSpoolLine(line.subarray(0, line.length - 1));
        expect(back).toEqual(r);
      }),
      { seed: 20251211, numRuns: 300 },
    );
  });

  it('rejects a line whose CRC does not match (any single flipped byte)', () => {
    const line = encodeSpoolLine(recordFor(7)).subarray(0, -1);
    for (let i = 0; i < line.length; i += 7) {
      const bad = Buffer.from(line);
      bad[i] = (bad[i] as number) ^ 0x20;
      expect(decodeSpoolLine(bad)).toBeNull();
    }
  });
});

describe('readSpool', () => {
  const write = (name: string, recs: RawRecord[]): string => {
    const p = join(tempDir(), name);
    writeFileSync(p, Buffer.concat(recs.map(encodeSpoolLine)));
    return p;
  };
  const recs = Array.from({ length: 100 }, (_, i) => recordFor(i + 1));

  it('reads a clean spool completely, in order', async () => {
    const { records, stats } = await readAll(write('a.spool', recs));
    expect(records).toEqual(recs);
    expect(stats).toMatchObject({ records: 100, corruptLines: 0, tornLines: 0, tornBytes: 0 });
  });

  it('drops and counts a torn tail (half a line, as after SIGKILL mid-write)', async () => {
    const p = write('torn.spool', recs.slice(0, 99));
    const last = encodeSpoolLine(recs[99] as RawRecord);
    appendFileSync(p, last.subarray(0, 25));
    const { records, stats } = await readAll(p);
    expect(records).toEqual(recs.slice(0, 99));
    expect(stats.tornLines).toBe(1);
    expect(stats.tornBytes).toBe(25);
    expect(stats.corruptLines).toBe(0);
  });

  it('treats zero-filled blocks at the end as a torn tail', async () => {
    const p = write('zeros.spool', recs.slice(0, 10));
    appendFileSync(p, Buffer.alloc(4096));
    const { records, stats } = await readAll(p);
    expect(records).toHaveLength(10);
    expect(stats.tornBytes).toBe(4096);
  });

  it('keeps the readable records around a corrupt middle and reports where it starts', async () => {
    const lines = recs.map(encodeSpoolLine);
    const offset = lines.slice(0, 40).reduce((a, l) => a + l.length, 0);
    const bad = Buffer.from(lines[40] as Buffer);
    bad[30] = (bad[30] as number) ^ 0x01;
    lines[40] = bad;
    const p = join(tempDir(), 'mid.spool');
    writeFileSync(p, Buffer.concat(lines));
    const { records, stats } = await readAll(p);
    expect(records.map((r) => r.seq)).toEqual(recs.filter((_, i) => i !== 40).map((r) => r.seq));
    expect(stats.corruptLines).toBe(1);
    expect(stats.firstCorruptOffset).toBe(offset);
    expect(stats.tornLines).toBe(0);
  });

  it('treats a valid line that repeats an earlier seq as corrupt', async () => {
    const p = write('dup.spool', [recs[0], recs[1], recs[1], recs[2]] as RawRecord[]);
    const { records, stats } = await readAll(p);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(stats.corruptLines).toBe(1);
  });

  it('reads lines larger than the 1 MiB read chunk', async () => {
    const big = { ...recordFor(1), payload: 'x'.repeat(3 * 1024 * 1024 + 17) + 'é' };
    const p = write('big.spool', [big, recordFor(2)]);
    const { records } = await readAll(p);
    expect(records).toEqual([big, recordFor(2)]);
  });
});
