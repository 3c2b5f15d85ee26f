/**
 * `poly recordings merge` (src/recorder/merge.ts): one recording from several, ordered by receipt time
 * with the stated tie-break (input position, then the input's own order), seq renumbered, conn ids
 * prefixed m<i>/, everything else verbatim, provenance in the manifest; bad input refused in one line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { metaToJson, type RawRecord } from '../../src/core/types/raw.ts';
import { sessionOfConn } from '../../src/core/outages.ts';
import { mergeRecordings, MERGE_ORDER } from '../../src/recorder/merge.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { RecordingWriter } from '../../src/recorder/writer.ts';
import { polyIn } from '../helpers/cli.ts';
import { BASE_NS, cleanupTempDirs, tempDir } from './helpers.ts';

afterAll(cleanupTempDirs);

const MS = 1_000_000n;
const market = (cid: string) => ({
  conditionId: cid, id: null, slug: `m-${cid.slice(-2)}`, question: null, tokens: [{ tokenId: `${cid.length}1`, outcome: 'Yes' }], tickSize: 100, minOrderSize: 5_000_000,
  negRisk: false, feesEnabled: false, feeSchedule: null, endDate: null, active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: [],
});

async function write(dir: string, cid: string, rows: [number, string, RawRecord['kind'], string][]): Promise<RawRecord[]> {
  const recs = rows.map(([ms, conn, kind, payload], i): RawRecord => ({ v: 1, seq: 10 * (i + 1), recvNs: BASE_NS + BigInt(ms) * MS, source: 'market_ws', conn, kind, meta: kind === 'open' ? { url: 'ws://x', attempt: 1 } : {}, payload }));
  const w = await RecordingWriter.open({ dir, markets: [market(cid)] });
  for (const r of recs) w.append(r);
  await w.close();
  return recs;
}

async function all(dir: string): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readRecording(dir)) out.push(r);
  return out;
}

describe('poly recordings merge', () => {
  it('orders by recv_ns, breaks ties by input position then input order, renumbers seq, prefixes conns, keeps the rest verbatim', async () => {
    const root = tempDir('poly-merge-');
    const a = join(root, 'a');
    const b = join(root, 'b');
    const ra = await write(a, '0xaa', [[0, 'mws-1', 'open', ''], [5, 'mws-1', 'frame', '{"a":1}'], [5, 'mws-1', 'frame', '{"a":2}'], [9, 'mws-1', 'frame', 'tab\there "q" é']]);
    const rb = await write(b, '0xbb', [[1, 'mws-1', 'open', ''], [5, 'mws-1', 'frame', '{"b":1}'], [7, 's40.mws-1', 'open', ''], [9, 's40.mws-1', 'frame', '{"b":2}']]);
    const out = join(root, 'merged');
    const s = await mergeRecordings([a, b], out);
    expect(s.rows).toBe(8);
    const got = await all(out);
    // expected: stable by time, ties -> input a before b, within an input its own order
    const want = [
      [ra[0], 'm1/'], [rb[0], 'm2/'], [ra[1], 'm1/'], [ra[2], 'm1/'], [rb[1], 'm2/'], [rb[2], 'm2/'], [ra[3], 'm1/'], [rb[3], 'm2/'],
    ] as const;
    expect(got.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    got.forEach((r, i) => {
      const [src, prefix] = want[i] as readonly [RawRecord, string];
      expect({ ...r, seq: 0, meta: metaToJson(r.meta) }).toEqual({ ...src, seq: 0, conn: `${prefix}${src.conn}`, meta: metaToJson(src.meta) });
    });
    expect(sessionOfConn(got[7]!.conn)).toEqual({ scope: 'm2', session: '40' });

    const m = await readManifest(out);
    expect(m.createdBy).toBe('poly recordings merge');
    expect(m.markets.map((x) => x.conditionId)).toEqual(['0xaa', '0xbb']);
    expect(m.sessions).toHaveLength(1);
    const prov = m.sessions[0]?.meta?.['merge'] as { order: string; inputs: { dir: string; prefix: string; rows: number; digest: string }[] };
    expect(prov.order).toBe(MERGE_ORDER);
    expect(prov.inputs.map((x) => [x.dir, x.prefix, x.rows])).toEqual([[a, 'm1/', 4], [b, 'm2/', 4]]);
    expect(prov.inputs.every((x) => /^[0-9a-f]{64}$/.test(x.digest))).toBe(true);
  });

  it('refuses bad input with one line and exit 2, writing nothing', async () => {
    const root = tempDir('poly-merge-');
    const a = join(root, 'a');
    const b = join(root, 'b');
    await write(a, '0xaa', [[0, 'mws-1', 'open', '']]);
    await write(b, '0xbb', [[0, 'mws-1', 'open', '']]);
    const cases: [string[], RegExp][] = [
      [[a, '--out', join(root, 'o1')], /at least two recordings/],
      [[a, a, '--out', join(root, 'o2')], /is given twice/],
      [[a, join(root, 'nope'), '--out', join(root, 'o3')], /does not exist|not a poly recording/],
      [[a, b, '--out', a], /is one of the inputs/],
    ];
    mkdirSync(join(root, 'full'));
    writeFileSync(join(root, 'full', 'x'), 'x');
    cases.push([[a, b, '--out', join(root, 'full')], /is not empty/]);
    const crashed = join(root, 'crashed');
    await write(crashed, '0xcc', [[0, 'mws-1', 'open', '']]);
    mkdirSync(join(crashed, 'spool'), { recursive: true });
    writeFileSync(join(crashed, 'spool', 'seg-00000000000000000099.spool'), '');
    cases.push([[a, crashed, '--out', join(root, 'o4')], /spool segment\(s\) not yet in Parquet.*recordings repair/]);
    for (const [args, re] of cases) {
      const r = await polyIn('recordings', 'merge', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(re);
    }
    const ok = await polyIn('recordings', 'merge', a, b, '--out', join(root, 'good'), '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ rows: 2, inputs: [{ prefix: 'm1/' }, { prefix: 'm2/' }] });
  }, 60_000);
});
