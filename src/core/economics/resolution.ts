/**
 * Resolution metrics: how the prices we traded at compare with what happened, and what the capital tied up
 * in positions earned. Pure; exact (D, Cash, bigint ns).
 *
 * Definitions
 * - Brier score: over our fills of tokens whose market resolved in the run, weighted by shares:
 *   sum(qty x (p - o)^2) / sum(qty), p = fill price, o = 1 if the token won, 0 if it lost, 0.5 for a 50/50
 *   split. Buys and sells alike (it scores the prices we dealt at as forecasts, not our direction). 0 is a
 *   perfect forecast, 0.25 what always quoting 0.50 scores. Null without such fills.
 * - Calibration: the same fills in ten price bins [0, 0.1), [0.1, 0.2), ..., [0.9, 1.0]; per bin the shares,
 *   the share-weighted mean price and the share-weighted outcome (fraction of shares that won). A calibrated
 *   market has mean price ~ win frequency in every bin.
 * - Settlement vs mark-to-market: for each token held when its market resolved, the value at the last mark
 *   before the resolution (the book mid, or when the book was one-sided then, the mid of its last two-sided
 *   top of book; cost basis when it never had one) against the payout: settlement P&L =
 *   payout - cost basis (summary pnl.settlement), mark-to-market P&L = value at mark - cost basis, and the
 *   resolution jump = payout - value at mark (what resolving added to or took from the marked position).
 * - Capital locked: the cost basis of every held position (dollars paid for shares not yet sold, merged or
 *   settled), a step function of time changed by fills, merges and settlements. Per UTC day of the run: the
 *   time-weighted average over the part of the day the run covers, and the peak. Over the run: average, peak,
 *   dollar-days (integral / 1 day), and return on locked capital = total P&L / average locked capital (null
 *   when nothing was locked). Open orders do not lock capital here (the venue checks balances, it does not
 *   escrow BUY orders).
 */
import { cashToDecimal, D, notional, pxToDecimal, qtyToDecimal, type Cash, type Px, type Qty } from '../types/fixed.ts';
import { isoDate, NS_PER_DAY, utcDay } from '../time.ts';

export interface ResolvedMarket {
  readonly market: string;
  readonly tsNs: bigint;
  /** Payout per share of each token (Px: 10000 = $1, 0 = lost, 5000 = a 50/50 split). */
  readonly payouts: ReadonlyMap<string, Px>;
}

export interface FillLike {
  readonly assetId: string;
  readonly px: Px;
  readonly qty: Qty;
  readonly tsNs: bigint;
}

export interface CalibrationBin {
  /** Inclusive lower edge, dollars ("0.1"). */
  readonly from: string;
  readonly to: string;
  readonly fills: number;
  readonly shares: D;
  readonly meanPrice: D | null;
  readonly winRate: D | null;
}

export interface BrierStat {
  readonly fills: number;
  readonly shares: D;
  readonly brier: D | null;
  readonly calibration: readonly CalibrationBin[];
}

/** Brier score and calibration of the fills in resolved markets (see header). */
export function brierScore(fills: readonly FillLike[], resolved: readonly ResolvedMarket[]): BrierStat {
  const payout = new Map<string, Px>();
  for (const r of resolved) for (const [a, p] of r.payouts) payout.set(a, p);
  const bins = Array.from({ length: 10 }, () => ({ fills: 0, shares: new D(0), px: new D(0), won: new D(0) }));
  let n = 0;
  let shares = new D(0);
  let sum = new D(0);
  for (const f of fills) {
    const o = payout.get(f.assetId);
    if (o === undefined || f.qty <= 0) continue;
    const q = qtyToDecimal(f.qty);
    const p = pxToDecimal(f.px);
    const out = pxToDecimal(o);
    n += 1;
    shares = shares.add(q);
    sum = sum.add(q.mul(p.sub(out).pow(2)));
    const b = bins[Math.min(9, Math.floor(f.px / 1000))]!;
    b.fills += 1;
    b.shares = b.shares.add(q);
    b.px = b.px.add(q.mul(p));
    b.won = b.won.add(q.mul(out));
  }
  return {
    fills: n,
    shares,
    brier: shares.isZero() ? null : sum.div(shares),
    calibration: bins.map((b, i) => ({
      from: new D(i).div(10).toFixed(1),
      to: new D(i + 1).div(10).toFixed(1),
      fills: b.fills,
      shares: b.shares,
      meanPrice: b.shares.isZero() ? null : b.px.div(b.shares),
      winRate: b.shares.isZero() ? null : b.won.div(b.shares),
    })),
  };
}

