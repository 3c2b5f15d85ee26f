/**
 * Market channel of the exchange simulator against real `ws` clients on 127.0.0.1 (PROTOCOL.md §1):
 * subscribe snapshot shape and best-last order, PING/PONG, per-asset routing, global custom events,
 * dynamic subscribe/unsubscribe, the 500-asset snapshot cut-off, timeouts, NO NEW ASSETS.
 */
import { describe, expect, it } from 'vitest';
import { bookFrame, market, simHarness, sleep, subscribeMsg } from './helpers.ts';

const { exchange, client } = simHarness();

// books given in the DOCS order (bids descending, asks ascending): the snapshot must re-sort them
const A1 = '101';
const A2 = '102';
const B1 = '201';
const B2 = '202';
const scenario = {
  markets: [market(1), market(2)],
  events: [
    { atMs: 0, frame: bookFrame(A1, [['0.49', '10'], ['0.48', '20'], ['0.1', '5']], [['0.51', '7'], ['0.6', '3']], '0xa') },
    { atMs: 0, frame: bookFrame(A2, [['0.49', '7'], ['0.4', '3']], [['0.51', '10'], ['0.52', '20']], '0xa') },
    { atMs: 0, frame: bookFrame(B1, [['0.3', '1']], [['0.7', '1']], '0xb') },
  ],
};

