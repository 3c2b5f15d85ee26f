/**
 * THE end-to-end test of `poly record`: a record session (in process) against the simulator playing a
 * scenario, with two forced disconnects and one stall longer than staleAfterMs. The recording read
 * back with readRecording must hold every market frame the simulator sent, byte for byte, in the same
 * order per connection, plus the reconnects and the REST /books reconciliation after each connect.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RawRecord } from '../../src/core/types/raw.ts';
import { RecordSession } from '../../src/recorder/record-session.ts';
import { readManifest, readRecording } from '../../src/recorder/read.ts';
import { RecordingError } from '../../src/recorder/errors.ts';
import { decodeSpoolLine } from '../../src/recorder/spool.ts';
import { defaultSpoolIo, repairRecording, type SpoolIo } from '../../src/recorder/writer.ts';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { compactMarket, conditionId, tokenId, waitFor } from '../sources/helpers.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A scenario feed: price changes, trades and two-leg updates on two markets every 15 ms for 2.4 s. */
function scenarioEvents(): { atMs: number; frame: unknown }[] {
  const out: { atMs: number; frame: unknown }[] = [];
  for (let i = 0; i < 160; i++) {
    const m = i % 2 === 0 ? 1 : 2;
    const [yes, no] = [tokenId(2 * m), tokenId(2 * m + 1)];
    const px = (40 + (i % 20)) / 100;
    const frame =
      i % 7 === 0
        ? { market: conditionId(m), asset_id: yes, price: px.toFixed(2), size: String(1 + (i % 5)), fee_rate_bps: '0', side: 'BUY', timestamp: String(1_765_450_800_000 + i), event_type: 'last_trade_price' }
        : {
            market: conditionId(m),
            price_changes: [
              { asset_id: yes, price: px.toFixed(2), size: String(10 + i), side: 'BUY', hash: i.toString(16).padStart(40, '0'), best_bid: px.toFixed(2), best_ask: '0.99' },
              { asset_id: no, price: (1 - px).toFixed(2), size: String(10 + i), side: 'SELL', hash: (i + 1).toString(16).padStart(40, '0'), best_bid: '0.01', best_ask: (1 - px).toFixed(2) },
            ],
            timestamp: String(1_765_450_800_000 + i),
            event_type: 'price_change',
          };
    out.push({ atMs: i * 15, frame });
  }
  return out;
}

