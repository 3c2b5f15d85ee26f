/**
 * Builds the example scenarios in this folder from the captured fixtures (run once by a developer;
 * the outputs are committed):
 *
 *   node --import tsx src/sim/scenarios/build.ts test/fixtures/polymarket
 *
 * - sol-15m.json: the SOL up/down 15-minute market of 2025-12-11 11:00 UTC (Caiooooo capture): the
 *   first PAIRS book snapshots of each token as wire `book` frames (first one with tick_size and
 *   last_trade_price, later ones in the post-trade form without them), every trade print in that
 *   window as a `last_trade_price` frame, and the Binance SOL price carried by each snapshot as an
 *   RTDS `crypto_prices` update. atMs = server timestamp - first timestamp; startEpochMs keeps the
 *   real clock. The capture dropped asset ids, condition id and hashes: ids here are SYNTHETIC
 *   (derived from the slug), hashes are computed like books.ts. Levels, sizes and times are real.
 * - btc-5m-basic.json: a small scenario around the real Gamma btc-updown-5m market object (served
 *   verbatim) with a mirrored two-token book, a two-leg price_change, a trade + post-trade books, an
 *   RTDS update, and the real new_market / market_resolved fixture messages (global events).
 *
 * Invariants: output is deterministic (same fixtures => same bytes); every file stays < 300 KB.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatPx, parsePx, PX_ONE } from '../../core/types/fixed.ts';
import { sha1Hex } from '../books.ts';

const PAIRS = 36;
const OUT_DIR = new URL('.', import.meta.url).pathname;

interface Lvl {
  price: string;
  size: string;
}
interface Snap {
  bids: Lvl[];
  asks: Lvl[];
  timestamp: string;
  asset_price: number;
}
interface Trade {
  price: string;
  size: string;
  side: string;
  timestamp: string;
}

/** A 77-digit decimal id derived from text (synthetic token id). */
function syntheticTokenId(text: string): string {
  const h = BigInt(`0x${createHash('sha256').update(text).digest('hex')}`);
  return (h % 10n ** 77n).toString().padStart(77, '1');
}

function bookHash(market: string, assetId: string, s: { timestamp: string; bids: Lvl[]; asks: Lvl[] }, ltp: string): string {
  return sha1Hex(
    JSON.stringify({
      market,
      asset_id: assetId,
      timestamp: s.timestamp,
      hash: '',
      bids: s.bids,
      asks: s.asks,
      min_order_size: '5',
      tick_size: '0.01',
      neg_risk: false,
      last_trade_price: ltp,
    }),
  );
}

