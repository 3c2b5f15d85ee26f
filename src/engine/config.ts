/**
 * Engine settings shared by `poly replay` and `poly live --paper`: the paper exchange's models, risk
 * limits, starting cash, seed and equity sampling. Parsed from CLI flags (strings) at the boundary,
 * with one-line errors; `describeSettings` gives the exact strings stored in run.json, so a run is
 * reproducible from its run.json alone.
 */
import { readFile } from 'node:fs/promises';
import { CliError } from '../cli/errors.ts';
import type { KernelConfig } from '../core/kernel/trading-kernel.ts';
import {
  conservativeQueue, constantLatency, constantTakerDelay, logProbability, noFees, noTakerDelay, polymarketFees, polymarketTakerDelay, powerProbability,
  probabilisticQueue, uniformLatency, type FillEngineConfig,
} from '../core/matching/index.ts';
import { RiskLimitsSchema, defaultRiskLimits, type RiskLimits } from '../core/risk/risk.ts';
import { parseDurationNs } from '../core/strategy/params.ts';
import { CASH_DECIMALS, type Cash } from '../core/types/fixed.ts';

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
}

export interface EngineSettings {
  readonly initialCash: Cash;
  readonly seed: number;
  readonly fill: Omit<FillEngineConfig, 'rng'>;
  readonly risk: RiskLimits;
  readonly equityIntervalNs: bigint;
  /** Exact strings of every setting, for run.json. */
  readonly described: Record<string, string>;
}

function cashFrom(text: string, flag: string): Cash {
  const m = /^(\d+)(?:\.(\d{1,10}))?$/.exec(text.trim());
  if (m === null) throw new CliError(`${flag} '${text}' is not a dollar amount (e.g. 1000 or 250.50)`);
  return BigInt(m[1]! + (m[2] ?? '').padEnd(CASH_DECIMALS, '0'));
}

function durationFrom(text: string, flag: string): bigint {
  const v = parseDurationNs(text);
  if (v === null) throw new CliError(`${flag} '${text}' is not a duration (e.g. 0, 50ms, 2s)`);
  return v;
}

function takerDelayFrom(text: string): bigint {
  const v = parseDurationNs(text);
  if (v === null) throw new CliError(`--taker-delay '${text}' is not a duration, 'auto' or 'off' (e.g. auto, off, 250ms)`);
  return v;
}

/** "50ms" = constant; "20ms..80ms" = uniform between (seeded). */
function latencyFrom(entry: string, cancel: string | undefined) {
  const range = (t: string, flag: string) => {
    const [a, b] = t.split('..');
    if (b === undefined) return { minNs: durationFrom(a!, flag), maxNs: durationFrom(a!, flag) };
    const r = { minNs: durationFrom(a!, flag), maxNs: durationFrom(b, flag) };
    if (r.maxNs < r.minNs) throw new CliError(`${flag} '${t}': the upper bound is below the lower bound`);
    return r;
  };
  const e = range(entry, '--latency');
  const c = cancel === undefined ? e : range(cancel, '--cancel-latency');
  if (e.minNs === e.maxNs && c.minNs === c.maxNs) return constantLatency(e.minNs, c.minNs);
  return uniformLatency(e, c);
}

export async function engineSettings(flags: EngineFlags): Promise<EngineSettings> {
  const cashText = flags.cash ?? '1000';
  const seedText = flags.seed ?? '1';
  if (!/^\d{1,15}$/.test(seedText)) throw new CliError(`--seed '${seedText}' must be a non-negative integer`);
  const latencyText = flags.latency ?? '0';
  const queueText = flags.queue ?? 'conservative';
  const feesText = flags.fees ?? 'polymarket';
  const feedLoss = flags.feedLoss ?? 'cancel';
  const printWindowText = flags.printWindow ?? '500ms';
  const equityText = flags.equityInterval ?? '1m';

  const queue =
    queueText === 'conservative'
      ? conservativeQueue
      : queueText === 'probabilistic' || queueText === 'prob-power2'
        ? probabilisticQueue(powerProbability(2), 'power2')
        : queueText === 'prob-power3'
          ? probabilisticQueue(powerProbability(3), 'power3')
          : queueText === 'prob-log'
            ? probabilisticQueue(logProbability, 'log')
            : null;
  if (queue === null) throw new CliError(`--queue '${queueText}' is not a queue model: use conservative, probabilistic (= prob-power2), prob-power3 or prob-log`);
  if (feesText !== 'polymarket' && feesText !== 'none') throw new CliError(`--fees '${feesText}' must be 'polymarket' (the market's schedule and the dated fee regimes) or 'none'`);
  if (feedLoss !== 'cancel' && feedLoss !== 'keep') throw new CliError(`--feed-loss '${feedLoss}' must be 'cancel' or 'keep'`);

  let risk: RiskLimits = defaultRiskLimits;
  let riskText = 'default';
  if (flags.risk !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(flags.risk, 'utf8'));
    } catch (err) {
      throw new CliError(`--risk file '${flags.risk}' cannot be read as JSON (${(err as Error).message.split('\n')[0]})`);
    }
    const r = RiskLimitsSchema.safeParse(raw);
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw new CliError(`--risk file '${flags.risk}': ${i.path.join('.') || '(root)'}: ${i.message}`);
    }
    risk = r.data;
    riskText = JSON.stringify(raw);
  }
  if (flags.staleAfter !== undefined) risk = { ...risk, staleAfterNs: durationFrom(flags.staleAfter, '--stale-after') };

  const takerDelayText = flags.takerDelay ?? 'auto';
  const takerDelay =
    takerDelayText === 'auto' ? polymarketTakerDelay() : takerDelayText === 'off' ? noTakerDelay : constantTakerDelay(takerDelayFrom(takerDelayText));
  const printWindowNs = durationFrom(printWindowText, '--print-window');
  const equityIntervalNs = durationFrom(equityText, '--equity-interval');
  if (equityIntervalNs <= 0n) throw new CliError(`--equity-interval must be positive`);

  const fill: Omit<FillEngineConfig, 'rng'> = {
    latency: latencyFrom(latencyText, flags.cancelLatency),
    queue,
    fees: feesText === 'none' ? noFees : polymarketFees(),
    feedLoss,
    printWindowNs,
    takerDelay,
  };
  return {
    initialCash: cashFrom(cashText, '--cash'),
    seed: Number(seedText),
    fill,
    risk,
    equityIntervalNs,
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
  };
}
