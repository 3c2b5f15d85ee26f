/**
 * Flags shared by `poly replay`, `poly sweep` and `poly live --paper` (the same engine settings, --from/--to),
 * and a small stderr progress bar for long replays.
 */
import type { Command } from 'commander';
import { queueModelNames } from '../core/matching/index.ts';
import { isoFromNs, nsFromIso } from '../core/time.ts';
import { CliError } from './errors.ts';

/** commander helper for repeatable flags. */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** --from / --to: an ISO-8601 UTC time -> ns (undefined when absent). */
export function timeFlag(text: string | undefined, flag: string): bigint | undefined {
  if (text === undefined) return undefined;
  const ns = nsFromIso(text);
  if (ns === null) throw new CliError(`${flag} '${text}' is not an ISO-8601 UTC time (e.g. 2025-12-11T11:05:00Z)`);
  return ns;
}

/** `queueFlag`: the queue model's flag name (poly sweep uses --queue-model: its --queue is the Redis queue). */
export function addEngineOptions(cmd: Command, queueFlag = '--queue'): Command {
  return cmd
    .option('--cash <dollars>', 'starting cash', '1000')
    .option('--seed <n>', 'seed of every random draw (latency, queue model, ctx.rng)', '1')
    .option('--latency <d|min..max>', 'order entry latency: constant (50ms) or uniform range (20ms..80ms)', '0')
    .option('--cancel-latency <d|min..max>', 'cancel latency (default: same as --latency)')
    .option(`${queueFlag} <model>`, `queue model: ${queueModelNames()}`, 'conservative')
    .option('--fees <model>', "taker fees: 'polymarket' (market schedule + dated regimes) or 'none'", 'polymarket')
    .option('--taker-delay <auto|off|d>', "hold marketable orders before matching: 'auto' (the market's metadata and the dated rule), 'off', or a fixed delay for every market (250ms)", 'auto')
    .option('--feed-loss <rule>', "resting orders on a market-data disconnect: 'cancel' or 'keep'", 'cancel')
    .option('--print-window <d>', 'a level decrease and a trade print at that level within this time are one trade', '500ms')
    .option('--risk <file.json>', 'risk limits (JSON; see README)')
    .option('--stale-after <d>', 'no new orders on a book older than this', '60s')
    .option('--equity-interval <d>', 'equity sampling interval (virtual time)', '1m')
    .option('--rewards <file.json>', 'liquidity-reward programs for the economics estimate: [{market, rewards_max_spread (cents), rewards_min_size, rate_per_day}]');
}

/**
 * A one-line progress bar on stderr, redrawn in place: the share of the replayed time span behind us, the
 * virtual time reached and the records done.
 * Its caller updates it by wall time (src/engine/backtest.ts: every 200 ms, also while waiting out a gap).
 */
export function progressBar(label: string): { update: (done: number, total: number, virtualNs: bigint, fraction: number) => void; done: () => void } {
  const width = 30;
  let last = '';
  return {
    update(done, _total, virtualNs, fraction) {
      const filled = Math.round(fraction * width);
      const at = isoFromNs(virtualNs).slice(0, 19) + 'Z';
      const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(1)}% at ${at}, ${done.toLocaleString('en-US')} records`;
      if (line !== last) process.stderr.write(`\r${line}`);
      last = line;
    },
    done() {
      if (last !== '') process.stderr.write('\n');
    },
  };
}
