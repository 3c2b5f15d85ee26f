/**
 * Market metadata: what poly knows about a market from Gamma, CLOB `/markets` or WS `new_market`.
 * The recorder stores it with each recording; the fill engine reads tick size, min size and fees from it.
 * Rates are decimal strings (exact); tick and min size are fixed-point (see fixed.ts).
 */
import type { Px, Qty } from './fixed.ts';

export interface FeeSchedule {
  /** fee = C x rate x (p(1-p))^exponent, C shares at price p. Decimal strings. */
  readonly rate: string;
  readonly exponent: string;
  readonly takerOnly: boolean;
  /** Share of taker fees rebated to makers, decimal string (e.g. "0.2"). */
  readonly rebateRate: string;
}

/**
 * A market's liquidity-reward program as published (decimal strings, PROTOCOL.md §6.3): Gamma
 * `rewardsMaxSpread` / `rewardsMinSize` (+ `clobRewards[].rewardsDailyRate`), CLOB `rewards.max_spread` /
 * `min_size` / `rates[].rewards_daily_rate`.
 */
export interface MarketRewards {
  /** Max distance from the size-cutoff-adjusted midpoint, in cents (e.g. "3.5"). */
  readonly maxSpread: string;
  /** Orders below this many shares do not score. */
  readonly minSize: string;
  /** The daily pool in dollars (sum of the published rates), or null when not published. */
  readonly ratePerDay: string | null;
}

export interface MarketToken {
  readonly tokenId: string;
  readonly outcome: string;
}

export interface MarketMeta {
  /** 0x + 64 hex condition id. */
  readonly conditionId: string;
  readonly id: string | null;
  readonly slug: string | null;
  readonly question: string | null;
  /** Token order = outcome order (index 0 is YES/Up for binaries). */
  readonly tokens: readonly MarketToken[];
  readonly tickSize: Px | null;
  readonly minOrderSize: Qty | null;
  readonly negRisk: boolean;
  readonly feesEnabled: boolean;
  readonly feeSchedule: FeeSchedule | null;
  /** ISO-8601 end date, as published. */
  readonly endDate: string | null;
  readonly active: boolean | null;
  readonly closed: boolean | null;
  readonly acceptingOrders: boolean | null;
  readonly eventSlug: string | null;
  readonly tags: readonly string[];
  /**
   * Gamma `version`: 'v1' or 'v2' (a v2 market lists its outcome tokens in `positionIds`, a plain array,
   * instead of the JSON-string `clobTokenIds`). Absent when the source does not say.
   */
  readonly version?: 'v1' | 'v2' | null | undefined;
  /** When the market was created (Gamma `createdAt`, ISO-8601); dated fee rules read it. */
  readonly createdAt?: string | null | undefined;
  /**
   * The market's own delay of marketable orders in ms, when its metadata gives one (Gamma `secondsDelay`,
   * CLOB `seconds_delay`, in seconds: 3 on live sports markets). 0 or absent: no market-specific delay.
   */
  readonly takerDelayMs?: number | null | undefined;
  /** The venue holds marketable orders of this market (CLOB `itode`), for the dated default delay. */
  readonly takerDelayed?: boolean | null | undefined;
  /** Liquidity-reward program, only when the metadata lists one (max spread > 0). */
  readonly rewards?: MarketRewards | undefined;
}
