import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReports, REPORT_FILE_NAMES, type ReportFiles } from '../../src/core/reports/render.ts';
import { canonicalJson, checkReports, computeRunId, firstDifference, formatCheckResult, writeReports, type RunMeta } from '../../src/engine/reports-writer.ts';
import { handRun } from './helpers.ts';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

const RUN: RunMeta = {
  engineVersion: '9.9.9',
  recording: { path: 'recordings/btc-5m', id: 'btc-5m-2025-12-11', digest: 'ab'.repeat(32) },
  strategy: { name: 'hand', file: 'strategies/hand.ts', sha256: 'cd'.repeat(32) },
  params: { size: '10', spread: '0.02', nested: { b: 2, a: 1 } },
  seed: 7,
  config: { latency: '50ms', queue: 'conservative', fees: 'polymarket' },
};

let root: string;
let files: ReportFiles;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'poly-reports-'));
  files = renderReports(handRun().input);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeReports', () => {
  it('writes every report and a deterministic run.json describing them', async () => {
    const dir = join(root, 'a', 'nested');
    const res = await writeReports(dir, files, RUN);
    expect(res.dir).toBe(dir);
    const names = (await readdir(dir)).sort();
    expect(names).toEqual([...REPORT_FILE_NAMES, 'run.json'].sort());
    for (const f of res.files) {
      const bytes = await readFile(join(dir, f.name));
      expect(bytes.toString('utf8')).toBe(files[f.name as keyof ReportFiles]);
      expect(f.sha256).toBe(sha(bytes));
      expect(f.bytes).toBe(bytes.length);
    }
    const runJsonText = await readFile(join(dir, 'run.json'), 'utf8');
    const run = JSON.parse(runJsonText) as Record<string, any>;
    expect(Object.keys(run)).toEqual(['run_id', 'engine', 'recording', 'strategy', 'params', 'seed', 'speed_independent', 'config', 'outputs', 'outputs_digest']);
    expect(run.engine).toEqual({ name: 'poly', version: '9.9.9' });
    expect(run.recording).toEqual(RUN.recording);
    expect(run.strategy).toEqual(RUN.strategy);
    expect(JSON.stringify(run.params)).toBe('{"nested":{"a":1,"b":2},"size":"10","spread":"0.02"}');
    expect(run.seed).toBe(7);
    expect(run.speed_independent).toBe(true);
    expect(Object.keys(run.config)).toEqual(['fees', 'latency', 'queue']);
    // outputs sorted by name, with digests of the bytes on disk
    expect(run.outputs.map((o: { name: string }) => o.name)).toEqual([...REPORT_FILE_NAMES].sort());
    for (const o of run.outputs as { name: string; sha256: string; bytes: number }[]) {
      const bytes = await readFile(join(dir, o.name));
      expect(o).toEqual({ name: o.name, sha256: sha(bytes), bytes: bytes.length });
    }
    const digestText = (run.outputs as { name: string; sha256: string }[]).map((o) => `${o.name}\0${o.sha256}\n`).join('');
    expect(run.outputs_digest).toBe(sha(digestText));
    expect(res.digest).toBe(run.outputs_digest);
    // run_id: the first 16 hex of sha256 over the run's inputs
    const idText = `recording:${'ab'.repeat(32)}\nstrategy:${'cd'.repeat(32)}\nparams:{"nested":{"a":1,"b":2},"size":"10","spread":"0.02"}\nseed:7\nconfig:{"fees":"polymarket","latency":"50ms","queue":"conservative"}\n`;
    expect(run.run_id).toBe(sha(idText).slice(0, 16));
    expect(res.runId).toBe(run.run_id);
    expect(res.runJson.sha256).toBe(sha(runJsonText));
    expect(runJsonText).not.toContain(root); // no absolute paths of this machine
  });

  it('the same run written twice gives identical directories; the run id follows the inputs', async () => {
    const a = await writeReports(join(root, 'twice-a'), files, RUN);
    const b = await writeReports(join(root, 'twice-b'), renderReports(handRun().input), { ...RUN, config: { queue: 'conservative', fees: 'polymarket', latency: '50ms' } });
    expect(await readFile(join(a.dir, 'run.json'), 'utf8')).toBe(await readFile(join(b.dir, 'run.json'), 'utf8'));
    expect((await checkReports(b.dir, a.dir)).ok).toBe(true);
    expect(computeRunId({ ...RUN, seed: 8 })).not.toBe(a.runId);
    expect(computeRunId({ ...RUN, params: { ...(RUN.params as object), size: '11' } })).not.toBe(a.runId);
    expect(computeRunId({ ...RUN, recording: { ...RUN.recording, digest: 'ef'.repeat(32) } })).not.toBe(a.runId);
    expect(computeRunId({ ...RUN, recording: { ...RUN.recording, path: '/elsewhere/btc-5m' } })).toBe(a.runId);
  });

  it("defaults the engine version to package.json's", async () => {
    const { engineVersion: _v, ...rest } = RUN;
    const res = await writeReports(join(root, 'version'), files, rest);
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(JSON.parse(await readFile(join(res.dir, 'run.json'), 'utf8')).engine).toEqual({ name: 'poly', version: pkg.version });
  });

  it('leaves no temporary files behind', async () => {
    const res = await writeReports(join(root, 'clean'), files, RUN);
    expect((await readdir(res.dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});

describe('checkReports', () => {
  async function pair(name: string): Promise<{ out: string; golden: string }> {
    const golden = (await writeReports(join(root, name, 'golden'), files, RUN)).dir;
    const out = (await writeReports(join(root, name, 'out'), files, RUN)).dir;
    return { out, golden };
  }

  it('matches identical directories', async () => {
    const { out, golden } = await pair('same');
    const r = await checkReports(out, golden);
    expect(r).toEqual({ ok: true, matched: REPORT_FILE_NAMES.length + 1, mismatches: [], notes: [] });
    expect(formatCheckResult(r)).toBe(`reports match the golden files (${REPORT_FILE_NAMES.length + 1} files)`);
  });

  it('detects a one-byte change and names its first differing line', async () => {
    const { out, golden } = await pair('byte');
    const path = join(out, 'fills.csv');
    const text = await readFile(path, 'utf8');
    const i = text.indexOf('0.86625');
    await writeFile(path, text.slice(0, i) + '0.86626' + text.slice(i + 7));
    const r = await checkReports(out, golden);
    expect(r.ok).toBe(false);
    expect(r.mismatches).toHaveLength(1);
    const m = r.mismatches[0]!;
    expect(m.file).toBe('fills.csv');
    expect(m.reason).toBe('differs');
    expect(m.firstDiffLine).toBe(3);
    // the line is longer than 200 bytes: both sides show a window around the difference
    const goldenLine = (await readFile(join(golden, 'fills.csv'), 'utf8')).split('\n')[2]!;
    expect(goldenLine.length).toBeGreaterThan(200);
    expect(m.expected!.startsWith('...')).toBe(true);
    expect(goldenLine.endsWith(m.expected!.slice(3))).toBe(true);
    expect(m.expected).toContain('0.86625');
    expect(m.actual).toBe(m.expected!.replace('0.86625', '0.86626'));
    const msg = formatCheckResult(r).split('\n');
    expect(msg).toHaveLength(2);
    expect(msg[1]).toContain('fills.csv: line 3');
  });

  it("compares run.json by its outputs digest; input paths, hashes and config are notes, not mismatches", async () => {
    const golden = (await writeReports(join(root, 'meta', 'golden'), files, RUN)).dir;
    const moved: RunMeta = { ...RUN, recording: { ...RUN.recording, path: '../elsewhere/btc-5m' }, strategy: { ...RUN.strategy, sha256: 'ef'.repeat(32) } };
    const out = (await writeReports(join(root, 'meta', 'out'), files, moved)).dir;
    const r = await checkReports(out, golden);
    expect(r.ok).toBe(true);
    expect(r.mismatches).toEqual([]);
    expect(r.notes).toContain('run.json recording.path: golden "recordings/btc-5m", this run "../elsewhere/btc-5m"');
    expect(r.notes.some((n) => n.startsWith('run.json strategy.sha256:'))).toBe(true);
    expect(formatCheckResult(r)).toContain('note: run.json recording.path');

    // a run.json that certifies other outputs is a mismatch even when the report files are equal
    const forged = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as Record<string, unknown>;
    forged['outputs_digest'] = '00'.repeat(32);
    await writeFile(join(out, 'run.json'), JSON.stringify(forged, null, 2) + '\n');
    const f = await checkReports(out, golden);
    expect(f.ok).toBe(false);
    expect(f.mismatches).toEqual([expect.objectContaining({ file: 'run.json', reason: 'differs', actual: `outputs_digest ${'00'.repeat(32)}` })]);
  });

  it('detects a missing file and an extra file', async () => {
    const { out, golden } = await pair('missing');
    await unlink(join(out, 'equity.svg'));
    await writeFile(join(out, 'notes.txt'), 'hello\n');
    await mkdir(join(out, 'sub'));
    await writeFile(join(out, 'sub', 'x.csv'), 'a\n');
    const r = await checkReports(out, golden);
    expect(r.ok).toBe(false);
    expect(r.mismatches).toEqual([
      { file: 'equity.svg', reason: 'missing' },
      { file: 'notes.txt', reason: 'extra' },
      { file: 'sub/x.csv', reason: 'extra' },
    ]);
    expect(formatCheckResult(r).split('\n')).toHaveLength(4);
  });

  it('reports a missing golden directory', async () => {
    const r = await checkReports(join(root, 'same', 'out'), join(root, 'no-such-golden'));
    expect(r.ok).toBe(false);
    expect(r.mismatches).toHaveLength(1);
  });

  it('firstDifference: truncated files, a changed first byte, a missing trailing newline', () => {
    const b = (s: string) => Buffer.from(s, 'utf8');
    expect(firstDifference(b('a\nb\nc\n'), b('a\nb\n'))).toEqual({ line: 3, expected: 'c', actual: '<end of file>' });
    expect(firstDifference(b('x\ny\n'), b('z\ny\n'))).toEqual({ line: 1, expected: 'x', actual: 'z' });
    expect(firstDifference(b('a\nb\n'), b('a\nb'))).toEqual({ line: 2, expected: 'b', actual: 'b (no newline at end of file)' });
  });

  it('canonicalJson sorts keys at every level and writes bigint as a string', () => {
    expect(canonicalJson({ b: [{ d: 1n, c: null }], a: 'x', u: undefined })).toBe('{"a":"x","b":[{"c":null,"d":"1"}]}');
  });
});
