/**
 * Market registry of the exchange simulator and the Gamma / CLOB REST views of it.
 *
 * Invariants
 * - Every market is held as a Gamma market object (the exact object Gamma would return). Gamma objects
 *   given by a scenario or found in a recording are served verbatim; compact scenario markets are
 *   expanded once into the real Gamma shape (outcomes, outcomePrices, clobTokenIds as JSON-ENCODED
 *   strings; orderPriceMinTickSize / orderMinSize numbers; feeSchedule object; ISO endDate), modelled
 *   on the captured btc-updown-5m Gamma market (fixtures, PROTOCOL.md §4.2).
 * - CLOB `/markets` objects are served verbatim when a recording had them, otherwise synthesized from
 *   the Gamma object in the CLOB shape (condition_id, tokens[{token_id,outcome,price,winner}], ...).
 * - Registry order = insertion order; re-adding a condition id replaces its objects in place.
 * - Decimal strings from the scenario become JSON numbers only where the real API publishes numbers
 *   (tick size, min size, volumeNum, token price); the conversion is for output only, never arithmetic.
 * Known limits
 * - Gamma filters implemented: id, slug, condition_ids, clob_token_ids, closed, active, tag_id,
 *   start/end_date_min/max, volume_num_min/max, liquidity_num_min/max, order + ascending; unknown
 *   params are ignored (as Gamma does). `closed` defaults to false only when no identifying filter
 *   (id/slug/condition_ids/clob_token_ids) is given, so a closed market can still be looked up.
 * - Events are derived from the markets' embedded `events[0]` (or the compact `event`); an event's
 *   `closed`/`active` are those of its embedded object.
 */
import { D } from '../core/types/fixed.ts';

export interface MarketToken {
  readonly tokenId: string;
  readonly outcome: string;
}

/** Compact scenario form of a market (see scenario.ts for the schema). */
export interface CompactMarket {
  conditionId: string;
  tokens: { tokenId: string; outcome: string }[];
  id?: string | undefined;
  slug?: string | undefined;
  question?: string | undefined;
  description?: string | undefined;
  tickSize?: string | undefined;
  minOrderSize?: string | undefined;
  negRisk?: boolean | undefined;
  active?: boolean | undefined;
  closed?: boolean | undefined;
  acceptingOrders?: boolean | undefined;
  startDate?: string | undefined;
  endDate?: string | undefined;
  eventStartTime?: string | undefined;
  outcomePrices?: string[] | undefined;
  volume?: string | undefined;
  liquidity?: string | undefined;
  feesEnabled?: boolean | undefined;
  feeType?: string | undefined;
  feeSchedule?: { rate: number; exponent: number; takerOnly: boolean; rebateRate: number } | undefined;
  tags?: { id: string; label: string; slug: string }[] | undefined;
  event?: { id: string; slug: string; title: string; negRisk?: boolean | undefined } | undefined;
}

