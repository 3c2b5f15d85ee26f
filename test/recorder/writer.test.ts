import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { withDuck, sqlString } from '../../src/io/duckdb.ts';
import { RecordingError } from '../../src/recorder/errors.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import type { WriterEvent } from '../../src/recorder/writer.ts';
import { RecordingWriter, repairRecording } from '../../src/recorder/writer.ts';
import { BASE_NS, cleanupTempDirs, recordFor, tempDir } from './helpers.ts';

afterAll(cleanupTempDirs);

async function collect(dir: string): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readRecording(dir)) out.push(r);
  return out;
}

function partFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((d) => d.startsWith('date='))
    .flatMap((d) => readdirSync(join(dir, d)).map((f) => `${d}/${f}`))
    .sort();
}

describe('RecordingWriter round trip', () => {
  it('stores every record and reads them back identical and in order (unicode, huge, empty payloads)', async () => {
    const dir = join(tempDir(), 'rec');
    const w = await RecordingWriter.open({ dir, flushMs: 50 });
    expect(w.nextSeq).toBe(1);
    const specials: Partial<RawRecord>[] = [
      { payload: '' },
      { payload: 'PONG' },
      { payload: '{"msg":"Ünïcödé ✓ 🚀 中文 \\u0000","nl":"a\\nb"}' },
      { payload: 'raw\ncontrol\r\tchars\u0000and\u2028separators' },
      { payload: '€'.repeat(700_000) }, // ~2 MB of UTF-8 in one record
      { payload: '𝄞 surrogate pairs 𝄞', meta: { reason: 'naïve', code: 1006, assets: ['1', '2'] } },
      { kind: 'close', payload: '', meta: { code: 1006, reason: 'abnormal' } },
    ];
    const expected: RawRecord[] = [];
    for (let i = 0; i < 500; i++) {
      const base = recordFor(i + 1);
      // the specials at the start, in the middle and at the very end (the last record of the last part)
      const special = i < specials.length ? specials[i] : i >= 250 && i < 250 + specials.length ? specials[i - 250] : i === 499 ? specials[4] : undefined;
      const r: RawRecord = { ...base, ...(special ?? {}), seq: i + 1 };
      expected.push(r);
      w.append(r);
    }
    const m = await w.close();
    expect(m.rows).toBe(500);
    const got = await collect(dir);
    expect(got.length).toBe(500);
    expect(got).toEqual(expected);
    // byte-identical payloads (not just equal after some normalisation)
    for (let i = 0; i < got.length; i++) expect(Buffer.from((got[i] as RawRecord).payload).equals(Buffer.from((expected[i] as RawRecord).payload))).toBe(true);
    expect(readdirSync(join(dir, 'spool'))).toEqual([]);
  });

  it('writes Parquet that plain DuckDB SQL reads with the documented schema, ZSTD-compressed', async () => {
    const dir = join(tempDir(), 'rec');
    const w = await RecordingWriter.open({ dir });
    for (let s = 1; s <= 300; s++) w.append(recordFor(s));
    await w.close();
    await withDuck(async ({ conn }) => {
      const glob = sqlString(`${dir}/**/*.parquet`);
      const schema = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${glob}, hive_partitioning = false)`)).getRows().map((r) => `${String(r[0])} ${String(r[1])}`);
      expect(schema).toEqual(['v UTINYINT', 'seq UBIGINT', 'recv_ns BIGINT', 'source VARCHAR', 'conn VARCHAR', 'kind VARCHAR', 'meta VARCHAR', 'payload VARCHAR']);
      const rows = (await conn.runAndReadAll(`SELECT count(*), min(seq), max(seq), count(DISTINCT date) FROM read_parquet(${glob})`)).getRows();
      expect(rows).toEqual([[300n, 1n, 300n, 1n]]);
      const meta = (await conn.runAndReadAll(`SELECT meta, payload FROM read_parquet(${glob}) WHERE seq = 50`)).getRows();
      expect(meta).toEqual([['{"assets":["' + (recordFor(50).meta.assets ?? []).join('","') + '"],"attempt":1,"url":"wss://example.invalid/ws/market"}', '']]);
      const codecs = (await conn.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata(${glob})`)).getRows();
      expect(codecs).toEqual([['ZSTD']]);
    });
  });

  it('manifest row counts, seq ranges, sizes and sha256 match the files on disk', async () => {
    const dir = join(tempDir(), 'rec');
    const w = await RecordingWriter.open({ dir, rotateBytes: 20_000, markets: [], meta: { argv: ['record', 'x'] } });
    for (let s = 1; s <= 2000; s++) w.append(recordFor(s));
    const m = await w.close();
    expect(m).toEqual(await readManifest(dir));
    expect(m.files.map((f) => f.path)).toEqual(partFiles(dir));
    let expectSeq = 1;
    let rows = 0;
    for (const f of m.files) {
      const bytes = readFileSync(join(dir, f.path));
      expect(f.bytes).toBe(bytes.length);
      expect(f.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(f.firstSeq).toBe(expectSeq);
      expect(f.rows).toBe(f.lastSeq - f.firstSeq + 1);
      expectSeq = f.lastSeq + 1;
      rows += f.rows;
    }
    expect(rows).toBe(2000);
    expect(m.rows).toBe(2000);
    const bySource: Record<string, number> = {};
    for (let s = 1; s <= 2000; s++) bySource[recordFor(s).source] = (bySource[recordFor(s).source] ?? 0) + 1;
    expect(m.counts.bySource).toEqual(bySource);
    expect(m.timeRange).toEqual({ fromNs: recordFor(1).recvNs.toString(), toNs: recordFor(2000).recvNs.toString() });
    expect(m.sessions).toHaveLength(1);
    expect(m.sessions[0]).toMatchObject({ firstSeq: 1, lastSeq: 2000, clean: true, meta: { argv: ['record', 'x'] } });
  });
});

