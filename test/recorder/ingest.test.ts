/**
 * The recorder's long-session machinery (issue 14): the v2 spool line, conversion by DuckDB beside
 * ingest (and its JS fallback), backpressure, conversion lag, the onPart hook, and abort().
 */
import { readdirSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { metaToJson, type RawRecord } from '../../src/core/types/raw.ts';
import { sha256File } from '../../src/io/paths.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { decodeSpoolLine, encodeSpoolLine, encodeSpoolLineV2, encodeSpoolLineV3, SpoolLineEncoder } from '../../src/recorder/spool.ts';
import { BACKPRESSURE_PENDING, defaultSpoolIo, RecordingWriter, repairRecording, type SealedPart, type SpoolIo, type WriterEvent } from '../../src/recorder/writer.ts';
import { BASE_NS, cleanupTempDirs, recordArb, recordFor, tempDir } from './helpers.ts';

afterAll(cleanupTempDirs);

async function collect(dir: string): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readRecording(dir)) out.push(r);
  return out;
}

/** Records compared as stored: meta as its canonical JSON text (the store sorts keys). */
const canon = (r: RawRecord) => ({ ...r, meta: metaToJson(r.meta) });


describe('spool line v3', () => {
  it('round-trips any record exactly, from the string or from its UTF-8 bytes, one line with no inner LF', () => {
    fc.assert(
      fc.property(recordArb, fc.boolean(), (r, fromBytes) => {
        const line = fromBytes ? encodeSpoolLineV3(r, Buffer.from(r.payload, 'utf8')) : encodeSpoolLineV3(r);
        expect(line[line.length - 1]).toBe(0x0a);
        expect(line.subarray(0, line.length - 1).includes(0x0a)).toBe(false);
        expect(decodeSpoolLine(line.subarray(0, line.length - 1))).toEqual(r);
        // v2 (the previous writer's format) still reads back the same record
        const v2 = encodeSpoolLineV2(r);
        expect(decodeSpoolLine(v2.subarray(0, v2.length - 1))).toEqual(r);
      }),
      { seed: 20251211, numRuns: 400 },
    );
  });

  it('ten TAB-separated fields; a frame is copied as received (e=0), a payload or conn holding TAB/LF/CR/NUL is a JSON literal (e bits); v1 and v2 lines still read', () => {
    const r = recordFor(3);
    const raw = encodeSpoolLineV3(r).toString('utf8');
    expect(raw.slice(9)).toBe(`1\t3\t${r.recvNs}\tmarket_ws\t${r.conn}\tframe\t0\t{}\t${r.payload}\n`);
    const tabbed = encodeSpoolLineV3({ ...r, payload: 'a\tb' }).toString('utf8');
    expect(tabbed.endsWith('\tframe\t1\t{}\t"a\\tb"\n')).toBe(true);
    const badConn = encodeSpoolLineV3({ ...r, conn: 'c\t1' }).toString('utf8');
    expect(badConn).toContain('\tmarket_ws\t"c\\t1"\tframe\t2\t');
    expect(decodeSpoolLine(Buffer.from(badConn.slice(0, -1)))?.conn).toBe('c\t1');
    for (const old of [encodeSpoolLine(r), encodeSpoolLineV2(r)]) expect(decodeSpoolLine(old.subarray(0, -1))).toEqual(r);
  });

  it('one encoder writing many records (its cached fields) gives each record the bytes of a fresh encode', () => {
    // conns from a small set (one with a TAB) so that cached fields are reused across interleaved connections
    const interleaved = fc.array(fc.tuple(recordArb, fc.constantFrom('mws-1', 'mws-2', 'c\t1', ''), fc.boolean()), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(interleaved, (rows) => {
        const enc = new SpoolLineEncoder();
        for (const [rec, conn, empty] of rows) {
          const r: RawRecord = { ...rec, conn, ...(empty ? { meta: {}, source: 'market_ws' } : {}) };
          const metaJson = metaToJson(r.meta);
          const buf = Buffer.alloc(enc.bound(r, metaJson));
          const n = enc.write(buf, 0, r, metaJson);
          expect(buf.subarray(0, n)).toEqual(encodeSpoolLineV3(r));
        }
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('invalid UTF-8 bytes are kept as the U+FFFD text the record holds', () => {
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const r = { ...recordFor(5), payload: bytes.toString('utf8') };
    const line = encodeSpoolLineV3(r, bytes);
    expect(decodeSpoolLine(line.subarray(0, -1))?.payload).toBe(r.payload);
  });
});

function frame(seq: number, payload: string, extra: Partial<RawRecord> = {}): RawRecord {
  return { v: 1, seq, recvNs: BASE_NS + BigInt(seq) * 1_000_000n, source: 'market_ws', conn: 'mws-1', kind: 'frame', meta: {}, payload, ...extra };
}

describe('conversion beside ingest', () => {
  it('converts own segments with DuckDB, byte-exact for awkward payloads; falls back to the JS path when DuckDB refuses', async () => {
    const dir = join(tempDir(), 'rec');
    const events: WriterEvent[] = [];
    const w = await RecordingWriter.open({ dir, rotateBytes: 1024 * 1024, onEvent: (e) => events.push(e) });
    const payloads = ['plain', 'quote " \\ back', 'tab\tnl\ncr\rnul\u0000 \u0001\u001f', 'é 中文 😀 \u2028', '{"a":"b\\"c"}', '', 'x'.repeat(3_000_000), '\u007f\u0080\u00ff'];
    const recs = payloads.map((p, i) => frame(i + 1, p, i % 3 === 1 ? { meta: { reason: `"meta":{}} ${p.slice(0, 10)}`, code: 1006, payload: 'in meta' } as RawRecord['meta'] } : {}));
    recs.forEach((r, i) => w.append(r, i % 2 === 0 ? Buffer.from(r.payload, 'utf8') : undefined));
    await w.close();
    expect((await collect(dir)).map(canon)).toEqual(recs.map(canon));
    const rotated = events.filter((e) => e.type === 'rotated').map((e) => e.message);
    expect(rotated.length).toBeGreaterThanOrEqual(2); // the 3 MB payload fills more than one segment
    for (const m of rotated) expect(m).toMatch(/, duckdb\)$/);

    // a lone surrogate (which no decoded frame or HTTP body can hold) is refused by DuckDB's JSON reader:
    // the JS path converts that segment; the records around it are kept exactly
    const dir2 = join(tempDir(), 'rec');
    const events2: WriterEvent[] = [];
    const w2 = await RecordingWriter.open({ dir: dir2, onEvent: (e) => events2.push(e) });
    const recs2 = [frame(1, 'before'), frame(2, 'lone \ud800 surrogate'), frame(3, 'after')];
    for (const r of recs2) w2.append(r);
    await w2.close();
    expect(events2.filter((e) => e.type === 'rotated').map((e) => e.message)).toEqual([expect.stringMatching(/, js\)$/)]);
    const back = await collect(dir2);
    expect(back.map((r) => r.payload)).toEqual(['before', 'lone \ufffd surrogate', 'after']);
  });

  it('keeps every record exactly when appends continue while slow flushes are awaited (across rotations)', async () => {
    const dir = join(tempDir(), 'rec');
    const slow: SpoolIo = {
      write: async (h: FileHandle, d: Buffer) => {
        await new Promise((r) => setTimeout(r, 15));
        await defaultSpoolIo.write(h, d);
      },
      sync: (h) => defaultSpoolIo.sync(h),
    };
    const w = await RecordingWriter.open({ dir, rotateBytes: 192 * 1024, flushMs: 5, spoolIo: slow });
    const recs: RawRecord[] = [];
    for (let s = 1; s <= 6000; s++) {
      const r = frame(s, `{"i":${s},"p":"${'z'.repeat(s % 700)}"}`);
      recs.push(r);
      w.append(r, s % 2 === 0 ? Buffer.from(r.payload) : undefined);
      if (s % 250 === 0) await new Promise((res) => setTimeout(res, 3));
    }
    const m = await w.close();
    expect(m.files.length).toBeGreaterThan(10);
    expect((await collect(dir)).map(canon)).toEqual(recs.map(canon));
  });

  it('calls onPart once per part after it is durable, verified and in the manifest', async () => {
    const dir = join(tempDir(), 'rec');
    const seen: { part: SealedPart; listed: boolean; hash: string }[] = [];
    const pending: Promise<void>[] = [];
    const w = await RecordingWriter.open({
      dir,
      rotateBytes: 64 * 1024,
      onPart: (part) => {
        pending.push(
          (async () => {
            const listed = (await readManifest(dir)).files.some((f) => f.path === part.path && f.sha256 === part.sha256);
            seen.push({ part, listed, hash: await sha256File(part.file) });
          })(),
        );
      },
    });
    for (let s = 1; s <= 3000; s++) w.append(recordFor(s));
    const m = await w.close();
    await Promise.all(pending);
    expect(seen.map((x) => x.part.path).sort()).toEqual(m.files.map((f) => f.path).sort());
    for (const x of seen) {
      expect(x.listed).toBe(true);
      expect(x.hash).toBe(x.part.sha256);
      const f = m.files.find((y) => y.path === x.part.path)!;
      expect([x.part.firstSeq, x.part.lastSeq, x.part.rows, x.part.bytes]).toEqual([f.firstSeq, f.lastSeq, f.rows, f.bytes]);
      expect(x.part.file).toBe(join(dir, f.path));
    }
  });
});

describe('backpressure and lag', () => {
  it('asks the feed to pause while the disk is behind and to resume when it caught up; nothing is lost', async () => {
    const dir = join(tempDir(), 'rec');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stuck: SpoolIo = { write: (h, d) => defaultSpoolIo.write(h, d), sync: async (h) => { await gate; await defaultSpoolIo.sync(h); } };
    const signals: boolean[] = [];
    const w = await RecordingWriter.open({ dir, spoolIo: stuck, onBackpressure: (on) => signals.push(on) });
    const big = 'q'.repeat(64 * 1024);
    let s = 0;
    while (!w.stats().backpressure) {
      w.append(frame(++s, big));
      if (s % 64 === 0) await new Promise((r) => setTimeout(r, 1));
      if (s > 5000) throw new Error('no backpressure after 320 MB');
    }
    expect(signals).toEqual([true]);
    const st = w.stats();
    expect(st.pendingBytes).toBeGreaterThanOrEqual(BACKPRESSURE_PENDING);
    expect(st.lagRecords).toBe(s); // nothing converted yet
    expect(st.lagSeconds).toBeCloseTo(Number(BigInt(s - 1) * 1_000_000n) / 1e9, 6);
    release();
    const deadline = Date.now() + 30_000;
    while (w.stats().backpressure && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(signals).toEqual([true, false]);
    const m = await w.close();
    expect(w.stats().lagRecords).toBe(0);
    expect(m.rows).toBe(s);
    expect((await collect(dir)).length).toBe(s);
  });

  it('abort() flushes and releases the lock without converting; repair then recovers every record', async () => {
    const dir = join(tempDir(), 'rec');
    const w = await RecordingWriter.open({ dir, rotateBytes: 64 * 1024 });
    for (let s = 1; s <= 2000; s++) w.append(recordFor(s));
    await w.abort();
    expect(readdirSync(join(dir, 'spool')).length).toBeGreaterThan(0);
    expect(readdirSync(dir)).not.toContain('.lock');
    const before = await readManifest(dir);
    expect(before.sessions.at(-1)?.clean).toBe(false);
    const report = await repairRecording(dir);
    expect(report.recovered).toBeGreaterThan(0);
    const all = await collect(dir);
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    expect(readdirSync(join(dir, 'spool'))).toEqual([]);
  });
});
