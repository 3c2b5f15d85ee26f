import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/core/types/raw.ts';
import type { ReadOptions } from '../../src/recorder/read.ts';
import { digestOfManifest, readManifest, readRecording, recordingDigest } from '../../src/recorder/read.ts';
import { RecordingWriter } from '../../src/recorder/writer.ts';
import { ASSETS, cleanupTempDirs, recordFor, tempDir } from './helpers.ts';

afterAll(cleanupTempDirs);

async function collect(dir: string, opts?: ReadOptions): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readRecording(dir, opts)) out.push(r);
  return out;
}

const N = 1000;
let dir = '';
const all = Array.from({ length: N }, (_, i) => recordFor(i + 1));

beforeAll(async () => {
  dir = join(tempDir(), 'rec');
  const market = {
    conditionId: '0x' + 'ab'.repeat(32), id: null, slug: null, question: null, tokens: [{ tokenId: ASSETS[0], outcome: 'Up' }], tickSize: 100,
    minOrderSize: null, negRisk: false, feesEnabled: false, feeSchedule: null, endDate: null, active: null, closed: null, acceptingOrders: null, eventSlug: null, tags: [],
  };
  const w = await RecordingWriter.open({ dir, rotateBytes: 30_000, markets: [market] });
  for (const r of all) w.append(r);
  await w.close();
});

describe('readRecording filters', () => {
  it('fromNs inclusive, toNs exclusive, skipping whole parts outside the window', async () => {
    const from = recordFor(200).recvNs;
    const to = recordFor(451).recvNs;
    const got = await collect(dir, { fromNs: from, toNs: to });
    expect(got).toEqual(all.filter((r) => r.recvNs >= from && r.recvNs < to));
    expect(got[0]?.seq).toBe(200);
    expect(got[got.length - 1]?.seq).toBe(450);
    const parts: string[] = [];
    await collect(dir, { fromNs: from, toNs: to, onBatch: (b) => parts.push(b.part) });
    const m = await readManifest(dir);
    expect(new Set(parts).size).toBeLessThan(m.files.length);
  });

  it('assetIds keeps frames mentioning the asset plus every lifecycle and rtds record', async () => {
    const got = await collect(dir, { assetIds: [ASSETS[1]] });
    const expected = all.filter((r) => r.kind !== 'frame' || r.source === 'rtds_ws' || r.payload.includes(`"${ASSETS[1]}"`));
    expect(got).toEqual(expected);
    expect(got.some((r) => r.kind === 'frame' && r.source === 'market_ws' && r.payload.includes(ASSETS[0]))).toBe(false);
    expect(got.some((r) => r.kind === 'open')).toBe(true);
  });

  it('markets resolves condition ids to their tokens via the manifest', async () => {
    const m = await readManifest(dir);
    const cid = m.markets[0]?.conditionId ?? '';
    const got = await collect(dir, { markets: [cid.toUpperCase().replace('0X', '0x')] });
    expect(got).toEqual(all.filter((r) => r.kind !== 'frame' || r.source === 'rtds_ws' || r.payload.includes(`"${ASSETS[0]}"`)));
  });

  it('combines time and asset filters', async () => {
    const from = recordFor(100).recvNs;
    const got = await collect(dir, { fromNs: from, assetIds: [ASSETS[0]] });
    expect(got.every((r) => r.recvNs >= from)).toBe(true);
    expect(got.filter((r) => r.kind === 'frame' && r.source === 'market_ws').every((r) => r.payload.includes(ASSETS[0]))).toBe(true);
  });

  it('recordingDigest hashes the part hashes in seq order', async () => {
    const m = await readManifest(dir);
    const d = await recordingDigest(dir);
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(d).toBe(digestOfManifest(m));
    const changed = { ...m, files: m.files.map((f, i) => (i === 0 ? { ...f, sha256: '0'.repeat(64) } : f)) };
    expect(digestOfManifest(changed)).not.toBe(d);
  });
});

describe('readRecording streams with bounded memory', () => {
  it('yields the first record of 200k before the last batch is fetched, and stops early on break', async () => {
    const big = join(tempDir(), 'big');
    const w = await RecordingWriter.open({ dir: big, rotateBytes: 16 * 1024 * 1024 });
    const total = 200_000;
    for (let s = 1; s <= total; s++) w.append({ v: 1, seq: s, recvNs: 1_765_450_800_000_000_000n + BigInt(s) * 1000n, source: 'market_ws', conn: 'c', kind: 'frame', meta: {}, payload: `{"i":${s}}` });
    const m = await w.close();
    expect(m.rows).toBe(total);

    const batches: number[] = [];
    let fetchedWhenFirstSeen = -1;
    let fetchedRows = 0;
    let n = 0;
    let prev = 0;
    let inOrder = true;
    for await (const r of readRecording(big, { batchRows: 4096, onBatch: (b) => { batches.push(b.rows); fetchedRows += b.rows; } })) {
      if (n === 0) fetchedWhenFirstSeen = fetchedRows;
      if (r.seq !== prev + 1) inOrder = false;
      prev = r.seq;
      n++;
    }
    expect(n).toBe(total);
    expect(inOrder).toBe(true);
    expect(fetchedWhenFirstSeen).toBeLessThanOrEqual(4096);
    expect(batches.length).toBeGreaterThan(40);
    expect(Math.max(...batches)).toBeLessThanOrEqual(4096);

    // breaking out early fetches only what was needed
    let fetched = 0;
    let seen = 0;
    for await (const _r of readRecording(big, { batchRows: 2048, onBatch: (b) => (fetched += b.rows) })) {
      if (++seen === 10) break;
    }
    expect(fetched).toBe(2048);
  });
});
