/**
 * Liquidity rewards, estimated from the recorded book and our resting paper orders (PROTOCOL.md §6.3,
 * [PM-rewards] docs.polymarket.com/market-makers/liquidity-rewards).
 *
 * The venue's rule: every minute it samples each maker's resting orders. An order of at least `min_size`
 * shares whose distance s (cents) from the size-cutoff-adjusted midpoint is below the market's max spread v
 * (cents) scores S = ((v - s) / v)^2 x b x size (b, the in-game multiplier, is 1 here). Side one Q1 sums the
 * scores of bids on the first token (YES / Up) and asks on its complement; side two Q2 asks on the first token
 * and bids on the complement. Q_min = max(min(Q1, Q2), max(Q1, Q2) / c), c = 3.0, when the midpoint is in
 * [0.10, 0.90] (one-sided quoting earns a third), otherwise min(Q1, Q2). A maker's sample share is its Q_min
 * over all makers' Q_min; the day's pool (`rate_per_day`) is split by the shares summed over the day's samples.
 *
 * This estimate (per market and UTC day)
 * - Samples at every UTC minute boundary of the run (the venue samples at a random moment in each minute).
 * - Adjusted midpoint: the mean of the best bid level and the best ask level of the recorded book whose
 *   displayed size is at least min_size (levels smaller than the cutoff cannot hold a qualifying order). Our
 *   paper orders never move the midpoint. No such level on either side: the sample scores nothing.
 * - Ours: paper orders resting (arrived at the venue) for at least REWARDS_MIN_REST_NS (3.5 s) at the sample,
 *   with at least min_size shares left, scored on their own token's midpoint (the complement's is 1 - mid).
 * - Everyone else: every displayed level of the first token's book (the unified book already shows the
 *   complement's orders mirrored, so nothing is counted twice) scores as if it were one order: a level made
 *   of orders below min_size is overcounted, and resting time is not checked. Both can only overstate the
 *   others. The book shows aggregated levels, not makers, so their total Q_min is bounded from above over every
 *   way the levels could be split among makers: for each maker max(min(a, b), max(a, b) / 3) <= (a + b +
 *   min(a, b)) / 3, and the sum of min(a_i, b_i) is at most min(Q1, Q2), so the others' total is at most
 *   (Q1 + Q2 + min(Q1, Q2)) / 3 (reached by balanced makers plus one-sided ones); with the midpoint outside
 *   [0.10, 0.90] it is at most min(Q1, Q2). That upper bound is used: our share can only be understated.
 * - Our paper orders are added to the total (they were not in the recorded book): share = ours / (others + ours).
 * - Reward = sum over the day's samples of share x rate_per_day / 1440 (a day has 1440 samples; a minute
 *   nobody scores in would raise everyone's share, which we do not assume), floored to $0.000001; nothing under
 *   $1 per market-day is paid (the venue's $1 minimum; applied per market-day it cannot pay more).
 * Exact arithmetic: scores are kept as (v - s)^2 x size in ticks^2 x shares (v^2 cancels in every ratio) and
 * Q_min as 3 x Q_min, so the only rounding is the division for a share (60 significant digits) and the final
 * floor.
 */
import { D, PX_ONE, qtyToDecimal, type Px, type Qty } from '../types/fixed.ts';
import type { BookSide, Level } from '../types/events.ts';
import { dayLabel, floorPayout, MarketDays, paidOf } from './daily.ts';

export const REWARDS_MIN_REST_NS = 3_500_000_000n;
export const REWARDS_SAMPLE_NS = 60_000_000_000n;
export const REWARDS_SAMPLES_PER_DAY = 1440;
export const REWARDS_ONE_SIDED_C = 3;
/** The midpoint range in which one-sided liquidity scores (ticks). */
export const REWARDS_MID_LO: Px = 1000;
export const REWARDS_MID_HI: Px = 9000;

