/**
 * Maker rebates as the venue pays them, estimated from the tape (PROTOCOL.md §5 and §6.3, [PM-rebates]).
 *
 * The venue: per market and UTC day, rebate = (your fee-equivalent / all makers' fee-equivalent) x pool, where a
 * maker fill's fee-equivalent is C x rate x (p(1-p))^exponent at its price (the taker-fee formula) and the pool
 * is rebateRate x the taker fees collected in that market that day. A payout needs at least $1 accrued.
 * The paper fill engine instead credits each maker fill at once with fee-equivalent x rebateRate (the per-fill
 * estimate, fees.ts `makerRebate`, already inside P&L as `rebates`). This module estimates the as-paid figure
 * beside it; it never changes P&L.
 *
 * Estimate, per (market, UTC day) of the run:
 *   prints_fee_eq = sum over recorded trade prints of C x rate x (p(1-p))^e at the print's price and size
 *   taker_fees    = sum over the same prints of the taker fee they paid (the fee formula rounded to 5 dp, as
 *                   the fill engine charges: fees.ts feeDollars)
 *   ours_fee_eq   = sum over our maker fills of C x rate x (p(1-p))^e at our fill price and size
 *   pool          = rebateRate x taker_fees
 *   share         = ours_fee_eq / (prints_fee_eq + ours_fee_eq)
 *   estimate      = share x pool, floored to $0.000001 (pUSD's smallest unit)
 *   paid          = estimate when estimate >= $1, else 0
 * Terms (rate, exponent, rebateRate) are the run's fee model at the print's / fill's time (the same terms the
 * fill engine used), so a fee-free market or `--fees none` has no pool and no rebate.
 *
 * Assumptions, each chosen so the estimate cannot flatter (stated in summary.json too)
 * - The prints' fee-equivalent stands for every maker's fee-equivalent: every print had makers on its other
 *   side, at the print's price. (Makers filled at better prices than the print would change the total a little
 *   either way; the tape does not say.)
 * - Our paper maker fills are ADDED to the pool's denominator. Our fills were simulated against takers that the
 *   tape shows trading with other makers: had we been there we would have displaced some of them, so the true
 *   total would not grow by our fills. Adding them can only shrink our share; leaving them out could
 *   overstate it (a fill the tape does not show as a print would even give us more than 100% of nothing).
 * - The pool holds the recorded prints' taker fees only, never our own paper taker fees (adding those would
 *   grow the pool with money the venue never collected from anyone else).
 * - The $1 minimum is applied per market and day to the part of the day the run saw. The venue's minimum is
 *   on the accrued rebate and may carry over or sum across markets; applying it per market-day cannot pay more.
 * - A run covers part of a day: the estimate covers only the prints and fills the run saw.
 */
import { D, type Cash, type Px, type Qty } from '../types/fixed.ts';
import { feeDollars, rawFee, type FeeTerms } from '../matching/fees.ts';
import { dayLabel, floorPayout, MarketDays, paidOf } from './daily.ts';

export const REBATE_ASSUMPTIONS: readonly string[] = [
  "every recorded print had makers at its price: the prints' fee-equivalent stands for all makers' fee-equivalent",
  'our paper maker fills are added to the fee-equivalent total (we would have displaced other makers, not added volume): this can only shrink our share',
  "the pool is the rebate rate times the recorded prints' taker fees; our own paper taker fees are not added to it",
  'nothing under $1 per market and UTC day is paid (the venue minimum applies to accrued rebates; applying it per market-day cannot pay more)',
  'only the part of each day the run covers is counted',
];

interface DayAcc {
  readonly market: string;
  readonly day: number;
  prints: number;
  printShares: Qty;
  printsFeeEq: D;
  takerFees: D;
  ourFills: number;
  ourFeeEq: D;
  perFill: Cash;
  /** Rebate rate of the terms in force (the last seen; a schedule change inside a day is a known limit). */
  rebateRate: D | null;
}

export interface RebateDay {
  readonly market: string;
  /** YYYY-MM-DD (UTC). */
  readonly day: string;
  readonly prints: number;
  readonly printShares: Qty;
  readonly printsFeeEquivalent: D;
  readonly takerFees: D;
  readonly rebateRate: D | null;
  readonly pool: D;
  readonly ourMakerFills: number;
  readonly ourFeeEquivalent: D;
  /** ours / (prints + ours); null when both are 0. */
  readonly share: D | null;
  /** share x pool, floored at 1e-6 $. */
  readonly estimate: D;
  /** estimate if >= $1, else 0. */
  readonly paid: D;
  /** Sum of the per-fill rebates the fill engine credited (in P&L). */
  readonly perFillEstimate: Cash;
}

/** Accumulates prints and our maker fills per market and UTC day; see header. */
export class RebateEstimator {
  private readonly days = new MarketDays<DayAcc>((market, day) => ({
    market, day, prints: 0, printShares: 0, printsFeeEq: new D(0), takerFees: new D(0), ourFills: 0, ourFeeEq: new D(0), perFill: 0n, rebateRate: null,
  }));

  private acc(market: string, tsNs: bigint): DayAcc {
    return this.days.at(market, tsNs);
  }

  /** A recorded trade print of `market` (terms = the fee model's terms then; null = fee-free). */
  onPrint(market: string, tsNs: bigint, terms: FeeTerms | null, px: Px, qty: Qty): void {
    if (qty <= 0) return;
    const a = this.acc(market, tsNs);
    a.prints += 1;
    a.printShares += qty;
    if (terms === null) return;
    a.printsFeeEq = a.printsFeeEq.add(rawFee(terms, px, qty));
    a.takerFees = a.takerFees.add(feeDollars(terms, px, qty));
    a.rebateRate = terms.rebateRate;
  }

  /** One of our maker fills (rebateCash = the per-fill rebate the engine credited). */
  onMakerFill(market: string, tsNs: bigint, terms: FeeTerms | null, px: Px, qty: Qty, rebateCash: Cash): void {
    const a = this.acc(market, tsNs);
    a.ourFills += 1;
    a.perFill += rebateCash;
    if (terms === null) return;
    a.ourFeeEq = a.ourFeeEq.add(rawFee(terms, px, qty));
    a.rebateRate = terms.rebateRate;
  }

  /** Per (market, day), in order of first appearance. */
  result(): RebateDay[] {
    return this.days.values().map((a) => {
      const rate = a.rebateRate ?? new D(0);
      const pool = rate.mul(a.takerFees);
      const total = a.printsFeeEq.add(a.ourFeeEq);
      const share = total.isZero() ? null : a.ourFeeEq.div(total);
      const estimate = share === null ? new D(0) : floorPayout(share.mul(pool));
      return {
        market: a.market,
        day: dayLabel(a.day),
        prints: a.prints,
        printShares: a.printShares,
        printsFeeEquivalent: a.printsFeeEq,
        takerFees: a.takerFees,
        rebateRate: a.rebateRate,
        pool,
        ourMakerFills: a.ourFills,
        ourFeeEquivalent: a.ourFeeEq,
        share,
        estimate,
        paid: paidOf(estimate),
        perFillEstimate: a.perFill,
      };
    });
  }
}