/** Serializes a scenario with one event/fault per line (diff-friendly, compact). */
function writeScenario(file: string, s: Record<string, unknown>): void {
  const lines: string[] = ['{'];
  const keys = Object.keys(s);
  keys.forEach((k, i) => {
    const v = s[k];
    const comma = i < keys.length - 1 ? ',' : '';
    if (Array.isArray(v) && (k === 'events' || k === 'faults')) {
      lines.push(`  ${JSON.stringify(k)}: [`);
      v.forEach((e, j) => lines.push(`    ${JSON.stringify(e)}${j < v.length - 1 ? ',' : ''}`));
      lines.push(`  ]${comma}`);
    } else {
      lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(v, null, 2).replace(/\n/g, '\n  ')}${comma}`);
    }
  });
  lines.push('}');
  const text = `${lines.join('\n')}\n`;
  if (text.length >= 300_000) throw new Error(`${file} would be ${text.length} bytes (limit 300 KB)`);
  writeFileSync(join(OUT_DIR, file), text);
  process.stdout.write(`wrote ${file} (${text.length} bytes)\n`);
}

/** "130.815" -> "130.81500000" (text only, no float arithmetic). */
function eightDecimals(v: number): string {
  const [i, f = ''] = String(v).split('.');
  return `${i}.${f.padEnd(8, '0')}`;
}

/**
 * The SOL 15m scenario object: the first `pairs` snapshot pairs (all 248 when pairs is Infinity).
 * With `resolve`, a `market_resolved` frame follows the last event; the capture holds no resolution,
 * so the winner is INFERRED from the final book (the token whose last mid is above 0.5) and the
 * description says so.
 */
export function solScenario(fixtures: string, pairs: number = PAIRS, resolve = false): Record<string, unknown> {
  const dir = join(fixtures, 'Caiooooo__polymarket-l2-collector/data/15m/sol');
  const read = <T>(p: string): T => JSON.parse(readFileSync(join(dir, p), 'utf8')) as T;
  const up = read<Snap[]>('orderbooks/1765450800up.json').slice(0, pairs);
  const down = read<Snap[]>('orderbooks/1765450800down.json').slice(0, pairs);
  const tradesUp = read<Trade[]>('trades/1765450800up.json');
  const tradesDown = read<Trade[]>('trades/1765450800down.json');
  const slug = 'sol-updown-15m-1765450800';
  const market = `0x${createHash('sha256').update(slug).digest('hex')}`;
  const upId = syntheticTokenId(`${slug}:Up`);
  const downId = syntheticTokenId(`${slug}:Down`);
  const first = up[0];
  const lastSnap = up[up.length - 1];
  if (first === undefined || lastSnap === undefined) throw new Error('no snapshots');
  const t0 = Number(first.timestamp);
  const tEnd = Number(lastSnap.timestamp);
  type Ev = { atMs: number; frame: unknown; channel?: 'rtds'; order: number };
  const events: Ev[] = [];
  let order = 0;
  const trades = [
    ...tradesUp.map((t) => ({ ...t, asset: upId })),
    ...tradesDown.map((t) => ({ ...t, asset: downId })),
  ].sort((a, b) => Number(a.timestamp) - Number(b.timestamp));
  up.forEach((su, i) => {
    const sd = down[i];
    if (sd === undefined || sd.timestamp !== su.timestamp) throw new Error(`snapshot ${i}: up/down timestamps differ`);
    const at = Number(su.timestamp) - t0;
    for (const [s, id] of [
      [su, upId],
      [sd, downId],
    ] as const) {
      const frame: Record<string, unknown> = {
        market,
        asset_id: id,
        timestamp: s.timestamp,
        hash: bookHash(market, id, s, i === 0 ? '0.5' : ''),
        bids: s.bids,
        asks: s.asks,
      };
      if (i === 0) {
        frame.tick_size = '0.01';
        frame.last_trade_price = '0.5'; // not in the capture: placeholder (no trade before the window)
      }
      frame.event_type = 'book';
      events.push({ atMs: at, frame, order: order++ });
    }
    if (i === 0 || su.asset_price !== up[i - 1]?.asset_price) {
      events.push({
        atMs: at,
        channel: 'rtds',
        order: order++,
        frame: {
          topic: 'crypto_prices',
          type: 'update',
          timestamp: Number(su.timestamp),
          payload: { symbol: 'solusdt', timestamp: Number(su.timestamp), value: su.asset_price, full_accuracy_value: eightDecimals(su.asset_price) },
        },
      });
    }
  });
  for (const t of trades) {
    const ts = Number(t.timestamp);
    if (ts < t0 || ts > tEnd) continue;
    events.push({
      atMs: ts - t0,
      order: order++,
      frame: {
        market,
        asset_id: t.asset,
        price: t.price,
        size: t.size,
        fee_rate_bps: '0',
        side: t.side.toUpperCase(),
        timestamp: t.timestamp,
        event_type: 'last_trade_price',
      },
    });
  }
  events.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
  let resolution = '';
  if (resolve) {
    const mid = (b: Snap): number => (Number(b.bids.at(-1)?.price ?? '0') + Number(b.asks.at(-1)?.price ?? '1')) / 2;
    const upWins = mid(lastSnap) > 0.5;
    const lastAt = events.at(-1)?.atMs ?? 0;
    events.push({
      atMs: lastAt + 1000,
      order: order++,
      frame: {
        event_type: 'market_resolved', id: '900001', market, assets_ids: [upId, downId],
        winning_asset_id: upWins ? upId : downId, winning_outcome: upWins ? 'Up' : 'Down', timestamp: String(t0 + lastAt + 1000), tags: ['crypto'],
      },
    });
    resolution = ` A market_resolved frame 1 s after the last event names the winner INFERRED from the final book (${upWins ? 'Up' : 'Down'}: last mid ${mid(lastSnap) > 0.5 ? '>' : '<='} 0.5); the capture has no resolution.`;
  }
  return {
    description:
      `SOL up/down 15m, 2025-12-11 11:00-11:15 UTC: ${Number.isFinite(pairs) ? `first ${pairs}` : 'all'} book snapshots per token, trades and SOL price from the ` +
      'Caiooooo capture (real levels/sizes/times; SYNTHETIC token/condition ids and hashes). Built by src/sim/scenarios/build.ts.' + resolution,
    startEpochMs: t0,
    noNewAssetsEveryMs: 30000,
    markets: [
      {
        conditionId: market,
        slug,
        question: 'Solana Up or Down - December 11, 6:00AM-6:15AM ET',
        tokens: [
          { tokenId: upId, outcome: 'Up' },
          { tokenId: downId, outcome: 'Down' },
        ],
        tickSize: '0.01',
        minOrderSize: '5',
        negRisk: false,
        active: true,
        closed: false,
        startDate: '2025-12-10T11:00:00Z',
        endDate: '2025-12-11T11:15:00Z',
        eventStartTime: '2025-12-11T11:00:00Z',
        feesEnabled: false,
        event: { id: '900001', slug, title: 'Solana Up or Down - December 11, 6:00AM-6:15AM ET' },
      },
    ],
    events: events.map(({ order: _o, ...e }) => e),
  };
}

function buildSol(fixtures: string): void {
  writeScenario('sol-15m.json', solScenario(fixtures));
}

function buildBasic(fixtures: string): void {
  const nt = join(fixtures, 'nautechsystems__nautilus_trader/crates/adapters/polymarket/test_data');
  const read = (p: string): Record<string, unknown> => JSON.parse(readFileSync(join(nt, p), 'utf8')) as Record<string, unknown>;
  const gamma = read('gamma_market.json');
  const newMarket = read('ws_market_new_market_msg.json');
  const resolved = read('ws_market_resolved_msg.json');
  const rtds = read('rtds_crypto_prices_update.json');
  const ids = JSON.parse(String(gamma.clobTokenIds)) as [string, string];
  const market = String(gamma.conditionId);
  const [upId, downId] = ids;
  const ts0 = 1773307200000; // 2026-03-12T09:20:00Z, the market's eventStartTime
  const upBids: Lvl[] = [
    { price: '0.45', size: '300' },
    { price: '0.47', size: '120' },
    { price: '0.49', size: '55.5' },
  ];
  const upAsks: Lvl[] = [
    { price: '0.55', size: '250' },
    { price: '0.53', size: '80' },
    { price: '0.51', size: '40' },
  ];
  // the NO book is the exact mirror: bids(down) = 1 - asks(up), asks(down) = 1 - bids(up), same sizes
  const mirror = (l: Lvl): Lvl => {
    const px = parsePx(l.price);
    if (px === null) throw new Error(`bad price ${l.price}`);
    return { price: formatPx(PX_ONE - px), size: l.size };
  };
  const downBids = upAsks.map(mirror);
  const downAsks = upBids.map(mirror);
  const book = (id: string, ts: number, bids: Lvl[], asks: Lvl[], initial: boolean): Record<string, unknown> => {
    const f: Record<string, unknown> = {
      market,
      asset_id: id,
      timestamp: String(ts),
      hash: bookHash(market, id, { timestamp: String(ts), bids, asks }, initial ? '0.5' : ''),
      bids,
      asks,
    };
    if (initial) {
      f.tick_size = '0.01';
      f.last_trade_price = '0.5';
    }
    f.event_type = 'book';
    return f;
  };
  const h = (s: string): string => sha1Hex(s);
  const events = [
    { atMs: 0, frame: book(upId, ts0, upBids, upAsks, true) },
    { atMs: 0, frame: book(downId, ts0, downBids, downAsks, true) },
    {
      atMs: 100,
      frame: {
        market,
        price_changes: [
          { asset_id: upId, price: '0.5', size: '20', side: 'BUY', hash: h('pc1-up'), best_bid: '0.5', best_ask: '0.51' },
          { asset_id: downId, price: '0.5', size: '20', side: 'SELL', hash: h('pc1-down'), best_bid: '0.49', best_ask: '0.5' },
        ],
        timestamp: String(ts0 + 100),
        event_type: 'price_change',
      },
    },
    {
      atMs: 200,
      frame: {
        market,
        asset_id: upId,
        price: '0.51',
        size: '40',
        fee_rate_bps: '0',
        side: 'BUY',
        timestamp: String(ts0 + 200),
        event_type: 'last_trade_price',
        transaction_hash: `0x${h('trade1')}${h('trade1b').slice(0, 24)}`,
      },
    },
    {
      atMs: 210,
      frame: book(upId, ts0 + 210, [...upBids, { price: '0.5', size: '20' }], upAsks.slice(0, 2), false),
    },
    {
      atMs: 210,
      frame: book(downId, ts0 + 210, downBids.slice(0, 2), [...downAsks, { price: '0.5', size: '20' }], false),
    },
    { atMs: 300, channel: 'rtds', frame: rtds },
    { atMs: 400, frame: newMarket },
    { atMs: 500, frame: resolved },
  ];
  writeScenario('btc-5m-basic.json', {
    description:
      'Small demo around the real Gamma btc-updown-5m-1773307200 market (served verbatim): mirrored books, a two-leg price_change, ' +
      'a trade and post-trade books, an RTDS update, and the real new_market / market_resolved fixtures. Built by src/sim/scenarios/build.ts.',
    startEpochMs: ts0,
    markets: [gamma],
    events,
  });
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
const fixtures = process.argv[2];
if (!isMain) {
  // imported (recordings/make.ts uses solScenario): build nothing
} else if (fixtures === undefined) {
  process.stderr.write('usage: node --import tsx src/sim/scenarios/build.ts <fixtures/polymarket dir>\n');
  process.exitCode = 2;
} else {
  buildSol(fixtures);
  buildBasic(fixtures);
}
