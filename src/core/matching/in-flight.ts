/**
 * In-flight commands of the paper exchange: what was sent and has not reached the venue yet, and the
 * venue's own later wake-ups (GTD expiry, taker-delay release), on one timer heap (src/core/timers.ts, the
 * same TimerQueue the kernel's bus uses).
 *
 * Ordering
 * - A command reaches the venue at now + latency (entry draw for orders and merges, cancel draw for
 *   cancels), and commands arrive in submission order: arrival = max(now + latency, previous arrival), so
 *   a cancel never overtakes the order it cancels and a merge never overtakes the orders sent before it.
 * - Items leave by (due time, scheduling sequence): the heap's (dueNs, id), ids increasing per schedule.
 * - An expiry or release of an order that is done is cancelled on the heap (never fires).
 * Merges in flight are also kept in submission order for risk (`pendingMerges`).
 */
import type { CancelAll, CancelOrder, MergePositions, PlaceOrder } from '../types/orders.ts';
import type { Rng } from '../rng.ts';
import { TimerQueue, type TimerId } from '../timers.ts';
import type { LatencyModel } from './latency.ts';
import type { OrderRec } from './order-state.ts';

export type InFlightItem =
  | { readonly kind: 'arrive' | 'release' | 'expire'; readonly rec: OrderRec }
  | { readonly kind: 'cancel'; readonly cmd: CancelOrder }
  | { readonly kind: 'cancel_all'; readonly cmd: CancelAll }
  | { readonly kind: 'merge'; readonly cmd: MergePositions };

export class InFlight {
  private readonly heap = new TimerQueue<InFlightItem>();
  private lastArrival: bigint | null = null;
  /** Merges submitted and not yet arrived, in submission order. */
  private readonly merges = new Map<string, MergePositions>();

  constructor(
    private readonly latency: LatencyModel,
    private readonly rng: Rng,
  ) {}

  /** Draws the command's latency and returns its arrival (never before the previous arrival). */
  arrivalOf(cmd: PlaceOrder | CancelOrder | CancelAll | MergePositions, nowNs: bigint): bigint {
    const lat = cmd.type === 'place' || cmd.type === 'merge' ? this.latency.entryNs(this.rng) : this.latency.cancelNs(this.rng);
    if (lat < 0n) throw new RangeError(`latency model returned a negative delay (${lat} ns)`);
    let at = nowNs + lat;
    if (this.lastArrival !== null && at < this.lastArrival) at = this.lastArrival;
    this.lastArrival = at;
    return at;
  }

  schedule(atNs: bigint, item: InFlightItem): TimerId {
    if (item.kind === 'merge') this.merges.set(item.cmd.clientId, item.cmd);
    return this.heap.schedule(atNs, item.kind, item);
  }

  cancel(id: TimerId | null): void {
    if (id !== null) this.heap.cancel(id);
  }

  /** Earliest due time, or null. */
  nextWakeNs(): bigint | null {
    return this.heap.nextDueNs();
  }

  /** The next item due at or before nowNs (removed), with its due time; null when none. */
  popDue(nowNs: bigint): { readonly atNs: bigint; readonly item: InFlightItem } | null {
    const t = this.heap.popNextDue(nowNs);
    if (t === null) return null;
    const item = t.payload!;
    if (item.kind === 'merge') this.merges.delete(item.cmd.clientId);
    return { atNs: t.dueNs, item };
  }

  /** Merge commands in flight (submitted, not yet at the venue), in submission order. */
  pendingMerges(): readonly MergePositions[] {
    return [...this.merges.values()];
  }
}
