/**
 * `poly sweep --raw` through the real CLI: every run reads the raw records (no tape is built beside the
 * recording), and the output is byte-identical to the default sweep, which builds the recording's tape once
 * before its runs and replays it.
 */
import { cp, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { poly } from '../helpers/cli.ts';
import { BUNDLED } from '../helpers/recordings.ts';
import { tree } from '../helpers/tree.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);

describe('poly sweep --raw', () => {
  it('reads the raw records, builds no tape, and writes the same bytes as the tape sweep', async () => {
    const rec = join(tempDir('poly-sweep-raw-rec-'), 'sol-15m');
    await cp(BUNDLED, rec, { recursive: true, filter: (src) => !src.includes('.tape') });
    const args = ['sweep', rec, '--strategy', 'strategies/market-maker.ts', '--grid', 'halfSpread=0.01,0.03', '--workers', '1', '--no-progress'];
    const rawOut = tempDir('poly-sweep-raw-');
    const r = await poly(...args, '--raw', '--out', rawOut);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/2 run\(s\): 2 ran, 0 from the cache/);
    expect(existsSync(join(rec, '.tape'))).toBe(false);

    const tapeOut = tempDir('poly-sweep-tape-');
    const t = await poly(...args, '--out', tapeOut);
    expect(t.code).toBe(0);
    expect(t.stderr).toMatch(/2 run\(s\): 2 ran, 0 from the cache/);
    expect((await readdir(join(rec, '.tape'))).filter((f) => f.endsWith('.arrow'))).toHaveLength(1);
    const a = await tree(rawOut);
    expect(Object.keys(a).length).toBeGreaterThan(5);
    expect(await tree(tapeOut)).toEqual(a);
  }, 120_000);
});
