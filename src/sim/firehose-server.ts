/**
 * Child process running the exchange simulator (src/sim/exchange.ts) as a firehose in its OWN process,
 * so the recorder under test (or a bare-ws floor) has the parent's event loop to itself and the parent's
 * peak RSS is the recorder's, not the simulator's. Used by the recorder benches and the soak test.
 *
 * Protocol (IPC, fork): argv = [frames, assetsCsv, rate?]. rate = frames per second of feed time
 * (firehose intervalMs = 1000 / rate at speed 1); absent or 0 = speed 'max' (as fast as the sockets
 * drain). The child starts the exchange paused with compact scenario markets whose tokens are the
 * firehose assets (so Gamma/CLOB resolve them), then sends { type: 'ready', urls }. Parent sends
 * 'start' (feed clock starts), 'stats' (answered with { type: 'stats', stats }), 'cpu' (answered with
 * { type: 'cpu', cpuMs }: this process's CPU time since 'start', all threads) and later 'close'. When
 * the feed has been fully sent the child reports { type: 'done', stats }. Binds 127.0.0.1, ephemeral
 * port only. The frames are firehoseFrames(opts, FIREHOSE_EPOCH_MS) with opts = { frames, assets,
 * seed: 1, intervalMs }: a test regenerates them to check a recording byte for byte.
 * Limits: one run per process (the firehose is consumed once).
 */
import { startExchange } from './exchange.ts';
import { FIREHOSE_EPOCH_MS } from './firehose.ts';

const [framesText, assetsCsv, rateText] = process.argv.slice(2);
const frames = Number(framesText);
const assets = (assetsCsv ?? '').split(',').filter((a) => a !== '');
const rate = rateText === undefined ? 0 : Number(rateText);
if (!Number.isSafeInteger(frames) || frames <= 0 || assets.length < 2 || !(rate >= 0)) throw new Error('usage: firehose-server.ts <frames> <asset,asset,...> [rate/s]');

/** Condition id of the n-th pair (0x + 64 hex). */
const benchConditionId = (n: number): string => `0x${(n + 1).toString(16).padStart(64, 'b')}`;

const markets: Record<string, unknown>[] = [];
for (let i = 0; i + 1 < assets.length; i += 2) {
  const n = i / 2;
  markets.push({
    conditionId: benchConditionId(n),
    slug: `bench-firehose-${n}`,
    question: `Bench firehose market ${n}?`,
    tokens: [
      { tokenId: assets[i], outcome: 'Yes' },
      { tokenId: assets[i + 1], outcome: 'No' },
    ],
  });
}

const ex = await startExchange({
  scenario: { markets, noNewAssetsEveryMs: 0 },
  firehose: { frames, assets, seed: 1, ...(rate > 0 ? { intervalMs: 1000 / rate } : {}) },
  speed: rate > 0 ? 1 : 'max',
  startPaused: true,
  noNewAssetsEveryMs: 0,
  pingTimeoutMs: 0,
  startEpochMs: FIREHOSE_EPOCH_MS,
});
let cpuAtStart: NodeJS.CpuUsage | null = null;
process.on('message', (m) => {
  if (m === 'start') {
    cpuAtStart = process.cpuUsage();
    ex.start();
  }
  if (m === 'cpu') {
    const c = process.cpuUsage(cpuAtStart ?? undefined);
    process.send?.({ type: 'cpu', cpuMs: (c.user + c.system) / 1000 });
  }
  if (m === 'stats') process.send?.({ type: 'stats', stats: ex.stats() });
  if (m === 'close') void ex.close().then(() => process.disconnect?.());
});
void ex.done.then(
  () => process.send?.({ type: 'done', stats: ex.stats() }),
  (err: unknown) => process.send?.({ type: 'error', error: String(err) }),
);
process.send?.({ type: 'ready', urls: ex.urls });
