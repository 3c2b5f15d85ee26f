/**
 * Makes the bundled recordings in this folder with `poly record` (RecordSession) against the local
 * exchange simulator playing real fixture data — the same path a user's recording takes:
 *
 *   node --import tsx recordings/make.ts [--speed 20]
 *
 * - sol-15m/: the SOL up/down 15-minute market of 2025-12-11 11:00-11:15 UTC from the Caiooooo capture
 *   (all 248 book snapshot pairs, every trade print, the SOL reference price over RTDS; synthetic ids),
 *   played at --speed (default 20x) and closed by a market_resolved frame whose winner is inferred from
 *   the final book (see src/sim/scenarios/build.ts).
 * Receive times: the recorder's clock (RecordSession's `nowNs`) is set to the capture's own time and
 * advanced at --speed x wall time from the moment the feed starts, so receive times line up with the
 * market's timeline (its end date, the fee regime of that date) as if recorded live on 2025-12-11; the
 * real network latency between simulator and recorder is kept, scaled by --speed. Only fixtures do this.
 * The result is committed; regression tests replay it and compare reports with golden files, so a new
 * recording means new goldens (npm run golden:update).
 */
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RecordSession } from '../src/recorder/record-session.ts';
import { startExchange } from '../src/sim/exchange.ts';
import { parseScenario } from '../src/sim/scenario.ts';
import { solScenario } from '../src/sim/scenarios/build.ts';
import { FIXTURES } from '../test/helpers/fixtures.ts';

const fixtures = FIXTURES;
const speedArg = process.argv.indexOf('--speed');
const speed = speedArg > 0 ? Number(process.argv[speedArg + 1]) : 20;
if (!Number.isInteger(speed) || speed < 1) throw new Error('--speed must be a positive integer');
const out = resolve(import.meta.dirname, 'sol-15m');

const scenario = parseScenario(solScenario(fixtures, Infinity, true), 'sol-15m (all pairs)');
const startEpochNs = BigInt(scenario.startEpochMs ?? 0) * 1_000_000n;
const hr0 = process.hrtime.bigint();
let hrStart: bigint | null = null;
// before the feed starts: a real-time pre-roll ending 1 s before the capture's first frame
const nowNs = (): bigint =>
  hrStart === null ? startEpochNs - 1_000_000_000n + (process.hrtime.bigint() - hr0) : startEpochNs + (process.hrtime.bigint() - hrStart) * BigInt(speed);
const ex = await startExchange({ scenario, speed, startPaused: true });
await rm(out, { recursive: true, force: true });
const session = await RecordSession.start({
  markets: ['sol-updown-15m-1765450800'],
  rtds: ['solusdt'],
  out,
  wsUrl: ex.urls.marketWs,
  clobUrl: ex.urls.clob,
  gammaUrl: ex.urls.gamma,
  rtdsUrl: ex.urls.rtds,
  snapshotIntervalMs: 10_000,
  meta: { made_by: 'recordings/make.ts', speed },
  nowNs,
});
const until = async (cond: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
};
await until(() => ex.received().some((m) => m.channel === 'market' && m.text.startsWith('{')), 'the market subscription');
await until(() => ex.received().some((m) => m.channel === 'rtds' && m.text.startsWith('{')), 'the RTDS subscription');
hrStart = process.hrtime.bigint();
ex.start();
await ex.done;
await new Promise((r) => setTimeout(r, 500));
await session.stop();
const summary = await session.done;
await ex.close();
process.stdout.write(`${JSON.stringify(summary, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
