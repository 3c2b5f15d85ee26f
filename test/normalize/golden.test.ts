/**
 * Golden tests (habit 13, after tardis-node test/mappers.test.ts): every file under
 * test/fixtures/polymarket (vendored; see its PROVENANCE.md) is classified below, replayed through normalizeRecord as the raw
 * record it would have been, and compared with a committed golden under __golden__/.
 *
 * - The fixture directory is enumerated recursively: a new fixture that is not classified fails
 *   the suite, and so does a classification whose file has gone.
 * - Market-data payloads must normalize with zero NormalizationErrors.
 * - Trimmed/synthetic payloads that cannot be complete market data assert their exact errors.
 * - Files that are not market-data payloads carry a reason; where they are responses of endpoints
 *   poly could record, normalizing them as such must give no events (or the asserted FeedState).
 * - A missing golden fails (test/helpers/golden.ts); goldens are written only by `npm run golden:update`,
 *   and a golden whose fixture is gone fails too.
 * - Large outputs are stored as a summary (count, counts by type, sha256 of all events, first events),
 *   keeping all goldens well below 1 MB.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/core/normalize/index.ts';
import type { MarketEvent } from '../../src/core/types/events.ts';
import type { RawRecord, RecordKind, Source } from '../../src/core/types/raw.ts';
import { FIXTURES } from '../helpers/fixtures.ts';
import { expectGolden, updatingGoldens } from '../helpers/golden.ts';
import { countByType, goldenJson, reasons, rec, sha256 } from './helpers.ts';

// POLY_GOLDEN_DIR: only for test/golden/guard.test.ts, which proves a missing golden fails on a copy
const GOLDEN = process.env['POLY_GOLDEN_DIR'] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '__golden__');

const NT = 'nautechsystems__nautilus_trader/crates/adapters/polymarket/test_data/';
const NI = 'nautechsystems__nautilus_trader/tests/integration_tests/adapters/polymarket/resources/';
const CAIO = 'Caiooooo__polymarket-l2-collector/';
const LGX = 'Ligengxin96__polymarket-data-samples/';

type Plan =
  /** A WS message: the file text is the frame. */
  | { readonly kind: 'ws'; readonly source: Source }
  /** A REST response body for meta.url. */
  | { readonly kind: 'rest'; readonly source: Source; readonly url: string }
  /** Trimmed/synthetic data that cannot be complete: these exact errors (substrings), in order. */
  | { readonly kind: 'expect-errors'; readonly source: Source; readonly url: string; readonly why: string; readonly errors: readonly string[] }
  /** Not a market-data payload. `probe`: normalizing it as that record must give exactly `expect`. */
  | {
      readonly kind: 'not-market-data';
      readonly why: string;
      readonly probe?: { readonly source: Source; readonly recordKind: RecordKind; readonly url?: string; readonly status?: number };
      readonly expect?: readonly string[];
    };

const ws = (source: Source): Plan => ({ kind: 'ws', source });
const clob = (url: string): Plan => ({ kind: 'rest', source: 'clob_rest', url: `https://clob.polymarket.com${url}` });
const gamma = (url: string): Plan => ({ kind: 'rest', source: 'gamma_rest', url: `https://gamma-api.polymarket.com${url}` });
const clobProbe = (why: string, url: string, recordKind: RecordKind = 'response'): Plan => ({
  kind: 'not-market-data',
  why,
  probe: { source: 'clob_rest', recordKind, url: `https://clob.polymarket.com${url}` },
  expect: [],
});

