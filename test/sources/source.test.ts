import { describe, expect, it } from 'vitest';
import { ConnIds, PushQueue, RecordEmitter } from '../../src/sources/source.ts';
import { Stamper } from '../../src/sources/stamp.ts';

describe('PushQueue', () => {
  it('delivers pushed items in order, waits for more, and ends after draining', async () => {
    const q = new PushQueue<number>();
    q.push(1);
    q.push(2);
    expect(q.stats()).toEqual({ depth: 2, maxDepth: 2, pushed: 2 });
    const it = q[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 1, done: false });
    expect(await it.next()).toEqual({ value: 2, done: false });
    const pending = it.next();
    q.push(3);
    expect(await pending).toEqual({ value: 3, done: false });
    q.push(4);
    q.end();
    q.push(5); // ignored after end
    expect(await it.next()).toEqual({ value: 4, done: false });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(() => q[Symbol.asyncIterator]()).toThrow(/single consumer/);
  });

  it('is unbounded and reports its maximum depth; an error ends the stream after the backlog', async () => {
    const q = new PushQueue<number>();
    for (let i = 0; i < 5000; i++) q.push(i);
    q.end(new Error('socket died'));
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const x of q) got.push(x);
      })(),
    ).rejects.toThrow('socket died');
    expect(got).toHaveLength(5000);
    expect(got[4999]).toBe(4999);
    expect(q.stats().maxDepth).toBe(5000);
  });
});

describe('RecordEmitter', () => {
  it('stamps records and sends them to the sink when there is one (never to the queue)', () => {
    const seen: number[] = [];
    const e = new RecordEmitter({ stamper: new Stamper(() => 5n, 10), sink: (r) => seen.push(r.seq) });
    const r = e.emit('market_ws', 'mws-1', 'frame', {}, 'PONG');
    expect(r).toEqual({ v: 1, seq: 10, recvNs: 5n, source: 'market_ws', conn: 'mws-1', kind: 'frame', meta: {}, payload: 'PONG' });
    e.emit('market_ws', 'mws-1', 'frame', {}, 'PONG');
    expect(seen).toEqual([10, 11]);
    expect(e.queue.stats().pushed).toBe(0);
    expect(() => e[Symbol.asyncIterator]()).toThrow(/sink/);
  });

  it('allocates connection ids per stem', () => {
    const c = new ConnIds('s9.');
    expect([c.next('mws'), c.next('mws'), c.next('clob'), c.next('mws')]).toEqual(['s9.mws-1', 's9.mws-2', 's9.clob-1', 's9.mws-3']);
  });
});
