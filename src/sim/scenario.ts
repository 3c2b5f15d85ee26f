/**
 * Scenario files for the exchange simulator: markets to serve, timed frames to send, timed faults.
 *
 * Format (JSON, validated with zod here at the boundary; errors name the file and the field):
 * {
 *   "description"?: string,
 *   "markets"?: [ <Gamma market object> | <compact market> ],
 *   "events"?: [ { "atMs": 0, "frame": <object|array|string>, "assets"?: [ids], "channel"?: "market"|"rtds" } ],
 *   "faults"?: [ { "atMs": 5000, "type": "drop", "code"?: 4000 }
 *              | { "atMs": ..., "type": "stall", "ms": 2000 }
 *              | { "atMs": ..., "type": "malformed", "count"?: 1 }
 *              | { "atMs": ..., "type": "http", "status": 429, "count": 2, "retryAfterS"?: 1, "path"?: "/books" } ],
 *   "noNewAssetsEveryMs"?: 30000,   // feed-time period of the "NO NEW ASSETS" text frame; 0 disables
 *   "loop"?: false,                 // replay the timeline forever (period = last atMs + 1000)
 *   "startEpochMs"?: 1765450842371, // epoch ms of feed time 0 (server timestamps, GET /time); default: wall clock
 *   "bookAfterTrade"?: false        // synthesize a post-trade `book` after every last_trade_price
 * }
 * A market entry with `tokens` is the compact form (see CompactMarket in markets.ts: conditionId,
 * tokens[{tokenId,outcome}], slug, question, tickSize "0.01", minOrderSize "5", negRisk, active,
 * closed, endDate, feeSchedule, tags, event{id,slug,title}, ...); any other entry must be a Gamma
 * market object with `conditionId` and `clobTokenIds` (JSON-encoded string or array) and is served
 * verbatim.
 *
 * Invariants
 * - Frames are sent VERBATIM: a string as-is, an object/array JSON.stringify'd once here (key order kept).
 * - Timeline order: by atMs; at equal atMs faults fire before frames, each in file order (stable).
 * - Parsing never mutates the input; Gamma objects are deep-copied.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { gammaFromCompact, gammaList, type CompactMarket } from './markets.ts';

export interface ScenarioEvent {
  atMs: number;
  frame: unknown;
  assets?: readonly string[] | undefined;
  channel?: 'market' | 'rtds' | undefined;
}

export type ScenarioFault =
  | { atMs: number; type: 'drop'; code?: number | undefined }
  | { atMs: number; type: 'stall'; ms: number }
  | { atMs: number; type: 'malformed'; count?: number | undefined }
  | { atMs: number; type: 'http'; status: number; count: number; retryAfterS?: number | undefined; path?: string | undefined };

/** A scenario as written in a file or built by a test (validated by parseScenario). */
export interface Scenario {
  description?: string | undefined;
  markets?: readonly object[] | undefined;
  events?: readonly ScenarioEvent[] | undefined;
  faults?: readonly ScenarioFault[] | undefined;
  noNewAssetsEveryMs?: number | undefined;
  loop?: boolean | undefined;
  startEpochMs?: number | undefined;
  bookAfterTrade?: boolean | undefined;
}

export interface ParsedEvent {
  readonly atMs: number;
  readonly text: string;
  readonly assets: readonly string[] | null;
  readonly channel: 'market' | 'rtds';
}

export interface ParsedScenario {
  readonly parsed: true;
  readonly markets: Record<string, unknown>[];
  readonly events: readonly ParsedEvent[];
  readonly faults: readonly ScenarioFault[];
  readonly noNewAssetsEveryMs: number | null;
  readonly loop: boolean;
  readonly startEpochMs: number | null;
  readonly bookAfterTrade: boolean;
}

export class ScenarioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioError';
  }
}

const atMs = z.number().finite().nonnegative();

const FrameSchema = z.custom<unknown>(
  (v) => typeof v === 'string' || (typeof v === 'object' && v !== null),
  'expected an object, an array or a string',
);

const EventSchema = z.strictObject({
  atMs,
  frame: FrameSchema,
  assets: z.array(z.string().min(1)).optional(),
  channel: z.enum(['market', 'rtds']).optional(),
});

const FaultSchema = z.discriminatedUnion('type', [
  z.strictObject({ atMs, type: z.literal('drop'), code: z.number().int().min(1000).max(4999).optional() }),
  z.strictObject({ atMs, type: z.literal('stall'), ms: z.number().finite().positive() }),
  z.strictObject({ atMs, type: z.literal('malformed'), count: z.number().int().positive().optional() }),
  z.strictObject({
    atMs,
    type: z.literal('http'),
    status: z.number().int().min(100).max(599),
    count: z.number().int().positive(),
    retryAfterS: z.number().finite().nonnegative().optional(),
    path: z.string().startsWith('/').optional(),
  }),
]);

const ScenarioSchema = z.strictObject({
  description: z.string().optional(),
  markets: z.array(z.unknown()).optional(),
  events: z.array(EventSchema).optional(),
  faults: z.array(FaultSchema).optional(),
  noNewAssetsEveryMs: z.number().finite().nonnegative().optional(),
  loop: z.boolean().optional(),
  startEpochMs: z.number().int().nonnegative().optional(),
  bookAfterTrade: z.boolean().optional(),
});

