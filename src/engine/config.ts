/**
 * Engine settings shared by `poly replay` and `poly live --paper`: the paper exchange's models, risk
 * limits, starting cash, seed and equity sampling. Parsed from CLI flags (strings) at the boundary,
 * with one-line errors; `describeSettings` gives the exact strings stored in run.json, so a run is
 * reproducible from its run.json alone.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { RewardsTerms } from '../core/economics/index.ts';
import { PolyError } from '../core/errors.ts';
import type { KernelConfig } from '../core/kernel/trading-kernel.ts';
import {
  constantLatency, constantTakerDelay, noFees, noTakerDelay, polymarketFees, polymarketTakerDelay, queueModelNamed, queueModelNames, uniformLatency,
  type FillEngineConfig,
} from '../core/matching/index.ts';
import { RiskLimitsSchema, defaultRiskLimits, type RiskLimits } from '../core/risk/risk.ts';
import { D, parseQty, type Cash } from '../core/types/fixed.ts';
import { parseCount, parseDollars, parseDuration } from '../core/units.ts';
import { ENGINE_FLAGS, engineDefault } from './defaults.ts';
import { checkFlagValue } from './flag-units.ts';
import type { MarketMeta } from '../core/types/market.ts';

export interface EngineFlags {
  cash?: string;
  seed?: string;
  latency?: string;
  cancelLatency?: string;
  queue?: string;
  fees?: string;
  takerDelay?: string;
  feedLoss?: string;
  printWindow?: string;
  risk?: string;
  staleAfter?: string;
  equityInterval?: string;
  rewards?: string;
}

/** One market's reward program from --rewards FILE (the market still to be resolved against the run's markets). */
export interface RewardsEntry {
  readonly market: string;
  readonly maxSpreadCents: D;
  readonly minSize: number;
  readonly ratePerDay: D | null;
}

export interface EngineSettings {
  readonly initialCash: Cash;
  readonly seed: number;
  readonly fill: Omit<FillEngineConfig, 'rng'>;
  readonly risk: RiskLimits;
  readonly equityIntervalNs: bigint;
  /** Liquidity-reward programs from --rewards FILE (empty without it). */
  readonly rewards: readonly RewardsEntry[];
  /** Exact strings of every setting, for run.json. */
  readonly described: Record<string, string>;
}

const durationFrom = (text: string, flag: string): bigint => parseDuration(text, flag);

/** "50ms" = constant; "20ms..80ms" = uniform between (seeded). */
function latencyFrom(entry: string, cancel: string | undefined) {
  const range = (t: string, flag: string) => {
    const [a, b] = t.split('..');
    if (b === undefined) return { minNs: durationFrom(a!, flag), maxNs: durationFrom(a!, flag) };
    const r = { minNs: durationFrom(a!, flag), maxNs: durationFrom(b, flag) };
    if (r.maxNs < r.minNs) throw new PolyError('usage', `${flag} '${t}': the upper bound is below the lower bound`);
    return r;
  };
  const e = range(entry, '--latency');
  const c = cancel === undefined ? e : range(cancel, '--cancel-latency');
  if (e.minNs === e.maxNs && c.minNs === c.maxNs) return constantLatency(e.minNs, c.minNs);
  return uniformLatency(e, c);
}

const decimal = z.union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/, 'expected a non-negative decimal')]).transform((v) => new D(String(v)));
const RewardsEntrySchema = z.strictObject({
  market: z.string().min(1).optional(),
  rewards_max_spread: decimal.refine((d) => d.gt(0), 'must be > 0 (cents)'),
  rewards_min_size: decimal,
  rate_per_day: decimal.nullable().optional(),
});
const RewardsFileSchema = z.union([z.array(RewardsEntrySchema), z.record(z.string(), RewardsEntrySchema)]);

/**
 * --rewards FILE: liquidity-reward programs the tape does not carry, as a JSON array of
 * {market, rewards_max_spread, rewards_min_size, rate_per_day} or an object keyed by market (condition id or
 * slug). rewards_max_spread is in cents (Polymarket's unit), rewards_min_size in shares, rate_per_day in dollars.
 */
export async function readRewardsFile(path: string): Promise<{ entries: RewardsEntry[]; text: string }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new PolyError('input', `--rewards file '${path}' cannot be read as JSON (${(err as Error).message.split('\n')[0]})`);
  }
  const r = RewardsFileSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new PolyError('input', `--rewards file '${path}': ${i.path.join('.') || '(root)'}: ${i.message} (expected [{"market": "<condition id or slug>", "rewards_max_spread": 3.5, "rewards_min_size": 50, "rate_per_day": 20}])`);
  }
  const list = Array.isArray(r.data) ? r.data.map((e, i) => ({ key: e.market, e, at: String(i) })) : Object.entries(r.data).map(([k, e]) => ({ key: e.market ?? k, e, at: k }));
  const entries = list.map(({ key, e, at }) => {
    if (key === undefined) throw new PolyError('input', `--rewards file '${path}': entry ${at} names no market`);
    const minSize = parseQty(e.rewards_min_size.toFixed());
    if (minSize === null) throw new PolyError('input', `--rewards file '${path}': ${key}: rewards_min_size has more than 6 decimals`);
    return { market: key, maxSpreadCents: e.rewards_max_spread, minSize, ratePerDay: e.rate_per_day ?? null };
  });
  return { entries, text: JSON.stringify(raw) };
}