export interface SimMarket {
  readonly conditionId: string;
  readonly tokens: readonly MarketToken[];
  readonly slug: string | null;
  /** The Gamma object served by /gamma/markets (mutated on market_resolved). */
  readonly gamma: Record<string, unknown>;
  /** Verbatim CLOB object (from a recording), or null to synthesize from `gamma`. */
  clob: Record<string, unknown> | null;
  readonly tickSize: string;
  readonly minOrderSize: string;
  readonly negRisk: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Python-style JSON list text as Gamma publishes it: `["a", "b"]` (comma + space). */
export const gammaJsonList = (items: readonly string[]): string => `[${items.map((s) => JSON.stringify(s)).join(', ')}]`;

/** A Gamma list field: JSON-encoded string or real array (both occur, PROTOCOL.md §4.2). */
export function gammaList(v: unknown): string[] | null {
  let arr: unknown = v;
  if (typeof v === 'string') {
    try {
      arr = JSON.parse(v) as unknown;
    } catch {
      return null;
    }
  }
  if (!Array.isArray(arr)) return null;
  const out: string[] = [];
  for (const x of arr) {
    if (typeof x === 'string') out.push(x);
    else if (typeof x === 'number') out.push(new D(x).toString());
    else return null;
  }
  return out;
}

/** Decimal string -> JSON number, for wire fields the real API publishes as numbers (output only). */
const wireNumber = (decimal: string): number => new D(decimal).toNumber();
/** JSON number from an upstream API -> its shortest decimal text. */
const decimalText = (n: number): string => new D(n).toString();

export function gammaFromCompact(c: CompactMarket, index: number): Record<string, unknown> {
  const outcomes = c.tokens.map((t) => t.outcome);
  const ids = c.tokens.map((t) => t.tokenId);
  const equal = c.tokens.length > 0 ? new D(1).div(c.tokens.length).toDecimalPlaces(4).toString() : '0';
  const prices = c.outcomePrices ?? c.tokens.map(() => equal);
  const closed = c.closed ?? false;
  const volume = c.volume ?? '0';
  const liquidity = c.liquidity ?? '0';
  const fees = c.feesEnabled ?? c.feeSchedule !== undefined;
  const g: Record<string, unknown> = {
    id: c.id ?? String(index + 1),
    question: c.question ?? c.slug ?? c.conditionId,
    conditionId: c.conditionId,
    slug: c.slug ?? c.conditionId,
    resolutionSource: '',
    endDate: c.endDate ?? null,
    liquidity,
    startDate: c.startDate ?? null,
    description: c.description ?? '',
    outcomes: gammaJsonList(outcomes),
    outcomePrices: gammaJsonList(prices),
    volume,
    active: c.active ?? true,
    closed,
    marketMakerAddress: '',
    new: false,
    featured: false,
    archived: false,
    restricted: true,
    questionID: '',
    enableOrderBook: true,
    orderPriceMinTickSize: wireNumber(c.tickSize ?? '0.01'),
    orderMinSize: wireNumber(c.minOrderSize ?? '5'),
    volumeNum: wireNumber(volume),
    liquidityNum: wireNumber(liquidity),
    endDateIso: c.endDate?.slice(0, 10) ?? null,
    startDateIso: c.startDate?.slice(0, 10) ?? null,
    clobTokenIds: gammaJsonList(ids),
    makerBaseFee: fees ? 1000 : 0,
    takerBaseFee: fees ? 1000 : 0,
    acceptingOrders: c.acceptingOrders ?? !closed,
    negRisk: c.negRisk ?? false,
  };
  if (c.event !== undefined) {
    g.events = [
      {
        id: c.event.id,
        ticker: c.event.slug,
        slug: c.event.slug,
        title: c.event.title,
        active: c.active ?? true,
        closed,
        negRisk: c.event.negRisk ?? c.negRisk ?? false,
        enableNegRisk: c.event.negRisk ?? c.negRisk ?? false,
        negRiskAugmented: false,
      },
    ];
  }
  if (c.tags !== undefined) g.tags = c.tags;
  if (c.eventStartTime !== undefined) g.eventStartTime = c.eventStartTime;
  g.feesEnabled = fees;
  if (c.feeType !== undefined) g.feeType = c.feeType;
  if (c.feeSchedule !== undefined) g.feeSchedule = c.feeSchedule;
  return g;
}

/** Builds a SimMarket from a Gamma object; null when it has no condition id or token ids. */
export function marketFromGamma(g: Record<string, unknown>): SimMarket | null {
  const conditionId = typeof g.conditionId === 'string' ? g.conditionId : null;
  const ids = gammaList(g.clobTokenIds);
  if (conditionId === null || conditionId === '' || ids === null) return null;
  const outcomes = gammaList(g.outcomes) ?? [];
  const tick = g.orderPriceMinTickSize;
  const min = g.orderMinSize;
  return {
    conditionId,
    tokens: ids.map((tokenId, i) => ({ tokenId, outcome: outcomes[i] ?? '' })),
    slug: typeof g.slug === 'string' ? g.slug : null,
    gamma: g,
    clob: null,
    tickSize: typeof tick === 'number' ? decimalText(tick) : typeof tick === 'string' ? tick : '0.01',
    minOrderSize: typeof min === 'number' ? decimalText(min) : typeof min === 'string' ? min : '5',
    negRisk: g.negRisk === true,
  };
}

/** Builds a SimMarket from a CLOB `/markets` object (used for recordings without Gamma responses). */
export function marketFromClob(c: Record<string, unknown>, index: number): SimMarket | null {
  const conditionId = typeof c.condition_id === 'string' ? c.condition_id : null;
  if (conditionId === null || conditionId === '' || !Array.isArray(c.tokens)) return null;
  const tokens: MarketToken[] = [];
  for (const t of c.tokens) {
    if (isRecord(t) && typeof t.token_id === 'string' && t.token_id !== '') {
      tokens.push({ tokenId: t.token_id, outcome: typeof t.outcome === 'string' ? t.outcome : '' });
    }
  }
  const tick = typeof c.minimum_tick_size === 'number' ? decimalText(c.minimum_tick_size) : '0.01';
  const min = typeof c.minimum_order_size === 'number' ? decimalText(c.minimum_order_size) : '5';
  const compact: CompactMarket = {
    conditionId,
    tokens,
    slug: typeof c.market_slug === 'string' ? c.market_slug : undefined,
    question: typeof c.question === 'string' ? c.question : undefined,
    description: typeof c.description === 'string' ? c.description : undefined,
    tickSize: tick,
    minOrderSize: min,
    negRisk: c.neg_risk === true,
    active: c.active !== false,
    closed: c.closed === true,
    acceptingOrders: c.accepting_orders === true,
    endDate: typeof c.end_date_iso === 'string' ? c.end_date_iso : undefined,
  };
  const m = marketFromGamma(gammaFromCompact(compact, index));
  if (m !== null) m.clob = c;
  return m;
}

/** Builds a SimMarket from a WS `new_market` message (PROTOCOL.md §1.5). */
export function marketFromNewMarket(m: Record<string, unknown>, index: number): SimMarket | null {
  const conditionId =
    typeof m.condition_id === 'string' ? m.condition_id : typeof m.market === 'string' ? m.market : null;
  const ids = gammaList(m.clob_token_ids) ?? gammaList(m.assets_ids);
  if (conditionId === null || ids === null) return null;
  const outcomes = gammaList(m.outcomes) ?? [];
  const ev = isRecord(m.event_message) ? m.event_message : null;
  const fs = isRecord(m.fee_schedule) ? m.fee_schedule : null;
  const num = (v: unknown, dflt: number): number => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? wireNumber(v) : dflt);
  const compact: CompactMarket = {
    conditionId,
    tokens: ids.map((tokenId, i) => ({ tokenId, outcome: outcomes[i] ?? '' })),
    id: typeof m.id === 'string' ? m.id : undefined,
    slug: typeof m.slug === 'string' ? m.slug : undefined,
    question: typeof m.question === 'string' ? m.question : undefined,
    description: typeof m.description === 'string' ? m.description : undefined,
    tickSize: typeof m.order_price_min_tick_size === 'string' && m.order_price_min_tick_size !== '' ? m.order_price_min_tick_size : undefined,
    active: m.active !== false,
    feesEnabled: m.fees_enabled === true,
    feeSchedule:
      fs === null
        ? undefined
        : { rate: num(fs.rate, 0), exponent: num(fs.exponent, 1), takerOnly: fs.taker_only !== false, rebateRate: num(fs.rebate_rate, 0) },
    event:
      ev !== null && typeof ev.id === 'string' && typeof ev.slug === 'string'
        ? { id: ev.id, slug: ev.slug, title: typeof ev.title === 'string' ? ev.title : ev.slug }
        : undefined,
  };
  return marketFromGamma(gammaFromCompact(compact, index));
}

