/**
 * Shared test helpers for recorder tests: temp directories and deterministic records.
 * Records are a pure function of seq, so a test can rebuild the expected record for any seq.
 */
import type { RawRecord, Source, RecordKind } from '../../src/core/types/raw.ts';

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
