/**
 * Flags shared by `poly replay`, `poly sweep` and `poly live --paper` (the same engine settings, --from/--to),
 * and a small stderr progress bar for long replays.
 */
import type { Command } from 'commander';
import { queueModelNames } from '../core/matching/index.ts';
import { isoFromNs } from '../core/time.ts';
import { parseTime } from '../core/units.ts';
import { ENGINE_FLAGS, defaultShown } from '../engine/defaults.ts';
import { unitOption } from './flags.ts';

/** commander helper for repeatable flags. */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** --from / --to: an ISO-8601 UTC time -> ns (undefined when absent), by the one time parser. */
export function timeFlag(text: string | undefined, flag: string): bigint | undefined {
  return text === undefined ? undefined : parseTime(text, flag);
}

/**
 * Adds the engine flags from THE table (src/engine/defaults.ts): no commander defaults (a default passed by
 * commander looks typed and would beat a --risk file), the default shown in the help text instead, and each
 * value checked by its unit's parser as commander reads it. `queueFlag`: the queue model's flag name (poly
 * sweep uses --queue-model: its --queue is the Redis queue).
 */
export function addEngineOptions(cmd: Command, queueFlag = '--queue'): Command {
  for (const f of ENGINE_FLAGS) {
    const name = f.key === 'queue' ? queueFlag : f.flag;
    const help = f.key === 'queue' ? `queue model: ${queueModelNames()}` : f.help;
    if (f.unit === null) cmd.option(`${name} ${f.arg}`, `${help} (default: ${defaultShown(f)})`);
    else unitOption(cmd, `${name} ${f.arg}`, `${help} (default: ${defaultShown(f)})`, f.unit);
  }
  return cmd;
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
