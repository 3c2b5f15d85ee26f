/**
 * Prediction-market economics of a run, estimated from the tape and kept apart from trading P&L: maker rebates
 * as the venue pays them (rebates.ts), liquidity rewards (rewards.ts), resolution metrics and locked capital
 * (resolution.ts). Nothing here changes the portfolio or P&L; summary.json prints the result under
 * "economics" (src/core/reports/economics-report.ts).
 *
 * EconomicsTracker is fed by the TradingKernel (the kernel's only economics edits are these calls):
 * - onMarketEvent(ev, t) for every market event after the books applied it: trade prints feed the rebate
 *   pool; market metadata with a reward program supplies reward terms (a --rewards file wins; a file entry
 *   without a daily rate takes the metadata's).
 * - beforeSettle(ev, ...) on market_resolved, before the portfolio settles: the held positions and their last
 *   marks, for settlement vs mark-to-market.
 * - onFill(f) for our fills (maker fills join the rebate estimate); onLocked(t, cost) after every fill, merge
 *   or settlement with the cost basis of all held positions.
 * - sampleRewards(t, openOrders, books) at every UTC minute boundary while any market has reward terms (the
 *   kernel runs a minute timer only then, so runs without rewards schedule nothing extra).
 * Ordering: calls come in the bus's order; the tracker keeps no clock of its own.
 * Memory: per (market, UTC day) accumulators, one entry per resolved market and held token; nothing per event.
 */
import type { BookReader } from '../book/reader.ts';
import type { FeeModel } from '../matching/fees.ts';
import { markValue, type PositionView } from '../portfolio/portfolio.ts';
import type { MarketResolved } from '../types/events.ts';
import { D, parseQty, PX_ONE, type Cash, type Px, type Qty } from '../types/fixed.ts';
import type { MarketMeta } from '../types/market.ts';
import type { OrderFilled } from '../types/orders.ts';
import { RebateEstimator, type RebateDay } from './rebates.ts';
import { LockedCapital, type HeldAtResolution, type LockedStat, type ResolvedMarket } from './resolution.ts';
import { REWARDS_MIN_REST_NS, REWARDS_SAMPLE_NS, RewardsEstimator, rewardsSample, type OurOrder, type RewardsDay, type RewardsTerms } from './rewards.ts';

export * from './daily.ts';
export * from './rebates.ts';
export * from './rewards.ts';
export * from './resolution.ts';

export interface EconomicsOptions {
  readonly fees: FeeModel;
  /** Market by token id or condition id. */
  readonly market: (id: string) => MarketMeta | undefined;
  /** Reward terms by condition id (from --rewards FILE); they win over metadata. */
  readonly rewards?: ReadonlyMap<string, RewardsTerms>;
}

/** What the tracker hands the reports. */
export interface EconomicsState {
  readonly rebates: readonly RebateDay[];
  readonly rewards: readonly RewardsDay[];
  /** Markets with reward terms (condition id -> terms) and where the terms came from. */
  readonly rewardTerms: ReadonlyMap<string, RewardsTerms>;
  readonly resolved: readonly ResolvedMarket[];
  readonly heldAtResolution: readonly HeldAtResolution[];
  readonly locked: LockedStat;
}

/** An open order as the rewards sample needs it (the paper exchange's OpenOrderView satisfies it). */
export interface OpenOrderForRewards {
  readonly assetId: string;
  readonly side: 'BUY' | 'SELL';
  readonly px: Px;
  readonly leavesQty: Qty;
  readonly state: string;
  readonly arrivalNs: bigint;
}

/** RewardsTerms from published metadata; null when unusable. */
export function rewardsTermsFromMeta(meta: MarketMeta): RewardsTerms | null {
  const r = meta.rewards;
  if (r === undefined) return null;
  const minSize = parseQty(r.minSize);
  if (minSize === null) return null;
  return { maxSpreadCents: new D(r.maxSpread), minSize, ratePerDay: r.ratePerDay === null ? null : new D(r.ratePerDay), source: 'metadata' };
}

export class EconomicsTracker {
  private readonly rebates = new RebateEstimator();
  private readonly rewardsEst = new RewardsEstimator();
  private readonly locked = new LockedCapital();
  private readonly resolved: ResolvedMarket[] = [];
  private readonly held: HeldAtResolution[] = [];
  private readonly terms = new Map<string, RewardsTerms>();
  private readonly fromFile: ReadonlyMap<string, RewardsTerms>;

  constructor(private readonly opts: EconomicsOptions) {
    this.fromFile = opts.rewards ?? new Map();
    for (const [k, v] of this.fromFile) this.terms.set(k, v);
  }

