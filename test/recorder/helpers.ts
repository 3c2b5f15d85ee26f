/**
 * Shared test helpers for recorder tests: temp directories and deterministic records.
 * Records are a pure function of seq, so a test can rebuild the expected record for any seq.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { RECORD_KINDS, SOURCES, type RawRecord, type Source, type RecordKind } from '../../src/core/types/raw.ts';
import { decodeSpoolLine } from '../../src/recorder/spool.ts';

export const BASE_NS = 1_765_450_800_000_000_000n; // 2025-12-11T11:00:00Z

import { cleanupTempDirs, tempDir as sharedTempDir } from '../helpers/tmp.ts';

export { cleanupTempDirs };
export const tempDir = (prefix = 'poly-rec-'): string => sharedTempDir(prefix);

export const ASSETS = [
  '71321045679252212594626385532706912750332728571942532289631379312455583992563',
  '52114319501245915516055106046884209969926127482827954674443846427813813222426',
] as const;

/** A deterministic record for `seq`; every 50th is a lifecycle record, payload mentions one asset. */
export function recordFor(seq: number, stepNs = 1_000_000n, base = BASE_NS): RawRecord {
  const asset = ASSETS[seq % 2] as string;
  let kind: RecordKind = 'frame';
  let source: Source = 'market_ws';
  let payload = `{"event_type":"last_trade_price","asset_id":"${asset}","price":"0.${String(seq % 99).padStart(2, '0')}","size":"${seq}","i":${seq}}`;
  if (seq % 50 === 0) {
    kind = 'open';
    payload = '';
  } else if (seq % 37 === 0) {
    source = 'rtds_ws';
    payload = `{"topic":"crypto_prices","payload":{"symbol":"btcusdt","value":${seq}.5}}`;
  }
  return {
    v: 1,
    seq,
    recvNs: base + BigInt(seq) * stepNs,
    source,
    conn: `c${Math.floor(seq / 50)}`,
    kind,
    meta: kind === 'open' ? { url: 'wss://example.invalid/ws/market', attempt: Math.floor(seq / 50), assets: [...ASSETS] } : {},
    payload,
  };
}

/** Every complete, valid record currently in the spool files of a recording directory (a crash's view). */
export async function spoolRecords(dir: string): Promise<RawRecord[]> {
  const spool = join(dir, 'spool');
  const names = (await readdir(spool).catch(() => [] as string[])).filter((n) => n.endsWith('.spool')).sort();
  const out: RawRecord[] = [];
  for (const n of names) {
    const buf = await readFile(join(spool, n));
    let start = 0;
    for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, start)) {
      const r = decodeSpoolLine(buf.subarray(start, i));
      if (r !== null) out.push(r);
      start = i + 1;
    }
  }
  return out;
}

/** Any raw record (payloads: any text, JSON, and the bytes a spool line must escape). */
export const recordArb: fc.Arbitrary<RawRecord> = fc.record({
  v: fc.constant(1),
  seq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  recvNs: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
  source: fc.constantFrom(...SOURCES),
  conn: fc.string({ unit: 'binary', maxLength: 12 }),
  kind: fc.constantFrom(...RECORD_KINDS),
  meta: fc.record({ url: fc.string(), status: fc.integer(), reason: fc.string({ unit: 'binary' }) }, { requiredKeys: [] }),
  payload: fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.json({ maxDepth: 3 }), fc.constantFrom('', 'PONG', 'a\tb', 'a\nb', 'nul\u0000', 'cr\r')),
});
