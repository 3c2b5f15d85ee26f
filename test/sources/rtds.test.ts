import { afterEach, describe, expect, it } from 'vitest';
import { startExchange, type Exchange } from '../../src/sim/exchange.ts';
import { RtdsClient, rtdsSubscription } from '../../src/sources/rtds.ts';
import { Stamper, wallClockNs } from '../../src/sources/stamp.ts';
import { collector, waitFor } from './helpers.ts';

let ex: Exchange | null = null;
afterEach(async () => {
  await ex?.close();
  ex = null;
});

describe('rtdsSubscription', () => {
  it('builds one crypto_prices subscription per symbol with JSON-encoded filters', () => {
    expect(rtdsSubscription('subscribe', 'crypto_prices', ['btcusdt', 'ethusdt'])).toBe(
      '{"action":"subscribe","subscriptions":[{"topic":"crypto_prices","type":"update","filters":"{\\"symbol\\":\\"btcusdt\\"}"},{"topic":"crypto_prices","type":"update","filters":"{\\"symbol\\":\\"ethusdt\\"}"}]}',
    );
    expect(JSON.parse(rtdsSubscription('unsubscribe', 'crypto_prices_chainlink', ['btc/usd'])) as unknown).toEqual({
      action: 'unsubscribe',
      subscriptions: [{ topic: 'crypto_prices_chainlink', type: '*', filters: '{"symbol":"btc/usd"}' }],
    });
  });
});

describe('RtdsClient against the simulator', () => {
  it('subscribes, pings, records frames verbatim, and resubscribes after a drop', async () => {
    ex = await startExchange({ scenario: { markets: [] } });
    const e = ex;
    const col = collector();
    const c = new RtdsClient({
      url: e.urls.rtds, symbols: ['BTCUSDT'], stamper: new Stamper(wallClockNs, 1), sink: col.sink,
      pingIntervalMs: 25, backoff: { initialMs: 20, maxMs: 100, jitter: 0 },
    });
    c.start();
    const rtdsIn = (): string[] => e.received().filter((m) => m.channel === 'rtds').map((m) => m.text);
    await waitFor(() => rtdsIn().includes('PING'), 'a PING');
    expect(rtdsIn()[0]).toBe(rtdsSubscription('subscribe', 'crypto_prices', ['btcusdt']));
    const update = '{"topic":"crypto_prices","type":"update","timestamp":1780730269142,"payload":{"symbol":"btcusdt","timestamp":1780730269000,"value":61035.86,"full_accuracy_value":"61035.86000000"}}';
    e.publishRtds(update);
    await waitFor(() => col.records.some((r) => r.payload === update), 'the update recorded verbatim');
    e.dropConnections({ channels: ['rtds'] });
    await waitFor(() => col.records.filter((r) => r.kind === 'open').length === 2, 'a redial');
    await waitFor(() => rtdsIn().filter((t) => t.startsWith('{')).length === 2, 'the resubscribe');
    c.subscribe(['ethusdt']);
    await waitFor(() => rtdsIn().filter((t) => t.startsWith('{')).length === 3, 'the dynamic subscribe');
    expect(rtdsIn().filter((t) => t.startsWith('{'))[2]).toBe(rtdsSubscription('subscribe', 'crypto_prices', ['ethusdt']));
    await c.stop();
    expect(col.records.every((r) => r.source === 'rtds_ws')).toBe(true);
    expect(new Set(col.records.map((r) => r.conn))).toEqual(new Set(['rtds-1', 'rtds-2']));
    const frames = col.records.filter((r) => r.kind === 'frame').map((r) => r.payload);
    expect(frames).toEqual(e.sent().filter((s) => s.channel === 'rtds').map((s) => s.text));
    expect(c.subscribed).toEqual(['btcusdt', 'ethusdt']);
  });
});