  /** Does any market have reward terms (the kernel runs the minute sampler only then)? */
  hasRewards(): boolean {
    return this.terms.size > 0;
  }

  /** Adds metadata reward terms of a market (a file entry wins; it takes a missing rate from here). */
  addMarket(meta: MarketMeta): void {
    const t = rewardsTermsFromMeta(meta);
    if (t === null) return;
    const f = this.fromFile.get(meta.conditionId);
    if (f === undefined) this.terms.set(meta.conditionId, t);
    else if (f.ratePerDay === null && t.ratePerDay !== null) this.terms.set(meta.conditionId, { ...f, ratePerDay: t.ratePerDay, source: `${f.source} + metadata rate` });
  }

  start(tsNs: bigint): void {
    this.locked.start(tsNs);
  }

  onMarketEvent(ev: import('../types/events.ts').MarketEvent, tsNs: bigint): void {
    if (ev.type === 'trade') {
      const meta = this.opts.market(ev.assetId);
      if (meta !== undefined) this.rebates.onPrint(meta.conditionId, tsNs, this.opts.fees.terms(meta, tsNs), ev.px, ev.qty);
    } else if (ev.type === 'market_meta') {
      this.addMarket(ev.meta);
    }
  }

  onFill(f: OrderFilled): void {
    if (f.liquidity !== 'maker') return;
    const meta = this.opts.market(f.assetId);
    if (meta === undefined) return;
    this.rebates.onMakerFill(meta.conditionId, f.tsNs, this.opts.fees.terms(meta, f.tsNs), f.px, f.qty, f.rebateCash);
  }

  onLocked(tsNs: bigint, costBasis: Cash): void {
    this.locked.set(tsNs, costBasis);
  }

  /** Before the portfolio settles `ev`: held positions of the market and their marks. */
  beforeSettle(ev: MarketResolved, tsNs: bigint, positions: readonly PositionView[], markOf: (assetId: string) => D | null): void {
    const payouts = new Map<string, Px>();
    for (const id of ev.assetIds) payouts.set(id, id === ev.winningAssetId ? PX_ONE : 0);
    payouts.set(ev.winningAssetId, PX_ONE);
    if (this.resolved.some((r) => r.market === ev.market)) return;
    this.resolved.push({ market: ev.market, tsNs, payouts });
    for (const p of positions) {
      if (p.qty === 0 || !(payouts.has(p.assetId) || p.market === ev.market)) continue;
      const mark = markOf(p.assetId);
      this.held.push({
        market: ev.market, assetId: p.assetId, tsNs, qty: p.qty, costBasis: p.costBasis, mark,
        markValue: mark === null ? p.costBasis : markValue(mark, p.qty), payoutPx: payouts.get(p.assetId) ?? 0,
      });
    }
  }

  /** One reward sample of every market with terms (call at minute boundaries). */
  sampleRewards(tsNs: bigint, openOrders: readonly OpenOrderForRewards[], bookOf: (assetId: string) => BookReader | undefined): void {
    for (const [cond, terms] of this.terms) {
      const meta = this.opts.market(cond);
      const first = meta?.tokens[0]?.tokenId;
      const second = meta?.tokens[1]?.tokenId;
      if (meta === undefined || first === undefined) continue;
      const view = bookOf(first);
      if (view === undefined || !view.valid) continue;
      const ours: OurOrder[] = [];
      for (const o of openOrders) {
        if (o.state !== 'resting' || o.arrivalNs > tsNs - REWARDS_MIN_REST_NS) continue;
        const idx = o.assetId === first ? 0 : o.assetId === second ? 1 : -1;
        if (idx === -1) continue;
        ours.push({ tokenIndex: idx, side: o.side, px: o.px, leavesQty: o.leavesQty });
      }
      this.rewardsEst.add(cond, tsNs, terms, rewardsSample(terms, (side) => view.levels(side), ours));
    }
  }

  /** The first minute boundary strictly after tsNs (the sampler's schedule). */
  static nextSampleNs(tsNs: bigint): bigint {
    return (tsNs / REWARDS_SAMPLE_NS + 1n) * REWARDS_SAMPLE_NS;
  }

  result(endNs: bigint): EconomicsState {
    return {
      rebates: this.rebates.result(),
      rewards: this.rewardsEst.result(),
      rewardTerms: new Map(this.terms),
      resolved: [...this.resolved],
      heldAtResolution: [...this.held],
      locked: this.locked.finish(endNs),
    };
  }
}
