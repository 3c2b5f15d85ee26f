/**
 * Fault injection of the exchange simulator: drops (abrupt and with a code), stalls (wall-clock and
 * scenario feed-time), malformed frames, HTTP failures (429 + Retry-After, 5xx, path-scoped), and
 * the same faults through the HTTP control plane.
 */
import { describe, expect, it } from 'vitest';
import { bookFrame, getJson, market, simHarness, sleep } from './helpers.ts';

const { exchange, client, subscribed } = simHarness();

const A = '101';
const ltp = (n: number): string =>
  JSON.stringify({ market: '0xa', asset_id: A, price: `0.${50 + n}`, size: String(n), side: 'BUY', timestamp: String(1700000000000 + n), event_type: 'last_trade_price' });

describe('drops', () => {
  it('dropConnections() terminates every market socket without a close frame', async () => {
    const ex = await exchange({ scenario: { markets: [market(1)] } });
    const c1 = await subscribed(ex, [A]);
    const c2 = await subscribed(ex, [A]);
    const rtds = await client(ex, ex.urls.rtds);
    expect(ex.connectionCount()).toBe(2);
    ex.dropConnections();
    expect((await c1.waitClosed()).code).toBe(1006);
    expect((await c2.waitClosed()).code).toBe(1006);
    await c1.waitFor(() => ex.connectionCount() === 0, 'server-side cleanup');
    expect(rtds.closeInfo).toBeNull(); // only the market channel by default
    expect(ex.connectionCount('rtds')).toBe(1);
    // a reconnecting client gets a fresh connection id and must resubscribe
    const c3 = await subscribed(ex, [A]);
    ex.publish(ltp(1), [A]);
    await c3.sync();
    expect(c3.data()).toEqual([ltp(1)]);
    expect(new Set(ex.received().map((r) => r.connId)).size).toBe(3);
  });

  it('dropConnections({code}) closes with that code', async () => {
    const ex = await exchange({});
    const c = await subscribed(ex, [A]);
    ex.dropConnections({ code: 4001 });
    const info = await c.waitClosed();
    expect(info.code).toBe(4001);
  });

  it('a scenario drop fault fires at its feed time, between frames', async () => {
    const ex = await exchange({
      scenario: {
        events: [
          { atMs: 0, frame: ltp(1) },
          { atMs: 20, frame: ltp(2) },
        ],
        faults: [{ atMs: 20, type: 'drop' }], // at equal time faults fire before frames
      },
      speed: 'max',
      startPaused: true,
    });
    const c = await subscribed(ex, [A]);
    ex.start();
    await ex.done;
    await c.waitClosed();
    expect(c.data()).toEqual([ltp(1)]);
    expect(ex.sent().map((s) => s.text)).toEqual(['PONG', ltp(1)]);
  });
});

describe('stalls', () => {
  it('stall(ms): frames due meanwhile are lost, PING gets no PONG, then traffic resumes', async () => {
    const ex = await exchange({});
    const c = await subscribed(ex, [A]);
    ex.stall(250);
    ex.publish(ltp(1), [A]);
    c.send('PING');
    ex.publish(ltp(2), [A]);
    const sentBefore = ex.sent().length;
    await sleep(300);
    ex.publish(ltp(3), [A]);
    await c.sync();
    expect(c.data()).toEqual([ltp(3)]);
    expect(c.messages.filter((m) => m === 'PONG')).toHaveLength(2); // the two sync() PINGs, not the stalled one
    expect(ex.stats().framesLost).toBe(3); // two frames + one PONG
    expect(ex.sent().slice(sentBefore).map((s) => s.text)).toEqual([ltp(3), 'PONG']);
  });

  it('a scenario stall loses exactly the frames in its feed-time window (speed max)', async () => {
    const events = Array.from({ length: 10 }, (_, i) => ({ atMs: i * 10, frame: ltp(i) }));
    // a last frame for another asset, after the stall window: the feed ends outside the stall
    events.push({ atMs: 300, frame: ltp(0).replace(`"${A}"`, '"999"') });
    const ex = await exchange({
      scenario: {
        events,
        faults: [
          { atMs: 30, type: 'stall', ms: 30 },
          { atMs: 80, type: 'stall', ms: 100 },
        ],
      },
      speed: 'max',
      startPaused: true,
    });
    const c = await subscribed(ex, [A]);
    ex.start();
    await ex.done;
    await c.sync();
    expect(c.data()).toEqual([0, 1, 2, 6, 7].map(ltp));
    expect(ex.stats().framesLost).toBe(5);
    // the lost frames still moved the exchange's state: the last trade is the last (lost) frame's
    const book = (await getJson(`${ex.urls.clob}/book?token_id=${A}`)).body as { last_trade_price: string };
    expect(book.last_trade_price).toBe('0.59');
  });
});

