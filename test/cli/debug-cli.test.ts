/**
 * Debuggable strategies (issue 9 item 4), through the spawned CLI:
 * - ctx.log lines land in strategy.log.jsonl beside the reports, stamped with virtual time (ISO and ns) and
 *   the record seq, identical run to run; --verbose also prints them on stderr (and only then);
 * - a hook that throws: reports are still written, summary.json and stderr name the strategy file:line and
 *   the stack, and the run exits 3 (kind 'strategy'), also when --check passes;
 * - a syntax error names file:line:col with the line and a caret (not a bare "Transform failed");
 * - live: /health shows the strategy running, then stopped with the reason; the run exits 3 at the end.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRecording } from '../../src/recorder/read.ts';
import { startExchange } from '../../src/sim/exchange.ts';
import { poly, ROOT } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';
import { waitFor } from '../sources/helpers.ts';

afterAll(cleanupTempDirs);
const REC = join(ROOT, 'recordings/sol-15m');

const LOGGER = `import { defineStrategy, z } from 'poly';

export default defineStrategy({
  name: 'logger',
  params: z.object({}),
  create(ctx) {
    let books = 0;
    return {
      onStart() {
        ctx.log.info('hello', { big: 12345678901234567890n });
      },
      onBook(assetId, book) {
        books += 1;
        if (books % 100 === 0) ctx.log.warn('books', { books, assetId, bid: book.bestBid() });
      },
    };
  },
});
`;

/** Throws in its at-th onBook, on line 11 (at `new RangeError`: see where()). */
const boom = (at: number): string => `import { defineStrategy, z } from 'poly';

export default defineStrategy({
  name: 'boom',
  params: z.object({}),
  create(ctx) {
    let books = 0;
    return {
      onBook() {
        books += 1;
        if (books === ${at}) throw new RangeError('kaboom at book ' + books);
        ctx.log.info('book', { books });
      },
    };
  },
});
`;

/** file:line:col of the throw in boom(at). */
const where = (file: string, at: number): string => `${file}:11:${boom(at).split('\n')[10]!.indexOf('new RangeError') + 1}`;

async function strategyFile(name: string, text: string): Promise<string> {
  const file = join(tempDir('poly-debug-'), name);
  await writeFile(file, text);
  return file;
}

describe('ctx.log -> strategy.log.jsonl', () => {
  it('stamps each line with virtual time and seq; the same run gives the same file; --verbose echoes to stderr', async () => {
    const file = await strategyFile('logger.ts', LOGGER);
    const a = tempDir('poly-log-a-');
    const b = tempDir('poly-log-b-');
    const quiet = await poly('replay', REC, '--strategy', file, '--out', a, '--no-progress');
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toMatch(/reports written to .* \(strategy log: \d+ lines in strategy\.log\.jsonl\)\n/);
    const text = await readFile(join(a, 'strategy.log.jsonl'), 'utf8');
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { ts: string; ts_ns: string; seq: number | null; level: string; msg: string; fields?: Record<string, unknown> });
    expect(lines.length).toBeGreaterThan(3);
    expect(lines[0]).toEqual({ ts: expect.stringMatching(/^2025-12-11T\d\d:\d\d:\d\d\.\d{9}Z$/), ts_ns: expect.stringMatching(/^\d{19}$/), seq: null, level: 'info', msg: 'hello', fields: { big: '12345678901234567890' } });
    // onStart runs before the first record (seq null); then the seq of the record being handled
    expect(lines[1]).toMatchObject({ level: 'warn', msg: 'books', fields: { books: 100 }, seq: expect.any(Number) });
    for (const l of lines) expect(new Date(l.ts.replace(/\d{6}Z$/, 'Z')).getTime()).toBe(Number(BigInt(l.ts_ns) / 1_000_000n));
    const seqs = lines.slice(1).map((l) => l.seq ?? -1);
    expect(Math.min(...seqs)).toBeGreaterThan(0);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    // not a report: run.json does not list it, and --check ignores it
    const run = JSON.parse(await readFile(join(a, 'run.json'), 'utf8')) as { outputs: { name: string }[] };
    expect(run.outputs.map((o) => o.name)).not.toContain('strategy.log.jsonl');

    const loud = await poly('replay', REC, '--strategy', file, '--out', b, '--no-progress', '--verbose', '--check', a);
    expect(loud.code, loud.stderr).toBe(0);
    expect(await readFile(join(b, 'strategy.log.jsonl'), 'utf8')).toBe(text);
    const echoed = loud.stderr.trimEnd().split('\n');
    expect(echoed).toHaveLength(lines.length);
    expect(echoed[0]).toMatch(/^strategy 2025-12-11T\S+Z seq=- info: hello \{"big":"12345678901234567890"\}$/);
    expect(echoed[1]).toMatch(/^strategy 2025-12-11T\S+Z seq=\d+ warn: books \{"books":100,/);
  });
});