const decimalString = z.string().regex(/^\d*\.?\d+$|^\d+\.$/, 'expected a decimal string such as "0.01"');

const CompactSchema = z.strictObject({
  conditionId: z.string().min(1),
  tokens: z.array(z.strictObject({ tokenId: z.string().min(1), outcome: z.string() })).min(1),
  id: z.string().optional(),
  slug: z.string().min(1).optional(),
  question: z.string().optional(),
  description: z.string().optional(),
  tickSize: z.enum(['0.1', '0.01', '0.001', '0.0001']).optional(),
  minOrderSize: decimalString.optional(),
  negRisk: z.boolean().optional(),
  active: z.boolean().optional(),
  closed: z.boolean().optional(),
  acceptingOrders: z.boolean().optional(),
  startDate: z.iso.datetime({ offset: true }).optional(),
  endDate: z.iso.datetime({ offset: true }).optional(),
  eventStartTime: z.iso.datetime({ offset: true }).optional(),
  outcomePrices: z.array(decimalString).optional(),
  volume: decimalString.optional(),
  liquidity: decimalString.optional(),
  feesEnabled: z.boolean().optional(),
  feeType: z.string().optional(),
  feeSchedule: z
    .strictObject({ rate: z.number().nonnegative(), exponent: z.number().nonnegative(), takerOnly: z.boolean(), rebateRate: z.number().nonnegative() })
    .optional(),
  tags: z.array(z.strictObject({ id: z.string(), label: z.string(), slug: z.string() })).optional(),
  event: z.strictObject({ id: z.string().min(1), slug: z.string().min(1), title: z.string(), negRisk: z.boolean().optional() }).optional(),
});

const stringList = (what: string) =>
  z.custom<unknown>((v) => {
    const l = gammaList(v);
    return l !== null && l.length > 0;
  }, `expected ${what} as a JSON-encoded string list (e.g. "[\\"1\\", \\"2\\"]") or an array`);

const GammaSchema = z.looseObject({
  conditionId: z.string().min(1),
  clobTokenIds: stringList('token ids'),
  outcomes: stringList('outcomes').optional(),
  slug: z.string().optional(),
});

function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(root)' : out;
}

function fail(source: string, prefix: string, err: z.ZodError): never {
  const first = err.issues[0];
  const where = formatPath(prefix, first?.path ?? []);
  const more = err.issues.length > 1 ? ` (and ${err.issues.length - 1} more problem${err.issues.length > 2 ? 's' : ''})` : '';
  throw new ScenarioError(`${source}: ${where}: ${first?.message ?? 'invalid'}${more}`);
}

/** Validates and normalizes a scenario; throws ScenarioError with one line naming the field. */
export function parseScenario(input: unknown, source = 'scenario'): ParsedScenario {
  const top = ScenarioSchema.safeParse(input);
  if (!top.success) fail(source, '', top.error);
  const s = top.data;
  const markets: Record<string, unknown>[] = [];
  (s.markets ?? []).forEach((m, i) => {
    const isObj = typeof m === 'object' && m !== null && !Array.isArray(m);
    if (isObj && 'tokens' in m) {
      const c = CompactSchema.safeParse(m);
      if (!c.success) fail(source, `markets[${i}]`, c.error);
      markets.push(gammaFromCompact(c.data satisfies CompactMarket, i));
    } else {
      const g = GammaSchema.safeParse(m);
      if (!g.success) fail(source, `markets[${i}]`, g.error);
      const ids = gammaList(g.data.clobTokenIds) ?? [];
      const outs = g.data.outcomes === undefined ? null : gammaList(g.data.outcomes);
      if (outs !== null && outs.length !== ids.length) {
        throw new ScenarioError(`${source}: markets[${i}].outcomes: ${outs.length} outcomes for ${ids.length} clobTokenIds`);
      }
      markets.push(structuredClone(g.data) as Record<string, unknown>);
    }
  });
  const events: ParsedEvent[] = (s.events ?? []).map((e) => ({
    atMs: e.atMs,
    text: typeof e.frame === 'string' ? e.frame : JSON.stringify(e.frame),
    assets: e.assets ?? null,
    channel: e.channel ?? 'market',
  }));
  // stable sorts: equal atMs keep file order
  events.sort((a, b) => a.atMs - b.atMs);
  const faults: ScenarioFault[] = [...(s.faults ?? [])].sort((a, b) => a.atMs - b.atMs);
  return {
    parsed: true,
    markets,
    events,
    faults,
    noNewAssetsEveryMs: s.noNewAssetsEveryMs === undefined ? null : s.noNewAssetsEveryMs,
    loop: s.loop ?? false,
    startEpochMs: s.startEpochMs ?? null,
    bookAfterTrade: s.bookAfterTrade ?? false,
  };
}

/** Reads and validates a scenario file; every failure is a ScenarioError with one line. */
export async function loadScenario(file: string): Promise<ParsedScenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ScenarioError(
      code === 'ENOENT' ? `scenario file not found: ${file}` : `cannot read scenario file ${file}: ${(err as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (err) {
    throw new ScenarioError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseScenario(json, file);
}

/** True when the value already went through parseScenario. */
export function isParsedScenario(v: Scenario | ParsedScenario): v is ParsedScenario {
  return (v as { parsed?: unknown }).parsed === true;
}
