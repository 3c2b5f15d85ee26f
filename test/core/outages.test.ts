/** OutageTracker (src/core/outages.ts): the one outage rule shared by replay and inspect. */
import { describe, expect, it } from 'vitest';
import { OutageTracker, sessionOfConn, type Outage } from '../../src/core/outages.ts';
import { rawRecord, type RawRecord } from '../../src/core/types/raw.ts';

const T0 = 1_765_450_800_000_000_000n;
const MS = 1_000_000n;
let seq = 0;
const rec = (ms: number, conn: string, kind: RawRecord['kind'], extra: Partial<RawRecord> = {}): RawRecord =>
  rawRecord({ seq: ++seq, recvNs: T0 + BigInt(ms) * MS, source: 'market_ws', conn, kind, payload: kind === 'frame' ? '{"event_type":"book"}' : '', ...extra });

function run(records: RawRecord[]): { found: Outage[]; perRecord: number[] } {
  const t = new OutageTracker();
  const found: Outage[] = [];
  const perRecord = records.map((r) => {
    const o = t.observe(r);
    found.push(...o);
    return o.length;
  });
  return { found, perRecord };
}

describe('OutageTracker', () => {
  it('parses scope and session from conn ids', () => {
    expect(sessionOfConn('mws-1')).toEqual({ scope: '', session: '' });
    expect(sessionOfConn('s812.mws-3')).toEqual({ scope: '', session: '812' });
    expect(sessionOfConn('r2/s5.clob-1')).toEqual({ scope: 'r2', session: '5' });
    expect(sessionOfConn('a/b/mws-1')).toEqual({ scope: 'a/b', session: '' });
  });

  it('a crash with two shards open is one outage per shard, revealed by the next session\'s first record', () => {
    const { found, perRecord } = run([
      rec(0, 'mws-1', 'open'),
      rec(0, 'mws-2', 'open'),
      rec(10, 'mws-1', 'frame'),
      rec(20, 'clob-1', 'response', { source: 'clob_rest' }), // the old session's last record
      rec(5020, 's5.gamma-1', 'request', { source: 'gamma_rest' }),
      rec(5100, 's5.mws-1', 'open'),
    ]);
    expect(perRecord).toEqual([0, 0, 0, 0, 2, 0]);
    expect(found.map((o) => [o.conn, o.cause, o.fromNs - T0, (o.toNs ?? 0n) - T0])).toEqual([
      ['mws-1', 'crash', 20n * MS, 5020n * MS],
      ['mws-2', 'crash', 20n * MS, 5020n * MS],
    ]);
  });

  it('a clean stop leaves nothing live: its restart is no outage; PONG is liveness, not data', () => {
    const { found } = run([
      rec(0, 'mws-1', 'open'),
      rec(10, 'mws-1', 'frame'),
      rec(20, 'mws-1', 'frame', { payload: 'PONG' }),
      rec(30, 'mws-1', 'close', { meta: { code: 1000, reason: 'client stop' } }),
      rec(9000, 's5.mws-1', 'open'),
      rec(9010, 's5.mws-1', 'frame', { payload: 'PONG' }),
      rec(9500, 's5.mws-1', 'close', { meta: { code: 1006 } }),
    ]);
    expect(found.map((o) => [o.conn, o.cause, o.fromNs - T0])).toEqual([['s5.mws-1', 'close', 9000n * MS]]); // from its open: it never had data
  });

  it('scopes (merged recordings) are independent: interleaved inputs are not session changes', () => {
    const { found } = run([
      rec(0, 'a/mws-1', 'open'),
      rec(1, 'b/mws-1', 'open'),
      rec(2, 'a/mws-1', 'frame'),
      rec(3, 'b/mws-1', 'frame'),
      rec(4, 'a/mws-1', 'frame'),
      rec(3000, 'b/s9.mws-1', 'open'), // input b restarted after a crash; a keeps flowing
      rec(3001, 'a/mws-1', 'frame'),
    ]);
    expect(found.map((o) => [o.conn, o.cause, o.fromNs - T0])).toEqual([['b/mws-1', 'crash', 3n * MS]]);
  });
});
