/**
 * The source seam (STYLE habit 2): every source is an AsyncIterable<RawRecord>.
 *
 * Live sources are push-driven (sockets, HTTP responses). Each builds its records through a
 * RecordEmitter, which stamps them with the process-wide Stamper at the moment of receipt and then
 * delivers them either
 * - to a direct sink callback (the recorder's hot path: `writer.append`, synchronous, no queue), or
 * - to an in-memory PushQueue that the source's async iterator drains.
 * Exactly one of the two is used per emitter (a sink, when given, wins): a record is never
 * delivered twice and never buffered where nobody reads it.
 *
 * Backpressure policy: a live socket cannot be paused without losing the exchange's data (the
 * server does not buffer for slow clients; it disconnects them), so the queue is UNBOUNDED. Its
 * current and maximum depth are reported in stats so a slow consumer is visible, never silent.
 *
 * Ordering: records are delivered in stamp order per emitter; emitters sharing one Stamper and
 * one sink deliver to the sink in global seq order (single thread, stamp and deliver are one
 * synchronous step).
 */
import { RAW_FORMAT_VERSION, type RawMeta, type RawRecord, type RecordKind, type Source } from '../core/types/raw.ts';
import type { Stamper } from './stamp.ts';

/**
 * Where records go. `payloadBytes`, when given, are the UTF-8 bytes the payload text was decoded from (a
 * WebSocket frame as received); a writer may encode from them instead of the string. Never retained.
 */
export type RecordSink = (record: RawRecord, payloadBytes?: Uint8Array) => void;

/** A live source: iterable until stop() has run and its queue is drained. */
export interface LiveSource extends AsyncIterable<RawRecord> {
  start(): Promise<void> | void;
  stop(): Promise<void>;
}

export interface QueueStats {
  readonly depth: number;
  readonly maxDepth: number;
  readonly pushed: number;
}

/** Unbounded single-consumer async queue. end() lets the consumer finish after draining. */
export class PushQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<T>) => void) | null = null;
  private waiterReject: ((e: unknown) => void) | null = null;
  private ended = false;
  private failure: unknown = null;
  private iterating = false;
  private max = 0;
  private count = 0;

  push(item: T): void {
    if (this.ended) return;
    this.count += 1;
    if (this.waiter !== null) {
      const w = this.waiter;
      this.waiter = null;
      this.waiterReject = null;
      w({ value: item, done: false });
      return;
    }
    this.items.push(item);
    const d = this.depth;
    if (d > this.max) this.max = d;
  }

  /** No more items; a pending or later next() resolves done (after the backlog), or rejects with `error`. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) this.failure = error;
    if (this.waiter !== null && this.depth === 0) {
      const w = this.waiter, rj = this.waiterReject;
      this.waiter = null;
      this.waiterReject = null;
      if (this.failure !== null) rj?.(this.failure);
      else w({ value: undefined, done: true });
    }
  }

  get depth(): number {
    return this.items.length - this.head;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  stats(): QueueStats {
    return { depth: this.depth, maxDepth: this.max, pushed: this.count };
  }

  private shift(): T {
    const v = this.items[this.head] as T;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
    return v;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterating) throw new Error('PushQueue has a single consumer; it is already being iterated');
    this.iterating = true;
    return {
      next: (): Promise<IteratorResult<T>> => {
        if (this.depth > 0) return Promise.resolve({ value: this.shift(), done: false });
        if (this.ended) {
          return this.failure !== null ? Promise.reject(this.failure) : Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => {
          this.waiter = resolve;
          this.waiterReject = reject;
        });
      },
      return: (): Promise<IteratorResult<T>> => {
        this.ended = true;
        this.items.length = 0;
        this.head = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

export interface EmitterOptions {
  readonly stamper: Stamper;
  /** Direct delivery (recorder hot path). When absent, records go to the emitter's queue. */
  readonly sink?: RecordSink | undefined;
}

/** Stamps and delivers records for one or more live clients. */
export class RecordEmitter {
  readonly stamper: Stamper;
  private readonly sink: RecordSink | null;
  readonly queue: PushQueue<RawRecord>;

  constructor(opts: EmitterOptions) {
    this.stamper = opts.stamper;
    this.sink = opts.sink ?? null;
    this.queue = new PushQueue<RawRecord>();
  }

  get hasSink(): boolean {
    return this.sink !== null;
  }

  emit(source: Source, conn: string, kind: RecordKind, meta: RawMeta, payload: string, payloadBytes?: Uint8Array): RawRecord {
    const { seq, recvNs } = this.stamper.stamp();
    const r: RawRecord = { v: RAW_FORMAT_VERSION, seq, recvNs, source, conn, kind, meta, payload };
    if (this.sink !== null) this.sink(r, payloadBytes);
    else this.queue.push(r);
    return r;
  }

  end(error?: unknown): void {
    this.queue.end(error);
  }

  [Symbol.asyncIterator](): AsyncIterator<RawRecord> {
    if (this.sink !== null) throw new Error('this source delivers to a sink; it cannot also be iterated');
    return this.queue[Symbol.asyncIterator]();
  }
}

/** The emitter a live client records through: the shared one given, or a new one on stamper (+ sink). */
export function resolveEmitter(o: { stamper?: Stamper | undefined; sink?: RecordSink | undefined; emitter?: RecordEmitter | undefined }): RecordEmitter {
  if (o.emitter !== undefined) return o.emitter;
  if (o.stamper === undefined) throw new Error('a live client needs a stamper (and optional sink) or a shared emitter');
  return new RecordEmitter({ stamper: o.stamper, sink: o.sink });
}

/** Connection-id allocator: `${prefix}${name}-${n}`, n counting from 1 per name. */
export class ConnIds {
  private readonly counters = new Map<string, number>();
  constructor(public prefix = '') {}
  next(name: string): string {
    const n = (this.counters.get(name) ?? 0) + 1;
    this.counters.set(name, n);
    return `${this.prefix}${name}-${n}`;
  }
}