/** CLOB `/markets` object for a market: the verbatim one when known, else synthesized from Gamma. */
export function clobMarket(m: SimMarket): Record<string, unknown> {
  if (m.clob !== null) return m.clob;
  const g = m.gamma;
  const prices = gammaList(g.outcomePrices) ?? [];
  const closed = g.closed === true;
  return {
    enable_order_book: g.enableOrderBook !== false,
    active: g.active !== false,
    closed,
    archived: g.archived === true,
    accepting_orders: g.acceptingOrders === true,
    accepting_order_timestamp: typeof g.acceptingOrdersTimestamp === 'string' ? g.acceptingOrdersTimestamp : null,
    minimum_order_size: wireNumber(m.minOrderSize),
    minimum_tick_size: wireNumber(m.tickSize),
    condition_id: m.conditionId,
    question_id: typeof g.questionID === 'string' ? g.questionID : '',
    question: typeof g.question === 'string' ? g.question : '',
    description: typeof g.description === 'string' ? g.description : '',
    market_slug: m.slug ?? '',
    end_date_iso: typeof g.endDate === 'string' ? g.endDate : null,
    game_start_time: typeof g.gameStartTime === 'string' ? g.gameStartTime : null,
    seconds_delay: 0,
    fpmm: '',
    maker_base_fee: typeof g.makerBaseFee === 'number' ? g.makerBaseFee : 0,
    taker_base_fee: typeof g.takerBaseFee === 'number' ? g.takerBaseFee : 0,
    notifications_enabled: true,
    neg_risk: m.negRisk,
    neg_risk_market_id: typeof g.negRiskMarketID === 'string' ? g.negRiskMarketID : '',
    neg_risk_request_id: '',
    icon: typeof g.icon === 'string' ? g.icon : '',
    image: typeof g.image === 'string' ? g.image : '',
    rewards: { rates: null, min_size: 0, max_spread: 0 },
    is_50_50_outcome: false,
    tokens: m.tokens.map((t, i) => {
      const p = prices[i];
      return {
        token_id: t.tokenId,
        outcome: t.outcome,
        price: p === undefined ? 0 : wireNumber(p),
        winner: closed && p !== undefined && new D(p).eq(1),
      };
    }),
    tags: [],
  };
}

