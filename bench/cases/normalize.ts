/**
 * Bench case `normalize`: normalizer + L2 book throughput on real fixture messages.
 *
 * Workload: the fixture market-channel payloads (bench/fixture-stream.ts: the Caiooooo SOL 15m books
 * and trades of both tokens, plus every Nautilus market-channel message) as raw records, cycled until
 * the stream holds >= 1,000,000 normalized events. Built before timing.
 * FLOOR: bare JSON.parse of the same payloads (the unavoidable part of reading a text frame).
 * Subjects: normalizeRecord alone; normalizeRecord + BookRegistry.apply (what replay does per frame
 * before the strategy). A second pair runs only the small messages (trades, price_change, ...) since
 * full-book snapshots of ~100 levels dominate the mixed stream's cost.
 */
import { BookRegistry } from '../../src/core/book/index.ts';
import { normalizeRecord } from '../../src/core/normalize/index.ts';
import { rawRecord, type RawRecord } from '../../src/core/types/raw.ts';
import { nautilusMarketPayloads, solMarket, solPayloads } from '../fixture-stream.ts';
import { fmtInt, measure, type CaseResult } from '../lib.ts';

export const name = 'normalize';

const TARGET = 1_000_000;

function stream(payloads: readonly string[]): { records: RawRecord[]; events: number } {
  const perPass = payloads.map((p) => normalizeRecord(rawRecord({ seq: 0, recvNs: 0n, source: 'market_ws', conn: 'b', kind: 'frame', payload: p })));
  const bad = perPass.flat().filter((e) => e.type === 'normalization_error');
  if (bad.length > 0) throw new Error(`fixture payload failed to normalize: ${bad[0]!.type === 'normalization_error' ? bad[0]!.reason : ''}`);
  const records: RawRecord[] = [];
  let events = 0;
  for (let i = 0; events < TARGET; i++) {
    const j = i % payloads.length;
    records.push(rawRecord({ seq: i, recvNs: 1_765_450_800_000_000_000n + BigInt(i) * 1000n, source: 'market_ws', conn: 'b', kind: 'frame', payload: payloads[j]! }));
    events += perPass[j]!.length;
  }
  return { records, events };
}

export async function run(): Promise<CaseResult> {
  const sol = solPayloads();
  const nautilus = nautilusMarketPayloads();
  const mixed = stream([...sol, ...nautilus]);
  const small = stream([...sol.filter((p) => !p.includes('"event_type":"book"')), ...nautilus.filter((p) => !p.includes('"bids"'))]);
  const iterations = 3;

  const parse = (s: { records: RawRecord[] }) => () => {
    let n = 0;
    for (const r of s.records) {
      const v: unknown = JSON.parse(r.payload);
      n += Array.isArray(v) ? v.length : 1;
    }
    if (n < TARGET) throw new Error('floor did not parse the stream');
    return n;
  };
  const normOnly = (s: { records: RawRecord[]; events: number }) => () => {
    let n = 0;
    for (const r of s.records) n += normalizeRecord(r).length;
    if (n !== s.events) throw new Error(`normalizer produced ${n} events, expected ${s.events}`);
    return n;
  };
  const normBook = (s: { records: RawRecord[]; events: number }) => () => {
    const books = new BookRegistry([solMarket]);
    let n = 0;
    let changed = 0;
    for (const r of s.records) {
      for (const ev of normalizeRecord(r)) {
        n++;
        changed += books.apply(ev).length;
      }
    }
    if (n !== s.events || changed === 0) throw new Error('normalizer+book did not do the work');
    return n;
  };

  const floor = await measure('JSON.parse (mixed stream)', parse(mixed), { iterations });
  const subjects = [
    await measure('normalizeRecord (mixed)', normOnly(mixed), { iterations }),
    await measure('normalizer+book (mixed)', normBook(mixed), { iterations }),
  ];
  // the small-message stream is a separate workload with its own floor: its ratio is reported in a note
  const smallFloor = await measure('JSON.parse (small msgs only)', parse(small), { iterations });
  const smallSubj = await measure('normalizer+book (small msgs only)', normBook(small), { iterations });
  return {
    name,
    floorName: 'JSON.parse',
    floor,
    subjects,
    notes: [
      `mixed stream: ${fmtInt(mixed.records.length)} records -> ${fmtInt(mixed.events)} events per pass (${sol.length} SOL-15m payloads + ${nautilus.length} Nautilus messages, cycled; full ~100-level books dominate)`,
      `small messages only (trades, price_change, tick/bba/market msgs; ${fmtInt(small.events)} events): JSON.parse ${fmtInt(smallFloor.evPerSec)} ev/s, normalizer+book ${fmtInt(smallSubj.evPerSec)} ev/s = ${(smallSubj.evPerSec / smallFloor.evPerSec).toFixed(2)}x its JSON.parse floor`,
    ],
  };
}
