/**
 * Synthetic recording for the `replay` bench: N (default 10,000,000) market_ws rows written straight
 * to ONE zstd Parquet part by DuckDB (COPY (SELECT ... FROM range(N)) TO ...), in exactly the schema
 * the recorder writes (src/recorder/layout.ts PARQUET_COLUMNS), plus a manifest.json that readManifest
 * accepts (rows, seq and time ranges, bytes, sha256 and counts of the part). Seconds, not minutes.
 *
 * Content (one binary market, YES/NO tokens), seq = row + 1, recvNs 1 ms apart from
 * 2025-12-11T00:10:00Z (all rows on one UTC date, so one part is a valid layout):
 * - row 0: an `open` record of mws-1 (the feed is up);
 * - every 1000 rows: a `book` snapshot of YES (row%1000 = 1) then of NO (row%1000 = 2), 10 levels a
 *   side around a mid that moves one cent every 5000 rows (at a YES snapshot row) (wire order: best last);
 * - every 7th row otherwise: a `last_trade_price` print on YES at the best bid or ask;
 * - all other rows: two-leg `price_change` frames in the current schema (YES leg + mirrored NO leg,
 *   price within 10 ticks of the touch, varying sizes, 1 in 11 a level removal "0"), best_bid/best_ask.
 * The books never cross at snapshots; price changes stay on their own side of the touch.
 *
 * Cache: os.tmpdir()/poly-bench-10m/<GEN_VERSION>-<rows>/. manifest.json is written last (atomically),
 * so a directory without a valid manifest of the right row count is a broken run and is rebuilt.
 * Bump GEN_VERSION whenever the content changes.
 */
import { existsSync, rmSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePx, parseQty } from '../src/core/types/fixed.ts';
import type { MarketMeta } from '../src/core/types/market.ts';
import { openDuck, sqlString } from '../src/io/duckdb.ts';
import { sha256File, writeFileAtomic } from '../src/io/paths.ts';
import { MANIFEST_FILE, PARQUET_COLUMN_LIST, partPath, utcDate } from '../src/recorder/layout.ts';
import { emptyManifest, manifestToJson, withFiles, type ManifestFile } from '../src/recorder/manifest.ts';
import { readManifest } from '../src/recorder/read.ts';

export const GEN_VERSION = 'v2';
export const YES = '71321045679252212594626385532706912750332728571942532289631379312455583992563';
export const NO = '52114319501245915516055106046884209969926127482827954674443846427813813222426';
export const CONDITION = '0x' + 'a7'.repeat(32);
/** 2025-12-11T00:10:00Z in ns. */
const BASE_NS = 1_765_411_800_000_000_000n;
const STEP_NS = 1_000_000n;

export const benchMarket: MarketMeta = {
  conditionId: CONDITION, id: null, slug: 'bench-replay-10m', question: 'Bench replay market?', tokens: [{ tokenId: YES, outcome: 'Yes' }, { tokenId: NO, outcome: 'No' }],
  tickSize: parsePx('0.01'), minOrderSize: parseQty('5'), negRisk: false, feesEnabled: false, feeSchedule: null, endDate: '2025-12-12T00:00:00Z',
  active: true, closed: false, acceptingOrders: true, eventSlug: null, tags: [],
};

export function benchRows(): number {
  const env = process.env['POLY_BENCH_REPLAY_ROWS'];
  const n = env === undefined ? 10_000_000 : Number(env);
  if (!Number.isSafeInteger(n) || n < 3000) throw new Error(`POLY_BENCH_REPLAY_ROWS='${env}' must be an integer >= 3000`);
  return n;
}

