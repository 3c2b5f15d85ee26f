// poly export (issue 11 item 4): the bundled recording's tables, loaded back with plain DuckDB SQL, checked
// against the normalizer's events and against a book computed here, independently of src/core/book.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/core/normalize/index.ts';
import type { MarketEvent } from '../../src/core/types/events.ts';
import { exportCommand } from '../../src/cli/export.ts';
import { readRecording } from '../../src/recorder/read.ts';
import { poly, ROOT } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

const REC = join(ROOT, 'recordings/sol-15m');
const UP = '53615170525537360478676090769554971140193362732129245690779535246849904985838';
const DOWN = '49599003039279164915020864394070404532056812082946637794237829162754362351358';

let events: MarketEvent[] = [];
let pq = '';
let csv = '';
let conn: DuckDBConnection;
let close: () => void;

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}
async function types(file: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of await rows(`DESCRIBE SELECT * FROM '${file}'`)) out[String(r['column_name'])] = String(r['column_type']);
  return out;
}

beforeAll(async () => {
  for await (const raw of readRecording(REC)) events.push(...normalizeRecord(raw));
  pq = tempDir('poly-export-pq-');
  csv = tempDir('poly-export-csv-');
  await exportCommand(REC, { to: ['parquet'], market: [], depth: '5', interval: '10s', out: pq });
  await exportCommand(REC, { to: ['csv'], market: [], events: 'book,trades,bbo', out: csv });
  const inst = await DuckDBInstance.create(':memory:');
  conn = await inst.connect();
  close = () => {
    conn.closeSync();
    inst.closeSync();
  };
}, 60_000);
afterAll(() => {
  close?.();
  cleanupTempDirs();
  events = [];
});

/** Expected book rows straight from the normalizer's events: [seq, sub, asset, kind, side, px, qty]. */
function expectedBookRows(): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.type === 'book_snapshot') {
      const ls = [...e.bids.map((l) => ['bid', l] as const), ...e.asks.map((l) => ['ask', l] as const)];
      for (const [side, l] of ls) out.push([e.seq, e.sub, e.assetId, 'snapshot', side, l.px, l.qty].join('|'));
      if (ls.length === 0) out.push([e.seq, e.sub, e.assetId, 'snapshot', '', '', ''].join('|'));
    } else if (e.type === 'book_delta') {
      for (const c of e.changes) out.push([e.seq, e.sub, c.assetId, 'set', c.side, c.px, c.qty].join('|'));
    }
  }
  return out;
}

const BOOK_SQL = (file: string, src: string) => `SELECT seq, sub, asset_id, kind, coalesce(side, '') AS side,
  coalesce(CAST(CAST(price * 10000 AS BIGINT) AS VARCHAR), '') AS px, coalesce(CAST(CAST(size * 1000000 AS BIGINT) AS VARCHAR), '') AS qty
  FROM ${src}('${file}'${src === 'read_csv' ? ", types = {'asset_id': 'VARCHAR', 'price': 'DECIMAL(18,4)', 'size': 'DECIMAL(18,6)'}" : ''})`;