describe('poly record end to end against the simulator', () => {
  it('records every sent frame byte for byte across two drops and a stall, with reconnects and REST reconciliation visible', async () => {
    const ex: Exchange = await startExchange({
      scenario: { markets: [compactMarket({ n: 1 }), compactMarket({ n: 2 })], events: scenarioEvents(), noNewAssetsEveryMs: 200 },
      startPaused: true,
    });
    const dir = await mkdtemp(join(tmpdir(), 'poly-e2e-'));
    dirs.push(dir);
    const out = join(dir, 'rec');
    const logs: string[] = [];
    const session = await RecordSession.start({
      markets: ['market-1', conditionId(2)],
      out,
      wsUrl: ex.urls.marketWs,
      clobUrl: ex.urls.clob,
      gammaUrl: ex.urls.gamma,
      pingIntervalMs: 40,
      staleAfterMs: 250,
      backoff: { initialMs: 20, maxMs: 80, factor: 2, jitter: 0.2 },
      maxAssetsPerConnection: 2, // two markets x two tokens -> two connections
      snapshotIntervalMs: 0,
      flushMs: 50,
      log: (level, msg) => logs.push(`${level} ${msg}`),
    });
    // opens() counts connections that opened AND whose subscribe the server has read, so a drop
    // never races a subscribe still in flight
    const subscribed = (): number => ex.received().filter((m) => m.channel === 'market' && m.text.startsWith('{')).length;
    const opens = (): number => Math.min(session.status().connections.reduce((a, c) => a + c.opens, 0), subscribed());
    const msgs = (): number => session.status().messages;
    await waitFor(() => opens() === 2, 'both shards open');
    ex.start();
    await waitFor(() => msgs() > 25, 'feed flowing');
    ex.dropConnections();
    await waitFor(() => opens() === 4, 'reconnect after drop 1');
    const m1 = msgs();
    await waitFor(() => msgs() > m1 + 20, 'feed flowing again');
    ex.dropConnections();
    await waitFor(() => opens() === 6, 'reconnect after drop 2');
    const m2 = msgs();
    await waitFor(() => msgs() > m2 + 20, 'feed flowing again');
    const opensBeforeStall = opens();
    ex.stall(700); // > staleAfterMs: the client must declare the connection stale and redial
    await waitFor(() => opens() >= opensBeforeStall + 2, 'reconnect after the stall', 5000);
    await ex.done;
    const m3 = msgs();
    await waitFor(() => msgs() > m3 + 4, 'a few PONGs after the feed ended');
    const summary = await session.stop('stopped');
    const sent = ex.sent().filter((s) => s.channel === 'market');
    await ex.close();

    const recs: RawRecord[] = [];
    for await (const r of readRecording(out)) recs.push(r);
    expect(recs).toHaveLength(summary.records);
    for (let i = 1; i < recs.length; i++) {
      const a = recs[i - 1] as RawRecord, b = recs[i] as RawRecord;
      expect(b.seq).toBe(a.seq + 1);
      expect(b.recvNs >= a.recvNs).toBe(true);
    }

    // markets were resolved over Gamma first, recorded, and stored in the manifest
    const firstWs = recs.findIndex((r) => r.source === 'market_ws');
    expect(recs.slice(0, firstWs).map((r) => `${r.source}/${r.kind}`)).toEqual(['gamma_rest/request', 'gamma_rest/response', 'gamma_rest/request', 'gamma_rest/response']);
    const manifest = await readManifest(out);
    expect(manifest.markets.map((m) => m.conditionId).sort()).toEqual([conditionId(1), conditionId(2)].sort());

    // recorded market connections (only those that opened), in order of opening
    const ws = recs.filter((r) => r.source === 'market_ws');
    const openedConns = ws.filter((r) => r.kind === 'open').map((r) => r.conn);
    expect(openedConns.length).toBeGreaterThanOrEqual(8); // 2 initial + 2 per drop + >= 2 after the stall
    const framesOf = (conn: string): string[] => ws.filter((r) => r.conn === conn && r.kind === 'frame').map((r) => r.payload);
    const subscribeOf = (conn: string): string => ws.find((r) => r.conn === conn && r.kind === 'send')?.payload ?? '';

    // map simulator connections to recorded ones by order of connection, shard by shard (the two
    // shards dial concurrently, so accept order across shards is not defined; within a shard it is)
    const simConns = [...new Set(ex.received().filter((m) => m.channel === 'market').map((m) => m.connId))].sort((a, b) => a - b);
    const simSubscribe = (id: number): string => ex.received().find((m) => m.connId === id && m.text.startsWith('{'))?.text ?? '';
    const byShardSim = new Map<string, number[]>();
    for (const id of simConns) byShardSim.set(simSubscribe(id), [...(byShardSim.get(simSubscribe(id)) ?? []), id]);
    const byShardRec = new Map<string, string[]>();
    for (const c of openedConns) byShardRec.set(subscribeOf(c), [...(byShardRec.get(subscribeOf(c)) ?? []), c]);
    expect(byShardRec.size).toBe(2);
    expect([...byShardSim.keys()].sort()).toEqual([...byShardRec.keys()].sort());
    let compared = 0;
    for (const [sub, recConns] of byShardRec) {
      const simIds = byShardSim.get(sub) ?? [];
      expect(simIds).toHaveLength(recConns.length);
      recConns.forEach((conn, i) => {
        const expected = sent.filter((s) => s.connId === simIds[i]).map((s) => s.text);
        expect(framesOf(conn), `frames of ${conn} (sim conn ${simIds[i]})`).toEqual(expected);
        compared += expected.length;
      });
    }
    expect(compared).toBe(sent.length); // nothing sent was left out of the comparison
    expect(sent.some((s) => s.text.includes('price_changes'))).toBe(true);
    expect(sent.some((s) => s.text === 'PONG')).toBe(true);
    expect(sent.some((s) => s.text === 'NO NEW ASSETS')).toBe(true);
    expect(sent.some((s) => s.text.startsWith('[{'))).toBe(true); // subscribe snapshots

    // reconnects are visible: every opened connection except the last one per shard closed before
    // the next one opened, and the stall shows up as a stale error
    for (const conns of byShardRec.values()) {
      for (let i = 0; i + 1 < conns.length; i++) {
        const close = ws.find((r) => r.conn === conns[i] && r.kind === 'close') as RawRecord;
        const nextOpen = ws.find((r) => r.conn === conns[i + 1] && r.kind === 'open') as RawRecord;
        expect(close.seq).toBeLessThan(nextOpen.seq);
      }
    }
    expect(ws.filter((r) => r.kind === 'close')).toHaveLength(openedConns.length);
    expect(ws.some((r) => r.kind === 'error' && r.payload.startsWith('stale:'))).toBe(true);
    expect(summary.reconnects).toBeGreaterThanOrEqual(6);

    // REST /books after every connect, for that connection's assets, answered 200
    for (const conn of openedConns) {
      const open = ws.find((r) => r.conn === conn && r.kind === 'open') as RawRecord;
      const req = recs.find((r) => r.source === 'clob_rest' && r.kind === 'request' && r.meta['wsConn'] === conn);
      expect(req, `reconciliation of ${conn}`).toBeDefined();
      expect(req?.meta.url).toBe(`${ex.urls.clob}/books`);
      expect(req?.meta['reason']).toBe('connect');
      expect((req as RawRecord).seq).toBeGreaterThan(open.seq);
      const assets = (JSON.parse(subscribeOf(conn)) as { assets_ids: string[] }).assets_ids;
      expect((JSON.parse(req?.payload ?? '[]') as { token_id: string }[]).map((b) => b.token_id)).toEqual(assets);
      const res = recs.find((r) => r.source === 'clob_rest' && r.kind === 'response' && r.conn === req?.conn);
      expect(res?.meta.status).toBe(200);
      expect((JSON.parse(res?.payload ?? '[]') as { asset_id: string }[]).map((b) => b.asset_id).sort()).toEqual([...assets].sort());
    }
    expect(logs.some((l) => l.startsWith('warn ws stale'))).toBe(true);
  });

  it('a full disk stops the session with one line, and what was flushed before survives', async () => {
    const events = Array.from({ length: 200 }, (_, i) => ({ atMs: i * 10, frame: { event_type: 'last_trade_price', market: conditionId(1), asset_id: tokenId(2), price: '0.5', size: String(i + 1), side: 'BUY', timestamp: String(i) } }));
    const ex = await startExchange({ scenario: { markets: [compactMarket({ n: 1 })], events, noNewAssetsEveryMs: 0 } });
    const dir = await mkdtemp(join(tmpdir(), 'poly-full-'));
    dirs.push(dir);
    const out = join(dir, 'rec');
    let writes = 0;
    let full = false;
    const written: string[] = [];
    const spoolIo: SpoolIo = {
      write: async (h, data) => {
        if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        writes += 1;
        written.push(data.toString('utf8'));
        await defaultSpoolIo.write(h, data);
      },
      sync: (h) => defaultSpoolIo.sync(h),
    };
    const session = await RecordSession.start({
      markets: ['market-1'], out, wsUrl: ex.urls.marketWs, clobUrl: ex.urls.clob, gammaUrl: ex.urls.gamma, flushMs: 20, snapshotIntervalMs: 0, spoolIo,
    });
    await waitFor(() => writes >= 5 && written.join('').includes('last_trade_price'), 'a few flushes with frames');
    full = true;
    const err = await session.done.catch((e: unknown) => e);
    await ex.close();
    expect(err).toBeInstanceOf(RecordingError);
    expect((err as RecordingError).code).toBe('DISK_FULL');
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).message).toMatch(/disk full/);
    // repair recovers every record that reached the spool before the disk filled up
    await repairRecording(out);
    const recs: RawRecord[] = [];
    for await (const r of readRecording(out)) recs.push(r);
    const flushedSeqs = written.join('').trimEnd().split('\n').map((l) => decodeSpoolLine(Buffer.from(l, 'utf8'))?.seq);
    expect(recs.map((r) => r.seq)).toEqual(flushedSeqs);
    expect(recs.some((r) => r.kind === 'frame' && r.payload.includes('last_trade_price'))).toBe(true);
  });
});
