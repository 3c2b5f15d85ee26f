/**
 * The mapper contract (after tardis-node `src/mappers/mapper.ts`): one small pure object per message
 * family, with its zod schema beside it in the same file.
 *
 * Invariants
 * - `canHandle` is true when the message's `event_type` is the mapper's, or, for a message with no
 *   `event_type` at all (trimmed captures and some user-channel/REST shapes), when its keys match the
 *   family's shape rule `matchesShape`. A message whose `event_type` is present but unknown is never
 *   guessed: it becomes `unknown_message`.
 * - Shape rules are disjoint (tested): at most one mapper of a set claims a message without event_type.
 * - `map` pushes zero or more events into the sink or throws MapFailure; it never half-succeeds
 *   (the sink rolls back a failed element).
 * - zod validates the cold families (new_market, market_resolved, user channel, RTDS, REST metadata).
 *   The hot families (book, price_change, last_trade_price) use hand-written guards with zod's wording;
 *   their zod schemas document the wire shape and a test checks guard and schema agree.
 */
import type { z } from 'zod';
import { fail, type Wire } from './fields.ts';
import type { Sink } from './sink.ts';

export interface Mapper {
  /** Family name, used in stats and tests (equals the wire event_type where there is one). */
  readonly eventType: string;
  /** Shape rule for a message that carries no event_type. */
  matchesShape(msg: Wire): boolean;
  canHandle(msg: Wire): boolean;
  map(msg: Wire, sink: Sink): void;
}

/** Builds a mapper whose canHandle follows the rule in the header. */
export function defineMapper(m: Omit<Mapper, 'canHandle'>): Mapper {
  return {
    eventType: m.eventType,
    matchesShape: m.matchesShape,
    map: m.map,
    canHandle(msg: Wire): boolean {
      const t = msg.event_type;
      return t === undefined ? m.matchesShape(msg) : t === m.eventType;
    },
  };
}

/** Picks the mapper for a message: exact event_type first, then shape rules when event_type is absent. */
export class MapperSet {
  private readonly byType = new Map<string, Mapper>();

  constructor(readonly mappers: readonly Mapper[]) {
    for (const m of mappers) this.byType.set(m.eventType, m);
  }

  mapperFor(msg: Wire): Mapper | null {
    const t = msg.event_type;
    if (t !== undefined) return typeof t === 'string' ? (this.byType.get(t) ?? null) : null;
    for (const m of this.mappers) if (m.matchesShape(msg)) return m;
    return null;
  }

  map(msg: Wire, sink: Sink): void {
    const m = this.mapperFor(msg);
    if (m === null) {
      const t = msg.event_type;
      if (t !== undefined) fail('unknown_message', `event_type ${JSON.stringify(t)} is not a known message type`);
      fail('unknown_message', `message without event_type matches no known shape (keys: ${Object.keys(msg).slice(0, 12).join(',')})`);
    }
    m.map(msg, sink);
  }
}

/** `a.b[0].c` */
export function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += s === '' ? String(p) : `.${String(p)}`;
  }
  return s === '' ? '(message)' : s;
}

/** Validates with zod; the first issue becomes `invalid_field: <path>: <zod message>`. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue === undefined) return fail('invalid_field', `${prefix || '(message)'}: invalid`);
  const p = formatPath(issue.path);
  const path = prefix === '' ? p : p === '(message)' ? prefix : p.startsWith('[') ? `${prefix}${p}` : `${prefix}.${p}`;
  return fail('invalid_field', `${path}: ${issue.message}`);
}
