/**
 * Synthetic, deterministic market-channel firehose for benchmarks (recorder throughput) and load
 * tests: realistic post-2025-09 `price_change` frames, generated lazily (no frame array in memory).
 *
 * Invariants
 * - Same options (seed included) => byte-identical frames in the same order.
 * - Assets are taken in pairs (YES, NO) forming one binary market; a lone last asset is a one-token
 *   market. The two books are exact mirrors (NO bid at 1-p = YES ask at p, same size), and every
 *   change is published as one frame carrying BOTH legs (PROTOCOL.md §1.5, §1.6).
 * - Prices sit on the 0.01 grid in [0.01, 0.99]; the YES book never crosses: bids at ticks <= mid,
 *   asks at ticks > mid. Sizes have 2 decimals; size "0" removes a level. best_bid/best_ask are the
 *   top of book after the change ("0"/"1" when a side is empty).
 * - `frames` counts every frame: first one `book` per asset (wire form, best last), then price_change
 *   frames. Feed time of frame i is i * intervalMs (default 0: everything due at once); the
 *   published `timestamp` is startEpochMs + i.
 * Known limits
 * - No trades (`last_trade_price`) and no tick-size changes; the walk is a toy, not a market model.
 */
import { formatScaled } from '../core/types/fixed.ts';
import { seededRng, type Rng } from '../core/rng.ts';

/** Feed-time-0 epoch ms the firehose child process (firehose-server.ts) runs its firehose at. */
export const FIREHOSE_EPOCH_MS = 1_765_450_800_000;

export interface FirehoseOptions {
  /** Total frames to produce (initial books included). */
  readonly frames: number;
  /** Token ids; consecutive pairs form binary markets. */
  readonly assets: readonly string[];
  readonly seed?: number | undefined;
  /** Feed-time spacing of frames in ms (default 0). */
  readonly intervalMs?: number | undefined;
}

export interface FirehoseFrame {
  readonly atMs: number;
  /** Feed time; `text` is the frame, `parsed` the same message as an object (for book state). */
  readonly text: string;
  readonly parsed: unknown;
  readonly assets: readonly string[];
}