describe('a hook that throws', () => {
  it('writes the reports, names file:line and the stack, exits 3', async () => {
    const file = await strategyFile('boom.ts', boom(5));
    const out = tempDir('poly-boom-');
    const r = await poly('replay', REC, '--strategy', file, '--out', out, '--no-progress');
    expect(r.code).toBe(3);
    for (const f of ['orders.csv', 'fills.csv', 'summary.json', 'run.json', 'strategy.log.jsonl']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(r.stdout).toContain(`strategy stopped: onBook threw at ${where(file, 5)}: kaboom at book 5`);
    const err = r.stderr.split('\n');
    expect(err[0]).toBe(`poly: strategy 'boom' stopped: onBook threw at ${where(file, 5)}: kaboom at book 5 (reports were written to ${out})`);
    expect(err[1]).toBe('RangeError: kaboom at book 5');
    expect(err[2]).toBe(`    at Object.onBook (${where(file, 5)})`);
    expect(err.some((l) => /^ {4}at .*\(src\/core\/kernel\/trading-kernel\.ts:\d+:\d+\)$/.test(l))).toBe(true);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { strategy_error: { hook: string; message: string; location: string; stack: string[] } };
    expect(summary.strategy_error).toMatchObject({ hook: 'onBook', message: 'kaboom at book 5', location: where(file, 5) });
    expect(summary.strategy_error.stack[0]).toBe('RangeError: kaboom at book 5');
    // engine frames are project-relative: no machine path of poly itself in the report
    expect(summary.strategy_error.stack.filter((l) => l.includes(ROOT))).toEqual([]);
  });

  it('exits 3 even when --check matches (the failure is in the golden too)', async () => {
    const file = await strategyFile('boom.ts', boom(5));
    const golden = tempDir('poly-boom-golden-');
    expect((await poly('replay', REC, '--strategy', file, '--out', golden, '--no-progress')).code).toBe(3);
    const r = await poly('replay', REC, '--strategy', file, '--out', tempDir('poly-boom-'), '--check', golden, '--no-progress');
    expect(r.stdout).toContain('reports match the golden files');
    expect(r.code).toBe(3);
  });
});

describe('a strategy that does not compile', () => {
  it('names file:line:col, shows the line and a caret, exits 2', async () => {
    const file = await strategyFile('bad.ts', "import { defineStrategy, z } from 'poly';\n\nexport default defineStrategy({\n  name: 'bad',\n  params: z.object({}),\n  create(ctx) {\n    return { onBook( { ctx.log.info('x') } };\n  },\n});\n");
    const r = await poly('replay', REC, '--strategy', file, '--out', tempDir('poly-bad-'), '--no-progress');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`poly: strategy file '${file}' failed to load: syntax error at ${file}:7:27: Expected "}" but found "."\n    return { onBook( { ctx.log.info('x') } };\n                          ^\n`);
  });
});

describe('poly live --paper: /health shows the strategy state', () => {
  it('running, then stopped with the reason; exit 3 after the final reports', async () => {
    const file = await strategyFile('boom.ts', boom(40));
    const out = join(tempDir('poly-live-boom-'), 'live');
    const ex = await startExchange({ records: readRecording(REC), speed: 50, startPaused: true });
    const child = spawn(process.execPath, [join(ROOT, 'bin/poly.mjs'), 'live', '--paper', '--strategy', file, '--market', 'sol-updown-15m-1765450800', '--ws-url', ex.urls.marketWs, '--clob-url', ex.urls.clob, '--gamma-url', ex.urls.gamma, '--metrics-port', '0', '--out', out, '--report-every', '1s'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    type Health = { ok: boolean; strategy: { state: string; reason?: string; hook?: string; location?: string | null } };
    const health = async (): Promise<Health> => {
      const url = /metrics: (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(stdout)![1]!;
      return (await (await fetch(`${url}/health`)).json()) as Health;
    };
    try {
      await waitFor(() => /metrics: http:\/\/127\.0\.0\.1:\d+\/metrics/.test(stdout), `the metrics URL (stderr: ${stderr})`, 30_000);
      expect((await health()).strategy).toEqual({ state: 'running' });
      ex.start();
      let last: Health | null = null;
      const t0 = Date.now();
      while (Date.now() - t0 < 60_000) {
        last = await health();
        if (last.strategy.state === 'stopped') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(last?.strategy).toMatchObject({ state: 'stopped', reason: 'kaboom at book 40', hook: 'onBook', location: where(file, 40) });
      expect(last?.ok).toBe(false);
    } finally {
      child.kill('SIGINT');
      await exited;
      await ex.close();
    }
    expect(await exited).toBe(3);
    expect(stderr).toContain(`poly: strategy 'boom' stopped: onBook threw at ${where(file, 40)}: kaboom at book 40`);
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { strategy_error: { message: string } };
    expect(summary.strategy_error.message).toBe('kaboom at book 40');
    expect((await readFile(join(out, 'strategy.log.jsonl'), 'utf8')).trimEnd().split('\n')).toHaveLength(39);
  });
});
