import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { buildUrl, HttpClient, HttpError, parseRetryAfter } from '../../src/sources/http.ts';
import { RecordEmitter } from '../../src/sources/source.ts';
import { Stamper } from '../../src/sources/stamp.ts';
import { closedPort, collector } from './helpers.ts';

let ex: Exchange;
beforeAll(async () => {
  ex = await startExchange({ scenario: { markets: [] } });
});
afterAll(async () => {
  await ex.close();
});

function client(baseUrl: string, extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) {
  const sleeps: number[] = [];
  const col = collector();
  let t = 0n;
  const emitter = new RecordEmitter({ stamper: new Stamper(() => (t += 1n), 1), sink: col.sink });
  const http = new HttpClient({
    baseUrl,
    name: 'CLOB',
    hint: 'check --clob-url',
    backoff: { initialMs: 10, factor: 2, maxMs: 1000, jitter: 0 },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    record: { emitter, source: 'clob_rest' },
    ...extra,
  });
  return { http, sleeps, records: col.records };
}

describe('buildUrl / parseRetryAfter', () => {
  it('joins base, path and repeated query parameters', () => {
    expect(buildUrl('http://h:1/gamma/', '/markets', { slug: ['a', 'b c'], limit: 5, closed: false, x: undefined })).toBe(
      'http://h:1/gamma/markets?slug=a&slug=b+c&limit=5&closed=false',
    );
    expect(buildUrl('http://h:1', 'books')).toBe('http://h:1/books');
  });
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(['0.5'], 0)).toBe(500);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(parseRetryAfter(undefined, 0)).toBeNull();
    expect(parseRetryAfter('soon', 0)).toBeNull();
  });
});

describe('HttpClient against the simulator', () => {
  it('honours Retry-After on 429 instead of its own backoff, and records every attempt', async () => {
    const { http, sleeps, records } = client(ex.urls.clob);
    ex.failHttp({ status: 429, count: 2, retryAfterS: 2, path: '/ok' });
    const res = await http.request({ method: 'GET', path: '/ok' });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(3);
    expect(sleeps).toEqual([2000, 2000]);
    expect(records.map((r) => `${r.kind}:${r.meta.status ?? ''}`)).toEqual(['request:', 'response:429', 'request:', 'response:429', 'request:', 'response:200']);
    expect(new Set(records.map((r) => r.conn)).size).toBe(1);
    expect(records.every((r) => r.source === 'clob_rest' && r.meta.url === `${ex.urls.clob}/ok`)).toBe(true);
    await http.close();
  });

  it('caps a huge Retry-After at maxRetryAfterMs', async () => {
    const { http, sleeps } = client(ex.urls.clob, { maxRetryAfterMs: 1500 });
    ex.failHttp({ status: 429, count: 1, retryAfterS: 3600, path: '/ok' });
    expect((await http.request({ method: 'GET', path: '/ok' })).status).toBe(200);
    expect(sleeps).toEqual([1500]);
    await http.close();
  });

  it('retries 5xx with exponential backoff and succeeds', async () => {
    const { http, sleeps, records } = client(ex.urls.clob);
    ex.failHttp({ status: 503, count: 3, path: '/books' });
    const res = await http.request({ method: 'POST', path: '/books', body: '[]' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('[]');
    expect(sleeps).toEqual([10, 20, 40]);
    expect(records.filter((r) => r.kind === 'request').every((r) => r.payload === '[]' && r.meta.method === 'POST')).toBe(true);
    expect(records.filter((r) => r.kind === 'response').map((r) => r.meta.status)).toEqual([503, 503, 503, 200]);
    await http.close();
  });

  it('gives up after `retries` and names the URL and status', async () => {
    const { http, sleeps } = client(ex.urls.clob, { retries: 2 });
    ex.failHttp({ status: 500, count: 3, path: '/time' });
    const err = await http.request({ method: 'GET', path: '/time' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).kind).toBe('status');
    expect((err as HttpError).status).toBe(500);
    expect((err as HttpError).message).toContain(`${ex.urls.clob}/time`);
    expect((err as HttpError).message).toContain('HTTP 500');
    expect(sleeps).toHaveLength(2);
    await http.close();
  });

  it('returns 4xx to the caller without retrying', async () => {
    const { http, sleeps } = client(ex.urls.clob);
    const res = await http.request({ method: 'GET', path: '/book', query: { token_id: '123' } });
    expect(res.status).toBe(404);
    expect(sleeps).toEqual([]);
    await http.close();
  });
});

describe('HttpClient failures without a server', () => {
  it('an unreachable endpoint fails with one line naming the URL, after the retries', async () => {
    const port = await closedPort();
    const { http, sleeps, records } = client(`http://127.0.0.1:${port}`, { retries: 2 });
    const err = await http.request({ method: 'GET', path: '/markets/0xabc' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    const e = err as HttpError;
    expect(e.kind).toBe('unreachable');
    expect(e.message).toBe(`cannot reach CLOB at http://127.0.0.1:${port}/markets/0xabc (ECONNREFUSED) after 3 attempts; check --clob-url`);
    expect(e.message).not.toContain('\n');
    expect(sleeps).toEqual([10, 20]);
    expect(records.filter((r) => r.kind === 'error')).toHaveLength(3);
    await http.close();
  });

  it('times out a server that never answers', async () => {
    const hang: Server = createServer(() => undefined);
    hang.listen(0, '127.0.0.1');
    await once(hang, 'listening');
    const addr = hang.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    const { http } = client(`http://127.0.0.1:${port}`, { retries: 0, timeoutMs: 150 });
    const err = await http.request({ method: 'GET', path: '/ok' }).catch((e: unknown) => e);
    expect((err as HttpError).kind).toBe('timeout');
    expect((err as HttpError).message).toContain('timed out after 150 ms');
    await http.close();
    hang.closeAllConnections();
    await new Promise<void>((r) => hang.close(() => r()));
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(() => new HttpClient({ baseUrl: 'ftp://x', name: 'Gamma' })).toThrow(/must start with http/);
    expect(() => new HttpClient({ baseUrl: 'not a url', name: 'Gamma' })).toThrow(/not a valid URL/);
  });
});