export const REWARDS_ASSUMPTIONS: readonly string[] = [
  'sampled at every UTC minute boundary of the run (the venue samples at a random moment of each minute)',
  'adjusted midpoint = mean of the best bid and best ask levels of the recorded book with at least min_size shares; our paper orders never move it',
  'our orders count after resting 3.5 s with at least min_size shares left; the in-game multiplier b is 1',
  "every displayed level counts as one qualifying order (overstates others: small orders in a level, resting time unchecked)",
  "others' total Q_min is the upper bound over every split of the levels among makers: (Q1 + Q2 + min(Q1, Q2)) / 3, or min(Q1, Q2) outside [0.10, 0.90]",
  'our paper orders are added to the total; share = ours / (others + ours)',
  'reward = sum of sample shares x rate_per_day / 1440, floored to $0.000001; nothing under $1 per market and UTC day',
];

/** A market's reward program. */
export interface RewardsTerms {
  /** v: max distance from the adjusted midpoint, in cents (e.g. 3.5). */
  readonly maxSpreadCents: D;
  /** Orders below this many shares do not score. */
  readonly minSize: Qty;
  /** The market's daily pool in dollars; null when unknown (shares are still estimated). */
  readonly ratePerDay: D | null;
  /** Where the terms came from ('file', 'gamma', 'clob'). */
  readonly source: string;
}

/** The size-cutoff-adjusted midpoint in ticks (may be a half tick), or null. */
export function adjustedMid(bids: Iterable<Level>, asks: Iterable<Level>, minSize: Qty): D | null {
  let bid: Px | null = null;
  for (const l of bids) {
    if (l.qty >= minSize) {
      bid = l.px;
      break;
    }
  }
  let ask: Px | null = null;
  for (const l of asks) {
    if (l.qty >= minSize) {
      ask = l.px;
      break;
    }
  }
  return bid === null || ask === null ? null : new D(bid + ask).div(2);
}

/** v in ticks (1 cent = 100 ticks of 1e-4). */
export const maxSpreadTicks = (t: RewardsTerms): D => t.maxSpreadCents.mul(100);

/**
 * One order's score in units of ticks^2 x shares: (v - s)^2 x size when size >= minSize and s < v, else 0
 * (divide by v^2 for the venue's S x size).
 */
export function scaledScore(px: Px, qty: Qty, midTicks: D, vTicks: D, minSize: Qty): D {
  if (qty < minSize || qty <= 0) return new D(0);
  const s = midTicks.sub(px).abs();
  if (s.gte(vTicks)) return new D(0);
  return vTicks.sub(s).pow(2).mul(qtyToDecimal(qty));
}

const midInRange = (midTicks: D): boolean => midTicks.gte(REWARDS_MID_LO) && midTicks.lte(REWARDS_MID_HI);

/** 3 x Q_min of one maker with side scores q1, q2. */
export function qMin3(q1: D, q2: D, midTicks: D): D {
  const lo = D.min(q1, q2);
  if (!midInRange(midTicks)) return lo.mul(3);
  return D.max(lo.mul(3), D.max(q1, q2).mul(3).div(REWARDS_ONE_SIDED_C));
}

/** 3 x the upper bound of all other makers' total Q_min from the book's side totals (see header). */
export function othersQMin3(q1: D, q2: D, midTicks: D): D {
  const lo = D.min(q1, q2);
  if (!midInRange(midTicks)) return lo.mul(3);
  return q1.add(q2).add(lo);
}

/** Side scores (Q1 = bids, Q2 = asks) of the displayed levels of the first token's book. */
export function bookSideScores(levels: (side: BookSide) => Iterable<Level>, midTicks: D, vTicks: D, minSize: Qty): { q1: D; q2: D } {
  let q1 = new D(0);
  let q2 = new D(0);
  for (const l of levels('bid')) q1 = q1.add(scaledScore(l.px, l.qty, midTicks, vTicks, minSize));
  for (const l of levels('ask')) q2 = q2.add(scaledScore(l.px, l.qty, midTicks, vTicks, minSize));
  return { q1, q2 };
}

export interface OurOrder {
  /** Index of the order's token in the market (0 = first token / YES, 1 = complement). */
  readonly tokenIndex: 0 | 1;
  readonly side: 'BUY' | 'SELL';
  readonly px: Px;
  readonly leavesQty: Qty;
}