/** Applies a `market_resolved` message: closes the market and sets outcome prices to 1/0. */
export function resolveMarket(m: SimMarket, winningAssetId: string): void {
  const g = m.gamma;
  g.closed = true;
  g.acceptingOrders = false;
  g.outcomePrices = gammaJsonList(m.tokens.map((t) => (t.tokenId === winningAssetId ? '1' : '0')));
  g.umaResolutionStatus = 'resolved';
  if (m.clob !== null) {
    m.clob.closed = true;
    m.clob.accepting_orders = false;
    if (Array.isArray(m.clob.tokens)) {
      for (const t of m.clob.tokens) {
        if (isRecord(t)) {
          t.winner = t.token_id === winningAssetId;
          t.price = t.token_id === winningAssetId ? 1 : 0;
        }
      }
    }
  }
}

export class SimMarkets {
  private readonly list: SimMarket[] = [];
  private readonly byCondition = new Map<string, SimMarket>();
  private readonly byToken = new Map<string, SimMarket>();

  get size(): number {
    return this.list.length;
  }

  all(): readonly SimMarket[] {
    return this.list;
  }

  add(m: SimMarket): void {
    const old = this.byCondition.get(m.conditionId);
    if (old !== undefined) {
      const i = this.list.indexOf(old);
      this.list[i] = m;
      for (const t of old.tokens) this.byToken.delete(t.tokenId);
    } else {
      this.list.push(m);
    }
    this.byCondition.set(m.conditionId, m);
    for (const t of m.tokens) this.byToken.set(t.tokenId, m);
  }

  byConditionId(id: string): SimMarket | undefined {
    return this.byCondition.get(id);
  }

  byTokenId(id: string): SimMarket | undefined {
    return this.byToken.get(id);
  }
}

// ---------------------------------------------------------------------------------------------
// Gamma query evaluation

export type QueryResult<T> = { ok: true; value: T } | { ok: false; status: number; error: string };

/** All values of a repeated and/or comma-separated query parameter. */
export function listParam(q: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (const v of q.getAll(name)) for (const part of v.split(',')) if (part.trim() !== '') out.push(part.trim());
  return out;
}

function boolParam(q: URLSearchParams, name: string): QueryResult<boolean | null> {
  const v = q.get(name);
  if (v === null || v === '') return { ok: true, value: null };
  if (v === 'true') return { ok: true, value: true };
  if (v === 'false') return { ok: true, value: false };
  return { ok: false, status: 422, error: `invalid value for ${name}: expected true or false` };
}

