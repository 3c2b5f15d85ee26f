// Issue 8 item 5 through the real binary: a strategy that sends bad numbers does not crash the run.
// Before: `internal error: RangeError ... BigInt`, exit 70, no reports.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { poly, ROOT } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);

describe('poly replay with a strategy that sends bad numbers', () => {
  it('exits 0, writes every report, counts every denial and names the fix in orders.csv', async () => {
    const out = tempDir('poly-bad-numbers-');
    const r = await poly('replay', join(ROOT, 'recordings/sol-15m'), '--strategy', join(ROOT, 'test/fixtures/strategies/bad-numbers.ts'), '--out', out, '--no-progress');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const files = (await readdir(out)).sort();
    for (const f of ['orders.csv', 'fills.csv', 'positions.csv', 'equity.csv', 'summary.json', 'run.json']) expect(files).toContain(f);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { risk: { denials_by_rule: Record<string, number> }; strategy_error: unknown };
    expect(summary.strategy_error).toBeNull();
    expect(summary.risk.denials_by_rule['invalid_order']).toBe(22);
    // the CLI's summary line counts every denial (orders, the merge and the cancel)
    expect(r.stdout).toMatch(/\b22 denials\b/);
    const orders = await readFile(join(out, 'orders.csv'), 'utf8');
    expect(orders).toContain("invalid_order: ctx.buy: px 0.45 looks like dollars: prices are integer 1e-4 dollar ticks (Px), so write px('0.45') = 4500");
  });
});
