/**
 * Child process for the `recorder-ingest` bench: runs the exchange simulator (src/sim/exchange.ts) as a
 * firehose in its OWN process, so the recorder under test (or the bare-ws floor) has the parent's event
 * loop to itself and the parent's peak RSS is the recorder's, not the simulator's.
 *
 * Protocol (IPC, fork): argv = [frames, assetsCsv]. The child starts the exchange paused with compact
 * scenario markets whose tokens are the firehose assets (so Gamma/CLOB resolve them), then sends
 * { type: 'ready', urls }. Parent sends 'start' (feed clock starts) and later 'close'. When the feed has
 * been fully sent the child reports { type: 'done', stats }. Binds 127.0.0.1, ephemeral port only.
 * Limits: one run per process (the firehose is consumed once).
 */
import { startExchange } from '../src/sim/exchange.ts';

const [framesText, assetsCsv] = process.argv.slice(2);
const frames = Number(framesText);
const assets = (assetsCsv ?? '').split(',').filter((a) => a !== '');
if (!Number.isSafeInteger(frames) || frames <= 0 || assets.length < 2) throw new Error('usage: firehose-server.ts <frames> <asset,asset,...>');

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
  firehose: { frames, assets, seed: 1 },
  speed: 'max',
  startPaused: true,
  noNewAssetsEveryMs: 0,
  pingTimeoutMs: 0,
  startEpochMs: 1_765_450_800_000,
});
process.on('message', (m) => {
  if (m === 'start') ex.start();
  if (m === 'close') void ex.close().then(() => process.disconnect?.());
});
void ex.done.then(
  () => process.send?.({ type: 'done', stats: ex.stats() }),
  (err: unknown) => process.send?.({ type: 'error', error: String(err) }),
);
process.send?.({ type: 'ready', urls: ex.urls });