/** Our side scores: bids on token 0 and asks on token 1 are side one; the rest side two. */
export function ourSideScores(orders: readonly OurOrder[], midTicks: D, vTicks: D, minSize: Qty): { q1: D; q2: D } {
  let q1 = new D(0);
  let q2 = new D(0);
  const midNo = new D(PX_ONE).sub(midTicks);
  for (const o of orders) {
    const mid = o.tokenIndex === 0 ? midTicks : midNo;
    const sc = scaledScore(o.px, o.leavesQty, mid, vTicks, minSize);
    const one = (o.tokenIndex === 0) === (o.side === 'BUY');
    if (one) q1 = q1.add(sc);
    else q2 = q2.add(sc);
  }
  return { q1, q2 };
}

export interface RewardsSample {
  /** Adjusted midpoint in ticks, null when the book has no qualifying level on a side. */
  readonly midTicks: D | null;
  readonly ours3: D;
  readonly others3: D;
  /** ours / (others + ours); 0 when we score nothing, null without a midpoint or any score. */
  readonly share: D | null;
}

/** One sample of one market (pure). */
export function rewardsSample(
  terms: RewardsTerms,
  levels: (side: BookSide) => Iterable<Level>,
  ours: readonly OurOrder[],
): RewardsSample {
  const mid = adjustedMid(levels('bid'), levels('ask'), terms.minSize);
  if (mid === null) return { midTicks: null, ours3: new D(0), others3: new D(0), share: null };
  const v = maxSpreadTicks(terms);
  const b = bookSideScores(levels, mid, v, terms.minSize);
  const o = ourSideScores(ours, mid, v, terms.minSize);
  const ours3 = qMin3(o.q1, o.q2, mid);
  const others3 = othersQMin3(b.q1, b.q2, mid);
  const total = ours3.add(others3);
  return { midTicks: mid, ours3, others3, share: total.isZero() ? null : ours3.div(total) };
}

interface DayAcc {
  readonly market: string;
  readonly day: number;
  /** Terms of the latest sample (set by every add). */
  terms: RewardsTerms | null;
  samples: number;
  noMid: number;
  scored: number;
  shareSum: D;
}

export interface RewardsDay {
  readonly market: string;
  readonly day: string;
  readonly terms: RewardsTerms;
  /** Minute samples taken. */
  readonly samples: number;
  /** Samples without an adjusted midpoint (nothing could score). */
  readonly samplesWithoutMid: number;
  /** Samples in which our orders scored. */
  readonly samplesScored: number;
  /** Sum of our sample shares (Q_epoch over the run's part of the day). */
  readonly shareSum: D;
  /** shareSum / samples; null without samples. */
  readonly meanShare: D | null;
  /** shareSum x rate / 1440, floored to 1e-6 $; null when the rate is unknown. */
  readonly estimate: D | null;
  /** estimate if >= $1, else 0; null when the rate is unknown. */
  readonly paid: D | null;
}

/** Accumulates samples per market and UTC day. */
export class RewardsEstimator {
  private readonly days = new MarketDays<DayAcc>((market, day) => ({ market, day, terms: null, samples: 0, noMid: 0, scored: 0, shareSum: new D(0) }));

  add(market: string, tsNs: bigint, terms: RewardsTerms, s: RewardsSample): void {
    const a = this.days.at(market, tsNs);
    a.terms = terms;
    a.samples += 1;
    if (s.midTicks === null) a.noMid += 1;
    if (s.share !== null && !s.share.isZero()) {
      a.scored += 1;
      a.shareSum = a.shareSum.add(s.share);
    }
  }

  result(): RewardsDay[] {
    return this.days.values().map((a) => {
      const terms = a.terms!;
      const rate = terms.ratePerDay;
      const estimate = rate === null ? null : floorPayout(a.shareSum.mul(rate).div(REWARDS_SAMPLES_PER_DAY));
      return {
        market: a.market,
        day: dayLabel(a.day),
        terms,
        samples: a.samples,
        samplesWithoutMid: a.noMid,
        samplesScored: a.scored,
        shareSum: a.shareSum,
        meanShare: a.samples === 0 ? null : a.shareSum.div(a.samples),
        estimate,
        paid: estimate === null ? null : paidOf(estimate),
      };
    });
  }
}