describe('poly export --to parquet (bundled recording)', () => {
  it('writes one zstd Parquet file per table, with documented types', async () => {
    expect((await readdir(pq)).sort()).toEqual(['bbo.parquet', 'book.parquet', 'depth.parquet', 'errors.parquet', 'feed_state.parquet', 'resolutions.parquet', 'tick_sizes.parquet', 'trades.parquet']);
    const book = await types(join(pq, 'book.parquet'));
    expect(book).toMatchObject({ seq: 'BIGINT', asset_id: 'VARCHAR', market: 'VARCHAR', price: 'DECIMAL(18,4)', size: 'DECIMAL(18,6)', recv_time: 'TIMESTAMP_NS', exch_time: 'TIMESTAMP' });
    expect(await types(join(pq, 'trades.parquet'))).toMatchObject({ asset_id: 'VARCHAR', price: 'DECIMAL(18,4)', size: 'DECIMAL(18,6)', taker_side: 'VARCHAR' });
    expect(await types(join(pq, 'bbo.parquet'))).toMatchObject({ asset_id: 'VARCHAR', bid_price: 'DECIMAL(18,4)', ask_size: 'DECIMAL(18,6)' });
    const codecs = await rows(`SELECT DISTINCT compression FROM parquet_metadata('${join(pq, 'book.parquet')}')`);
    expect(codecs.map((r) => r['compression'])).toEqual(['ZSTD']);
  });

  it('book: one row per snapshot level and per level set, equal to the normalizer events', async () => {
    const got = (await rows(BOOK_SQL(join(pq, 'book.parquet'), 'read_parquet'))).map((r) => [r['seq'], r['sub'], r['asset_id'], r['kind'], r['side'], r['px'], r['qty']].join('|'));
    const want = expectedBookRows();
    expect(want.length).toBeGreaterThan(10_000);
    expect(got).toEqual(want);
  });

  it('trades, resolutions and feed state equal the normalizer events', async () => {
    const t = await rows(`SELECT seq, asset_id, taker_side, price::VARCHAR AS p, size::VARCHAR AS q, epoch_ns(recv_time) = recv_ns AS same FROM '${join(pq, 'trades.parquet')}'`);
    const want = events.filter((e) => e.type === 'trade');
    expect(t.length).toBe(want.length);
    expect(t.length).toBeGreaterThan(100);
    t.forEach((r, i) => {
      const e = want[i]!;
      expect([r['seq'], r['asset_id'], r['taker_side'], r['same']]).toEqual([String(e.seq), e.assetId, e.takerSide, true]);
      // exact decimal text: 4 / 6 places of the integer ticks and micro-shares
      expect(r['p']).toBe((e.px / 10_000).toFixed(4));
      expect(BigInt(String(r['q']).replace('.', ''))).toBe(BigInt(e.qty));
    });
    const res = await rows(`SELECT market, winning_asset_id FROM '${join(pq, 'resolutions.parquet')}'`);
    const wantRes = events.filter((e) => e.type === 'market_resolved');
    expect(res).toEqual(wantRes.map((e) => ({ market: e.market, winning_asset_id: e.winningAssetId })));
    const feed = await rows(`SELECT seq, state FROM '${join(pq, 'feed_state.parquet')}'`);
    expect(feed).toEqual(events.filter((e) => e.type === 'feed_state').map((e) => ({ seq: String(e.seq), state: e.state })));
    expect((await rows(`SELECT count(*) AS n FROM '${join(pq, 'errors.parquet')}'`))[0]!['n']).toBe(String(events.filter((e) => e.type === 'normalization_error').length));
  });

  it('bbo: the top of book after each change equals a book computed independently here', async () => {
    // A deliberately plain book: per binary market ONE price -> size map per side in YES terms (the NO token's
    // bid at p is the YES ask at 1 - p); a snapshot of either token replaces it, a set overwrites (0 deletes).
    const [yes, no] = [UP, DOWN];
    let book: { bids: Map<number, number>; asks: Map<number, number> } | null = null;
    const flip = (side: 'bid' | 'ask', px: number, id: string): ['bid' | 'ask', number] => (id === yes ? [side, px] : [side === 'bid' ? 'ask' : 'bid', 10_000 - px]);
    const top = (id: string): string => {
      if (book === null) return 'none';
      const b = book;
      const bid = Math.max(...[...b.bids.keys()].filter((p) => b.bids.get(p)! > 0), -1);
      const ask = Math.min(...[...b.asks.keys()].filter((p) => b.asks.get(p)! > 0), 1e9);
      const yb = bid < 0 ? null : ([bid, b.bids.get(bid)!] as const);
      const ya = ask > 1e8 ? null : ([ask, b.asks.get(ask)!] as const);
      const [tb, ta] = id === yes ? [yb, ya] : [ya === null ? null : ([10_000 - ya[0], ya[1]] as const), yb === null ? null : ([10_000 - yb[0], yb[1]] as const)];
      return `${tb?.[0] ?? ''}:${tb?.[1] ?? 0}:${ta?.[0] ?? ''}:${ta?.[1] ?? 0}`;
    };
    const want = new Map<string, string>();
    const both = (e: { seq: number; sub: number }) => {
      for (const id of [yes, no]) want.set(`${e.seq}:${e.sub}:${id}`, top(id));
    };
    for (const e of events) {
      if (e.type === 'book_snapshot') {
        const b = { bids: new Map<number, number>(), asks: new Map<number, number>() };
        for (const [side, ls] of [['bid', e.bids], ['ask', e.asks]] as const) {
          for (const l of ls) {
            const [s2, p2] = flip(side, l.px, e.assetId);
            (s2 === 'bid' ? b.bids : b.asks).set(p2, l.qty);
          }
        }
        book = b;
        both(e);
      } else if (e.type === 'book_delta' && book !== null) {
        for (const c of e.changes) {
          const [s2, p2] = flip(c.side, c.px, c.assetId);
          (s2 === 'bid' ? book.bids : book.asks).set(p2, c.qty);
        }
        both(e);
      }
    }
    const got = await rows(`SELECT seq, sub, asset_id, coalesce(CAST(CAST(bid_price * 10000 AS BIGINT) AS VARCHAR), '') || ':' || CAST(bid_size * 1000000 AS BIGINT) || ':' ||
      coalesce(CAST(CAST(ask_price * 10000 AS BIGINT) AS VARCHAR), '') || ':' || CAST(ask_size * 1000000 AS BIGINT) AS t FROM '${join(pq, 'bbo.parquet')}'`);
    expect(got.length).toBeGreaterThan(500);
    for (const r of got) {
      const key = `${r['seq']}:${r['sub']}:${r['asset_id']}`;
      expect([key, r['t']]).toEqual([key, want.get(key)]);
    }
    // and every event that moved a token's top has its row
    const keys = new Set(got.map((r) => `${r['seq']}:${r['sub']}:${r['asset_id']}`));
    const prev = new Map<string, string>();
    for (const [k, v] of want) {
      const id = k.split(':')[2]!;
      if (prev.get(id) !== v) expect(keys.has(k)).toBe(true);
      prev.set(id, v);
    }
  });

  it('depth: 5 levels per side every 10 s, best first, at epoch-aligned grid times', async () => {
    const d = await rows(`SELECT time_ns, asset_id, side, level, CAST(price * 10000 AS BIGINT) AS px FROM '${join(pq, 'depth.parquet')}'`);
    expect(d.length).toBeGreaterThan(100);
    for (const r of d) {
      expect(BigInt(String(r['time_ns'])) % 10_000_000_000n).toBe(0n);
      expect(Number(r['level'])).toBeLessThan(5);
    }
    // levels are best first within each (time, token, side)
    const bad = await rows(`SELECT count(*) AS n FROM (SELECT side, px, lag(px) OVER (PARTITION BY time_ns, asset_id, side ORDER BY level) AS prev FROM
      (SELECT time_ns, asset_id, side, level, price AS px FROM '${join(pq, 'depth.parquet')}')) WHERE prev IS NOT NULL AND ((side = 'bid' AND px >= prev) OR (side = 'ask' AND px <= prev))`);
    expect(bad[0]!['n']).toBe('0');
  });

  it('is byte-identical on a re-run', async () => {
    const again = tempDir('poly-export-again-');
    await exportCommand(REC, { to: ['parquet'], market: [], depth: '5', interval: '10s', out: again });
    for (const f of await readdir(pq)) expect(Buffer.compare(await readFile(join(pq, f)), await readFile(join(again, f)))).toBe(0);
  }, 60_000);
});