describe('DuckDB instance recycling', () => {
  it('converts with a fresh DuckDB instance every duckRecycleSegments conversions; every record read back as written', async () => {
    const dir = join(tempDir(), 'rec');
    const events: WriterEvent[] = [];
    const w = await RecordingWriter.open({ dir, rotateBytes: 16_384, duckRecycleSegments: 2, onEvent: (e) => events.push(e) });
    // conversions run while recording (not all at close, where no recycle is needed): flush each chunk
    // and wait until its sealed segments are converted
    for (let s = 1; s <= 1500; s++) {
      w.append(recordFor(s));
      if (s % 100 === 0) {
        await w.flush();
        while (w.stats().convertQueue > 0) await new Promise((r) => setTimeout(r, 5));
      }
    }
    await w.close();
    const rotated = events.filter((e) => e.type === 'rotated').length;
    expect(rotated).toBeGreaterThanOrEqual(6);
    // 1 + one fresh instance per 2 conversions (the last one's recycle may be skipped once closing began)
    expect(w.duckInstances).toBeGreaterThanOrEqual(Math.floor((rotated - 1) / 2));
    expect(w.duckInstances).toBeLessThanOrEqual(1 + Math.floor(rotated / 2));
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    const back = await collect(dir);
    expect(back).toEqual(Array.from({ length: 1500 }, (_, i) => recordFor(i + 1)));
  });
});

describe('rotation', () => {
  it('by size: several parts with contiguous seq ranges, spool emptied, rotation events', async () => {
    const dir = join(tempDir(), 'rec');
    const events: WriterEvent[] = [];
    const w = await RecordingWriter.open({ dir, rotateBytes: 16_384, onEvent: (e) => events.push(e) });
    for (let s = 1; s <= 1500; s++) w.append(recordFor(s));
    const m = await w.close();
    expect(m.files.length).toBeGreaterThan(5);
    for (let i = 1; i < m.files.length; i++) expect((m.files[i]?.firstSeq ?? 0) - (m.files[i - 1]?.lastSeq ?? 0)).toBe(1);
    expect(m.files[m.files.length - 1]?.lastSeq).toBe(1500);
    expect(events.filter((e) => e.type === 'rotated').length).toBe(m.files.length);
    expect(await collect(dir)).toEqual(Array.from({ length: 1500 }, (_, i) => recordFor(i + 1)));
  });

  it('by time: hour-aligned buckets and UTC dates split parts, each part within one date partition', async () => {
    const dir = join(tempDir(), 'rec');
    // one record every 7 minutes starting 21:00 UTC -> crosses midnight; rotate every hour
    const start = 1_765_486_800_000_000_000n; // 2025-12-11T21:00:00Z
    const step = 7n * 60n * 1_000_000_000n;
    const w = await RecordingWriter.open({ dir, rotateMs: 3_600_000 });
    const recs = Array.from({ length: 40 }, (_, i) => ({ ...recordFor(i + 1), recvNs: start + BigInt(i) * step }));
    for (const r of recs) w.append(r);
    const m = await w.close();
    const hours = new Set(recs.map((r) => r.recvNs / 3_600_000_000_000n));
    expect(m.files.length).toBe(hours.size);
    for (const f of m.files) {
      const date = f.path.slice(5, 15);
      expect(new Date(Number(BigInt(f.firstRecvNs) / 1_000_000n)).toISOString().slice(0, 10)).toBe(date);
      expect(new Date(Number(BigInt(f.lastRecvNs) / 1_000_000n)).toISOString().slice(0, 10)).toBe(date);
      expect(BigInt(f.firstRecvNs) / 3_600_000_000_000n).toBe(BigInt(f.lastRecvNs) / 3_600_000_000_000n);
    }
    expect(new Set(m.files.map((f) => f.path.slice(0, 15)))).toEqual(new Set(['date=2025-12-11', 'date=2025-12-12']));
    expect((await collect(dir)).map((r) => r.seq)).toEqual(recs.map((r) => r.seq));
  });
});