export function intParam(q: URLSearchParams, name: string, dflt: number): QueryResult<number> {
  const v = q.get(name);
  if (v === null || v === '') return { ok: true, value: dflt };
  if (!/^\d+$/.test(v)) return { ok: false, status: 422, error: `invalid value for ${name}: expected a non-negative integer` };
  return { ok: true, value: Number.parseInt(v, 10) };
}

function decimalParam(q: URLSearchParams, name: string): QueryResult<D | null> {
  const v = q.get(name);
  if (v === null || v === '') return { ok: true, value: null };
  try {
    return { ok: true, value: new D(v) };
  } catch {
    return { ok: false, status: 422, error: `invalid value for ${name}: expected a number` };
  }
}

function dateParam(q: URLSearchParams, name: string): QueryResult<number | null> {
  const v = q.get(name);
  if (v === null || v === '') return { ok: true, value: null };
  const t = Date.parse(v);
  return Number.isNaN(t) ? { ok: false, status: 422, error: `invalid value for ${name}: expected an ISO date` } : { ok: true, value: t };
}

function tagIds(g: Record<string, unknown>): Set<string> {
  const out = new Set<string>();
  const collect = (tags: unknown): void => {
    if (!Array.isArray(tags)) return;
    for (const t of tags) if (isRecord(t) && (typeof t.id === 'string' || typeof t.id === 'number')) out.add(String(t.id));
  };
  collect(g.tags);
  if (Array.isArray(g.events)) for (const e of g.events) if (isRecord(e)) collect(e.tags);
  return out;
}

function numField(g: Record<string, unknown>, name: string): D | null {
  const v = g[name];
  if (typeof v === 'number') return new D(v);
  if (typeof v === 'string' && v !== '') {
    try {
      return new D(v);
    } catch {
      return null;
    }
  }
  return null;
}

/** Filters (and orders) Gamma market objects by the query parameters of GET /markets. */
export function filterGammaMarkets(markets: readonly SimMarket[], q: URLSearchParams): QueryResult<Record<string, unknown>[]> {
  const ids = new Set(listParam(q, 'id'));
  const slugs = new Set(listParam(q, 'slug'));
  const conds = new Set(listParam(q, 'condition_ids'));
  const tokens = new Set(listParam(q, 'clob_token_ids'));
  const tag = q.get('tag_id');
  const closed = boolParam(q, 'closed');
  const active = boolParam(q, 'active');
  if (!closed.ok) return closed;
  if (!active.ok) return active;
  const identifying = ids.size + slugs.size + conds.size + tokens.size > 0;
  const wantClosed = closed.value ?? (identifying ? null : false);
  const ranges: { field: string; min: QueryResult<D | null>; max: QueryResult<D | null> }[] = [
    { field: 'volumeNum', min: decimalParam(q, 'volume_num_min'), max: decimalParam(q, 'volume_num_max') },
    { field: 'liquidityNum', min: decimalParam(q, 'liquidity_num_min'), max: decimalParam(q, 'liquidity_num_max') },
  ];
  const dates: { field: string; min: QueryResult<number | null>; max: QueryResult<number | null> }[] = [
    { field: 'endDate', min: dateParam(q, 'end_date_min'), max: dateParam(q, 'end_date_max') },
    { field: 'startDate', min: dateParam(q, 'start_date_min'), max: dateParam(q, 'start_date_max') },
  ];
  for (const r of [...ranges, ...dates]) {
    if (!r.min.ok) return r.min;
    if (!r.max.ok) return r.max;
  }
  const out: Record<string, unknown>[] = [];
  for (const m of markets) {
    const g = m.gamma;
    if (ids.size > 0 && !ids.has(String(g.id))) continue;
    if (slugs.size > 0 && (m.slug === null || !slugs.has(m.slug))) continue;
    if (conds.size > 0 && !conds.has(m.conditionId)) continue;
    if (tokens.size > 0 && !m.tokens.some((t) => tokens.has(t.tokenId))) continue;
    if (wantClosed !== null && (g.closed === true) !== wantClosed) continue;
    if (active.value !== null && (g.active !== false) !== active.value) continue;
    if (tag !== null && tag !== '' && !tagIds(g).has(tag)) continue;
    let keep = true;
    for (const r of ranges) {
      if (!r.min.ok || !r.max.ok || (r.min.value === null && r.max.value === null)) continue;
      const v = numField(g, r.field) ?? new D(0);
      if ((r.min.value !== null && v.lt(r.min.value)) || (r.max.value !== null && v.gt(r.max.value))) keep = false;
    }
    for (const r of dates) {
      if (!r.min.ok || !r.max.ok || (r.min.value === null && r.max.value === null)) continue;
      const text = g[r.field];
      const t = typeof text === 'string' ? Date.parse(text) : Number.NaN;
      if (Number.isNaN(t) || (r.min.value !== null && t < r.min.value) || (r.max.value !== null && t > r.max.value)) keep = false;
    }
    if (keep) out.push(g);
  }
  const order = q.get('order');
  if (order !== null && order !== '') {
    const asc = q.get('ascending') === 'true';
    const key = (g: Record<string, unknown>): D | string => numField(g, order) ?? String(g[order] ?? '');
    out.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const c = typeof ka === 'string' || typeof kb === 'string' ? String(ka).localeCompare(String(kb)) : ka.cmp(kb);
      return asc ? c : -c;
    });
  }
  return { ok: true, value: out };
}