describe('poly export --to csv', () => {
  it('writes quoted token ids and exact decimal text that DuckDB reads back with named types', async () => {
    const text = await readFile(join(csv, 'book.csv'), 'utf8');
    expect(text.split('\n')[1]).toMatch(/,"0x[0-9a-f]+","\d{70,}",/);
    const got = (await rows(BOOK_SQL(join(csv, 'book.csv'), 'read_csv'))).map((r) => [r['seq'], r['sub'], r['asset_id'], r['kind'], r['side'], r['px'], r['qty']].join('|'));
    expect(got).toEqual(expectedBookRows());
    expect(text).toMatch(/,snapshot,bid,0,0\.\d{4},\d+\.\d{6},ws\n/);
    expect((await readdir(csv)).sort()).toEqual(['bbo.csv', 'book.csv', 'trades.csv']);
  });
});

describe('poly export --market and the window', () => {
  it('keeps only that market and that window', async () => {
    const out = tempDir('poly-export-win-');
    const r = await poly('export', REC, '--to', 'parquet', '--events', 'trades', '--market', UP, '--from', '2025-12-11T11:05:00Z', '--to', '2025-12-11T11:10:00Z', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // a token id selects its market (as in poly replay): both of its tokens
    const t = await rows(`SELECT DISTINCT asset_id FROM '${join(out, 'trades.parquet')}' ORDER BY 1`);
    expect(t).toEqual([{ asset_id: DOWN }, { asset_id: UP }]);
    const span = await rows(`SELECT min(recv_ns) >= 1765450800000000000 + 300000000000 AS a, max(recv_ns) < 1765450800000000000 + 600000000000 AS b, count(*) AS n FROM '${join(out, 'trades.parquet')}'`);
    expect(span[0]).toMatchObject({ a: true, b: true });
    const want = events.filter((e) => e.type === 'trade' && e.recvNs >= 1765451100000000000n && e.recvNs < 1765451400000000000n).length;
    expect(span[0]!['n']).toBe(String(want));
  });
});

describe('poly export: bad input is one line and a non-zero exit, before any work', () => {
  const cases: Array<[string, string[], number, RegExp]> = [
    ['unknown family', ['--to', 'parquet', '--events', 'book,quotes'], 2, /unknown event family 'quotes'/],
    ['bad --to', ['--to', 'xlsx'], 2, /--to 'xlsx' is not an ISO-8601 UTC time, 'parquet' or 'csv'/],
    ['no format', ['--to', '2025-12-11T11:05:00Z'], 2, /--to parquet\|csv is required/],
    ['unknown market', ['--to', 'csv', '--market', 'btc-updown-15m-1'], 2, /--market 'btc-updown-15m-1' is not in this recording/],
    ['bad --out (a file)', ['--to', 'csv', '--out', join(ROOT, 'package.json')], 1, /is a file/],
    ['bad --depth', ['--to', 'csv', '--depth', '0'], 2, /--depth '0'/],
  ];
  for (const [what, args, code, msg] of cases) {
    it(what, async () => {
      const out = join(tempDir('poly-export-bad-'), 'out');
      const full = args.includes('--out') ? args : [...args, '--out', out];
      const r = await poly('export', REC, ...full);
      expect(r.code).toBe(code);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    });
  }
  it('missing recording', async () => {
    const r = await poly('export', join(ROOT, 'recordings/nope'), '--to', 'csv', '--out', join(tempDir(), 'o'));
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/does not exist/);
  });
});