/** The SELECT producing the rows (columns in PARQUET_COLUMN_LIST order). */
function rowsSql(n: number): string {
  // m: YES best bid in cents (40..59); the YES ask is m+1; the NO book mirrors it (bid 99-m, ask 100-m)
  const macros = `
    CREATE OR REPLACE MACRO px(c) AS '0.' || lpad(c::VARCHAR, 2, '0');
    CREATE OR REPLACE MACRO sz(x) AS (x // 100)::VARCHAR || '.' || lpad((x % 100)::VARCHAR, 2, '0');
    CREATE OR REPLACE MACRO lvl(c, x) AS '{"price":"' || px(c) || '","size":"' || sz(x) || '"}';
    CREATE OR REPLACE MACRO book(market, asset, b, ts, h, i) AS
      '{"market":"' || market || '","asset_id":"' || asset || '","timestamp":"' || ts || '","hash":"' || h || '","bids":[' ||
      array_to_string(list_transform(range(9, -1, -1), k -> lvl(b - k, 500 + ((i * 31 + k * 977) % 200000))), ',') ||
      '],"asks":[' ||
      array_to_string(list_transform(range(9, -1, -1), k -> lvl(b + 1 + k, 500 + ((i * 17 + k * 1193) % 200000))), ',') ||
      '],"tick_size":"0.01","last_trade_price":"' || px(b) || '","event_type":"book"}';
    CREATE OR REPLACE MACRO leg(asset, c, s, side, h, bb, ba) AS
      '{"asset_id":"' || asset || '","price":"' || px(c) || '","size":"' || s || '","side":"' || side || '","hash":"' || h || '","best_bid":"' || px(bb) || '","best_ask":"' || px(ba) || '"}';
  `;
  const market = sqlString(CONDITION);
  const yes = sqlString(YES);
  const no = sqlString(NO);
  const select = `
    SELECT 1::UTINYINT AS v, (i + 1)::UBIGINT AS seq, (${BASE_NS} + i * ${STEP_NS})::BIGINT AS recv_ns,
      'market_ws' AS source, 'mws-1' AS conn, CASE WHEN i = 0 THEN 'open' ELSE 'frame' END AS kind, '{}' AS meta,
      CASE
        WHEN i = 0 THEN ''
        WHEN i % 1000 = 1 THEN book(${market}, ${yes}, m, ts, h1, i)
        WHEN i % 1000 = 2 THEN book(${market}, ${no}, 99 - m, ts, h1, i)
        WHEN i % 7 = 0 THEN
          '{"market":"' || ${market} || '","asset_id":"' || ${yes} || '","price":"' || px(CASE WHEN buy THEN m + 1 ELSE m END) ||
          '","size":"' || sz(100 + (i * 13) % 50000) || '","fee_rate_bps":"0","side":"' || CASE WHEN buy THEN 'BUY' ELSE 'SELL' END ||
          '","timestamp":"' || ts || '","event_type":"last_trade_price"}'
        ELSE
          '{"market":"' || ${market} || '","price_changes":[' ||
          CASE WHEN buy
            THEN leg(${yes}, m - k, s, 'BUY', h1, m, m + 1) || ',' || leg(${no}, 100 - m + k, s, 'SELL', h2, 99 - m, 100 - m)
            ELSE leg(${yes}, m + 1 + k, s, 'SELL', h1, m, m + 1) || ',' || leg(${no}, 99 - m - k, s, 'BUY', h2, 99 - m, 100 - m)
          END ||
          '],"timestamp":"' || ts || '","event_type":"price_change"}'
      END AS payload
    FROM (
      SELECT i,
        40 + (((i + 4999) // 5000) % 20) AS m,
        (i % 10) AS k,
        ((i // 10) % 2 = 0) AS buy,
        CASE WHEN i % 11 = 0 THEN '0' ELSE sz(500 + (i * 7919) % 200000) END AS s,
        ((${BASE_NS} + i * ${STEP_NS}) // 1000000 - 30)::VARCHAR AS ts,
        md5(i::VARCHAR) || lpad(lower(to_hex(i)), 8, '0') AS h1,
        md5((i + ${n})::VARCHAR) || lpad(lower(to_hex(i)), 8, '0') AS h2
      FROM range(${n}) t(i)
    )`;
  return `${macros}\nCOPY (SELECT ${PARQUET_COLUMN_LIST} FROM (${select})) TO `;
}

/** Returns the cached recording directory for `rows`, generating it first when needed. */
export async function ensureBenchRecording(rows: number, log: (s: string) => void = () => undefined): Promise<{ dir: string; generatedMs: number | null }> {
  const dir = join(tmpdir(), 'poly-bench-10m', `${GEN_VERSION}-${rows}`);
  try {
    const m = await readManifest(dir);
    if (m.rows === rows && m.files.length === 1) return { dir, generatedMs: null };
  } catch {
    // missing or broken: rebuild below
  }
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  const t0 = performance.now();
  log(`generating a ${rows}-row recording in ${dir} ...`);
  const lastNs = BASE_NS + BigInt(rows - 1) * STEP_NS;
  const date = utcDate(BASE_NS);
  if (utcDate(lastNs) !== date) throw new Error(`${rows} rows at 1 ms spacing cross a UTC date; one part cannot hold them`);
  const rel = partPath(date, 1, rows);
  await mkdir(join(dir, `date=${date}`), { recursive: true });
  const path = join(dir, rel);
  const duck = await openDuck();
  try {
    const sql = rowsSql(rows);
    const [macros, copy] = [sql.slice(0, sql.lastIndexOf('COPY')), sql.slice(sql.lastIndexOf('COPY'))];
    await duck.conn.run(macros);
    await duck.conn.run(`${copy}${sqlString(path)} (FORMAT PARQUET, COMPRESSION ZSTD)`);
    const check = (await duck.conn.runAndReadAll(`SELECT count(*)::BIGINT, min(seq)::BIGINT, max(seq)::BIGINT FROM read_parquet(${sqlString(path)})`)).getRows()[0];
    if (check?.[0] !== BigInt(rows) || check[1] !== 1n || check[2] !== BigInt(rows)) throw new Error(`generated part is wrong: ${String(check)}`);
  } finally {
    duck.close();
  }
  const file: ManifestFile = {
    path: rel,
    rows,
    firstSeq: 1,
    lastSeq: rows,
    firstRecvNs: BASE_NS.toString(),
    lastRecvNs: lastNs.toString(),
    bytes: (await stat(path)).size,
    sha256: await sha256File(path),
    counts: { bySource: { market_ws: rows }, byKind: { frame: rows - 1, open: 1 } },
  };
  const manifest = withFiles({ ...emptyManifest('poly bench/gen-recording.ts'), markets: [benchMarket] }, [file]);
  await writeFileAtomic(join(dir, MANIFEST_FILE), manifestToJson(manifest));
  return { dir, generatedMs: performance.now() - t0 };
}
