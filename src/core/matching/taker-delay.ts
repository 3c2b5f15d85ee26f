/**
 * Taker delay: on some markets the venue holds a marketable order before matching it (PROTOCOL.md 5 and
 * 6.2). The paper exchange accepts such an order at arrival and matches it at release against the book
 * then (cancellable while held).
 *
 * `polymarketTakerDelay` (the engine's default, `--taker-delay auto`), per market and arrival time:
 * 1. the market's own delay when its metadata gives one (`takerDelayMs` > 0: Gamma `secondsDelay`, CLOB
 *    `seconds_delay`; 3 s on live sports markets in the captured data);
 * 2. else, for a market the venue flags as delayed (`takerDelayed`, CLOB `itode`), the dated default:
 *      from        delay
 *      -           250 ms (every delayed market)
 *      2026-08-17  50 ms for crypto markets (tag crypto or an up/down slug), 250 ms for the others
 * 3. else none.
 * `constantTakerDelay(ns)` (`--taker-delay 250ms`) holds every marketable order that long, whatever the
 * metadata says; `noTakerDelay` (`--taker-delay off`) none.
 * Known limit: no source mapped today fills `takerDelayed` (the compact `/clob-markets/{cid}` form that
 * carries `itode` is not mapped); it comes from metadata written by hand or by an importer.
 */
import type { MarketMeta } from '../types/market.ts';
import { isCrypto } from './fees.ts';

/** Delay (ns, >= 0) of a marketable order of `meta` that arrives at `arrivalNs`; 0 = matched at once. */
export type TakerDelayModel = (meta: MarketMeta, arrivalNs: bigint) => bigint;

const MS = 1_000_000n;
/** 2026-08-17T00:00:00Z: crypto taker delay 250 ms -> 50 ms. */
export const TAKER_DELAY_CRYPTO_50MS_NS = 1_786_924_800n * 1_000_000_000n;
export const DEFAULT_TAKER_DELAY_NS = 250n * MS;
export const CRYPTO_TAKER_DELAY_NS = 50n * MS;

export function polymarketTakerDelay(): TakerDelayModel {
  return (meta, arrivalNs) => {
    const own = meta.takerDelayMs;
    if (own !== undefined && own !== null && own > 0) return BigInt(Math.round(own)) * MS;
    if (meta.takerDelayed !== true) return 0n;
    return arrivalNs >= TAKER_DELAY_CRYPTO_50MS_NS && isCrypto(meta) ? CRYPTO_TAKER_DELAY_NS : DEFAULT_TAKER_DELAY_NS;
  };
}

export function constantTakerDelay(ns: bigint): TakerDelayModel {
  if (ns < 0n) throw new RangeError(`taker delay must be >= 0 ns, got ${ns}`);
  return () => ns;
}

export const noTakerDelay: TakerDelayModel = () => 0n;