const TICKS = 100; // 0.01 grid
/** Price text per tick, precomputed ("0.01" .. "0.99", "0", "1"). */
const PX_TEXT: readonly string[] = Array.from({ length: TICKS + 1 }, (_, t) => formatScaled(t, 2));
const px = (tick: number): string => PX_TEXT[tick] ?? formatScaled(tick, 2);
/** Integer cents -> shortest decimal text ("5", "5.5", "5.25"), by integer/string ops only. */
function sz(cents: number): string {
  const whole = Math.floor(cents / 100);
  const frac = cents % 100;
  if (frac === 0) return String(whole);
  return frac % 10 === 0 ? `${whole}.${frac / 10}` : `${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

const HEX2: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** `chars` (a multiple of 8) lowercase hex digits from the rng. */
function hex(rng: Rng, chars: number): string {
  let s = '';
  for (let i = 0; i < chars; i += 8) {
    const u = rng.nextU32();
    s += (HEX2[u >>> 24] as string) + (HEX2[(u >>> 16) & 255] as string) + (HEX2[(u >>> 8) & 255] as string) + (HEX2[u & 255] as string);
  }
  return s;
}

interface Leg {
  readonly asset_id: string;
  readonly price: string;
  readonly size: string;
  readonly side: string;
  readonly hash: string;
  readonly best_bid: string;
  readonly best_ask: string;
}

const legText = (l: Leg): string =>
  `{"asset_id":${JSON.stringify(l.asset_id)},"price":"${l.price}","size":"${l.size}","side":"${l.side}","hash":"${l.hash}","best_bid":"${l.best_bid}","best_ask":"${l.best_ask}"}`;

interface Pair {
  readonly yes: string;
  readonly no: string | null;
  readonly market: string;
  /** YES book sizes in cents by tick (index 0..100). */
  readonly bids: number[];
  readonly asks: number[];
  mid: number;
}

function bestBid(p: Pair): number {
  for (let t = p.mid; t >= 1; t--) if ((p.bids[t] ?? 0) > 0) return t;
  return 0;
}
function bestAsk(p: Pair): number {
  for (let t = p.mid + 1; t <= TICKS - 1; t++) if ((p.asks[t] ?? 0) > 0) return t;
  return TICKS;
}

/** Wire-form `book` message text for one side of a pair (yes=true: the YES book, else its mirror). */
function bookText(p: Pair, yes: boolean, ts: number, rng: Rng): { text: string; parsed: unknown } {
  const bids: { price: string; size: string }[] = [];
  const asks: { price: string; size: string }[] = [];
  if (yes) {
    for (let t = 1; t <= p.mid; t++) if ((p.bids[t] ?? 0) > 0) bids.push({ price: px(t), size: sz(p.bids[t] ?? 0) });
    for (let t = TICKS - 1; t > p.mid; t--) if ((p.asks[t] ?? 0) > 0) asks.push({ price: px(t), size: sz(p.asks[t] ?? 0) });
  } else {
    // NO bids = 1 - YES asks (ascending => YES asks descending in tick), NO asks = 1 - YES bids
    for (let t = TICKS - 1; t > p.mid; t--) if ((p.asks[t] ?? 0) > 0) bids.push({ price: px(TICKS - t), size: sz(p.asks[t] ?? 0) });
    for (let t = 1; t <= p.mid; t++) if ((p.bids[t] ?? 0) > 0) asks.push({ price: px(TICKS - t), size: sz(p.bids[t] ?? 0) });
  }
  const msg = {
    market: p.market,
    asset_id: yes ? p.yes : (p.no ?? ''),
    timestamp: String(ts),
    hash: hex(rng, 40),
    bids,
    asks,
    tick_size: '0.01',
    last_trade_price: px(p.mid),
    event_type: 'book',
  };
  return { text: JSON.stringify(msg), parsed: msg };
}

/** Lazily generates the firehose frames. */
export function* firehoseFrames(opts: FirehoseOptions, startEpochMs: number): Generator<FirehoseFrame> {
  const rng = seededRng(opts.seed ?? 1);
  const interval = opts.intervalMs ?? 0;
  const pairs: Pair[] = [];
  for (let i = 0; i < opts.assets.length; i += 2) {
    const yes = opts.assets[i] as string;
    const p: Pair = {
      yes,
      no: opts.assets[i + 1] ?? null,
      market: `0x${hex(rng, 64)}`,
      bids: new Array<number>(TICKS + 1).fill(0),
      asks: new Array<number>(TICKS + 1).fill(0),
      mid: 40 + rng.int(20),
    };
    for (let k = 0; k < 10; k++) {
      p.bids[p.mid - k] = 500 + rng.int(200_000);
      p.asks[p.mid + 1 + k] = 500 + rng.int(200_000);
    }
    pairs.push(p);
  }
  if (pairs.length === 0) return;
  let i = 0;
  const at = (): number => i * interval;
  // initial books
  for (const p of pairs) {
    for (const yes of p.no === null ? [true] : [true, false]) {
      if (i >= opts.frames) return;
      const b = bookText(p, yes, startEpochMs + i, rng);
      yield { atMs: at(), text: b.text, parsed: b.parsed, assets: [yes ? p.yes : (p.no ?? '')] };
      i++;
    }
  }
  while (i < opts.frames) {
    // two 32-bit draws per frame, split into fields (tiny modulo bias is irrelevant for synthetic data)
    const u = rng.nextU32();
    const v = rng.nextU32();
    const p = pairs[v % pairs.length] as Pair;
    let tick: number;
    let buy: boolean;
    let cents: number;
    const r = u % 100;
    if (r < 2 && p.mid < 89 && p.mid > 10) {
      // move the split: clear the level that changes territory
      const up = ((u >>> 8) & 1) === 0;
      if (up) {
        tick = p.mid + 1;
        buy = false;
        p.asks[tick] = 0;
        p.mid++;
      } else {
        tick = p.mid;
        buy = true;
        p.bids[tick] = 0;
        p.mid--;
      }
      cents = 0;
    } else {
      buy = ((u >>> 8) & 1) === 0;
      const k = (u >>> 9) % 10;
      tick = buy ? p.mid - k : p.mid + 1 + k;
      cents = (u >>> 13) % 10 === 0 ? 0 : 500 + ((v >>> 8) % 200_000);
      (buy ? p.bids : p.asks)[tick] = cents;
    }
    const bb = bestBid(p);
    const ba = bestAsk(p);
    const ts = String(startEpochMs + i);
    const size = sz(cents);
    const legs: Leg[] = [
      { asset_id: p.yes, price: px(tick), size, side: buy ? 'BUY' : 'SELL', hash: hex(rng, 40), best_bid: px(bb), best_ask: px(ba) },
    ];
    if (p.no !== null) {
      legs.push({
        asset_id: p.no,
        price: px(TICKS - tick),
        size,
        side: buy ? 'SELL' : 'BUY',
        hash: hex(rng, 40),
        best_bid: px(TICKS - ba),
        best_ask: px(TICKS - bb),
      });
    }
    // every other value is digits/hex/decimal text that needs no escaping, so the text is built
    // directly (same bytes as JSON.stringify of `msg`, several times faster)
    const text = `{"market":"${p.market}","price_changes":[${legs.map(legText).join(',')}],"timestamp":"${ts}","event_type":"price_change"}`;
    const msg = { market: p.market, price_changes: legs, timestamp: ts, event_type: 'price_change' };
    yield { atMs: at(), text, parsed: msg, assets: p.no === null ? [p.yes] : [p.yes, p.no] };
    i++;
  }
}
