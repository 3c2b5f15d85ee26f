/**
 * The simulator's feed timeline: one ordered stream of items (frames to send, faults to fire, REST
 * responses that update markets/books) built from a scenario, a recording and/or the firehose.
 *
 * Ordering rules
 * - Items are ordered by feed time `atMs` (ms since feed start). Ties break on source rank:
 *   scenario faults (0) < scenario frames (1) < firehose (2) < recording (3); within one source,
 *   input order is kept. Each source must itself be non-decreasing in atMs (scenarios are sorted by
 *   parseScenario; recordings are in seq order and their recvNs never decreases).
 * - Recording time: atMs = (recvNs - recvNs of the first record) / 1e6.
 * - A looping scenario repeats its events and faults with period = last atMs + 1000 ms.
 * Known limits
 * - Recording playback sends `market_ws`/`rtds_ws` 'frame' payloads verbatim except `PONG`/`pong`
 *   (those answered the recorder's own PINGs); recorded `NO NEW ASSETS` frames are replayed as recorded.
 * - Frames of all recorded connections are merged into one feed; if the recording held overlapping
 *   connections for the same assets (shards, reconnect overlap), a client will see those duplicates.
 */
import type { RawRecord } from '../core/types/raw.ts';
import { firehoseFrames, type FirehoseOptions } from './firehose.ts';
import type { ParsedScenario, ScenarioFault } from './scenario.ts';

export type FeedItem =
  | {
      readonly kind: 'frame';
      readonly atMs: number;
      readonly channel: 'market' | 'rtds';
      readonly text: string;
      /** Parsed frame when already known (firehose); undefined = parse on demand. */
      readonly parsed?: unknown;
      /** Explicit routing assets (scenario `assets`, firehose); null = infer from the frame. */
      readonly assets: readonly string[] | null;
      /** Known not to be a global (custom-feature) event: routing needs no parsing (firehose). */
      readonly local?: true;
    }
  | { readonly kind: 'fault'; readonly atMs: number; readonly fault: ScenarioFault }
  | { readonly kind: 'rest'; readonly atMs: number; readonly payload: string };

type Source = AsyncIterator<FeedItem> | Iterator<FeedItem>;

export const LOOP_GAP_MS = 1000;

function* scenarioFaults(s: ParsedScenario): Generator<FeedItem> {
  const period = loopPeriod(s);
  for (let offset = 0; ; offset += period) {
    for (const f of s.faults) yield { kind: 'fault', atMs: offset + f.atMs, fault: f };
    if (!s.loop || s.faults.length === 0) return;
  }
}

function* scenarioFrames(s: ParsedScenario): Generator<FeedItem> {
  const period = loopPeriod(s);
  for (let offset = 0; ; offset += period) {
    for (const e of s.events) yield { kind: 'frame', atMs: offset + e.atMs, channel: e.channel, text: e.text, assets: e.assets };
    if (!s.loop || s.events.length === 0) return;
  }
}

function loopPeriod(s: ParsedScenario): number {
  let last = 0;
  for (const e of s.events) last = Math.max(last, e.atMs);
  for (const f of s.faults) last = Math.max(last, f.atMs);
  return last + LOOP_GAP_MS;
}

function* firehoseItems(opts: FirehoseOptions, epochMs: number): Generator<FeedItem> {
  for (const f of firehoseFrames(opts, epochMs)) {
    yield { kind: 'frame', atMs: f.atMs, channel: 'market', text: f.text, parsed: f.parsed, assets: f.assets, local: true };
  }
}

async function* recordItems(
  records: AsyncIterable<RawRecord> | Iterable<RawRecord>,
  onFirst: ((r: RawRecord) => void) | null,
): AsyncGenerator<FeedItem> {
  let t0: bigint | null = null;
  for await (const r of records) {
    if (t0 === null) {
      t0 = r.recvNs;
      onFirst?.(r);
    }
    const atMs = Number(r.recvNs - t0) / 1e6;
    if (r.kind === 'frame' && (r.source === 'market_ws' || r.source === 'rtds_ws')) {
      if (r.payload === 'PONG' || r.payload === 'pong') continue;
      yield { kind: 'frame', atMs, channel: r.source === 'market_ws' ? 'market' : 'rtds', text: r.payload, assets: null };
    } else if (r.kind === 'response' && (r.source === 'clob_rest' || r.source === 'gamma_rest')) {
      const status = r.meta.status;
      if (status === undefined || (status >= 200 && status < 300)) yield { kind: 'rest', atMs, payload: r.payload };
    }
  }
}

export interface TimelineInput {
  readonly scenario: ParsedScenario | null;
  readonly firehose: FirehoseOptions | null;
  readonly records: AsyncIterable<RawRecord> | Iterable<RawRecord> | null;
  /** Epoch ms of feed time 0, used for firehose timestamps. */
  readonly epochMs: number;
  /** Called with the first record of the recording (the exchange takes its clock epoch from it). */
  readonly onFirstRecord?: ((r: RawRecord) => void) | undefined;
}

/** Merges the sources into one ordered async stream (see ordering rules above). */
export async function* timeline(input: TimelineInput): AsyncGenerator<FeedItem> {
  const sources: Source[] = [];
  if (input.scenario !== null) {
    sources.push(scenarioFaults(input.scenario), scenarioFrames(input.scenario));
  }
  if (input.firehose !== null) sources.push(firehoseItems(input.firehose, input.epochMs));
  if (input.records !== null) sources.push(recordItems(input.records, input.onFirstRecord ?? null));
  const heads: (FeedItem | null)[] = [];
  for (const s of sources) {
    const r = await s.next();
    heads.push(r.done === true ? null : r.value);
  }
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      if (h == null) continue;
      const b = best < 0 ? null : heads[best];
      if (b == null || h.atMs < b.atMs) best = i;
    }
    if (best < 0) return;
    const item = heads[best] as FeedItem;
    const src = sources[best] as Source;
    const r = await src.next();
    heads[best] = r.done === true ? null : r.value;
    yield item;
  }
}
