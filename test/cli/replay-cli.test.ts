/**
 * `poly replay` bad input and filters: every mistake is one line on stderr and a non-zero exit;
 * --market and --from/--to narrow what the kernel sees.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { poly, polyIn, ROOT } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

const REC = join(ROOT, 'recordings/sol-15m');
const MM = join(ROOT, 'strategies/market-maker.ts');
afterAll(cleanupTempDirs);
const out = async () => tempDir('poly-replay-cli-');

describe('poly replay on bad input', () => {
  const cases: [string, string[], RegExp][] = [
    ['no strategy', [REC], /^poly: --strategy <file> is required/],
    ['missing strategy file', [REC, '--strategy', 'nope.ts'], /^poly: strategy file 'nope.ts' cannot be read \(ENOENT\)/],
    ['unknown parameter', [REC, '--strategy', MM, '--param', 'bogus=1'], /^poly: strategy 'market-maker' has no parameter 'bogus'/],
    ['bad parameter value', [REC, '--strategy', MM, '--param', 'size=lots'], /^poly: strategy 'market-maker' parameter size: 'lots' is not a share quantity/],
    ['missing recording', [join(ROOT, 'recordings/nope'), '--strategy', MM], /^poly: recording .*recordings\/nope does not exist/],
    ['not a recording', [join(ROOT, 'strategies'), '--strategy', MM], /^poly: .*strategies is not a poly recording/],
    ['bad speed', [REC, '--strategy', MM, '--speed', 'fast'], /^poly: --speed 'fast' must be a positive number/],
    ['bad time', [REC, '--strategy', MM, '--from', 'yesterday'], /^poly: --from 'yesterday' is not an ISO-8601 UTC time/],
    ['empty window', [REC, '--strategy', MM, '--from', '2025-12-11T11:05:00Z', '--to', '2025-12-11T11:05:00Z'], /^poly: --to must be after --from/],
    ['unknown market', [REC, '--strategy', MM, '--market', 'btc-updown-5m-1'], /^poly: --market 'btc-updown-5m-1' is not in this recording \(its markets: sol-updown-15m-1765450800\)/],
    ['bad queue model', [REC, '--strategy', MM, '--queue', 'fifo'], /^poly: --queue 'fifo' is not a queue model/],
    ['bad latency', [REC, '--strategy', MM, '--latency', '80ms..20ms'], /^poly: --latency '80ms..20ms': the upper bound is below the lower bound/],
    ['bad print window', [REC, '--strategy', MM, '--print-window', 'soon'], /^poly: --print-window 'soon' is not a duration/],
    ['bad taker delay', [REC, '--strategy', MM, '--taker-delay', 'sometimes'], /^poly: --taker-delay 'sometimes' is not a duration/],
  ];
  for (const [name, args, re] of cases) {
    it(`${name}: one line, exit 2`, async () => {
      const r = await polyIn('replay', ...args, '--out', await out(), '--no-progress');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  }

  it('spawned: the real binary prints one line and exits non-zero', async () => {
    const r = await poly('replay', REC, '--strategy', MM, '--param', 'bogus=1');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^poly: strategy 'market-maker' has no parameter 'bogus'/)]);
  });
});

describe('poly replay filters', () => {
  it('--market by slug keeps the market; --from/--to narrows the period', async () => {
    const dir = await out();
    const r = await polyIn('replay', REC, '--strategy', MM, '--market', 'sol-updown-15m-1765450800', '--from', '2025-12-11T11:05:00Z', '--to', '2025-12-11T11:06:00Z', '--out', dir, '--no-progress');
    expect(r.code).toBe(0);
    const s = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8')) as { period: { start: string; end: string }; data_quality: { records: number } };
    expect(s.period.start >= '2025-12-11T11:05:00').toBe(true);
    expect(s.period.end < '2025-12-11T11:06:00').toBe(true);
    expect(s.data_quality.records).toBeGreaterThan(10);
    expect(s.data_quality.records).toBeLessThan(200);
  });
});