/** Resolves --rewards entries (slug or condition id) against the run's markets; an unknown slug is a one-line error. */
export function resolveRewards(entries: readonly RewardsEntry[], markets: readonly MarketMeta[]): Map<string, RewardsTerms> {
  const out = new Map<string, RewardsTerms>();
  for (const e of entries) {
    const m = markets.find((x) => x.slug === e.market || x.conditionId.toLowerCase() === e.market.toLowerCase());
    const cond = m?.conditionId ?? (/^0x[0-9a-fA-F]{64}$/.test(e.market) ? e.market.toLowerCase() : null);
    if (cond === null) throw new PolyError('not_found', `--rewards: market '${e.market}' is not a market of this run (use its slug or condition id)`);
    out.set(cond, { maxSpreadCents: e.maxSpreadCents, minSize: e.minSize, ratePerDay: e.ratePerDay, source: 'file' });
  }
  return out;
}

/**
 * Flags (strings, as typed; absent = not given) -> settings. Defaults come from THE table (defaults.ts);
 * precedence: a flag given > the --risk file's value (staleAfter) > the default.
 */
export async function engineSettings(flags: EngineFlags): Promise<EngineSettings> {
  // every flag given is read by its unit's one parser first (the table's declaration: ranges, words)
  for (const f of ENGINE_FLAGS) {
    const v = flags[f.key];
    if (f.unit !== null && v !== undefined) checkFlagValue(f.unit, f.flag, v);
  }
  const cashText = flags.cash ?? engineDefault('cash');
  const seedText = flags.seed ?? engineDefault('seed');
  const seed = parseCount(seedText, '--seed', 0, 999_999_999_999_999);
  const latencyText = flags.latency ?? engineDefault('latency');
  const queueText = flags.queue ?? engineDefault('queue');
  const feesText = flags.fees ?? engineDefault('fees');
  const feedLoss = flags.feedLoss ?? engineDefault('feedLoss');
  const printWindowText = flags.printWindow ?? engineDefault('printWindow');
  const equityText = flags.equityInterval ?? engineDefault('equityInterval');

  const queueEntry = queueModelNamed(queueText);
  if (queueEntry === undefined) throw new PolyError('usage', `--queue '${queueText}' is not a queue model: use ${queueModelNames(', ')}`);
  const queue = queueEntry.make();
  if (feesText !== 'polymarket' && feesText !== 'none') throw new PolyError('usage', `--fees '${feesText}' must be 'polymarket' (the market's schedule and the dated fee regimes) or 'none'`);
  if (feedLoss !== 'cancel' && feedLoss !== 'keep') throw new PolyError('usage', `--feed-loss '${feedLoss}' must be 'cancel' or 'keep'`);

  let risk: RiskLimits = { ...defaultRiskLimits, staleAfterNs: durationFrom(engineDefault('staleAfter'), '--stale-after') };
  let riskText = 'default';
  if (flags.risk !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(flags.risk, 'utf8'));
    } catch (err) {
      throw new PolyError('input', `--risk file '${flags.risk}' cannot be read as JSON (${(err as Error).message.split('\n')[0]})`);
    }
    const r = RiskLimitsSchema.safeParse(raw);
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw new PolyError('input', `--risk file '${flags.risk}': ${i.path.join('.') || '(root)'}: ${i.message}`);
    }
    risk = r.data;
    riskText = JSON.stringify(raw);
  }
  if (flags.staleAfter !== undefined) risk = { ...risk, staleAfterNs: durationFrom(flags.staleAfter, '--stale-after') };

  const takerDelayText = flags.takerDelay ?? engineDefault('takerDelay');
  const takerDelay =
    takerDelayText === 'auto' ? polymarketTakerDelay() : takerDelayText === 'off' ? noTakerDelay : constantTakerDelay(durationFrom(takerDelayText, '--taker-delay'));
  const printWindowNs = durationFrom(printWindowText, '--print-window');
  const equityIntervalNs = durationFrom(equityText, '--equity-interval');
  if (equityIntervalNs <= 0n) throw new PolyError('usage', `--equity-interval must be positive`);

  const rewards = flags.rewards === undefined ? null : await readRewardsFile(flags.rewards);
  const fill: Omit<FillEngineConfig, 'rng'> = {
    latency: latencyFrom(latencyText, flags.cancelLatency),
    queue,
    fees: feesText === 'none' ? noFees : polymarketFees(),
    feedLoss,
    printWindowNs,
    takerDelay,
  };
  return {
    initialCash: parseDollars(cashText, '--cash'),
    seed,
    fill,
    risk,
    equityIntervalNs,
    rewards: rewards?.entries ?? [],
    described: {
      cash: cashText,
      seed: seedText,
      latency: latencyText,
      cancel_latency: flags.cancelLatency ?? latencyText,
      queue: queueText,
      fees: feesText,
      taker_delay: takerDelayText,
      feed_loss: feedLoss,
      print_window: printWindowText,
      risk: riskText,
      stale_after: `${risk.staleAfterNs}ns`,
      equity_interval: equityText,
      ...(rewards !== null ? { rewards: rewards.text } : {}),
    },
  };
}

export function kernelConfig(settings: EngineSettings, rest: Pick<KernelConfig, 'strategy' | 'params' | 'markets' | 'logSink' | 'keepEventLog'>): KernelConfig {
  return {
    ...rest,
    initialCash: settings.initialCash,
    seed: settings.seed,
    risk: settings.risk,
    fill: settings.fill,
    equityIntervalNs: settings.equityIntervalNs,
    ...(settings.rewards.length > 0 ? { rewards: resolveRewards(settings.rewards, rest.markets) } : {}),
  };
}
