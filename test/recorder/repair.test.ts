import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { readManifest, readRecording, recordingDigest } from '../../src/recorder/read.ts';
import { encodeSpoolLine, encodeSpoolLineV3 } from '../../src/recorder/spool.ts';
import { RecordingWriter, repairRecording } from '../../src/recorder/writer.ts';
import { cleanupTempDirs, recordFor, tempDir } from './helpers.ts';

afterAll(cleanupTempDirs);

const CHILD = join(import.meta.dirname, 'fixtures', 'crash-child.ts');
const ROOT = join(import.meta.dirname, '..', '..');

async function collect(dir: string): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readRecording(dir)) out.push(r);
  return out;
}

/** Runs the crash child until `until(lastFlushed, rotations)` holds, SIGKILLs it, returns the max flushed seq it reported. */
function runAndKill(dir: string, rotateBytes: number, until: (flushed: number, rotations: number) => boolean): Promise<{ flushed: number; rotations: number; pid: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(rotateBytes)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let flushed = 0;
    let rotations = 0;
    let pid = 0;
    let killed = false;
    let buf = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const [what, n, p] = l.split(' ');
        if (what === 'flushed') flushed = Math.max(flushed, Number(n));
        if (what === 'rotated') rotations++;
        if (what === 'started') pid = Number(p);
      }
      if (!killed && until(flushed, rotations)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited without being killed: ${err}`));
      else resolve({ flushed, rotations, pid });
    });
  });
}

describe('crash safety (SIGKILL of a recording process)', () => {
  it('recovers every record up to the last flush, after rotations, with no duplicates', async () => {
    const dir = join(tempDir(), 'rec');
    const { flushed, rotations, pid } = await runAndKill(dir, 32_768, (f, r) => f >= 4000 && r >= 3);
    expect(rotations).toBeGreaterThanOrEqual(3);
    expect(readFileSync(join(dir, '.lock'), 'utf8')).toBe(`${pid}\n`);
    const report = await repairRecording(dir);
    expect(report.messages[0]).toBe(`took over a stale lock of dead process ${pid}`);
    expect(report.sessionsClosed).toBe(1);
    const got = await collect(dir);
    const last = got[got.length - 1]?.seq ?? 0;
    expect(last).toBeGreaterThanOrEqual(flushed);
    expect(got.map((r) => r.seq)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(got).toEqual(got.map((r) => recordFor(r.seq)));
    expect(readdirSync(join(dir, 'spool'))).toEqual([]);
    const m = await readManifest(dir);
    expect(m.rows).toBe(last);
    expect(m.sessions).toEqual([expect.objectContaining({ firstSeq: 1, lastSeq: last, clean: false, endedNs: recordFor(last).recvNs.toString() })]);
    // the next session continues after the recovered seqs
    const w = await RecordingWriter.open({ dir });
    expect(w.nextSeq).toBe(last + 1);
    await w.close();
  });

  it('recovers a crash before the first rotation (spool only) when the writer reopens', async () => {
    const dir = join(tempDir(), 'rec');
    const { flushed } = await runAndKill(dir, 64 * 1024 * 1024, (f) => f >= 400);
    expect(readdirSync(join(dir, 'spool')).length).toBe(1);
    const events: string[] = [];
    const w = await RecordingWriter.open({ dir, onEvent: (e) => events.push(e.type) });
    expect(events).toEqual(expect.arrayContaining(['lock_taken_over', 'repaired', 'session_started']));
    expect(w.nextSeq).toBeGreaterThan(flushed);
    w.append(recordFor(w.nextSeq));
    await w.close();
    const got = await collect(dir);
    expect(got.map((r) => r.seq)).toEqual(Array.from({ length: got.length }, (_, i) => i + 1));
    expect((await readManifest(dir)).sessions.map((s) => s.clean)).toEqual([false, true]);
  });
});

function writeSpool(dir: string, lines: Buffer[], firstSeq: number): string {
  mkdirSync(join(dir, 'spool'), { recursive: true });
  const p = join(dir, 'spool', `seg-${String(firstSeq).padStart(20, '0')}.spool`);
  writeFileSync(p, Buffer.concat(lines));
  return p;
}

describe('repairRecording', () => {
  it('reports a corrupt middle in one line and keeps the readable records', async () => {
    const dir = join(tempDir(), 'rec');
    const lines = Array.from({ length: 60 }, (_, i) => encodeSpoolLine(recordFor(i + 1)));
    const offset = lines.slice(0, 20).reduce((a, l) => a + l.length, 0);
    lines[20] = Buffer.from('garbage that is not a record\n');
    writeSpool(dir, lines, 1);
    const report = await repairRecording(dir);
    expect(report.corruptLines).toBe(1);
    expect(report.recovered).toBe(59);
    expect(report.manifestRebuilt).toBe(true);
    const line = report.messages.find((m) => m.includes('corrupt'));
    expect(line).toBe(`spool spool/seg-00000000000000000001.spool: 1 corrupt line(s) from byte ${offset} skipped, the records around them kept`);
    expect((await collect(dir)).map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1).filter((s) => s !== 21));
  });

  it('drops a torn tail silently but counts it', async () => {
    const dir = join(tempDir(), 'rec');
    const lines = Array.from({ length: 10 }, (_, i) => encodeSpoolLine(recordFor(i + 1)));
    lines.push(encodeSpoolLine(recordFor(11)).subarray(0, 40));
    writeSpool(dir, lines, 1);
    const report = await repairRecording(dir);
    expect(report).toMatchObject({ recovered: 10, tornTailLines: 1, tornTailBytes: 40, corruptLines: 0 });
  });

  it('repairs a spool of the v3 lines the writer writes: flipped byte in the middle skipped, torn tail dropped, the rest byte for byte', async () => {
    const dir = join(tempDir(), 'rec');
    const recs = Array.from({ length: 40 }, (_, i) => recordFor(i + 1));
    const lines = recs.map((r, i) => encodeSpoolLineV3(r, i % 2 === 0 ? Buffer.from(r.payload, 'utf8') : undefined));
    const bad = Buffer.from(lines[12] as Buffer);
    bad[bad.length - 3] = (bad[bad.length - 3] as number) ^ 0x01; // a flipped bit in the payload: the CRC no longer matches
    lines[12] = bad;
    lines.push((lines[39] as Buffer).subarray(0, 25)); // torn tail (a partial copy of a line)
    writeSpool(dir, lines, 1);
    const report = await repairRecording(dir);
    expect(report).toMatchObject({ recovered: 39, corruptLines: 1, tornTailLines: 1, tornTailBytes: 25 });
    const back = await collect(dir);
    expect(back.map((r) => ({ ...r, meta: JSON.stringify(r.meta) }))).toEqual(recs.filter((r) => r.seq !== 13).map((r) => ({ ...r, meta: JSON.stringify(r.meta) })));
  });

  it('never duplicates rows when a spool overlaps parts already written (crash between rename and spool delete)', async () => {
    const dir = join(tempDir(), 'rec');
    const w = await RecordingWriter.open({ dir, rotateBytes: 8_000 });
    for (let s = 1; s <= 200; s++) w.append(recordFor(s));
    const before = await w.close();
    // a leftover spool holding seqs 150..230: 150..200 are already in Parquet
    writeSpool(dir, Array.from({ length: 81 }, (_, i) => encodeSpoolLine(recordFor(150 + i))), 150);
    mkdirSync(join(dir, 'date=2025-12-11'), { recursive: true });
    writeFileSync(join(dir, 'date=2025-12-11', '.part-000000000201-000000000230.parquet.tmp'), 'half written');
    const report = await repairRecording(dir);
    expect(report).toMatchObject({ alreadyStored: 51, recovered: 30, tempFilesRemoved: 1, spoolSegments: 1 });
    const got = await collect(dir);
    expect(got.map((r) => r.seq)).toEqual(Array.from({ length: 230 }, (_, i) => i + 1));
    const after = await readManifest(dir);
    expect(after.files.slice(0, before.files.length)).toEqual(before.files);
  });

  it('is idempotent: a second run changes nothing', async () => {
    const dir = join(tempDir(), 'rec');
    writeSpool(dir, Array.from({ length: 30 }, (_, i) => encodeSpoolLine(recordFor(i + 1))), 1);
    await repairRecording(dir);
    const text1 = readFileSync(join(dir, 'manifest.json'), 'utf8');
    const r2 = await repairRecording(dir);
    expect(r2).toMatchObject({ spoolSegments: 0, recovered: 0, partsIndexed: [], missingParts: [], sessionsClosed: 0, manifestRebuilt: false, tempFilesRemoved: 0 });
    expect(readFileSync(join(dir, 'manifest.json'), 'utf8')).toBe(text1);
  });

  it('rebuilds a lost or corrupt manifest from the parts (same digest)', async () => {
    const dir = join(tempDir(), 'rec');
    const w = await RecordingWriter.open({ dir, rotateBytes: 8_000 });
    for (let s = 1; s <= 120; s++) w.append(recordFor(s));
    const m = await w.close();
    const digest = await recordingDigest(dir);
    writeFileSync(join(dir, 'manifest.json'), '{"formatVersion": 1, "files": [');
    await expect(readManifest(dir)).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringMatching(/manifest\.json is not valid JSON .*run 'poly recordings repair/) });
    const report = await repairRecording(dir);
    expect(report.manifestRebuilt).toBe(true);
    expect(report.partsIndexed).toEqual(m.files.map((f) => f.path));
    const rebuilt = await readManifest(dir);
    expect(rebuilt.files).toEqual(m.files);
    expect(rebuilt.counts).toEqual(m.counts);
    expect(rebuilt.sessions).toEqual([{ startedNs: m.files[0]?.firstRecvNs, endedNs: m.files[m.files.length - 1]?.lastRecvNs, firstSeq: 1, lastSeq: 120, clean: false }]);
    expect(await recordingDigest(dir)).toBe(digest);
    unlinkSync(join(dir, 'manifest.json'));
    await repairRecording(dir);
    expect((await readManifest(dir)).files).toEqual(m.files);
  });

  it('reports parts that disappeared; reading before repair fails with a clear line', async () => {
    const dir = join(tempDir(), 'rec');
    const w = await RecordingWriter.open({ dir, rotateBytes: 8_000 });
    for (let s = 1; s <= 120; s++) w.append(recordFor(s));
    const m = await w.close();
    const gone = m.files[1];
    if (gone === undefined) throw new Error('expected several parts');
    rmSync(join(dir, gone.path));
    await expect(collect(dir)).rejects.toThrow(`part ${gone.path} listed in manifest.json is missing; run 'poly recordings repair`);
    const report = await repairRecording(dir);
    expect(report.missingParts).toEqual([gone.path]);
    const seqs = (await collect(dir)).map((r) => r.seq);
    expect(seqs.length).toBe(120 - gone.rows);
    expect(seqs).not.toContain(gone.firstSeq);
  });

  it('refuses a missing directory and a directory that is not a recording', async () => {
    await expect(repairRecording(join(tempDir(), 'nope'))).rejects.toMatchObject({ code: 'MISSING', message: expect.stringMatching(/does not exist$/) });
    const dir = tempDir();
    writeFileSync(join(dir, 'x.txt'), '');
    await expect(repairRecording(dir)).rejects.toMatchObject({ code: 'NOT_A_RECORDING' });
    await expect(collect(dir)).rejects.toMatchObject({ code: 'NOT_A_RECORDING' });
    await expect(collect(join(dir, 'nope'))).rejects.toMatchObject({ code: 'MISSING' });
  });
});
