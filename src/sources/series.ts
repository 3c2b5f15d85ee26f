/**
 * Rolling up/down series (`btc-updown-15m`, `eth-updown-5m`, …): which round markets to hold now,
 * and a follower that keeps the market WS subscribed to exactly those.
 *
 * Slug pattern: `{asset}-updown-{5m|15m}-{unix_start}`; unix_start (seconds) is a multiple of the
 * period (rounds tile UTC time), e.g. btc-updown-15m-1765450800 = 2025-12-11 11:00:00-11:15:00 UTC.
 *
 * Planner rule (pure, `seriesRounds`): a round [start, end) is held while
 *     start - leadMs <= now < end + graceMs
 * i.e. it is subscribed leadMs (default 60 s) BEFORE it opens, so its first book is on hand at the
 * open, and dropped graceMs (default 60 s) after it ends, so resolution messages are still caught.
 * With lead/grace below one period that is the current round, plus the next one in the last
 * leadMs of the current round, plus the previous one in the first graceMs of the current round.
 * Rounds are returned in start order. Boundaries: at now = start - leadMs the round is held; at
 * now = end + graceMs it is not.
 *
 * Follower: every tickMs it re-plans; new rounds are resolved by slug via Gamma (a round not
 * listed yet is retried every retryMs), their tokens subscribed; rounds that left the plan are
 * unsubscribed. The follower never throws: resolution failures are logged and retried.
 */
import type { MarketMeta } from '../core/types/market.ts';

export const SERIES_ASSETS = ['btc', 'eth', 'sol', 'xrp'] as const;
export type SeriesAsset = (typeof SERIES_ASSETS)[number];
export const SERIES_PERIODS = { '5m': 300_000, '15m': 900_000 } as const;
export type SeriesPeriod = keyof typeof SERIES_PERIODS;

export interface SeriesSpec {
  readonly name: string;
  readonly asset: SeriesAsset;
  readonly period: SeriesPeriod;
  readonly periodMs: number;
}

export interface SeriesRound {
  readonly slug: string;
  readonly startMs: number;
  readonly endMs: number;
}

export interface SeriesPlanOptions {
  readonly leadMs?: number;
  readonly graceMs?: number;
}

const SERIES_RE = /^(btc|eth|sol|xrp)-updown-(5m|15m)$/;

/** 'btc-updown-15m' -> spec; null when not a known series name. */
export function parseSeries(text: string): SeriesSpec | null {
  const m = SERIES_RE.exec(text.trim().toLowerCase());
  if (m === null) return null;
  const asset = m[1] as SeriesAsset;
  const period = m[2] as SeriesPeriod;
  return { name: `${asset}-updown-${period}`, asset, period, periodMs: SERIES_PERIODS[period] };
}

export const roundSlug = (s: SeriesSpec, startMs: number): string => `${s.name}-${Math.floor(startMs / 1000)}`;

/** The rounds to hold at nowMs (see the header for the rule), in start order. */
export function seriesRounds(series: SeriesSpec, nowMs: number, opts: SeriesPlanOptions = {}): SeriesRound[] {
  const lead = opts.leadMs ?? 60_000;
  const grace = opts.graceMs ?? 60_000;
  const P = series.periodMs;
  if (!(lead >= 0 && grace >= 0 && Number.isFinite(nowMs))) throw new RangeError('seriesRounds: lead/grace must be >= 0 and now finite');
  // held  <=>  start <= now + lead  and  start > now - P - grace
  const kMax = Math.floor((nowMs + lead) / P);
  const kMin = Math.floor((nowMs - P - grace) / P) + 1;
  const out: SeriesRound[] = [];
  for (let k = kMin; k <= kMax; k++) {
    const startMs = k * P;
    out.push({ slug: roundSlug(series, startMs), startMs, endMs: startMs + P });
  }
  return out;
}

export interface SeriesFollowerOptions extends SeriesPlanOptions {
  readonly series: SeriesSpec;
  /** Resolve a round slug to its market; null when not listed (yet). May throw (network). */
  readonly resolve: (slug: string) => Promise<MarketMeta | null>;
  readonly subscribe: (tokenIds: readonly string[]) => void;
  readonly unsubscribe: (tokenIds: readonly string[]) => void;
  readonly onMarket?: (meta: MarketMeta, round: SeriesRound) => void;
  readonly onDrop?: (meta: MarketMeta, round: SeriesRound) => void;
  readonly onLog?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  readonly now: () => number;
  readonly tickMs?: number;
  readonly retryMs?: number;
}

interface Held {
  readonly round: SeriesRound;
  readonly meta: MarketMeta;
}

export class SeriesFollower {
  private readonly held = new Map<string, Held>();
  private readonly lastTry = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly o: SeriesFollowerOptions) {}

  /** Slugs currently subscribed, in start order. */
  get holding(): string[] {
    return [...this.held.values()].sort((a, b) => a.round.startMs - b.round.startMs).map((h) => h.round.slug);
  }

  /** Runs one tick now, then every tickMs. Resolves after the first tick. */
  async start(): Promise<void> {
    await this.tick();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.tick(), this.o.tickMs ?? 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.busy !== null) await this.busy;
  }

  /** One planning step (exposed for tests). Concurrent calls share the running step. */
  tick(): Promise<void> {
    if (this.busy !== null) return this.busy;
    this.busy = this.step().finally(() => {
      this.busy = null;
    });
    return this.busy;
  }

  private async step(): Promise<void> {
    const now = this.o.now();
    const plan = seriesRounds(this.o.series, now, this.o);
    const wanted = new Set(plan.map((r) => r.slug));
    for (const [slug, h] of [...this.held]) {
      if (wanted.has(slug)) continue;
      this.held.delete(slug);
      this.o.unsubscribe(h.meta.tokens.map((t) => t.tokenId));
      this.o.onDrop?.(h.meta, h.round);
      this.o.onLog?.('info', 'series round dropped', { slug });
    }
    for (const slug of [...this.lastTry.keys()]) if (!wanted.has(slug)) this.lastTry.delete(slug);
    const retry = this.o.retryMs ?? 5_000;
    for (const round of plan) {
      if (this.stopped) return;
      if (this.held.has(round.slug)) continue;
      const last = this.lastTry.get(round.slug);
      if (last !== undefined && now - last < retry) continue;
      this.lastTry.set(round.slug, now);
      let meta: MarketMeta | null;
      try {
        meta = await this.o.resolve(round.slug);
      } catch (err) {
        this.o.onLog?.('warn', 'series round lookup failed; will retry', { slug: round.slug, error: err instanceof Error ? err.message : String(err) });
        continue;
      }
      if (meta === null || meta.tokens.length === 0) {
        this.o.onLog?.('info', 'series round not listed yet; will retry', { slug: round.slug });
        continue;
      }
      if (this.stopped) return;
      // the plan may have moved on while we waited for Gamma
      if (!seriesRounds(this.o.series, this.o.now(), this.o).some((r) => r.slug === round.slug)) continue;
      this.held.set(round.slug, { round, meta });
      this.lastTry.delete(round.slug);
      this.o.subscribe(meta.tokens.map((t) => t.tokenId));
      this.o.onMarket?.(meta, round);
      this.o.onLog?.('info', 'series round subscribed', { slug: round.slug, tokens: meta.tokens.length });
    }
  }
}
