/**
 * Parameters in reports are printed in the units people write them (issue 9 item 3): a `p.qty()` size is
 * "10" in run.json and summary.json, not 10000000 micro-shares; a `p.px()` price "0.02", a duration "5s".
 * Spawned CLI: `poly replay ... --param` and the files it writes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { polyAt } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);

describe('poly replay: parameters in human units', () => {
  it('run.json and summary.json print the resolved parameters as --param accepts them', async () => {
    const out = tempDir('poly-params-');
    const r = await polyAt({}, 'replay', 'recordings/sol-15m', '--strategy', 'strategies/spike-fade.ts', '--param', 'size=2.5', '--out', out, '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { params: { given: Record<string, unknown>; resolved: Record<string, unknown> } };
    expect(run.params.given).toEqual({ size: '2.5' });
    expect(run.params.resolved['size']).toBe('2.5');
    for (const v of Object.values(run.params.resolved)) expect(typeof v === 'number' && v > 1_000_000).toBe(false);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { params: { resolved: Record<string, unknown> } };
    expect(summary.params.resolved).toEqual(run.params.resolved);
  });
});