describe('sessions and the append contract', () => {
  it('continues seq after the last stored seq and records each session', async () => {
    const dir = join(tempDir(), 'rec');
    const w1 = await RecordingWriter.open({ dir });
    for (let s = 1; s <= 10; s++) w1.append(recordFor(s));
    await w1.close();
    const w2 = await RecordingWriter.open({ dir });
    expect(w2.nextSeq).toBe(11);
    expect(w2.lastRecvNs).toBe(recordFor(10).recvNs);
    expect(() => w2.append(recordFor(10))).toThrow(/seq 10 does not follow 10/);
    for (let s = 11; s <= 25; s++) w2.append(recordFor(s));
    const m = await w2.close();
    expect(m.sessions.map((s) => [s.firstSeq, s.lastSeq, s.clean])).toEqual([
      [1, 10, true],
      [11, 25, true],
    ]);
    expect((await collect(dir)).map((r) => r.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    // an empty session keeps the seq where it was
    const w3 = await RecordingWriter.open({ dir });
    await w3.close();
    const w4 = await RecordingWriter.open({ dir });
    expect(w4.nextSeq).toBe(26);
    await w4.close();
  });

  it('throws UPSTREAM when seq does not increase or recvNs goes back, and keeps the good records', async () => {
    const dir = join(tempDir(), 'rec');
    const w = await RecordingWriter.open({ dir });
    w.append(recordFor(1));
    w.append(recordFor(2));
    const err = (() => {
      try {
        w.append({ ...recordFor(3), recvNs: recordFor(1).recvNs - 1n });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(RecordingError);
    expect((err as RecordingError).code).toBe('UPSTREAM');
    expect(() => w.append(recordFor(2))).toThrow(RecordingError);
    w.append(recordFor(5)); // gaps are allowed
    await w.close();
    expect((await collect(dir)).map((r) => r.seq)).toEqual([1, 2, 5]);
  });

  it('stats() reports records, bytes, spool and flush time; flush() makes the spool durable', async () => {
    const dir = join(tempDir(), 'rec');
    let clock = 1000n;
    const w = await RecordingWriter.open({ dir, now: () => clock++ });
    expect(w.stats()).toEqual({ records: 0, bytes: 0, files: 0, spoolBytes: 0, lastFlushNs: null, lagRecords: 0, lagSeconds: 0, pendingBytes: 0, convertQueue: 0, backpressure: false });
    for (let s = 1; s <= 20; s++) w.append(recordFor(s));
    const st = w.stats();
    expect(st.records).toBe(20);
    expect(st.bytes).toBeGreaterThan(20 * 100);
    expect(st.spoolBytes).toBe(st.bytes);
    await w.flush();
    const spool = readdirSync(join(dir, 'spool'));
    expect(spool).toHaveLength(1);
    expect(statSync(join(dir, 'spool', spool[0] as string)).size).toBe(st.bytes);
    expect(w.stats().lastFlushNs).not.toBeNull();
    const m = await w.close();
    expect(w.stats().files).toBe(m.files.length);
  });

  it('stores markets (merged across sessions, latest wins) bigint-free', async () => {
    const dir = join(tempDir(), 'rec');
    const market = (cid: string, q: string) => ({
      conditionId: cid, id: null, slug: null, question: q, tokens: [{ tokenId: '1', outcome: 'Yes' }], tickSize: 100, minOrderSize: 5_000_000,
      negRisk: false, feesEnabled: true, feeSchedule: { rate: '0.07', exponent: '1', takerOnly: true, rebateRate: '0.2' }, endDate: null,
      active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: ['crypto'],
    });
    const w = await RecordingWriter.open({ dir, markets: [market('0xa', 'A?')] });
    w.setMarkets([market('0xb', 'B?')]);
    await w.close();
    expect((await readManifest(dir)).markets.map((m) => m.conditionId)).toEqual(['0xa', '0xb']);
    const w2 = await RecordingWriter.open({ dir, markets: [market('0xb', 'B2?')] });
    const m = await w2.close();
    expect(m.markets.map((x) => x.question)).toEqual(['A?', 'B2?']);
  });
});

describe('errors and locking', () => {
  it('refuses an unwritable directory with one clear line', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'x');
    await expect(RecordingWriter.open({ dir: join(file, 'rec') })).rejects.toMatchObject({ code: 'UNWRITABLE', message: expect.stringMatching(/^cannot create recording directory .*ENOTDIR/) });
  });

  it('refuses a non-empty directory that is not a recording', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    await expect(RecordingWriter.open({ dir })).rejects.toMatchObject({ code: 'NOT_A_RECORDING' });
  });

  it('rejects bad options before touching the disk', async () => {
    await expect(RecordingWriter.open({ dir: join(tempDir(), 'r'), flushMs: 5000 })).rejects.toThrow(/flushMs must be a positive integer <= 1000/);
  });

  it('refuses a second writer on the same directory, in this process or another live one', async () => {
    const dir = join(tempDir(), 'rec');
    const w = await RecordingWriter.open({ dir });
    await expect(RecordingWriter.open({ dir })).rejects.toMatchObject({ code: 'LOCKED' });
    await expect(repairRecording(dir)).rejects.toMatchObject({ code: 'LOCKED' });
    await w.close();
    // a live foreign process (our parent) holding the lock
    writeFileSync(join(dir, '.lock'), `${process.ppid}\n`);
    await expect(RecordingWriter.open({ dir })).rejects.toMatchObject({ code: 'LOCKED', message: expect.stringContaining(`process ${process.ppid}`) });
  });

  it('takes over a stale lock of a dead process and says so', async () => {
    const dir = join(tempDir(), 'rec');
    mkdirSync(dir);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(dir, '.lock'), `${dead}\n`);
    const events: WriterEvent[] = [];
    const w = await RecordingWriter.open({ dir, onEvent: (e) => events.push(e) });
    expect(events.find((e) => e.type === 'lock_taken_over')).toMatchObject({ stalePid: Number(dead) });
    expect(readFileSync(join(dir, '.lock'), 'utf8')).toBe(`${process.pid}\n`);
    await w.close();
    expect(readdirSync(dir)).not.toContain('.lock');
  });

  it('disk full on a spool write: keeps what was flushed, fails with one line, repair recovers it', async () => {
    const dir = join(tempDir(), 'rec');
    let writes = 0;
    const events: WriterEvent[] = [];
    const w = await RecordingWriter.open({
      dir,
      onEvent: (e) => events.push(e),
      spoolIo: {
        async write(h, data) {
          writes++;
          if (writes === 1) {
            await h.write(data);
            return;
          }
          await h.write(data.subarray(0, 10)); // a partial write, then the disk is full
          throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
        async sync(h) {
          await h.datasync();
        },
      },
    });
    for (let s = 1; s <= 30; s++) w.append(recordFor(s));
    await w.flush();
    for (let s = 31; s <= 40; s++) w.append(recordFor(s));
    const err = await w.flush().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(RecordingError);
    expect((err as RecordingError).code).toBe('DISK_FULL');
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).message).toMatch(/disk full .*10 unflushed record\(s\) lost/);
    expect(events.some((e) => e.type === 'error' && e.code === 'DISK_FULL')).toBe(true);
    expect(() => w.append(recordFor(41))).toThrow(/disk full/);
    await expect(w.close()).rejects.toMatchObject({ code: 'DISK_FULL' });
    const report = await repairRecording(dir);
    expect(report.recovered).toBe(30);
    expect(report.tornTailBytes).toBe(10);
    expect(report.sessionsClosed).toBe(1);
    expect((await collect(dir)).map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const m = await readManifest(dir);
    expect(m.sessions[0]).toMatchObject({ firstSeq: 1, lastSeq: 30, clean: false, endedNs: recordFor(30).recvNs.toString() });
  });

  it('uses the time base BASE_NS (sanity of helpers)', () => {
    expect(recordFor(0).recvNs).toBe(BASE_NS);
  });
});