/** Gamma events derived from the markets: embedded event object + `markets[]` (without `events`). */
export function gammaEvents(markets: readonly SimMarket[]): Record<string, unknown>[] {
  const byId = new Map<string, Record<string, unknown>>();
  const order: string[] = [];
  for (const m of markets) {
    const evs = m.gamma.events;
    if (!Array.isArray(evs) || !isRecord(evs[0])) continue;
    const ev = evs[0];
    const id = String(ev.id ?? ev.slug ?? '');
    if (id === '') continue;
    let e = byId.get(id);
    if (e === undefined) {
      e = { ...ev, markets: [] };
      byId.set(id, e);
      order.push(id);
    }
    const { events: _events, ...bare } = m.gamma;
    (e.markets as unknown[]).push(bare);
  }
  return order.map((id) => byId.get(id)).filter((e): e is Record<string, unknown> => e !== undefined);
}

/** Filters events by GET /events parameters (id, slug, closed, active, tag_id). */
export function filterGammaEvents(events: readonly Record<string, unknown>[], q: URLSearchParams): QueryResult<Record<string, unknown>[]> {
  const ids = new Set(listParam(q, 'id'));
  const slugs = new Set(listParam(q, 'slug'));
  const closed = boolParam(q, 'closed');
  const active = boolParam(q, 'active');
  if (!closed.ok) return closed;
  if (!active.ok) return active;
  const tag = q.get('tag_id');
  const out = events.filter((e) => {
    if (ids.size > 0 && !ids.has(String(e.id))) return false;
    if (slugs.size > 0 && !slugs.has(String(e.slug))) return false;
    if (closed.value !== null && (e.closed === true) !== closed.value) return false;
    if (active.value !== null && (e.active !== false) !== active.value) return false;
    if (tag !== null && tag !== '' && !tagIds(e).has(tag)) return false;
    return true;
  });
  return { ok: true, value: out };
}

// ---------------------------------------------------------------------------------------------
// cursors

export const CLOB_FIRST_CURSOR = 'MA==';
export const CLOB_END_CURSOR = 'LTE=';

/** CLOB cursor = base64 of the decimal offset ("MA==" = 0, "LTE=" = -1 = end). */
export const clobCursor = (offset: number): string => Buffer.from(String(offset)).toString('base64');

export function parseClobCursor(c: string | null): number | null {
  if (c === null || c === '') return 0;
  const text = Buffer.from(c, 'base64').toString('utf8');
  if (!/^-?\d+$/.test(text)) return null;
  return Number.parseInt(text, 10);
}

/** Gamma keyset cursor: opaque base64url of `o:<offset>`. */
export const keysetCursor = (offset: number): string => Buffer.from(`o:${offset}`).toString('base64url');

export function parseKeysetCursor(c: string): number | null {
  const m = /^o:(\d+)$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  return m?.[1] === undefined ? null : Number.parseInt(m[1], 10);
}