describe('malformed frames', () => {
  it('replaces the next n frames: truncated JSON, then garbage, then normal again', async () => {
    const ex = await exchange({});
    const c = await subscribed(ex, [A]);
    ex.injectMalformed(2);
    ex.publish(ltp(1), [A]);
    ex.publish(ltp(2), [A]);
    ex.publish(ltp(3), [A]);
    await c.sync();
    const [m1, m2, m3] = c.data();
    expect(ltp(1).startsWith(m1 ?? 'x')).toBe(true);
    expect((m1 ?? '').length).toBeLessThan(ltp(1).length);
    expect(() => JSON.parse(m1 ?? '') as unknown).toThrow();
    expect(() => JSON.parse(m2 ?? '') as unknown).toThrow();
    expect(m2).not.toContain('last_trade_price":');
    expect(m3).toBe(ltp(3));
    expect(ex.stats().malformedSent).toBe(2);
  });

  it('does not spend the malformed budget on frames nobody receives', async () => {
    const ex = await exchange({});
    ex.injectMalformed(1);
    ex.publish(ltp(1), [A]); // no subscriber yet
    const c = await subscribed(ex, [A]);
    ex.publish(ltp(2), [A]);
    await c.sync();
    expect(c.data()[0]).not.toBe(ltp(2));
  });
});

describe('HTTP failures', () => {
  it('429 with Retry-After for the next count requests on a path prefix, then normal', async () => {
    const ex = await exchange({ scenario: { markets: [market(1)] } });
    ex.failHttp({ status: 429, count: 2, retryAfterS: 3, path: '/book' });
    const other = await getJson(`${ex.urls.clob}/markets`);
    expect(other.status).toBe(200); // another path is unaffected and does not consume the budget
    for (let i = 0; i < 2; i++) {
      const r = await getJson(`${ex.urls.clob}/book?token_id=101`);
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('3');
      expect(r.body).toEqual({ error: 'simulated HTTP 429' });
    }
    const ok = await getJson(`${ex.urls.clob}/book?token_id=101`);
    expect(ok.status).toBe(200);
    expect(ex.stats().httpFailuresInjected).toBe(2);
  });

  it('5xx for any path when no prefix is given (Gamma included)', async () => {
    const ex = await exchange({ scenario: { markets: [market(1)] } });
    ex.failHttp({ status: 503, count: 1 });
    const r1 = await getJson(`${ex.urls.gamma}/markets`);
    expect(r1.status).toBe(503);
    expect(r1.headers.get('retry-after')).toBeNull();
    const r2 = await getJson(`${ex.urls.gamma}/markets`);
    expect(r2.status).toBe(200);
    expect(r2.body).toHaveLength(1);
  });

  it('a scenario http fault arms at its feed time', async () => {
    const ex = await exchange({ scenario: { faults: [{ atMs: 0, type: 'http', status: 500, count: 1, path: '/ok' }] }, speed: 'max' });
    await ex.done;
    expect((await getJson(`${ex.urls.clob}/ok`)).status).toBe(500);
    expect((await getJson(`${ex.urls.clob}/ok`)).body).toBe('OK');
  });
});

describe('control plane', () => {
  it('POST /_sim/* triggers the same faults; bad input is a 400 with a message', async () => {
    const ex = await exchange({ scenario: { events: [{ atMs: 0, frame: bookFrame(A, [['0.4', '1']], [['0.6', '1']]) }] }, startPaused: true });
    const c = await subscribed(ex, [A]);
    const post = (path: string, body?: string): Promise<{ status: number; body: unknown }> =>
      getJson(`${ex.urls.control}/${path}`, { method: 'POST', ...(body === undefined ? {} : { body }) });
    expect((await post('http?status=429&count=1&retryAfter=7')).status).toBe(200);
    const r = await getJson(`${ex.urls.clob}/time`);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    expect((await post('stall?ms=abc')).status).toBe(400);
    expect((await post('nonsense')).status).toBe(404);
    expect((await getJson(`${ex.urls.control}/drop`)).status).toBe(405);
    expect((await post('malformed?count=1')).status).toBe(200);
    expect((await post(`publish?assets=${A}`, ltp(9))).status).toBe(200);
    await c.sync();
    expect(c.data()).toHaveLength(1);
    expect(c.data()[0]).not.toBe(ltp(9)); // malformed
    expect((await post('start')).status).toBe(200);
    await ex.done;
    await c.sync();
    expect(c.data()[1]).toBe(JSON.stringify(bookFrame(A, [['0.4', '1']], [['0.6', '1']])));
    expect((await post('drop?code=4002')).status).toBe(200);
    expect((await c.waitClosed()).code).toBe(4002);
    const stats = (await getJson(`${ex.urls.control}/stats`)).body as { feedDone: boolean; malformedSent: number };
    expect(stats.feedDone).toBe(true);
    expect(stats.malformedSent).toBe(1);
  });
});