/** Explicit classification of every non-bulk fixture file. */
const PLANS: Record<string, Plan> = {
  'PROVENANCE.md': { kind: 'not-market-data', why: 'provenance document: source, commit, licence and sha256 of every fixture' },

  // market channel (some trimmed: no event_type -> inferred by shape)
  [`${NT}ws_book_snapshot.json`]: ws('market_ws'),
  [`${NT}ws_last_trade.json`]: ws('market_ws'),
  [`${NT}ws_market_best_bid_ask_msg.json`]: ws('market_ws'),
  [`${NT}ws_market_book_msg.json`]: ws('market_ws'),
  [`${NT}ws_market_last_trade_msg.json`]: ws('market_ws'),
  [`${NT}ws_market_new_market_msg.json`]: ws('market_ws'),
  [`${NT}ws_market_price_change_msg.json`]: ws('market_ws'),
  [`${NT}ws_market_resolved_msg.json`]: ws('market_ws'),
  [`${NT}ws_market_tick_size_msg.json`]: ws('market_ws'),
  [`${NT}ws_quotes.json`]: ws('market_ws'),
  [`${NT}ws_tick_size_change.json`]: ws('market_ws'),
  [`${NI}ws_messages/book.json`]: ws('market_ws'),
  [`${NI}ws_messages/last_trade_price.json`]: ws('market_ws'),
  [`${NI}ws_messages/price_change.json`]: ws('market_ws'),
  [`${NI}ws_messages/price_change_v2.json`]: ws('market_ws'),
  [`${NI}ws_messages/tick_size_change.json`]: ws('market_ws'),

  // user channel
  [`${NT}ws_user_order_cancellation.json`]: ws('user_ws'),
  [`${NT}ws_user_order_fok_killed.json`]: ws('user_ws'),
  [`${NT}ws_user_order_matched.json`]: ws('user_ws'),
  [`${NT}ws_user_order_msg.json`]: ws('user_ws'),
  [`${NT}ws_user_order_placement.json`]: ws('user_ws'),
  [`${NT}ws_user_order_update.json`]: ws('user_ws'),
  [`${NT}ws_user_order_venue_cancel.json`]: ws('user_ws'),
  [`${NT}ws_user_trade.json`]: ws('user_ws'),
  [`${NT}ws_user_trade_msg.json`]: ws('user_ws'),
  [`${NI}ws_messages/order_cancel.json`]: ws('user_ws'),
  [`${NI}ws_messages/order_placement.json`]: ws('user_ws'),
  // a CLOB trade object (REST /data/trades shape = user-channel trade without event_type/type)
  [`${NI}ws_messages/trades.json`]: ws('user_ws'),
  [`${NI}ws_messages/user_trade1.json`]: ws('user_ws'),
  [`${NI}ws_messages/user_trade2.json`]: ws('user_ws'),
  [`${NI}ws_messages/user_trade3.json`]: ws('user_ws'),
  [`${NI}ws_messages/user_trade4.json`]: ws('user_ws'),

  // RTDS
  [`${NT}rtds_crypto_prices_subscribe.json`]: ws('rtds_ws'),
  [`${NT}rtds_crypto_prices_update.json`]: ws('rtds_ws'),
  [`${NT}rtds_equity_prices_subscribe.json`]: ws('rtds_ws'),
  [`${NT}rtds_equity_prices_update.json`]: ws('rtds_ws'),

  // CLOB REST
  [`${NT}clob_book_response.json`]: clob('/book?token_id=12345678901234567890'),
  [`${NT}clob_market_closed_binary_accepting_false.json`]: clob('/markets/0x8ccc3f4951ff02c1d34b87988752b4444ad17228732780a6cf22afefe8478bb6'),
  [`${NT}clob_market_closed_binary_accepting_true.json`]: clob('/markets/0xd57eed0d44f5b8ca54925d8d6ff440b146b3e6e071da18136ee3ee572d34479e'),
  [`${NI}http_responses/book.json`]: clob('/book?token_id=23360939988679364027624185518382759743328544433592111535569478055890815567848'),
  [`${NI}http_responses/market.json`]: clob('/markets/0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917'),
  [`${NI}http_responses/markets.json`]: clob('/markets?next_cursor=MA=='),

  // Gamma REST
  [`${NT}gamma_event.json`]: gamma('/events?slug=democratic-presidential-nominee-2028'),
  [`${NT}gamma_market.json`]: gamma('/markets/slug/btc-updown-5m-1773307200'),
  [`${NT}gamma_market_closed_binary_accepting_false.json`]: gamma('/markets/1460332'),
  [`${NT}gamma_market_closed_binary_accepting_true.json`]: gamma('/markets/1812085'),
  [`${NT}gamma_market_closed_nonbinary_legacy.json`]: gamma('/markets/43'),
  [`${NT}gamma_market_closed_zero_zero_legacy.json`]: gamma('/markets/12'),
  [`${NT}gamma_market_sports_market_map_handicap.json`]: gamma('/markets/slug/cs2-faze-ill-2026-04-05-map-handicap-away-1pt5'),
  [`${NT}gamma_market_sports_market_money_line.json`]: gamma('/markets/1878152'),
  [`${NT}search_response.json`]: gamma('/public-search?q=bitcoin'),
  // trimmed events: markets carry only conditionId (+question/slug) -> listed with tokens []
  [`${NI}http_responses/event.json`]: gamma('/events/185377'),
  [`${NI}http_responses/events_list.json`]: gamma('/events?limit=3'),
  [`${NI}http_responses/market_slug.json`]: {
    kind: 'expect-errors',
    source: 'gamma_rest',
    url: 'https://gamma-api.polymarket.com/markets/slug/kamala-harris-divorce-in-2025',
    why: 'trimmed Gamma market: clobTokenIds without outcomes, so tokens cannot be paired (never invented)',
    errors: ['invalid_field: outcomes: missing, but clobTokenIds lists 2 token(s)'],
  },
  [`${NI}http_responses/markets_list.json`]: {
    kind: 'expect-errors',
    source: 'gamma_rest',
    url: 'https://gamma-api.polymarket.com/markets?limit=3',
    why: 'partly synthetic Gamma list: no outcomes for the token ids, and placeholder condition ids (0xabc123)',
    errors: [
      'invalid_field: [0].outcomes: missing, but [0].clobTokenIds lists 2 token(s)',
      'invalid_field: [1].conditionId: "0xabc123" is not a condition id',
      'invalid_field: [2].conditionId: "0xdef456" is not a condition id',
    ],
  },

  // not market data
  [`${NT}clob_fee_rate_response_nonzero.json`]: clobProbe('CLOB /fee-rate: fees come from the market fee schedule', '/fee-rate?token_id=1'),
  [`${NT}clob_fee_rate_response_zero.json`]: clobProbe('CLOB /fee-rate: fees come from the market fee schedule', '/fee-rate?token_id=1'),
  [`${NT}data_api_positions_response.json`]: { kind: 'not-market-data', why: 'Data API /positions (account data; the Data API is not a recorded source)' },
  [`${NT}data_api_trades_response.json`]: { kind: 'not-market-data', why: 'Data API /trades (not a recorded source)' },
  [`${NI}http_responses/trades.json`]: { kind: 'not-market-data', why: 'Data API /trades rows (not a recorded source)' },
  [`${NT}gamma_tags.json`]: {
    kind: 'not-market-data',
    why: 'Gamma /tags: tag catalogue, no markets',
    probe: { source: 'gamma_rest', recordKind: 'response', url: 'https://gamma-api.polymarket.com/tags' },
    expect: [],
  },
  [`${NT}http_balance_allowance_collateral.json`]: clobProbe('authenticated account balance', '/balance-allowance?asset_type=COLLATERAL'),
  [`${NT}http_balance_allowance_no_allowance.json`]: clobProbe('authenticated account balance', '/balance-allowance?asset_type=COLLATERAL'),
  [`${NT}http_batch_cancel_response.json`]: clobProbe('order-entry response (poly never trades)', '/orders'),
  [`${NT}http_cancel_response_failed.json`]: clobProbe('order-entry response (poly never trades)', '/order'),
  [`${NT}http_cancel_response_ok.json`]: clobProbe('order-entry response (poly never trades)', '/order'),
  [`${NT}http_open_order.json`]: clobProbe('authenticated open-order lookup', '/data/order/0x1234'),
  [`${NT}http_open_order_sell_fok.json`]: clobProbe('authenticated open-order lookup', '/data/order/0xdead'),
  [`${NT}http_open_orders_page.json`]: clobProbe('authenticated open-orders page', '/data/orders'),
  [`${NT}http_order_response_error_500.json`]: {
    kind: 'not-market-data',
    why: 'order-entry error body; as a recorded non-2xx response it must become a FeedState error',
    probe: { source: 'clob_rest', recordKind: 'response', url: 'https://clob.polymarket.com/order', status: 500 },
    expect: ['feed_state'],
  },
  [`${NT}http_order_response_failed.json`]: clobProbe('order-entry response (poly never trades)', '/order'),
  [`${NT}http_order_response_ok.json`]: clobProbe('order-entry response (poly never trades)', '/order'),
  [`${NT}http_signed_order.json`]: clobProbe('a signed order: a request body, not a response', '/order', 'request'),
  [`${NT}http_trade_report.json`]: clobProbe('authenticated trade history (REST)', '/data/trades'),
  [`${NT}http_trades_page.json`]: clobProbe('authenticated trade history (REST)', '/data/trades'),
};

