/**
 * Child process of the `normalize-peer` bench: builds ONE workload (the same messages for every subject)
 * and times ONE subject over it (bench/lib.ts `measure`: 1 warmup, 3 runs, median), then reports
 * { events = messages per run, ms = median run, maxRssBytes = this process's peak, detail } over IPC.
 *
 * Workloads
 * - fixture: the fixture market-channel mix of the `normalize` case (SOL-15m books and trades of both
 *   tokens + every Nautilus market-channel message), cycled to POLY_BENCH_PEER_FIXTURE (default 100,000) messages
 *   per pass.
 * - generated: the first POLY_BENCH_PEER_ROWS (default 500,000) rows of the replay bench's generated
 *   recording (same generator, cached at that size; its frames) (bench/gen-recording.ts; ~1 book snapshot per 500 frames, two-leg price_change, prints),
 *   read into memory before timing.
 * Subjects
 * - json-parse: JSON.parse of every payload (the floor);
 * - poly: normalizeRecord + BookRegistry.apply + top of book of every changed token;
 * - tardis: bench/peer-tardis.ts (its mapper form + tardis-dev OrderBook per token + best bid/ask).
 */
import { BookRegistry } from '../src/core/book/index.ts';
import { normalizeRecord } from '../src/core/normalize/index.ts';
import type { MarketMeta } from '../src/core/types/market.ts';
import { rawRecord, type RawRecord } from '../src/core/types/raw.ts';
import { readRecording } from '../src/recorder/read.ts';
import { nautilusMarketPayloads, solMarket, solPayloads } from './fixture-stream.ts';
import { benchMarket, ensureBenchRecording } from './gen-recording.ts';
import { measure, type ChildResult } from './lib.ts';
import { runPeer } from './peer-tardis.ts';

const [subject, workload] = process.argv.slice(2);

interface Workload {
  records: RawRecord[];
  payloads: string[];
  recvMs: number[];
  market: MarketMeta;
  note: string;
}

/** Fixture mix: messages per pass (env POLY_BENCH_PEER_FIXTURE). ~100-level books make each pass seconds. */
const FIXTURE_MESSAGES = Number(process.env['POLY_BENCH_PEER_FIXTURE'] ?? 100_000);

async function build(kind: string): Promise<Workload> {
  const records: RawRecord[] = [];
  let market: MarketMeta;
  let note: string;
  if (kind === 'fixture') {
    const payloads = [...solPayloads(), ...nautilusMarketPayloads()];
    for (let i = 0; i < FIXTURE_MESSAGES; i++) {
      records.push(rawRecord({ seq: i, recvNs: 1_765_450_800_000_000_000n + BigInt(i) * 1000n, source: 'market_ws', conn: 'b', kind: 'frame', payload: payloads[i % payloads.length]! }));
    }
    market = solMarket;
    note = `fixture mix: ${payloads.length} distinct payloads cycled`;
  } else if (kind === 'generated') {
    const rows = Number(process.env['POLY_BENCH_PEER_ROWS'] ?? 500_000);
    // the same generator as the 10M recording (rows are a function of their index), cached at this size
    const { dir } = await ensureBenchRecording(rows);
    for await (const r of readRecording(dir)) if (r.kind === 'frame') records.push(r);
    market = benchMarket;
    note = `generated recording: first ${records.length} frames`;
  } else {
    throw new Error(`unknown workload '${kind}'`);
  }
  return { records, payloads: records.map((r) => r.payload), recvMs: records.map((r) => Number(r.recvNs / 1_000_000n)), market, note };
}

async function main(): Promise<ChildResult> {
  const w = await build(workload ?? '');
  const n = w.records.length;
  let detail = '';
  let fn: () => number;
  if (subject === 'json-parse') {
    fn = () => {
      let k = 0;
      for (const p of w.payloads) {
        const v: unknown = JSON.parse(p);
        k += Array.isArray(v) ? v.length : 1;
      }
      detail = `${k} messages parsed`;
      return n;
    };
  } else if (subject === 'poly') {
    fn = () => {
      const books = new BookRegistry([w.market]);
      let events = 0;
      let check = 0;
      for (const r of w.records) {
        for (const ev of normalizeRecord(r)) {
          events++;
          for (const id of books.apply(ev)) {
            const b = books.book(id)!;
            const bb = b.bestBid();
            const ba = b.bestAsk();
            if (bb !== null && ba !== null && bb < ba) check++;
          }
        }
      }
      if (check === 0) throw new Error('poly: no book was ever valid');
      detail = `${events} events, ${check} uncrossed tops`;
      return n;
    };
  } else if (subject === 'tardis') {
    fn = () => {
      const r = runPeer(w.payloads, w.recvMs);
      if (r.check === 0) throw new Error('tardis: no book was ever valid');
      detail = `${r.normalized} normalized messages, ${r.check} uncrossed tops`;
      return r.messages;
    };
  } else {
    throw new Error(`unknown subject '${subject}'`);
  }
  const m = await measure(subject, fn, { warmup: 1, iterations: 3 });
  return { events: m.events, ms: m.medianMs, maxRssBytes: process.resourceUsage().maxRSS * 1024, detail: `${w.note}; ${detail}` };
}

try {
  const result = await main();
  process.send?.({ ok: true, result });
} catch (e) {
  process.send?.({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exitCode = 1;
}
process.disconnect?.();
