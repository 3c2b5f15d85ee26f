/**
 * THE table of engine settings shared by `poly replay`, `poly sweep` and `poly live --paper`: flag, argument,
 * default, help and unit, declared once. `addEngineOptions` (src/cli/engine-options.ts) builds the flags and
 * their help from it, `engineSettings` (config.ts) takes its defaults from it, and the README's "Engine
 * options" table is checked against it (test/cli/flags.test.ts).
 *
 * Precedence of a setting: the flag given on the command line > a file that holds it (only `--stale-after`:
 * the `--risk` file's `staleAfter`) > the default here. The CLI declares no defaults of its own (commander
 * would pass them as if typed, which is how `--stale-after`'s 60s once silently overrode a risk file's limit).
 */
import { queueModelNames } from '../core/matching/index.ts';
import { defaultRiskLimits } from '../core/risk/risk.ts';
import { formatDurationNs } from '../core/strategy/params.ts';
import type { FlagUnit } from './flag-units.ts';

export interface EngineFlagSpec {
  /** Key in EngineFlags (commander's camelCase of the flag). */
  readonly key: 'cash' | 'seed' | 'latency' | 'cancelLatency' | 'queue' | 'fees' | 'takerDelay' | 'feedLoss' | 'printWindow' | 'risk' | 'staleAfter' | 'equityInterval' | 'rewards';
  readonly flag: string;
  readonly arg: string;
  /** What applies when the flag is not given (null: nothing, or what `defaultText` says). */
  readonly default: string | null;
  /** How help and README show the default when it is not a plain value. */
  readonly defaultText?: string;
  readonly help: string;
  /** The unit its value is parsed as (src/core/units.ts), or null for words and files. */
  readonly unit: FlagUnit | null;
}

const staleDefault = formatDurationNs(defaultRiskLimits.staleAfterNs).replace(/^1m$/, '60s');

export const ENGINE_FLAGS: readonly EngineFlagSpec[] = [
  { key: 'cash', flag: '--cash', arg: '<dollars>', default: '1000', help: 'starting cash', unit: { unit: 'dollars' } },
  { key: 'seed', flag: '--seed', arg: '<n>', default: '1', help: 'seed of every random draw (latency, queue model, ctx.rng)', unit: { unit: 'count', max: 999_999_999_999_999 } },
  { key: 'latency', flag: '--latency', arg: '<duration|min..max>', default: '0', help: 'order entry latency: constant (50ms) or uniform range (20ms..80ms)', unit: { unit: 'duration', range: true } },
  { key: 'cancelLatency', flag: '--cancel-latency', arg: '<duration|min..max>', default: null, defaultText: 'same as --latency', help: 'cancel latency', unit: { unit: 'duration', range: true } },
  { key: 'queue', flag: '--queue', arg: '<model>', default: 'conservative', help: `queue model: ${queueModelNames()}`, unit: null },
  { key: 'fees', flag: '--fees', arg: '<model>', default: 'polymarket', help: "taker fees: 'polymarket' (market schedule + dated regimes) or 'none'", unit: null },
  { key: 'takerDelay', flag: '--taker-delay', arg: '<auto|off|duration>', default: 'auto', help: "hold marketable orders before matching: 'auto' (the market's metadata and the dated rule), 'off', or a fixed delay for every market (250ms)", unit: { unit: 'duration', words: ['auto', 'off'] } },
  { key: 'feedLoss', flag: '--feed-loss', arg: '<rule>', default: 'cancel', help: "resting orders on a market-data disconnect: 'cancel' or 'keep'", unit: null },
  { key: 'printWindow', flag: '--print-window', arg: '<duration>', default: '500ms', help: 'a level decrease and a trade print at that level within this time are one trade', unit: { unit: 'duration' } },
  { key: 'risk', flag: '--risk', arg: '<file.json>', default: null, defaultText: 'none', help: 'risk limits (JSON; see README)', unit: null },
  { key: 'staleAfter', flag: '--stale-after', arg: '<duration>', default: staleDefault, defaultText: `the --risk file's staleAfter, else ${staleDefault}`, help: 'no new orders on a book older than this', unit: { unit: 'duration' } },
  { key: 'equityInterval', flag: '--equity-interval', arg: '<duration>', default: '1m', help: 'equity sampling interval (virtual time)', unit: { unit: 'duration' } },
  { key: 'rewards', flag: '--rewards', arg: '<file.json>', default: null, defaultText: 'none', help: 'liquidity-reward programs for the economics estimate: [{market, rewards_max_spread (cents), rewards_min_size, rate_per_day}]', unit: null },
];

/** The default of an engine setting (throws for a key without one: a programming error). */
export function engineDefault(key: EngineFlagSpec['key']): string {
  const d = ENGINE_FLAGS.find((f) => f.key === key)?.default;
  if (d == null) throw new Error(`engine setting ${key} has no default`);
  return d;
}

/** "(default: X)" as help shows it. */
export const defaultShown = (f: EngineFlagSpec): string => f.defaultText ?? f.default ?? 'none';
