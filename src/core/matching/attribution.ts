/**
 * Print attribution: a level's size decrease and a trade print at that level are ONE event when they
 * arrive within the print window of each other, whichever comes first.
 *
 * Why: Polymarket publishes a trade twice, as the level's size decrease (a post-trade `book`, or a
 * `price_change`) and as a `last_trade_price` print, and very often the decrease comes FIRST. Counting
 * both moves a resting order's queue twice: the decrease clamps the shares ahead, then the same shares
 * fill the order from the print. Attribution lets the exchange walk the print over the queue as it was
 * before the decrease (exchange.ts), and keeps a print that came first from being counted again as a
 * cancel when its decrease follows (queue.ts, probabilistic model).
 *
 * Default window: 500 ms (`DEFAULT_PRINT_WINDOW_NS`, engine flag `--print-window`). Measured on the real
 * captures in fixtures (Caiooooo, SOL/BTC/ETH/XRP 15-minute and BTC/ETH 1-hour windows of 2025-12-11,
 * 747 prints): 244 prints have a book snapshot whose decrease at the print's level equals the print's size
 * exactly within 2 s; in 218 of them the book came FIRST. Book-before-print gap by receive time:
 * median 29 ms, p90 46 ms, p95 61 ms; 206 of 218 within 50 ms, 213 within 250 ms, 215 within 500 ms.
 * A 2026 capture (issue 8) shows a price_change drop of 216.22 at 0.925 arriving 228 ms before the print.
 * 500 ms covers both with margin. A wider window is the side that cannot flatter: a genuine cancel that
 * a print within the window is wrongly paired with gives fewer fills, never more. 0 = only a decrease
 * and a print received at the same instant (one frame) are paired.
 *
 * State, per canonical level (a `LevelKey`, overlay.ts), never longer than the window:
 * - `dropped`: unexplained decrease (not matched by an earlier print) waiting for its print, with the
 *   time of the last decrease and `run`, the market-event sequence number at which this run of decreases
 *   began (orders that came to rest at or after it joined after the decrease: it is not theirs to fill).
 * - `printed`: print volume waiting for its decrease (a print that came first), with its time.
 * A decrease first consumes `printed`; a print first consumes `dropped`. Both expire after the window.
 * Pure bookkeeping: no I/O, no clock; times come in as arguments.
 * Known limit: a print whose decrease comes more than a window later is not paired (its decrease then
 * counts as a cancel in the probabilistic model); in the captures such print-first pairs are rare (26 of
 * 244) and spread over seconds, i.e. mostly coincidences.
 */
import type { Qty } from '../types/fixed.ts';
import type { LevelKey } from './overlay.ts';

export const DEFAULT_PRINT_WINDOW_NS = 500_000_000n;

interface Trace {
  dropped: Qty;
  droppedNs: bigint;
  run: number;
  printed: Qty;
  printedNs: bigint;
}

export interface PrintMatch {
  /** Shares of the print the book had already shown as a decrease (0..print size). */
  readonly attributed: Qty;
  /** Market-event sequence at which that decrease run began (meaningful when attributed > 0). */
  readonly run: number;
}

/** Prune expired traces after this many new ones. */
const PRUNE_EVERY = 4096;

export class PrintAttribution {
  private readonly traces = new Map<LevelKey, Trace>();
  private added = 0;

  constructor(private readonly windowNs: bigint = DEFAULT_PRINT_WINDOW_NS) {
    if (windowNs < 0n) throw new RangeError(`print window must be >= 0 ns, got ${windowNs}`);
  }

  /** A decrease of x shares seen at `key` (before the book applied it). Returns the part no print explains. */
  decrease(key: LevelKey, x: Qty, t: bigint, seq: number): Qty {
    if (!(x > 0)) return 0;
    const tr = this.trace(key, t);
    const explained = Math.min(x, tr.printed);
    tr.printed -= explained;
    const u = x - explained;
    if (u > 0) {
      if (tr.dropped === 0) tr.run = seq;
      tr.dropped += u;
      tr.droppedNs = t;
    }
    this.settle(key, tr);
    return u;
  }

  /** A print of q shares at `key`: how much of it the book already showed. */
  print(key: LevelKey, q: Qty, t: bigint): PrintMatch {
    if (!(q > 0)) return { attributed: 0, run: 0 };
    const tr = this.trace(key, t);
    const attributed = Math.min(q, tr.dropped);
    const run = tr.run;
    tr.dropped -= attributed;
    if (q > attributed) {
      tr.printed += q - attributed;
      tr.printedNs = t;
    }
    this.settle(key, tr);
    return { attributed, run };
  }

  /** The current decrease run at `key` (its start sequence), or null when nothing waits for a print. */
  runAt(key: LevelKey, t: bigint): number | null {
    const tr = this.traces.get(key);
    if (tr === undefined) return null;
    this.expire(tr, t);
    return tr.dropped > 0 ? tr.run : null;
  }

  get size(): number {
    return this.traces.size;
  }

  private trace(key: LevelKey, t: bigint): Trace {
    let tr = this.traces.get(key);
    if (tr === undefined) {
      tr = { dropped: 0, droppedNs: t, run: 0, printed: 0, printedNs: t };
      this.traces.set(key, tr);
      if (++this.added % PRUNE_EVERY === 0) this.prune(t);
    } else {
      this.expire(tr, t);
    }
    return tr;
  }

  private expire(tr: Trace, t: bigint): void {
    if (tr.dropped > 0 && t - tr.droppedNs > this.windowNs) tr.dropped = 0;
    if (tr.printed > 0 && t - tr.printedNs > this.windowNs) tr.printed = 0;
  }

  private settle(key: LevelKey, tr: Trace): void {
    if (tr.dropped === 0 && tr.printed === 0) this.traces.delete(key);
  }

  private prune(t: bigint): void {
    for (const [key, tr] of this.traces) {
      this.expire(tr, t);
      this.settle(key, tr);
    }
  }
}
