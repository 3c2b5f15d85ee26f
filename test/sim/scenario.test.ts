/**
 * Scenario files: zod validation with errors that name the field, verbatim frames (strings as-is,
 * objects stringified once), timeline order, and the shipped example scenarios.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { loadScenario, parseScenario, ScenarioError } from '../../src/sim/scenario.ts';
import { market, subscribeMsg, TestClient } from './helpers.ts';

const SCENARIOS = new URL('../../src/sim/scenarios/', import.meta.url).pathname;

const errorOf = (input: unknown): string => {
  try {
    parseScenario(input, 'my.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error('expected a ScenarioError');
};

describe('scenario validation', () => {
  it('names the file and the field in one line', () => {
    const cases: [unknown, RegExp][] = [
      [{ events: [{ atMs: 0, frame: {} }, { atMs: -5, frame: {} }] }, /^my\.json: events\[1\]\.atMs: /],
      [{ events: [{ atMs: 0 }] }, /^my\.json: events\[0\]\.frame: /],
      [{ events: [{ atMs: 0, frame: 42 }] }, /^my\.json: events\[0\]\.frame: expected an object, an array or a string/],
      [{ events: [{ atMs: 0, frame: {}, channel: 'user' }] }, /events\[0\]\.channel/],
      [{ faults: [{ atMs: 0, type: 'explode' }] }, /^my\.json: faults\[0\]\.type: /],
      [{ faults: [{ atMs: 0, type: 'stall' }] }, /^my\.json: faults\[0\]\.ms: /],
      [{ faults: [{ atMs: 0, type: 'http', status: 700, count: 1 }] }, /faults\[0\]\.status/],
      [{ markets: [{ conditionId: '0x1', tokens: [{ outcome: 'Yes' }] }] }, /^my\.json: markets\[0\]\.tokens\[0\]\.tokenId: /],
      [{ markets: [{ conditionId: '0x1', tokens: [{ tokenId: '1', outcome: 'Y' }], tickSize: '0.02' }] }, /markets\[0\]\.tickSize/],
      [{ markets: [{ conditionId: '0x1', slug: 's' }] }, /^my\.json: markets\[0\]\.clobTokenIds: /],
      [{ markets: [{ conditionId: '0x1', clobTokenIds: '["1","2"]', outcomes: '["Yes"]' }] }, /markets\[0\]\.outcomes: 1 outcomes for 2 clobTokenIds/],
      [{ evnts: [] }, /^my\.json: \(root\): .*evnts/],
      [[], /^my\.json: \(root\): /],
    ];
    for (const [input, re] of cases) {
      const msg = errorOf(input);
      expect(msg).toMatch(re);
      expect(msg).not.toContain('\n');
    }
  });

  it('loadScenario reports a missing file and invalid JSON with the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'poly-sim-'));
    await expect(loadScenario(join(dir, 'nope.json'))).rejects.toThrow(/scenario file not found: .*nope\.json/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"events": [');
    await expect(loadScenario(bad)).rejects.toThrow(/bad\.json is not valid JSON/);
  });

  it('sorts by atMs, keeping file order on ties, and stringifies object frames once', () => {
    const s = parseScenario({
      events: [
        { atMs: 10, frame: 'c' },
        { atMs: 0, frame: { b: 1, a: [2] } },
        { atMs: 10, frame: 'd' },
        { atMs: 0, frame: ' raw  text ' },
      ],
    });
    expect(s.events.map((e) => e.text)).toEqual(['{"b":1,"a":[2]}', ' raw  text ', 'c', 'd']);
  });

  it('ships example scenarios that load, each under 300 KB', async () => {
    const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) {
      const s = await loadScenario(join(SCENARIOS, f));
      expect(s.markets.length).toBeGreaterThan(0);
      expect(s.events.length).toBeGreaterThan(0);
    }
  });
});

describe('scenario playback', () => {
  let ex: Exchange | null = null;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await ex?.close();
    ex = null;
  });

  it('sends frames byte-for-byte: strings as written, objects as JSON.stringify', async () => {
    const odd = '{ "event_type" : "last_trade_price", "asset_id":"101",   "price":"0.50" }';
    const arr = [{ event_type: 'last_trade_price', asset_id: '102', price: '.5' }];
    ex = await startExchange({
      scenario: { markets: [market(1)], events: [{ atMs: 0, frame: odd }, { atMs: 1, frame: arr }, { atMs: 2, frame: 'not json at all' }] },
      speed: 'max',
      startPaused: true,
    });
    const c = await TestClient.open(ex.urls.marketWs);
    clients.push(c);
    c.send(subscribeMsg(['101', '102']));
    await c.sync();
    ex.start();
    await ex.done;
    await c.sync();
    expect(c.data()).toEqual([odd, JSON.stringify(arr), 'not json at all']);
    expect(ex.sent().filter((s) => s.text !== 'PONG').map((s) => s.assetIds)).toEqual([['101'], ['102'], []]);
  });

  it('plays the SOL 15m example: books, trades, RTDS prices; REST agrees with the last book', async () => {
    const s = await loadScenario(join(SCENARIOS, 'sol-15m.json'));
    ex = await startExchange({ scenario: s, speed: 'max', startPaused: true });
    const ids = JSON.parse(String(s.markets[0]?.clobTokenIds)) as string[];
    const c = await TestClient.open(ex.urls.marketWs);
    const r = await TestClient.open(ex.urls.rtds);
    clients.push(c, r);
    c.send(subscribeMsg(ids));
    r.send({ action: 'subscribe', subscriptions: [{ topic: 'crypto_prices', type: 'update', filters: 'solusdt' }] });
    await c.sync();
    await r.sync();
    ex.start();
    await ex.done;
    await c.sync();
    await r.sync();
    const market = s.events.filter((e) => e.channel === 'market').map((e) => e.text);
    const nna = c.data().filter((m) => m === 'NO NEW ASSETS').length;
    expect(c.data().filter((m) => m !== 'NO NEW ASSETS')).toEqual(market);
    expect(nna).toBeGreaterThan(0); // the 4.6 minutes of feed time carry NO NEW ASSETS every 30 s
    expect(r.data()).toEqual(s.events.filter((e) => e.channel === 'rtds').map((e) => e.text));
    // the REST book equals the last book frame of the UP token (wire order kept)
    const lastUp = [...market].reverse().map((t) => JSON.parse(t) as Record<string, unknown>).find((m) => m.event_type === 'book' && m.asset_id === ids[0]);
    const rest = (await (await fetch(`${ex.urls.clob}/book?token_id=${ids[0]}`)).json()) as Record<string, unknown>;
    expect(rest.bids).toEqual(lastUp?.bids);
    expect(rest.asks).toEqual(lastUp?.asks);
  });
});