/** Bulk fixtures classified by rule rather than by name. */
function bulkKind(rel: string): 'caio-books' | 'caio-trades' | 'gamma-jsonl' | null {
  if (rel.startsWith(CAIO) && rel.includes('/orderbooks/') && rel.endsWith('.json')) return 'caio-books';
  if (rel.startsWith(CAIO) && rel.includes('/trades/') && rel.endsWith('.json')) return 'caio-trades';
  if (rel.startsWith(LGX) && rel.endsWith('.jsonl.gz')) return 'gamma-jsonl';
  return null;
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = path.join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

const FILES = walk(FIXTURES).map((f) => path.relative(FIXTURES, f).split(path.sep).join('/'));

function goldenPath(rel: string): string {
  const short = rel
    .replace(NT, 'nautilus/test_data/')
    .replace(NI, 'nautilus/resources/')
    .replace(`${CAIO}data/`, 'caiooooo/')
    .replace(LGX, 'ligengxin/');
  return path.join(GOLDEN, `${short}.golden.json`);
}

const FIXTURE_NS = 1_767_225_600_000_000_000n;

function record(source: Source, kind: RecordKind, payload: string, seq: number, url?: string, status?: number): RawRecord {
  const meta = url === undefined ? {} : status === undefined ? { url, status: 200 } : { url, status };
  return rec(source, kind, payload, { seq, meta, conn: 'fixture', recvNs: FIXTURE_NS + BigInt(seq) * 1_000_000n });
}

function text(rel: string): string {
  return readFileSync(path.join(FIXTURES, rel), 'utf8');
}

/** Small outputs are stored whole; large ones as a summary plus the first events. */
function golden(events: readonly MarketEvent[], extra: Record<string, unknown> = {}, keep = 5): string {
  if (events.length <= 40 && Object.keys(extra).length === 0) return `${goldenJson(events)}\n`;
  return `${goldenJson({ ...extra, events: events.length, byType: countByType(events), sha256: sha256(events), first: events.slice(0, keep) })}\n`;
}

/** A synthetic 77-digit token id per Caiooooo file (the collector dropped asset_id). */
function syntheticAssetId(rel: string): string {
  return `9${BigInt(`0x${createHash('sha256').update(rel).digest('hex')}`).toString()}`.slice(0, 77);
}

describe('fixture inventory', () => {
  it('classifies every fixture file, and every classification names an existing file', () => {
    const unclassified = FILES.filter((f) => PLANS[f] === undefined && bulkKind(f) === null);
    expect(unclassified).toEqual([]);
    const stale = Object.keys(PLANS).filter((f) => !FILES.includes(f));
    expect(stale).toEqual([]);
    expect(FILES.filter((f) => bulkKind(f) !== null).length).toBeGreaterThan(0);
  });

  it('every golden file belongs to a fixture that produces one (no stale goldens)', () => {
    const produced = new Set(FILES.filter((f) => bulkKind(f) !== null || PLANS[f]?.kind === 'ws' || PLANS[f]?.kind === 'rest').map(goldenPath));
    const onDisk = walk(GOLDEN);
    const stale = onDisk.filter((g) => !produced.has(g));
    if (updatingGoldens()) {
      for (const g of stale) rmSync(g);
      return;
    }
    expect(stale.map((g) => path.relative(GOLDEN, g))).toEqual([]);
    expect([...produced].filter((g) => !onDisk.includes(g)).map((g) => path.relative(GOLDEN, g))).toEqual([]);
  });
});

describe('golden: single fixtures', () => {
  for (const [rel, plan] of Object.entries(PLANS)) {
    it(rel, async () => {
      if (plan.kind === 'ws') {
        const events = normalizeRecord(record(plan.source, 'frame', text(rel), 0));
        expect(reasons(events)).toEqual([]);
        expect(events.length).toBeGreaterThan(0);
        expectGolden(golden(events), goldenPath(rel));
      } else if (plan.kind === 'rest') {
        const events = normalizeRecord(record(plan.source, 'response', text(rel), 0, plan.url));
        expect(reasons(events)).toEqual([]);
        expect(events.length).toBeGreaterThan(0);
        expectGolden(golden(events), goldenPath(rel));
      } else if (plan.kind === 'expect-errors') {
        const events = normalizeRecord(record(plan.source, 'response', text(rel), 0, plan.url));
        const got = reasons(events);
        expect(got.length).toBe(plan.errors.length);
        plan.errors.forEach((want, i) => expect(got[i]).toContain(want));
        // every error keeps the raw record whole
        for (const e of events) if (e.type === 'normalization_error') expect(e.raw.payload).toBe(text(rel));
      } else {
        expect(plan.why.length).toBeGreaterThan(10);
        if (plan.probe !== undefined) {
          const p = plan.probe;
          const events = normalizeRecord(record(p.source, p.recordKind, text(rel), 0, p.url, p.status));
          expect(events.map((e) => e.type)).toEqual(plan.expect ?? []);
        }
      }
    });
  }
});

describe('golden: Caiooooo collector files (re-serialised wire data)', () => {
  // The collector re-serialised each WS message: books lost event_type/asset_id/market/hash, trades
  // lost event_type/asset_id and had `side` lower-cased. Each element is wrapped back into its wire
  // shape here (event_type added, one synthetic asset_id per file, side upper-cased); prices, sizes,
  // timestamps and level order are the captured ones.
  for (const rel of FILES.filter((f) => bulkKind(f) === 'caio-books' || bulkKind(f) === 'caio-trades')) {
    it(rel, async () => {
      const books = bulkKind(rel) === 'caio-books';
      const elements = JSON.parse(text(rel)) as Record<string, unknown>[];
      const assetId = syntheticAssetId(rel);
      const all: MarketEvent[] = [];
      elements.forEach((el, i) => {
        const wire = books
          ? { ...el, event_type: 'book', asset_id: assetId }
          : { ...el, event_type: 'last_trade_price', asset_id: assetId, side: String(el.side).toUpperCase() };
        const events = normalizeRecord(record('market_ws', 'frame', JSON.stringify(wire), i));
        expect(reasons(events)).toEqual([]);
        expect(events.map((e) => e.type)).toEqual([books ? 'book_snapshot' : 'trade']);
        all.push(...events);
      });
      expect(all.length).toBe(elements.length);
      expectGolden(golden(all, { elements: elements.length }, 2), goldenPath(rel));
    });
  }
});

describe('golden: Ligengxin Gamma markets (JSONL.gz, one Gamma response per line)', () => {
  for (const rel of FILES.filter((f) => bulkKind(f) === 'gamma-jsonl')) {
    it(rel, async () => {
      const lines = gunzipSync(readFileSync(path.join(FIXTURES, rel))).toString('utf8').split('\n').filter((l) => l.trim() !== '');
      const all: MarketEvent[] = [];
      lines.forEach((line, i) => {
        // each line wraps the Gamma market object in `raw`; record it as a /markets?slug= response
        const row = JSON.parse(line) as { slug: string; condition_id: string; token_ids: string[]; raw: unknown };
        const events = normalizeRecord(record('gamma_rest', 'response', JSON.stringify([row.raw]), i, `https://gamma-api.polymarket.com/markets?slug=${row.slug}`));
        expect(reasons(events)).toEqual([]);
        expect(events.length).toBe(1);
        const e = events[0];
        if (e?.type !== 'market_meta') throw new Error('expected market_meta');
        // cross-check against the collector's own columns
        expect(e.meta.conditionId).toBe(row.condition_id);
        expect(e.meta.tokens.map((t) => t.tokenId)).toEqual(row.token_ids);
        expect(e.meta.slug).toBe(row.slug);
        all.push(e);
      });
      expectGolden(golden(all, { lines: lines.length }, 3), goldenPath(rel));
    });
  }
});
