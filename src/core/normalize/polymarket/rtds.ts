/**
 * RTDS (`wss://ws-live-data.polymarket.com`) price topics -> ReferencePrice.
 *
 * Envelope `{topic, type, timestamp (ms number), payload}`; exchMs = envelope timestamp.
 * - Price topics: `crypto_prices`, `crypto_prices_chainlink`, `equity_prices` and any other
 *   `crypto_prices_*` / `equity_prices_*` (e.g. the Chainlink TWAP topics). Other topics (comments,
 *   activity, clob_market, ...) are recorded raw but not normalized: they give no events.
 * - `type: "subscribe"` carries recent history `payload: {symbol, data: [{timestamp, value}, ...]}` ->
 *   one ReferencePrice per point, in order; any other type (`update`) carries one point in `payload`.
 *
 * Exact values (`value` is a decimal string, canonical: no exponent, no trailing zeros)
 * - `full_accuracy_value` (a string) wins when present. Binance topics send it as a decimal
 *   ("61035.86000000"); Chainlink topics as an integer scaled by 1e18 ("65000500000000000000000").
 *   The scale is decided against `value` (a rounded display number, e.g. 198.45 for "198.4523"):
 *   whichever of fav or fav/1e18 has the same magnitude as `value` (ratio within [0.5, 2]) is taken;
 *   neither -> inconsistent. Without a non-zero `value`, an integer fav on a chainlink/twap topic is
 *   scaled, anything else is taken as is.
 * - Otherwise `value` is a JSON number, and JSON.parse has already lost its text. The numeric literal
 *   is recovered from the raw frame text (every `"value": <number>` literal, matched to the parsed
 *   number by equality), so digits beyond float64 survive. If no literal matches (never seen), the
 *   shortest round-trip text String(number) is used: exact for literals of <= 15 significant digits.
 */
import { z } from 'zod';
import type { ReferencePrice } from '../../types/events.ts';
import { D } from '../../types/fixed.ts';
import { fail, invalidType, isObject, show, strOf, timestampMsOf, type Wire } from './fields.ts';
import { parseWith } from './mapper.ts';
import type { Sink } from './sink.ts';

export const RtdsEnvelopeSchema = z.object({
  topic: z.string(),
  type: z.string(),
  timestamp: z.union([z.number(), z.string()]).nullish(),
  payload: z.unknown().optional(),
});

export const RtdsPointSchema = z.object({
  timestamp: z.union([z.number(), z.string()]),
  value: z.union([z.number(), z.string()]).nullish(),
  full_accuracy_value: z.string().nullish(),
});

export const PRICE_TOPIC_RE = /^(?:crypto|equity)_prices(?:_[a-z0-9_]+)?$/;
const SCALED_TOPIC_RE = /chainlink|twap/;
const PLAIN_DECIMAL_RE = /^-?(?:\d+\.?\d*|\.\d+)$/;
const NUMBER_LITERAL_RE = /"value"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
const E18 = new D('1e18');

/** The numeric literals of every `"value": <number>` in a frame's text, handed out by parsed value. */
export class NumberLiterals {
  private lits: string[] | null = null;
  private used: boolean[] = [];

  constructor(private readonly text: string) {}

  /** Exact decimal text of a parsed `value` number: its literal in the frame, else String(n). */
  textOf(n: number): string {
    if (this.lits === null) {
      this.lits = [];
      for (const m of this.text.matchAll(NUMBER_LITERAL_RE)) this.lits.push(m[1] as string);
      this.used = this.lits.map(() => false);
    }
    for (let i = 0; i < this.lits.length; i++) {
      const lit = this.lits[i] as string;
      if (!this.used[i] && Number(lit) === n) {
        this.used[i] = true;
        return new D(lit).toFixed();
      }
    }
    return new D(String(n)).toFixed();
  }
}

/** Same magnitude: a/b within [0.5, 2]. `value` is a rounded display number, so no tighter test. */
function sameMagnitude(a: D, b: D): boolean {
  if (b.isZero()) return a.isZero();
  const r = a.div(b);
  return r.gte(0.5) && r.lte(2);
}

/** Exact decimal string of one price point (see header). */
export function pointValue(point: Wire, path: string, topic: string, lits: NumberLiterals): string {
  const v = point.value;
  let valueText: string | null = null;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail('invalid_field', `${path}.value: ${String(v)} is not a finite number`);
    valueText = lits.textOf(v);
  } else if (typeof v === 'string' && v !== '') {
    if (!PLAIN_DECIMAL_RE.test(v)) fail('invalid_field', `${path}.value: ${show(v)} is not a decimal number`);
    valueText = new D(v).toFixed();
  } else if (v !== undefined && v !== null && v !== '') {
    invalidType(`${path}.value`, 'number', v);
  }
  const fav = point.full_accuracy_value;
  if (fav === undefined || fav === null || fav === '') {
    if (valueText === null) return fail('invalid_field', `${path}: neither value nor full_accuracy_value is present`);
    return valueText;
  }
  const favText = strOf(fav, `${path}.full_accuracy_value`);
  if (!PLAIN_DECIMAL_RE.test(favText)) fail('invalid_field', `${path}.full_accuracy_value: ${show(favText)} is not a decimal number`);
  const f = new D(favText);
  if (valueText !== null && !new D(valueText).isZero()) {
    const val = new D(valueText);
    if (sameMagnitude(f, val)) return f.toFixed();
    const scaled = f.div(E18);
    if (sameMagnitude(scaled, val)) return scaled.toFixed();
    return fail('inconsistent', `${path}.full_accuracy_value ${show(favText)} agrees with value ${valueText} neither as is nor scaled by 1e18`);
  }
  if (!favText.includes('.') && SCALED_TOPIC_RE.test(topic)) return f.div(E18).toFixed();
  return f.toFixed();
}

/** Maps one RTDS message object. */
export function mapRtdsMessage(msg: Wire, sink: Sink, lits: NumberLiterals): void {
  if (msg.topic === undefined) {
    fail('unknown_message', `RTDS message without topic (keys: ${Object.keys(msg).slice(0, 12).join(',')})`);
  }
  const env = parseWith(RtdsEnvelopeSchema, msg);
  if (!PRICE_TOPIC_RE.test(env.topic)) return;
  const exchMs = timestampMsOf(env.timestamp, 'timestamp');
  const payload = env.payload;
  if (!isObject(payload)) return invalidType('payload', 'object', payload);
  const symbol = strOf(payload.symbol, 'payload.symbol');
  const points: { point: Wire; path: string }[] = [];
  if (Array.isArray(payload.data)) {
    payload.data.forEach((p: unknown, i) => {
      if (!isObject(p)) invalidType(`payload.data[${i}]`, 'object', p);
      points.push({ point: p, path: `payload.data[${i}]` });
    });
  } else {
    points.push({ point: payload, path: 'payload' });
  }
  for (const { point, path } of points) {
    const w = parseWith(RtdsPointSchema, point, path);
    const priceMs = timestampMsOf(w.timestamp, `${path}.timestamp`);
    if (priceMs === null) fail('invalid_field', `${path}.timestamp: empty`);
    const e: ReferencePrice = {
      type: 'reference_price',
      ...sink.origin(exchMs),
      topic: env.topic,
      symbol,
      priceMs,
      value: pointValue(point, path, env.topic, lits),
    };
    sink.push(e);
  }
}
