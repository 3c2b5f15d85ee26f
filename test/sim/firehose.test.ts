/**
 * Firehose: deterministic synthetic price_change frames (mirrored legs, uncrossed books), delivered
 * completely and in order at speed 'max', with backpressure: a client that stops reading makes the
 * feed wait instead of buffering everything in memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { firehoseFrames } from '../../src/sim/firehose.ts';
import { parsePx } from '../../src/core/types/fixed.ts';
import { sleep, subscribeMsg, TestClient } from './helpers.ts';

const ASSETS = ['1001', '1002', '2001', '2002'];

interface Leg {
  asset_id: string;
  price: string;
  size: string;
  side: string;
  best_bid: string;
  best_ask: string;
}

describe('firehoseFrames', () => {
  it('is deterministic per seed and different across seeds', () => {
    const a = [...firehoseFrames({ frames: 500, assets: ASSETS, seed: 7 }, 1_700_000_000_000)].map((f) => f.text);
    const b = [...firehoseFrames({ frames: 500, assets: ASSETS, seed: 7 }, 1_700_000_000_000)].map((f) => f.text);
    const c = [...firehoseFrames({ frames: 500, assets: ASSETS, seed: 8 }, 1_700_000_000_000)].map((f) => f.text);
    expect(a).toHaveLength(500);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('starts with one book per asset, then two-leg mirrored price_changes that never cross', () => {
    const frames = [...firehoseFrames({ frames: 2000, assets: ASSETS, seed: 3 }, 1_700_000_000_000)];
    const books = frames.slice(0, 4).map((f) => JSON.parse(f.text) as { event_type: string; asset_id: string; bids: { price: string }[]; asks: { price: string }[] });
    expect(books.map((b) => [b.event_type, b.asset_id])).toEqual(ASSETS.map((a) => ['book', a]));
    for (const b of books) {
      // wire order: best last, and not crossed
      const bid = parsePx(b.bids.at(-1)?.price ?? '0') ?? 0;
      const ask = parsePx(b.asks.at(-1)?.price ?? '1') ?? 10_000;
      expect(bid).toBeLessThan(ask);
      expect(b.bids.map((l) => parsePx(l.price))).toEqual([...b.bids.map((l) => parsePx(l.price))].sort((x, y) => (x ?? 0) - (y ?? 0)));
    }
    for (const f of frames.slice(4)) {
      const m = JSON.parse(f.text) as { event_type: string; price_changes: Leg[]; market: string; timestamp: string };
      expect(Object.keys(m)).toEqual(['market', 'price_changes', 'timestamp', 'event_type']);
      expect(m.price_changes).toHaveLength(2);
      const [yes, no] = m.price_changes as [Leg, Leg];
      expect(f.assets).toEqual([yes.asset_id, no.asset_id]);
      expect((parsePx(yes.price) ?? 0) + (parsePx(no.price) ?? 0)).toBe(10_000);
      expect(yes.size).toBe(no.size);
      expect(yes.side).not.toBe(no.side);
      for (const leg of [yes, no]) expect(parsePx(leg.best_bid) ?? 0).toBeLessThan(parsePx(leg.best_ask) ?? 0);
      expect((parsePx(yes.best_bid) ?? 0) + (parsePx(no.best_ask) ?? 0)).toBe(10_000);
    }
  });
});

describe('firehose through the exchange', () => {
  let ex: Exchange | null = null;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await ex?.close();
    ex = null;
  });

  it('delivers every frame, in generator order, to a subscribed client at speed max', async () => {
    const frames = 20_000;
    ex = await startExchange({ firehose: { frames, assets: ASSETS, seed: 11 }, speed: 'max', startPaused: true, startEpochMs: 1_700_000_000_000 });
    const c = await TestClient.open(ex.urls.marketWs);
    clients.push(c);
    c.send(subscribeMsg(ASSETS, false));
    await c.sync();
    ex.start();
    await ex.done;
    await c.sync();
    const expected = [...firehoseFrames({ frames, assets: ASSETS, seed: 11 }, 1_700_000_000_000)].map((f) => f.text);
    expect(c.data()).toEqual(expected);
    expect(ex.stats().framesSent).toBe(frames + 2); // + the two PONGs
    expect(ex.sent()).toEqual([]); // no sent() log by default in firehose mode
  });

  it('waits for a client that stops reading instead of buffering the whole feed', async () => {
    const frames = 60_000;
    ex = await startExchange({ firehose: { frames, assets: ASSETS, seed: 5 }, speed: 'max', startPaused: true, highWaterBytes: 64 * 1024, startEpochMs: 1 });
    const c = await TestClient.open(ex.urls.marketWs);
    clients.push(c);
    c.send(subscribeMsg(ASSETS, false));
    await c.sync();
    c.ws.pause(); // stop reading: the kernel buffers fill up, then the simulator's
    ex.start();
    const e = ex;
    await c.waitFor(() => e.stats().drainWaits > 0, 'the feed to wait for the socket to drain', 20_000);
    // once the kernel buffers are full too, the feed makes no progress while the client does not
    // read: it is waiting, not buffering the rest of the feed in memory
    let before = -1;
    let after = ex.stats().framesSent;
    for (let i = 0; i < 50 && before !== after; i++) {
      before = after;
      await sleep(200);
      after = ex.stats().framesSent;
    }
    expect(after).toBe(before);
    expect(after).toBeLessThan(frames);
    expect(ex.stats().feedDone).toBe(false);
    c.ws.resume();
    await ex.done;
    await c.sync();
    // nothing lost or reordered by the waiting
    expect(c.data()).toEqual([...firehoseFrames({ frames, assets: ASSETS, seed: 5 }, 1)].map((f) => f.text));
  });
});