describe('market channel', () => {
  it('answers the initial subscribe with ONE array of book messages, wire order best last', async () => {
    const ex = await exchange({ scenario, speed: 'max' });
    await ex.done;
    const c = await client(ex);
    c.send(subscribeMsg([A1, A2, B2])); // B2 has no book: omitted
    await c.waitForCount(1);
    const first = JSON.parse(c.messages[0] as string) as Record<string, unknown>[];
    expect(Array.isArray(first)).toBe(true);
    expect(first.map((b) => b.asset_id)).toEqual([A1, A2]);
    const b = first[0] as Record<string, unknown>;
    expect(Object.keys(b)).toEqual(['market', 'asset_id', 'timestamp', 'hash', 'bids', 'asks', 'tick_size', 'last_trade_price', 'event_type']);
    expect(b.event_type).toBe('book');
    expect(b.bids).toEqual([
      { price: '0.1', size: '5' },
      { price: '0.48', size: '20' },
      { price: '0.49', size: '10' },
    ]);
    expect(b.asks).toEqual([
      { price: '0.6', size: '3' },
      { price: '0.51', size: '7' },
    ]);
    expect(b.hash).toMatch(/^[0-9a-f]{40}$/);
    expect(typeof b.timestamp).toBe('string');
    expect(b.tick_size).toBe('0.01');
    // no ACK and nothing else
    await c.sync();
    expect(c.data()).toHaveLength(1);
  });

  it('replies PONG to PING, also before subscribing', async () => {
    const ex = await exchange({ scenario, speed: 'max' });
    const c = await client(ex);
    c.send('PING');
    await c.waitForCount(1);
    expect(c.messages).toEqual(['PONG']);
    expect(ex.received().map((r) => r.text)).toEqual(['PING']);
  });

  it('routes feed frames by asset: a two-leg price_change reaches subscribers of either leg', async () => {
    const ex = await exchange({ scenario, speed: 'max' });
    await ex.done;
    const c1 = await client(ex);
    const c2 = await client(ex);
    const c3 = await client(ex);
    c1.send(subscribeMsg([A1]));
    c2.send(subscribeMsg([B1, B2]));
    c3.send(subscribeMsg([A2], false));
    for (const c of [c1, c2, c3]) await c.sync();
    const pc = {
      market: '0xa',
      price_changes: [
        { asset_id: A1, price: '0.5', size: '5', side: 'BUY', hash: 'h1', best_bid: '0.5', best_ask: '0.51' },
        { asset_id: A2, price: '0.5', size: '5', side: 'SELL', hash: 'h2', best_bid: '0.49', best_ask: '0.5' },
      ],
      timestamp: '1700000000001',
      event_type: 'price_change',
    };
    ex.publish(pc); // no ids given: the frame goes to every subscribed connection
    const text = JSON.stringify({ ...pc, timestamp: '1700000000002' });
    // routed publish: only subscribers of A1 or A2
    ex.publish(text, [A1, A2]);
    const ltpB = JSON.stringify({ market: '0xb', asset_id: B1, price: '0.7', size: '1', side: 'BUY', timestamp: '1', event_type: 'last_trade_price' });
    ex.publish(ltpB, [B1]);
    for (const c of [c1, c2, c3]) await c.sync();
    // c1, c3: their snapshot, the unrouted frame, the A frame; c2: snapshot, unrouted, B frame
    expect(c1.data().slice(1)).toEqual([JSON.stringify(pc), text]);
    expect(c3.data().slice(1)).toEqual([JSON.stringify(pc), text]);
    expect(c2.data().slice(1)).toEqual([JSON.stringify(pc), ltpB]);
  });

  it('routes scenario frames by the asset ids found in them (asset_id, price_changes[], array elements)', async () => {
    const pc = {
      market: '0xa',
      price_changes: [{ asset_id: A2, price: '0.4', size: '0', side: 'BUY', hash: 'x', best_bid: '0.49', best_ask: '0.51' }],
      timestamp: '5',
      event_type: 'price_change',
    };
    const arr = [{ market: '0xb', asset_id: B1, price: '0.3', size: '1', side: 'SELL', timestamp: '6', event_type: 'last_trade_price' }];
    const ex = await exchange({ scenario: { ...scenario, events: [...scenario.events, { atMs: 5, frame: pc }, { atMs: 6, frame: arr }] }, speed: 'max', startPaused: true });
    const ca = await client(ex);
    const cb = await client(ex);
    ca.send(subscribeMsg([A2]));
    cb.send(subscribeMsg([B1]));
    await ca.sync();
    await cb.sync();
    ex.start();
    await ex.done;
    await ca.sync();
    await cb.sync();
    expect(ca.data()).toEqual([JSON.stringify(scenario.events[1]?.frame), JSON.stringify(pc)]);
    expect(cb.data()).toEqual([JSON.stringify(scenario.events[2]?.frame), JSON.stringify(arr)]);
    // the simulator's own book applied the price_change: level 0.4 is gone from A2's bids
    const book = (await (await fetch(`${ex.urls.clob}/book?token_id=${A2}`)).json()) as { bids: { price: string }[] };
    expect(book.bids.map((l) => l.price)).toEqual(['0.49']);
  });

  it('sends new_market / market_resolved to every custom-feature connection, whatever it subscribed', async () => {
    const ex = await exchange({ scenario, speed: 'max' });
    await ex.done;
    const custom = await client(ex);
    const plain = await client(ex);
    custom.send(subscribeMsg([B2]));
    plain.send(subscribeMsg([B2], false));
    await custom.sync();
    await plain.sync();
    const nm = { event_type: 'new_market', id: '9', market: '0x9', slug: 'nine', assets_ids: ['901', '902'], outcomes: ['Yes', 'No'], condition_id: '0x9', clob_token_ids: ['901', '902'], active: true, timestamp: '1' };
    const mr = { event_type: 'market_resolved', id: '9', market: '0x9', assets_ids: ['901', '902'], winning_asset_id: '901', winning_outcome: 'Yes', timestamp: '2' };
    ex.publish(nm, ['901']); // explicit ids do not make a global event local
    ex.publish(mr);
    await custom.sync();
    await plain.sync();
    expect(custom.data()).toEqual([JSON.stringify(nm), JSON.stringify(mr)]);
    expect(plain.data()).toEqual([]); // global events need custom_feature_enabled
    // new_market registered the market; market_resolved closed it
    const g = (await (await fetch(`${ex.urls.gamma}/markets?slug=nine`)).json()) as Record<string, unknown>[];
    expect(g).toHaveLength(1);
    expect(g[0]?.closed).toBe(true);
    expect(g[0]?.outcomePrices).toBe('["1", "0"]');
  });

  it('dynamic subscribe sends a snapshot for the new assets only; unsubscribe stops routing', async () => {
    const ex = await exchange({ scenario, speed: 'max' });
    await ex.done;
    const c = await client(ex);
    c.send(subscribeMsg([A1]));
    await c.waitForCount(1);
    c.send({ assets_ids: [A1, B1], operation: 'subscribe', custom_feature_enabled: true });
    await c.waitForCount(2);
    const snap = JSON.parse(c.messages[1] as string) as { asset_id: string }[];
    expect(snap.map((b) => b.asset_id)).toEqual([B1]);
    c.send({ assets_ids: [A1], operation: 'unsubscribe' });
    await c.sync();
    const fa = { market: '0xa', asset_id: A1, price: '0.5', size: '1', side: 'BUY', timestamp: '1', event_type: 'last_trade_price' };
    const fb = { ...fa, market: '0xb', asset_id: B1 };
    ex.publish(fa, [A1]);
    ex.publish(fb, [B1]);
    await c.sync();
    expect(c.data().slice(2)).toEqual([JSON.stringify(fb)]);
  });

  it('closes with 1008 when a dynamic operation comes before the initial subscribe', async () => {
    const ex = await exchange({ scenario, speed: 'max' });
    const c = await client(ex);
    c.send({ assets_ids: [A1], operation: 'subscribe' });
    expect((await c.waitClosed()).code).toBe(1008);
  });

  it('sends no initial snapshots to a connection holding more than 500 assets', async () => {
    const ex = await exchange({ scenario, speed: 'max' });
    await ex.done;
    const many = [A1, ...Array.from({ length: 500 }, (_, i) => `9${i}`)];
    const c = await client(ex);
    c.send(subscribeMsg(many));
    await c.sync();
    expect(c.messages).toEqual(['PONG']);
    // routing still works for those assets
    ex.publish({ asset_id: A1, event_type: 'last_trade_price', price: '0.5', size: '1', side: 'BUY', market: '0xa', timestamp: '1' }, [A1]);
    await c.sync();
    expect(c.data()).toHaveLength(1);
    // with 500 exactly the snapshot is sent
    const c2 = await client(ex);
    c2.send(subscribeMsg(many.slice(0, 500)));
    await c2.waitForCount(1);
    expect(JSON.parse(c2.messages[0] as string)).toHaveLength(1);
  });

  it('closes a connection that does not subscribe in time (1008)', async () => {
    const ex = await exchange({ scenario, speed: 'max', subscribeTimeoutMs: 150 });
    const c = await client(ex);
    const info = await c.waitClosed();
    expect(info.code).toBe(1008);
    expect(ex.connectionCount()).toBe(0);
  });

  it('drops (no close frame) a connection that stops sending PING, keeps one that pings', async () => {
    const ex = await exchange({ scenario, speed: 'max', pingTimeoutMs: 400 });
    const silent = await client(ex);
    const pinger = await client(ex);
    silent.send(subscribeMsg([A1]));
    pinger.send(subscribeMsg([A1]));
    const timer = setInterval(() => pinger.send('PING'), 50);
    try {
      const info = await silent.waitClosed();
      expect(info.code).toBe(1006); // abnormal closure: the server terminated the socket
      await sleep(200); // past the silent one's deadline: the pinger would be gone without its PINGs
      expect(pinger.closeInfo).toBeNull();
    } finally {
      clearInterval(timer);
    }
  });

  it('interleaves NO NEW ASSETS by feed time, only to custom-feature connections', async () => {
    const f0 = bookFrame(A1, [['0.4', '1']], [['0.6', '1']]);
    const f1 = { ...f0, timestamp: '1700000000350' };
    const ex = await exchange({
      scenario: { noNewAssetsEveryMs: 100, events: [{ atMs: 0, frame: f0 }, { atMs: 350, frame: f1 }] },
      speed: 'max',
      startPaused: true,
    });
    const custom = await client(ex);
    const plain = await client(ex);
    custom.send(subscribeMsg([A1]));
    plain.send(subscribeMsg([A1], false));
    await custom.sync();
    await plain.sync();
    ex.start();
    await ex.done;
    await custom.sync();
    await plain.sync();
    const t0 = JSON.stringify(f0);
    const t1 = JSON.stringify(f1);
    expect(custom.data()).toEqual([t0, 'NO NEW ASSETS', 'NO NEW ASSETS', 'NO NEW ASSETS', t1]);
    expect(plain.data()).toEqual([t0, t1]);
  });

  it('sent() lists exactly what each connection received, in order, with increasing seq', async () => {
    const ex = await exchange({ scenario, speed: 'max' });
    await ex.done;
    const c = await client(ex);
    c.send(subscribeMsg([A1, B1]));
    await c.waitForCount(1);
    ex.publish('{"event_type":"last_trade_price","asset_id":"101" ,  "price":"0.5"}');
    await c.sync();
    const mine = ex.sent().filter((s) => s.channel === 'market');
    expect(mine.map((s) => s.text)).toEqual(c.messages);
    expect(new Set(mine.map((s) => s.connId)).size).toBe(1);
    for (let i = 1; i < mine.length; i++) expect((mine[i]?.seq ?? 0) > (mine[i - 1]?.seq ?? 0)).toBe(true);
    expect(mine[0]?.assetIds).toEqual([A1, B1]);
  });
});
