/**
 * `poly record --all --shard i/N` against the simulator (issue 12 item 4): every active market listed
 * on Gamma is recorded by exactly one of N recorders (shard = sha256(condition id) mod N), a market
 * listed while recording is picked up at the next listing by the recorder that owns it, and
 * `poly recordings merge` puts the shards back together into one recording ordered by receipt time.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { mergeRecordings } from '../../src/recorder/merge.ts';
import { RecordSession } from '../../src/recorder/record-session.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { startExchange } from '../../src/sim/exchange.ts';
import { parseShard, shardOf } from '../../src/sources/all-markets.ts';
import { polyIn } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';
import { compactMarket, conditionId, tokenId, waitFor } from '../sources/helpers.ts';

afterAll(cleanupTempDirs);

async function all(dir: string): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const r of readRecording(dir)) out.push(r);
  return out;
}

const subscribedTokens = (recs: readonly RawRecord[]): Set<string> =>
  new Set(recs.filter((r) => r.source === 'market_ws' && r.kind === 'send' && r.payload.startsWith('{')).flatMap((r) => (JSON.parse(r.payload) as { assets_ids: string[] }).assets_ids));

describe('shard rule', () => {
  it('is sha256 of the lowercase condition id, first 6 bytes big-endian, mod N (checked against sha256sum)', () => {
    // printf %s 0xccc...c1 | sha256sum -> 669809fe5508...: 0x669809fe5508 mod 4 = 0, mod 7 = 4
    expect(shardOf(conditionId(1), 4)).toBe(0);
    expect(shardOf(conditionId(1), 7)).toBe(4);
    expect(shardOf(conditionId(1).toUpperCase().replace('0X', '0x'), 7)).toBe(4);
    // 0xdd22...0917 -> 922e6c07c127...: mod 4 = 3, mod 7 = 2
    expect(shardOf('0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917', 4)).toBe(3);
    expect(shardOf('0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917', 7)).toBe(2);
    expect([parseShard('0/1'), parseShard('3/4'), parseShard('4/4'), parseShard('1/0'), parseShard('x/2')]).toEqual([{ index: 0, count: 1 }, { index: 3, count: 4 }, null, null, null]);
  });
});

describe('poly record --all --shard i/N', () => {
  it('splits every active market over two recorders, follows a newly listed market, and merges back into one recording', async () => {
    const listed = Array.from({ length: 24 }, (_, i) => compactMarket({ n: i + 1, closed: i % 8 === 7 }));
    const active = listed.filter((_, i) => i % 8 !== 7).map((m) => m['conditionId'] as string);
    const ex = await startExchange({ scenario: { markets: listed, noNewAssetsEveryMs: 0 } });
    const root = tempDir('poly-all-');
    const dirs = [join(root, 's0'), join(root, 's1')];
    const sessions: RecordSession[] = [];
    try {
      for (const [i, out] of dirs.entries()) {
        sessions.push(
          await RecordSession.start({
            markets: [],
            all: { shard: { index: i, count: 2 }, pollMs: 300 },
            out,
            wsUrl: ex.urls.marketWs,
            clobUrl: ex.urls.clob,
            gammaUrl: ex.urls.gamma,
            snapshotIntervalMs: 0,
          }),
        );
      }
      await waitFor(() => sessions.every((s) => s.status().connections.some((c) => c.state === 'open')), 'both recorders connected');
      // a market listed while recording (the simulator adds it on its new_market announcement)
      const fresh = conditionId(99);
      const owner = shardOf(fresh, 2);
      ex.publish({ event_type: 'new_market', id: '99', question: 'A new one?', market: fresh, slug: 'market-99', assets_ids: [tokenId(198), tokenId(199)], outcomes: ['Yes', 'No'], timestamp: '1765450800000' });
      await waitFor(() => sessions[owner]!.marketList.some((m) => m.conditionId === fresh), 'the owner to follow the new market', 15_000);
      await waitFor(() => ex.received().some((m) => m.channel === 'market' && m.text.includes(tokenId(198)) && m.text.includes('"operation":"subscribe"')), 'the new market subscribed', 15_000);
      for (const s of sessions) await s.stop();
    } finally {
      for (const s of sessions) await s.stop().catch(() => undefined);
      await ex.close();
    }

    const want = [...active, conditionId(99)];
    const got: string[][] = [];
    for (const [i, out] of dirs.entries()) {
      const m = await readManifest(out);
      const ids = m.markets.map((x) => x.conditionId);
      got.push(ids);
      for (const id of ids) expect(shardOf(id, 2), `${id} in shard ${i}`).toBe(i);
      // what it subscribed is exactly its markets' tokens
      expect(subscribedTokens(await all(out))).toEqual(new Set(m.markets.flatMap((x) => x.tokens.map((t) => t.tokenId))));
      expect(m.sessions[0]?.meta?.['all']).toEqual({ shard: `${i}/2` });
    }
    expect([...(got[0] ?? []), ...(got[1] ?? [])].sort()).toEqual([...want].sort()); // every active market, exactly once
    expect(got.every((g) => g.length > 0)).toBe(true);
    expect(got.flat()).not.toContain(listed[7]!['conditionId']); // closed: not listed as active

    // merge the shards: one recording, ordered by receipt time, every record of both
    const merged = join(root, 'merged');
    const s = await mergeRecordings(dirs, merged);
    const recs = await all(merged);
    expect(s.rows).toBe(recs.length);
    const parts = await Promise.all(dirs.map(all));
    expect(recs.length).toBe(parts[0]!.length + parts[1]!.length);
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.recvNs >= recs[i - 1]!.recvNs).toBe(true);
    for (const [k, p] of parts.entries()) {
      const mine = recs.filter((r) => r.conn.startsWith(`m${k + 1}/`));
      expect(mine.map((r) => [r.recvNs, r.payload])).toEqual(p.map((r) => [r.recvNs, r.payload]));
    }
    expect((await readManifest(merged)).markets.map((m) => m.conditionId).sort()).toEqual([...want].sort());
  }, 60_000);

  it('bad --shard / --all input: one line, exit 2, before any network', async () => {
    const cases: [string[], RegExp][] = [
      [['--all', '--shard', '2/2'], /--shard: expected i\/N with 0 <= i < N/],
      [['--all', '--shard', 'one'], /--shard: expected i\/N/],
      [['--shard', '0/2', '--market', 'x'], /--shard needs --all/],
      [['--all', '--all-poll', '10ms'], /--all-poll must be at least 1s/],
    ];
    for (const [args, re] of cases) {
      const r = await polyIn('record', ...args, '--out', join(tempDir('poly-all-bad-'), 'never'), '--gamma-url', 'http://127.0.0.1:1');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toEqual([expect.stringMatching(re)]);
    }
  }, 30_000);
});
