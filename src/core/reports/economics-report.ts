/**
 * summary.json "economics": the EconomicsTracker's state (src/core/economics) printed with exact formatting,
 * kept apart from pnl (nothing here is added to P&L). Key order is fixed; rows keep the tracker's order
 * (first appearance). Money from decimal arithmetic prints rounded half-even at 1e-10 and trimmed (avg), shares
 * and ratios with 6 fixed decimals (ratio), counts as numbers.
 */
import { brierScore, REBATE_ASSUMPTIONS, REWARDS_ASSUMPTIONS, settlementLines, type EconomicsState } from '../economics/index.ts';
import { isoFromNs } from '../time.ts';
import { cashToDecimal, D, formatQty, type Cash } from '../types/fixed.ts';
import type { MarketMeta } from '../types/market.ts';
import type { OrderFilled } from '../types/orders.ts';
import { avg, money, ratio, seconds } from './format.ts';

const dec = (d: D | null): string | null => (d === null ? null : avg(d));

export const EMPTY_ECONOMICS: EconomicsState = {
  rebates: [],
  rewards: [],
  rewardTerms: new Map(),
  resolved: [],
  heldAtResolution: [],
  locked: { days: [], average: null, peak: 0n, dollarDays: new D(0) },
};

export function economicsSummary(e: EconomicsState, fills: readonly OrderFilled[], markets: readonly MarketMeta[], pnlTotal: Cash): Record<string, unknown> {
  const byCond = new Map(markets.map((m) => [m.conditionId, m]));
  const outcomeOf = new Map<string, string>();
  for (const m of markets) for (const t of m.tokens) outcomeOf.set(t.tokenId, t.outcome);
  const slug = (c: string): string | null => byCond.get(c)?.slug ?? null;

  let rebPaid = new D(0);
  let rebEst = new D(0);
  let rebPerFill = 0n;
  const rebRows = e.rebates.map((r) => {
    rebPaid = rebPaid.add(r.paid);
    rebEst = rebEst.add(r.estimate);
    rebPerFill += r.perFillEstimate;
    return {
      market: r.market,
      slug: slug(r.market),
      day: r.day,
      prints: r.prints,
      print_shares: formatQty(r.printShares),
      print_fee_equivalent: dec(r.printsFeeEquivalent),
      taker_fees: dec(r.takerFees),
      rebate_rate: r.rebateRate === null ? null : r.rebateRate.toFixed(),
      pool: dec(r.pool),
      our_maker_fills: r.ourMakerFills,
      our_fee_equivalent: dec(r.ourFeeEquivalent),
      share: ratio(r.share),
      estimate: dec(r.estimate),
      paid: dec(r.paid),
      per_fill_estimate: money(r.perFillEstimate),
    };
  });

  const termsRows = [...e.rewardTerms].map(([c, t]) => ({
    market: c,
    slug: slug(c),
    source: t.source,
    max_spread_cents: t.maxSpreadCents.toFixed(),
    min_size: formatQty(t.minSize),
    rate_per_day: t.ratePerDay === null ? null : t.ratePerDay.toFixed(),
  }));
  let rwEst: D | null = null;
  let rwPaid: D | null = null;
  const rwRows = e.rewards.map((r) => {
    if (r.estimate !== null) rwEst = (rwEst ?? new D(0)).add(r.estimate);
    if (r.paid !== null) rwPaid = (rwPaid ?? new D(0)).add(r.paid);
    return {
      market: r.market,
      slug: slug(r.market),
      day: r.day,
      samples: r.samples,
      samples_without_midpoint: r.samplesWithoutMid,
      samples_scored: r.samplesScored,
      share_sum: ratio(r.shareSum),
      mean_share: ratio(r.meanShare),
      rate_per_day: r.terms.ratePerDay === null ? null : r.terms.ratePerDay.toFixed(),
      estimate: dec(r.estimate),
      paid: dec(r.paid),
    };
  });
  const rwStatus =
    termsRows.length === 0
      ? 'no market of this run has a liquidity-reward program in its metadata; pass --rewards FILE to estimate one'
      : rwRows.some((r) => r.rate_per_day === null)
        ? 'a daily rate is unknown for some market: shares are estimated, dollars only where the rate is known'
        : null;

  const brier = brierScore(fills, e.resolved);
  const lines = settlementLines(e.heldAtResolution);
  let sumSettle = 0n;
  let sumMtm = 0n;
  for (const l of lines) {
    sumSettle += l.settlementPnl;
    sumMtm += l.markToMarketPnl;
  }
  const winnerOf = (payouts: ReadonlyMap<string, number>): string | null => {
    for (const [a, p] of payouts) if (p === 10_000) return a;
    return null;
  };

  const lk = e.locked;
  return {
    note: 'estimates from the recorded tape, kept apart from pnl: nothing below is added to pnl or equity',
    maker_rebates: {
      method: 'per market and UTC day: our maker fee-equivalent / (recorded prints\' fee-equivalent + ours) x rebate rate x the prints\' taker fees, floored to $0.000001; nothing under $1. fee-equivalent = C x rate x (p(1-p))^exponent',
      assumptions: REBATE_ASSUMPTIONS,
      total_paid: dec(rebPaid),
      total_estimate: dec(rebEst),
      total_per_fill_estimate: money(rebPerFill),
      by_market_day: rebRows,
    },
    liquidity_rewards: {
      method: 'each UTC minute: Q_min of our resting orders / (upper bound of all displayed liquidity\'s Q_min + ours) with S = ((v - s) / v)^2 x size, c = 3; reward = sum of shares x rate_per_day / 1440',
      assumptions: REWARDS_ASSUMPTIONS,
      status: rwStatus,
      markets: termsRows,
      total_paid: dec(rwPaid),
      total_estimate: dec(rwEst),
      by_market_day: rwRows,
    },
    resolution: {
      markets: e.resolved.map((r) => {
        const w = winnerOf(r.payouts);
        return { market: r.market, slug: slug(r.market), resolved_at: isoFromNs(r.tsNs), winner: w, winner_outcome: w === null ? null : (outcomeOf.get(w) ?? null) };
      }),
      brier: {
        definition: 'share-weighted mean of (fill price - outcome)^2 over our fills in markets that resolved during the run (outcome 1 won, 0 lost); 0 is perfect, 0.25 is always 0.50',
        fills: brier.fills,
        shares: avg(brier.shares),
        score: ratio(brier.brier),
      },
      calibration: brier.calibration.map((b) => ({ from: b.from, to: b.to, fills: b.fills, shares: avg(b.shares), mean_price: ratio(b.meanPrice), win_rate: ratio(b.winRate) })),
      settlement_vs_mark: lines.map((l) => ({
        market: l.held.market,
        asset_id: l.held.assetId,
        outcome: outcomeOf.get(l.held.assetId) ?? null,
        resolved_at: isoFromNs(l.held.tsNs),
        qty: formatQty(l.held.qty),
        cost_basis: money(l.held.costBasis),
        mark: dec(l.held.mark),
        value_at_mark: money(l.held.markValue),
        payout: money(l.payout),
        settlement_pnl: money(l.settlementPnl),
        mark_to_market_pnl: money(l.markToMarketPnl),
        resolution_jump: money(l.jump),
      })),
      settlement_pnl: money(sumSettle),
      mark_to_market_pnl: money(sumMtm),
      resolution_jump: money(sumSettle - sumMtm),
    },
    capital: {
      definition: 'locked = cost basis of held positions (a step function of fills, merges and settlements); averages are time-weighted over the part of each UTC day the run covers; return_on_locked = pnl.total / average locked',
      average_locked: dec(lk.average),
      peak_locked: money(lk.peak),
      dollar_days: dec(lk.dollarDays),
      return_on_locked: ratio(lk.average === null || lk.average.isZero() ? null : cashToDecimal(pnlTotal).div(lk.average)),
      by_day: lk.days.map((d) => ({ day: d.day, covered_s: seconds(d.coveredNs), average_locked: dec(d.average), peak_locked: money(d.peak) })),
    },
  };
}