export interface HeldAtResolution {
  readonly market: string;
  readonly assetId: string;
  readonly tsNs: bigint;
  readonly qty: Qty;
  readonly costBasis: Cash;
  /** Last mark before the resolution (dollars), null = none (carried at cost). */
  readonly mark: D | null;
  /** Value at that mark (cost basis when unmarked), rounded half-even at 1e-10 like the portfolio's. */
  readonly markValue: Cash;
  readonly payoutPx: Px;
}

export interface SettlementLine {
  readonly held: HeldAtResolution;
  readonly payout: Cash;
  readonly settlementPnl: Cash;
  readonly markToMarketPnl: Cash;
  readonly jump: Cash;
}

export function settlementLines(held: readonly HeldAtResolution[]): SettlementLine[] {
  return held.map((h) => {
    const payout = notional(h.payoutPx, h.qty);
    return { held: h, payout, settlementPnl: payout - h.costBasis, markToMarketPnl: h.markValue - h.costBasis, jump: payout - h.markValue };
  });
}

export interface LockedDay {
  readonly day: string;
  /** Time covered by the run in this day, ns. */
  readonly coveredNs: bigint;
  /** Integral of locked capital over the covered time, Cash x ns. */
  readonly integral: bigint;
  readonly average: D | null;
  readonly peak: Cash;
}

export interface LockedStat {
  readonly days: readonly LockedDay[];
  readonly average: D | null;
  readonly peak: Cash;
  /** Integral / 1 day, in dollar-days. */
  readonly dollarDays: D;
}

/** Locked capital as an exact step function; split by UTC day. */
export class LockedCapital {
  private level: Cash = 0n;
  private sinceNs: bigint | null = null;
  private readonly days = new Map<number, { covered: bigint; integral: bigint; peak: Cash }>();

  /** Starts the clock at the run's start (locked = 0). */
  start(tsNs: bigint): void {
    if (this.sinceNs === null) this.sinceNs = tsNs;
  }

  /** The locked amount becomes `cash` at tsNs. */
  set(tsNs: bigint, cash: Cash): void {
    this.advance(tsNs);
    this.level = cash;
    this.peakAt(tsNs, cash);
  }

  /** Integrates up to endNs and returns the statistics. */
  finish(endNs: bigint): LockedStat {
    this.advance(endNs);
    let integral = 0n;
    let covered = 0n;
    let peak = 0n;
    const days: LockedDay[] = [];
    for (const [d, a] of [...this.days].sort((x, y) => x[0] - y[0])) {
      integral += a.integral;
      covered += a.covered;
      if (a.peak > peak) peak = a.peak;
      days.push({ day: isoDate(BigInt(d) * NS_PER_DAY), coveredNs: a.covered, integral: a.integral, average: a.covered === 0n ? null : avgOf(a.integral, a.covered), peak: a.peak });
    }
    return { days, average: covered === 0n ? null : avgOf(integral, covered), peak, dollarDays: cashToDecimal(integral).div(NS_PER_DAY.toString()) };
  }

  private day(d: number) {
    let a = this.days.get(d);
    if (a === undefined) {
      a = { covered: 0n, integral: 0n, peak: 0n };
      this.days.set(d, a);
    }
    return a;
  }

  private peakAt(tsNs: bigint, cash: Cash): void {
    const a = this.day(utcDay(tsNs));
    if (cash > a.peak) a.peak = cash;
  }

  private advance(toNs: bigint): void {
    if (this.sinceNs === null) this.sinceNs = toNs;
    let t = this.sinceNs;
    if (toNs <= t) {
      this.day(utcDay(t));
      return;
    }
    while (t < toNs) {
      const d = utcDay(t);
      const dayEnd = (BigInt(d) + 1n) * NS_PER_DAY;
      const e = dayEnd < toNs ? dayEnd : toNs;
      const a = this.day(d);
      a.covered += e - t;
      a.integral += this.level * (e - t);
      if (this.level > a.peak) a.peak = this.level;
      t = e;
    }
    this.sinceNs = toNs;
  }
}

function avgOf(integral: bigint, covered: bigint): D {
  return cashToDecimal(integral).div(covered.toString());
}
