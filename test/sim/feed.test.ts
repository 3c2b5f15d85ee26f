/**
 * Feed clock details: numeric speed playback (order, NO NEW ASSETS after the feed ends), a wall-clock
 * stall during a timed feed, looping scenarios, the bookAfterTrade flag, the user channel, and
 * Gamma lookups by id.
 */
import { describe, expect, it } from 'vitest';
import { bookFrame, getJson, market, simHarness } from './helpers.ts';

const { exchange, client, subscribed } = simHarness();

const A = '101';
const trade = (n: number, asset = A): string =>
  JSON.stringify({ market: '0xa', asset_id: asset, price: '0.5', size: String(n), side: 'BUY', timestamp: String(n), event_type: 'last_trade_price' });

describe('numeric speed', () => {
  it('plays the timeline in order at speed 10, then keeps sending NO NEW ASSETS after the feed', async () => {
    const events = [0, 100, 250, 400].map((at, i) => ({ atMs: at, frame: trade(i) }));
    const ex = await exchange({ scenario: { events, noNewAssetsEveryMs: 150 }, speed: 10, startPaused: true });
    const c = await subscribed(ex, [A]);
    ex.start();
    await ex.done;
    // feed time 150 and 300 fall between frames; after the end the period runs on the wall clock / speed
    await c.waitFor(() => c.data().filter((m) => m === 'NO NEW ASSETS').length >= 4, 'post-feed NO NEW ASSETS');
    expect(c.data().slice(0, 6)).toEqual([trade(0), trade(1), 'NO NEW ASSETS', trade(2), 'NO NEW ASSETS', trade(3)]);
    expect(c.data().slice(6).every((m) => m === 'NO NEW ASSETS')).toBe(true);
  });

  it('a wall-clock stall during a timed feed loses the frames due meanwhile, later ones arrive', async () => {
    const events = [
      { atMs: 0, frame: trade(0) },
      { atMs: 50, frame: trade(1) },
      { atMs: 700, frame: trade(2) },
    ];
    const ex = await exchange({ scenario: { events, noNewAssetsEveryMs: 0 }, speed: 1, startPaused: true });
    const c = await subscribed(ex, [A]);
    ex.start();
    ex.stall(450);
    await ex.done;
    await c.sync();
    expect(c.data()).toEqual([trade(2)]);
    expect(ex.stats().framesLost).toBe(2);
  });
});

describe('scenario options', () => {
  it('loop: true replays the timeline again and again (done never resolves)', async () => {
    const events = [
      { atMs: 0, frame: trade(1) },
      { atMs: 10, frame: trade(2) },
    ];
    const ex = await exchange({ scenario: { events, loop: true, noNewAssetsEveryMs: 0 }, speed: 'max', startPaused: true });
    const c = await subscribed(ex, [A]);
    ex.start();
    await c.waitFor(() => c.data().length >= 6, 'three rounds');
    expect(c.data().slice(0, 6)).toEqual([trade(1), trade(2), trade(1), trade(2), trade(1), trade(2)]);
    expect(ex.stats().feedDone).toBe(false);
  });

  it('bookAfterTrade synthesizes a post-trade book (no tick_size / last_trade_price) after each trade', async () => {
    const book = bookFrame(A, [['0.4', '5']], [['0.6', '5']], '0xa');
    const ex = await exchange({
      scenario: { bookAfterTrade: true, noNewAssetsEveryMs: 0, events: [{ atMs: 0, frame: book }, { atMs: 1, frame: trade(7) }] },
      speed: 'max',
      startPaused: true,
    });
    const c = await subscribed(ex, [A]);
    ex.start();
    await ex.done;
    await c.sync();
    expect(c.data()).toHaveLength(3);
    expect(c.data().slice(0, 2)).toEqual([JSON.stringify(book), trade(7)]);
    const refresh = JSON.parse(c.data()[2] as string) as Record<string, unknown>;
    expect(Object.keys(refresh)).toEqual(['market', 'asset_id', 'timestamp', 'hash', 'bids', 'asks', 'event_type']);
    expect(refresh.bids).toEqual([{ price: '0.4', size: '5' }]);
    // without the flag nothing is synthesized
    const plain = await exchange({ scenario: { noNewAssetsEveryMs: 0, events: [{ atMs: 0, frame: book }, { atMs: 1, frame: trade(7) }] }, speed: 'max', startPaused: true });
    const c2 = await subscribed(plain, [A]);
    plain.start();
    await plain.done;
    await c2.sync();
    expect(c2.data()).toEqual([JSON.stringify(book), trade(7)]);
  });
});

describe('user channel and Gamma by id', () => {
  it('accepts the user subscribe, answers PING, sends nothing else', async () => {
    const ex = await exchange({ subscribeTimeoutMs: 200 });
    const u = await client(ex, ex.urls.userWs);
    u.send({ auth: { apiKey: 'k', secret: 's', passphrase: 'p' }, markets: [], type: 'user' });
    await u.sync();
    await new Promise((r) => setTimeout(r, 300)); // past the subscribe timeout: still open
    await u.sync();
    expect(u.closeInfo).toBeNull();
    expect(u.data()).toEqual([]);
    expect(ex.connectionCount('user')).toBe(1);
    expect(ex.received().filter((r) => r.channel === 'user')).toHaveLength(3);
  });

  it('GET /gamma/markets/{id} and /gamma/events/{id}', async () => {
    const ex = await exchange({ scenario: { markets: [market(1, { id: '555', event: { id: 'ev9', slug: 'ev-nine', title: 'Nine' } })] } });
    const m = await getJson(`${ex.urls.gamma}/markets/555`);
    expect((m.body as { slug: string }).slug).toBe('test-market-1');
    expect((await getJson(`${ex.urls.gamma}/markets/556`)).status).toBe(404);
    const e = await getJson(`${ex.urls.gamma}/events/ev9`);
    expect((e.body as { markets: unknown[] }).markets).toHaveLength(1);
  });
});
