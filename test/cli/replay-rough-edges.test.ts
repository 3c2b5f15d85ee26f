/**
 * `poly replay` rough edges a new user hits (issue 9 item 10), each through the spawned CLI:
 * - --out is checked before the run: a path through a file, a virtual filesystem (/proc: mkdir there hung)
 *   -> one line, exit 2, no run;
 * - one-line warnings: --from after the end / before the start of the recording, a spool left by a crashed
 *   recording session, a strategy whose own time guard kept it from trading;
 * - the summary line adds up: orders by final status (rejections counted), P&L by its parts;
 * - CSV token ids are quoted, and read back exactly as text by DuckDB with the README's one-liner;
 * - the progress bar (on a terminal) moves with wall time, also while the replay waits out a quiet spell at
 *   --speed N, and shows the virtual time.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { D } from '../../src/core/types/fixed.ts';
import { sqlString } from '../../src/io/duckdb.ts';
import { readManifest } from '../../src/recorder/read.ts';
import { poly, ROOT } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);
const REC = join(ROOT, 'recordings/sol-15m');
const MM = join(ROOT, 'strategies/market-maker.ts');
const NOOP = join(ROOT, 'strategies/noop.ts');
const SPAN = 'the recording spans 2025-12-11T11:00:41.385853129Z to 2025-12-11T11:15:03.432420740Z';

describe('--out is checked before the run', () => {
  it('a path through a file, and /proc, are refused at once with one line', async () => {
    const file = join(tempDir('poly-out-'), 'a-file');
    await writeFile(file, 'x');
    const through = await poly('replay', REC, '--strategy', MM, '--out', join(file, 'reports'), '--no-progress');
    expect(through.code).toBe(2);
    expect(through.stdout).toBe(''); // nothing ran
    expect(through.stderr).toBe(`poly: --out '${join(file, 'reports')}' cannot be written: '${file}' is a file, so '${join(file, 'reports')}' cannot be created\n`);
    const proc = await poly('replay', REC, '--strategy', MM, '--out', '/proc/poly-reports', '--no-progress');
    expect(proc.code).toBe(2);
    expect(proc.stdout).toBe('');
    expect(proc.stderr).toBe("poly: --out '/proc/poly-reports' cannot be written: '/proc' is on a virtual filesystem (proc), not storage\n");
  });
});

describe('one-line warnings', () => {
  it('--from after the end, and --from before the start, of the recording', async () => {
    const late = await poly('replay', REC, '--strategy', NOOP, '--from', '2025-12-11T12:00:00Z', '--out', tempDir('poly-w-'), '--no-progress');
    expect(late.code).toBe(0);
    expect(late.stderr).toBe(`poly: warning: --from 2025-12-11T12:00:00Z is after the recording ends: nothing to replay (${SPAN})\n`);
    expect(late.stdout).toContain('strategy noop: 0 records');
    const early = await poly('replay', REC, '--strategy', NOOP, '--from', '2025-12-11T10:00:00Z', '--to', '2025-12-11T11:01:00Z', '--out', tempDir('poly-w-'), '--no-progress');
    expect(early.stderr).toBe(`poly: warning: --from 2025-12-11T10:00:00Z is before the recording starts; replay starts at its first record (${SPAN})\n`);
  });

  it('a recording with a spool left by a crashed session', async () => {
    const rec = join(tempDir('poly-w-'), 'crashed');
    await cp(REC, rec, { recursive: true });
    await mkdir(join(rec, 'spool'));
    await writeFile(join(rec, 'spool', 'seg-00000000000000000879.spool'), '');
    const r = await poly('replay', rec, '--strategy', NOOP, '--out', tempDir('poly-w-'), '--no-progress');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`poly: warning: ${rec} has 1 spool segment(s) left by a recording session that did not stop cleanly; their records are not replayed until 'poly recordings repair ${rec}'\n`);
  });

  it('a strategy whose own time guard kept it out of the window', async () => {
    // the market ends 11:15; the market maker stops quoting 5 minutes before: from 11:11 it never quotes
    const r = await poly('replay', REC, '--strategy', MM, '--from', '2025-12-11T11:11:00Z', '--out', tempDir('poly-w-'), '--no-progress');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^poly: warning: strategy market-maker placed no orders between 2025-12-11T11:11:\S+Z and 2025-12-11T11:15:03\.432420740Z; its time parameters \(stopBefore=5m, checkEvery=5s\) may have kept it out \(sol-updown-15m-1765450800 ends 2025-12-11T11:15:00Z\)\n$/);
    // and no such warning when it trades, or when it has no time parameters
    const trades = await poly('replay', REC, '--strategy', MM, '--out', tempDir('poly-w-'), '--no-progress');
    expect(trades.stderr).toBe('');
    const noop = await poly('replay', REC, '--strategy', NOOP, '--out', tempDir('poly-w-'), '--no-progress');
    expect(noop.stderr).toBe('');
  });
});

describe('reports', () => {
  it('the summary line adds up (with rejections), and CSV token ids read back as exact text', async () => {
    const out = tempDir('poly-sum-');
    const r = await poly('replay', REC, '--strategy', join(ROOT, 'strategies/join-the-bid.ts'), '--out', out, '--no-progress');
    expect(r.code, r.stderr).toBe(0);
    const [orders, pnl] = r.stdout.split('\n');
    const o = /(\d+) orders = (\d+) filled \+ (\d+) partly filled \+ (\d+) canceled \+ (\d+) rejected \+ (\d+) denied by risk \+ (\d+) open; (\d+) fills, (\d+) merges, (\d+) denials$/.exec(orders!);
    expect(o, orders).not.toBeNull();
    const [placed, ...parts] = o!.slice(1, 8).map(Number);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(placed);
    expect(parts[3]).toBeGreaterThan(0); // this run has rejections, and they are counted
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { orders: Record<string, number>; pnl: Record<string, string> };
    expect(placed).toBe(summary.orders['placed']);
    const p = /^P&L (\S+) = trading (\S+) \+ unrealized (\S+) \+ merges (\S+) \+ settlement (\S+) \+ rebates (\S+) \(fees (\S+) are inside those\)/.exec(pnl!);
    expect(p, pnl).not.toBeNull();
    const [total, ...terms] = p!.slice(1, 7).map((x) => new D(x));
    expect(terms.reduce((a, b) => a.add(b), new D(0)).eq(total!)).toBe(true);
    expect(p![1]).toBe(summary.pnl['total']);

    // token ids: quoted in the CSV, and exact text through DuckDB with types={'asset_id': 'VARCHAR'} (README)
    const fills = await readFile(join(out, 'fills.csv'), 'utf8');
    const tokens = (await readManifest(REC)).markets.flatMap((m) => m.tokens.map((t) => t.tokenId));
    expect(fills.split('\n')[1]).toMatch(new RegExp(`,"(${tokens.join('|')})",`));
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const file = sqlString(join(out, 'fills.csv'));
      const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_csv(${file}, types = {'asset_id': 'VARCHAR'})`)).getRowObjectsJson();
      expect(described.find((c) => c['column_name'] === 'asset_id')?.['column_type']).toBe('VARCHAR');
      const ids = (await conn.runAndReadAll(`SELECT DISTINCT asset_id FROM read_csv(${file}, types = {'asset_id': 'VARCHAR'}) ORDER BY 1`)).getRowsJson().map((row) => row[0]);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(tokens).toContain(id);
      // what the README warns about: left to guess, DuckDB's sniffer makes 77-digit ids DOUBLE (quotes or not)
      const guessed = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_csv(${file})`)).getRowObjectsJson();
      expect(guessed.find((c) => c['column_name'] === 'asset_id')?.['column_type']).toBe('DOUBLE');
    } finally {
      conn.closeSync();
    }
  });
});

describe('the progress bar', () => {
  it('on a terminal it moves with wall time and shows the virtual time, also through a quiet spell', async () => {
    // `script` gives the CLI a pseudo-terminal (the bar only draws on one); 90 s of data at --speed 30 = 3 s
    const args = ['replay', REC, '--strategy', NOOP, '--out', tempDir('poly-bar-'), '--from', '2025-12-11T11:01:00Z', '--to', '2025-12-11T11:02:30Z', '--speed', '30'];
    const cmd = [process.execPath, join(ROOT, 'bin/poly.mjs'), ...args].map((a) => `'${a}'`).join(' ');
    const text = await new Promise<string>((resolve, reject) => {
      const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))));
    });
    const bars = text
      .split(/[\r\n]+/)
      .filter((l) => l.startsWith('replay ['))
      .map((l) => /^replay \[[#.]{30}\] +(\d+\.\d)% at (2025-12-11T\d\d:\d\d:\d\dZ), (\d+) records$/.exec(l));
    expect(bars.every((b) => b !== null), text).toBe(true);
    expect(bars.length).toBeGreaterThanOrEqual(5);
    const times = bars.map((b) => b![2]!);
    expect([...times].sort()).toEqual(times);
    expect(new Set(times).size).toBeGreaterThanOrEqual(5);
    // the records stand still while virtual time moves on: updated by time, not by record count
    const stalls = bars.filter((b, i) => i > 0 && b![3] === bars[i - 1]![3] && b![2] !== bars[i - 1]![2]);
    expect(stalls.length).toBeGreaterThan(0);
    expect(bars.at(-1)![1]).toBe('100.0');
  });
});
