/**
 * Bench case `normalize-peer`: poly's normalizer + books against the same-language peer, tardis-dev
 * (bench/peer-tardis.ts says exactly what the peer does), on the same messages, in the same run.
 *
 * Two workloads (bench/normalize-peer-child.ts): the fixture mix and the frames of the first 500,000 rows of
 * the generated recording (the 10M recording's generator). Per workload three subjects, each in a fresh child process (peak RSS each; it
 * includes the workload held in memory, the same for all three): JSON.parse of the payloads (FLOOR),
 * poly (normalizeRecord + BookRegistry + top of book), tardis (mapper + OrderBook + best bid/ask).
 * Each subject runs twice, alternating with the others; the faster child counts (noise on a shared machine).
 * Unit: messages (raw frames) per second, the same count for every subject. The printed floor and
 * ratios are the fixture mix's; the generated workload's figures and its own floor are in the notes, with
 * poly/peer for both.
 */
import { fileURLToPath } from 'node:url';
import { childMeasurement, fmtInt, fmtMb, runChildSubject, type CaseResult, type Measurement } from '../lib.ts';

export const name = 'normalize-peer';

const CHILD = fileURLToPath(new URL('../normalize-peer-child.ts', import.meta.url));

async function workload(w: string): Promise<{ floor: Measurement; poly: Measurement; peer: Measurement; details: string[] }> {
  const details: string[] = [];
  const one = async (subject: string, label: string): Promise<Measurement> => {
    const r = await runChildSubject(CHILD, [subject, w]);
    details.push(`${label}: ${r.detail}`);
    return { ...childMeasurement(label, r), iterations: 3 }; // the child reports the median of 3 runs
  };
  // Alternate the children (floor, poly, peer, twice) and keep each subject's faster child: the machine is
  // shared, and a neighbour's burst during one child would otherwise decide the ratio.
  const best = (a: Measurement, b: Measurement): Measurement => (a.evPerSec >= b.evPerSec ? a : { ...b, rssPeakBytes: Math.max(a.rssPeakBytes, b.rssPeakBytes) });
  const runs: Measurement[][] = [];
  for (let round = 0; round < 2; round++) {
    runs.push([await one('json-parse', `JSON.parse (${w})`), await one('poly', `poly normalizer+book (${w})`), await one('tardis', `tardis-dev mapper+OrderBook (${w})`)]);
  }
  const [floor, poly, peer] = [0, 1, 2].map((i) => best(runs[0]![i]!, runs[1]![i]!)) as [Measurement, Measurement, Measurement];
  return { floor, poly, peer, details: details.slice(0, 3) };
}

export async function run(): Promise<CaseResult> {
  const fx = await workload('fixture');
  const gen = await workload('generated');
  const r = (a: Measurement, b: Measurement): string => (a.evPerSec / b.evPerSec).toFixed(2);
  return {
    name,
    floorName: 'JSON.parse (fixture)',
    floor: fx.floor,
    subjects: [fx.poly, fx.peer],
    notes: [
      `unit: messages (raw frames)/s; each subject in its own child (rss peak = that child's maxRSS, workload included)`,
      `fixture mix: poly/peer = ${r(fx.poly, fx.peer)}x (poly ${fmtInt(fx.poly.evPerSec)} msg/s, tardis-dev ${fmtInt(fx.peer.evPerSec)} msg/s)`,
      `generated: JSON.parse ${fmtInt(gen.floor.evPerSec)} msg/s (rss ${fmtMb(gen.floor.rssPeakBytes)}), poly ${fmtInt(gen.poly.evPerSec)} msg/s = ${r(gen.poly, gen.floor)}x floor (rss ${fmtMb(gen.poly.rssPeakBytes)}), tardis-dev ${fmtInt(gen.peer.evPerSec)} msg/s = ${r(gen.peer, gen.floor)}x floor (rss ${fmtMb(gen.peer.rssPeakBytes)}); poly/peer = ${r(gen.poly, gen.peer)}x`,
      ...fx.details,
      ...gen.details,
    ],
  };
}
