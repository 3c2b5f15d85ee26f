/**
 * `poly inspect` and `poly recordings repair`, tested by spawning the real CLI (bin/poly.mjs).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/errors.ts';
import { runInspect } from '../../src/cli/inspect.ts';
import { formatRepair } from '../../src/cli/recordings.ts';
import { encodeSpoolLine } from '../../src/recorder/spool.ts';
import { repairRecording } from '../../src/recorder/writer.ts';
import { cleanupTempDirs, recordFor, tempDir } from '../recorder/helpers.ts';
import { writeSample } from '../recorder/sample.ts';
import { poly } from '../helpers/cli.ts';



let dir = '';
beforeAll(async () => {
  dir = join(tempDir(), 'sample');
  await writeSample(dir);
});
afterAll(cleanupTempDirs);

describe('poly inspect', () => {
  it('prints a summary, and the same summary as --json', async () => {
    const [text, json] = await Promise.all([poly('inspect', dir), poly('inspect', dir, '--json')]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('records    12 in 1 Parquet part(s)');
    expect(text.stdout).toContain('time span  2025-12-11T11:00:00.000Z -> 2025-12-11T11:00:03.400Z (3.4s)');
    expect(text.stdout).toContain('by source  market_ws 10, rtds_ws 2');
    expect(text.stdout).toMatch(/connections 3; reconnects: market_ws 1/);
    expect(text.stdout).toMatch(/market_ws m1 close: no data from 2025-12-11T11:00:00.500Z, 2.600s \(noticed after 0.100s: code 1006 abnormal closure\)/);
    expect(json.code).toBe(0);
    const s = JSON.parse(json.stdout) as { records: number; reconnects: Record<string, number>; normalized: { byType: Record<string, number>; errors: number }; markets: unknown[] };
    expect(s.records).toBe(12);
    expect(s.reconnects).toEqual({ market_ws: 1 });
    expect(s.normalized.byType['trade']).toBe(2);
    expect(s.normalized.errors).toBeGreaterThan(0);
    expect(text.stdout).toContain(`errors     ${s.normalized.errors} normalization error(s):`);
    expect(s.markets).toHaveLength(1);
  });

  it('--sql runs against the view raw and against read_parquet, as a table or CSV', async () => {
    const [table, csv] = await Promise.all([
      poly('inspect', dir, '--sql', 'SELECT kind, count(*) AS n FROM raw GROUP BY kind ORDER BY kind'),
      poly('inspect', dir, '--csv', '--sql', `SELECT count(*) AS n, max(seq) AS last FROM read_parquet('${dir}/**/*.parquet')`),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toBe(['kind   n', '-----  -', 'close  1', 'frame  7', 'open   3', 'send   1', '(4 rows)', ''].join('\n'));
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe('n,last\n12,12\n');
    // --json (in process: same code path as the command's action)
    const json = await runInspect(dir, { json: true, sql: "SELECT seq, recv_ns, source, date FROM raw WHERE kind = 'close'" });
    expect(JSON.parse(json)).toEqual([{ seq: '8', recv_ns: '1765450800600000000', source: 'market_ws', date: '2025-12-11' }]);
  });

  it('--sql streams: a 200k-row result prints the first 1000 as a table, or every row as CSV; --limit cuts', async () => {
    // 200k rows of 2 KB: materialised as one string this used to crash; the table now reads 1000 rows and stops
    const big = "SELECT i, repeat('x', 2000) AS payload FROM range(200000) t(i)";
    const table = await poly('inspect', dir, '--sql', big);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2 + 1000 + 1);
    expect(lines.at(-2)).toMatch(/^999 {2}x+…$/);
    expect(lines.at(-1)).toBe('(first 1000 rows; more follow: --limit N for more, or --csv / --json to stream them all)');
    const csv = await poly('inspect', dir, '--csv', '--sql', "SELECT i, 'tok' || i AS id FROM range(200000) t(i)");
    expect(csv.code, csv.stderr).toBe(0);
    const rows = csv.stdout.trimEnd().split('\n');
    expect(rows).toHaveLength(200_001);
    expect([rows[0], rows[1], rows.at(-1)]).toEqual(['i,id', '0,tok0', '199999,tok199999']);
    const json = await poly('inspect', dir, '--json', '--limit', '3', '--sql', 'SELECT i FROM range(10) t(i)');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([{ i: '0' }, { i: '1' }, { i: '2' }]);
    expect(json.stderr).toBe('poly inspect: stopped after --limit 3 rows; more follow\n');
    const exact = await poly('inspect', dir, '--limit', '4', '--sql', 'SELECT i FROM range(4) t(i)');
    expect(exact.stdout.trimEnd().split('\n').at(-1)).toBe('(4 rows)');
    const bad = await poly('inspect', dir, '--limit', 'ten', '--sql', 'SELECT 1');
    expect([bad.code, bad.stderr]).toEqual([2, "poly: --limit 'ten' is not a whole number >= 0 (e.g. 10)\n"]);
  });

  it('bad SQL and a missing recording exit 2 with one line', async () => {
    const [bad, missing] = await Promise.all([poly('inspect', dir, '--sql', 'SELEC * FROM raw'), poly('inspect', join(dir, 'nope'))]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^poly: --sql failed: Parser Error: syntax error at or near "SELEC"\n$/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`poly: recording ${join(dir, 'nope')} does not exist\n`);
  });

  it('refuses a directory that is not a recording, and conflicting flags', async () => {
    const notRec = tempDir();
    writeFileSync(join(notRec, 'hello.txt'), 'hi');
    await expect(runInspect(notRec, {})).rejects.toMatchObject({ kind: 'input', message: `${notRec} is not a poly recording (no manifest.json)` });
    await expect(runInspect(dir, { json: true, csv: true, sql: 'SELECT 1' })).rejects.toMatchObject({ kind: 'usage', message: '--json and --csv cannot be used together' });
    await expect(runInspect(dir, { sql: '  ' })).rejects.toBeInstanceOf(CliError);
  });
});

describe('poly recordings repair', () => {
  it('recovers a leftover spool, then has nothing to do; refuses a missing directory', async () => {
    const rec = join(tempDir(), 'crashed');
    mkdirSync(join(rec, 'spool'), { recursive: true });
    const lines = Array.from({ length: 20 }, (_, i) => encodeSpoolLine(recordFor(i + 1)));
    lines.push(encodeSpoolLine(recordFor(21)).subarray(0, 33));
    writeFileSync(join(rec, 'spool', 'seg-00000000000000000001.spool'), Buffer.concat(lines));
    const first = await poly('recordings', 'repair', rec);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('torn tail dropped (1 incomplete line(s), 33 bytes');
    expect(first.stdout).toContain(`${rec}: repaired — 20 record(s) recovered from 1 spool segment(s), 1 part(s) written, 1 torn line(s) dropped, 0 corrupt line(s) skipped`);
    const missing = await poly('recordings', 'repair', join(rec, 'nope'));
    const again = await repairRecording(rec);
    expect(again).toMatchObject({ spoolSegments: 0, recovered: 0 });
    expect(formatRepair(again)).toBe(`${rec}: nothing to repair\n`);
    expect(await runInspect(rec, { csv: true, sql: 'SELECT count(*) AS n FROM raw' })).toBe('n\n20\n');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^poly: recording .*nope does not exist\n$/);
  });
});
