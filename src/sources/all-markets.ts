/**
 * Recording everything, sharded (`poly record --all --shard i/N`): which markets belong to this
 * recorder, and a follower that lists Gamma's active markets and hands over the new ones of its shard.
 *
 * Shard rule (stated, stable across machines, versions and listing order):
 *     shardOf(conditionId, N) = uint48(sha256(lowercase(conditionId))[0..6], big-endian) mod N
 * and recorder i (0-based, i < N) records exactly the markets with shardOf = i. Every market is
 * recorded by exactly one of the N recorders; adding a market never moves another one. (sha256 rather
 * than a fast non-cryptographic hash: it is everywhere, including `sha256sum`, so a user can check an
 * assignment by hand; the cost is once per market.)
 *
 * Follower: the first listing runs before recording starts (an unreachable Gamma is a one-line error
 * before the disk is touched); then every `pollMs` (default 5 min) the listing is repeated and markets
 * not seen before are handed to `onMarkets` (the feed subscribes their tokens on the running
 * connections, sharded above 400 assets). The Gamma pages are recorded like every other response (the
 * client given records through the feed's emitter), so the recording says what was listed when.
 * Listing: GET /markets?active=true&closed=false (offset pagination to the end). A failed poll is logged
 * and retried at the next one; it never stops the feed.
 *
 * Known limits: markets are never unsubscribed (a closed market stops sending, its history stays in the
 * recording); a market listed between two polls is picked up at the next poll (the WS `new_market`
 * announcement is recorded but not yet used to subscribe sooner).
 */
import { createHash } from 'node:crypto';
import { gammaMarketToMeta } from '../core/normalize/index.ts';
import type { MarketMeta } from '../core/types/market.ts';
import type { GammaClient } from './gamma.ts';

export interface ShardSpec {
  /** 0-based index of this recorder. */
  readonly index: number;
  /** Number of recorders. */
  readonly count: number;
}

/** The shard (0..count-1) a market belongs to; see the header for the rule. */
export function shardOf(conditionId: string, count: number): number {
  const h = createHash('sha256').update(conditionId.toLowerCase(), 'utf8').digest();
  return h.readUIntBE(0, 6) % count;
}

/** Parses "i/N" (0 <= i < N, N >= 1); returns null when malformed. */
export function parseShard(text: string): ShardSpec | null {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim());
  if (m === null) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) return null;
  return { index, count };
}

export interface AllMarketsOptions {
  readonly shard: ShardSpec;
  readonly gamma: GammaClient;
  readonly pollMs?: number;
  readonly onMarkets: (metas: MarketMeta[]) => void;
  readonly onLog?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

export const DEFAULT_ALL_POLL_MS = 300_000;

export class AllMarketsFollower {
  private gamma: GammaClient;
  private readonly seen = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private stopped = false;
  private listings = 0;

  constructor(private readonly o: AllMarketsOptions) {
    this.gamma = o.gamma;
  }

  /** The first listing (throws on an unreachable Gamma or a bad answer). */
  async firstListing(): Promise<number> {
    return this.list();
  }

  /** Later listings go through this client (the one that records into the running feed). */
  attach(gamma: GammaClient): void {
    this.gamma = gamma;
  }

  start(): void {
    if (this.stopped || this.timer !== null) return;
    this.timer = setInterval(() => void this.poll(), this.o.pollMs ?? DEFAULT_ALL_POLL_MS);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.busy !== null) await this.busy.catch(() => undefined);
  }

  /** One poll now (exposed for tests); failures are logged, never thrown. */
  poll(): Promise<void> {
    if (this.busy !== null) return this.busy;
    this.busy = this.list()
      .then(() => undefined)
      .catch((err: unknown) => {
        if (!this.stopped) this.o.onLog?.('warn', 'listing active markets failed; will retry', { error: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        this.busy = null;
      });
    return this.busy;
  }

  private async list(): Promise<number> {
    const { index, count } = this.o.shard;
    const fresh: MarketMeta[] = [];
    let listed = 0;
    for await (const g of this.gamma.listMarkets({ active: true, closed: false })) {
      if (this.stopped) return 0;
      listed++;
      const meta = gammaMarketToMeta(g);
      if ('error' in meta || meta.tokens.length === 0) continue;
      const id = meta.conditionId.toLowerCase();
      if (this.seen.has(id) || shardOf(id, count) !== index) continue;
      this.seen.add(id);
      fresh.push(meta);
    }
    this.listings++;
    this.o.onLog?.('info', 'active markets listed', { listed, shard: `${index}/${count}`, new: fresh.length, listing: this.listings });
    if (fresh.length > 0) this.o.onMarkets(fresh);
    return fresh.length;
  }
}
