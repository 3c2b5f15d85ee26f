/**
 * Market metadata for an import: tokens, outcomes, tick size, min size, neg-risk, fee schedule, end date and
 * resolution fields, from Gamma and the CLOB (src/sources/gamma.ts, clob.ts) or from a `--meta` JSON file.
 *
 * Stored the way `poly record` stores it: the Gamma/CLOB HTTP exchanges made to resolve the markets are
 * captured verbatim as raw records (`gamma_rest`/`clob_rest` request + response, one conn per call, as the
 * HttpClient records them) and the resulting MarketMeta list goes into the manifest; replay and inspect
 * read both exactly as for a recorded session. A `--meta` file of Gamma market objects is stored as one
 * `gamma_rest` response whose meta names the file (`{"url":"/markets","file":"<name>","sha256":...}`): the
 * normalizer maps it like any Gamma page. A file of poly MarketMeta objects (e.g. a recording's own
 * manifest.json) or CLOB market objects goes into the manifest only (a CLOB list as one `clob_rest`
 * response for `/markets`).
 *
 * Resolution
 * - `--market` identifiers (slug | condition id | token id): resolveMarket, Gamma first, CLOB fallback.
 * - Condition ids found in the data (every market of the files, or the markets a slug prefix must be
 *   matched against): Gamma `GET /markets?condition_ids=...` in sorted batches of 50 (again with
 *   closed=true for the ones not listed), then CLOB `GET /markets/{id}` for each still missing.
 * - A rolling series (`btc-updown-15m`): the round slugs whose window overlaps the import range,
 *   resolved by slug; a round Gamma does not list is skipped.
 * Caching: every resolution's captured records and result are kept under the cache directory, keyed by the
 * Gamma and CLOB base URLs and the identifier (or the batch's condition ids), and reused as they are, so a
 * second import makes no request and stores the same records. `refresh` ignores the cache.
 * Failures are one line that names the fix: `--meta FILE`, or `--gamma-url` / `--clob-url`.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { clobMarketToMeta, gammaMarketToMeta } from '../core/normalize/index.ts';
import { seededRng } from '../core/rng.ts';
import type { MarketMeta } from '../core/types/market.ts';
import type { RawMeta, RecordKind, Source } from '../core/types/raw.ts';
import { RawMetaSchema } from '../core/types/raw.ts';
import { MarketMetaSchema } from '../recorder/manifest.ts';
import { ClobClient } from '../sources/clob.ts';
import { GammaClient, ResolveError, resolveMarket } from '../sources/gamma.ts';
import { HttpError, type HttpClientOptions } from '../sources/http.ts';
import { roundSlug, type SeriesSpec } from '../sources/series.ts';
import { ConnIds, RecordEmitter } from '../sources/source.ts';
import { Stamper } from '../sources/stamp.ts';
import { readJsonEntry, sha256Hex, writeJsonEntry } from './cache.ts';
import { ImportError, oneLine } from './errors.ts';

/** A raw record before it is given a seq and receive time in the output. */
export interface CapturedRecord {
  readonly source: Source;
  readonly conn: string;
  readonly kind: RecordKind;
  readonly meta: RawMeta;
  readonly payload: string;
}

export interface MetaOptions {
  readonly gammaUrl: string;
  readonly clobUrl: string;
  /** Cache root (cache.ts); null = no cache. */
  readonly cacheDir: string | null;
  readonly refresh?: boolean;
  readonly http?: Pick<HttpClientOptions, 'timeoutMs' | 'retries' | 'networkRetries' | 'backoff'>;
  readonly onLog?: (msg: string) => void;
}

export interface Resolution {
  readonly markets: readonly MarketMeta[];
  /** Captured exchanges, one array per resolution step (conn ids are unique within a step only). */
  readonly steps: readonly (readonly CapturedRecord[])[];
  /** How many steps came from the cache / the network. */
  readonly cached: number;
  readonly fetched: number;
}

const CapturedSchema = z.object({
  source: z.enum(['gamma_rest', 'clob_rest']),
  conn: z.string(),
  kind: z.enum(['request', 'response', 'error']),
  meta: RawMetaSchema,
  payload: z.string(),
});
const EntrySchema = z.object({ key: z.string(), records: z.array(CapturedSchema), markets: z.array(MarketMetaSchema), missing: z.array(z.string()) });
type Entry = { key: string; records: CapturedRecord[]; markets: MarketMeta[]; missing: string[] };

const BATCH = 50;

function metaFix(what: string): string {
  return `${what}; pass --meta FILE with its Gamma market objects, or check --gamma-url / --clob-url`;
}

/** Gamma + CLOB clients that capture every exchange into `out`. */
function clients(o: MetaOptions, out: CapturedRecord[]): { gamma: GammaClient; clob: ClobClient; close: () => Promise<void> } {
  const emitter = new RecordEmitter({ stamper: new Stamper(() => 0n, 0), sink: (r) => out.push({ source: r.source, conn: r.conn, kind: r.kind, meta: r.meta, payload: r.payload }) });
  const conns = new ConnIds();
  const common = (source: 'gamma_rest' | 'clob_rest', baseUrl: string): Partial<HttpClientOptions> => ({
    baseUrl,
    rng: seededRng(source === 'gamma_rest' ? 1 : 2),
    record: { emitter, source, conns },
    ...(o.http ?? {}),
  });
  const gamma = GammaClient.create(common('gamma_rest', o.gammaUrl));
  const clob = ClobClient.create(common('clob_rest', o.clobUrl));
  return { gamma, clob, close: async () => void (await Promise.all([gamma.close(), clob.close()])) };
}

class MetaCache {
  private readonly dir: string | null;
  constructor(private readonly o: MetaOptions) {
    this.dir = o.cacheDir === null ? null : join(o.cacheDir, 'meta', sha256Hex(`${o.gammaUrl}\n${o.clobUrl}`).slice(0, 16));
  }

  private path(key: string): string | null {
    return this.dir === null ? null : join(this.dir, `${sha256Hex(key).slice(0, 40)}.json`);
  }

  async get(key: string): Promise<Entry | null> {
    const p = this.path(key);
    if (p === null || this.o.refresh === true) return null;
    const v = EntrySchema.safeParse(await readJsonEntry(p));
    return v.success && v.data.key === key ? (v.data as Entry) : null;
  }

  async put(e: Entry): Promise<void> {
    const p = this.path(e.key);
    if (p === null || this.dir === null) return;
    await writeJsonEntry(p, e, this.dir);
  }
}

/** Runs `step` with capturing clients, or reuses its cached result. */
async function cachedStep(o: MetaOptions, cache: MetaCache, key: string, counts: { cached: number; fetched: number }, step: (c: ReturnType<typeof clients>) => Promise<{ markets: MarketMeta[]; missing: string[] }>): Promise<Entry> {
  const hit = await cache.get(key);
  if (hit !== null) {
    counts.cached++;
    return hit;
  }
  const records: CapturedRecord[] = [];
  const c = clients(o, records);
  try {
    const r = await step(c);
    const e: Entry = { key, records, markets: r.markets, missing: r.missing };
    counts.fetched++;
    await cache.put(e);
    return e;
  } catch (err) {
    if (err instanceof ImportError) throw err;
    if (err instanceof ResolveError) {
      throw new ImportError(err.kind === 'invalid' ? err.message : metaFix(`no usable metadata for market '${err.identifier}': ${err.message}`), 'input', { cause: err });
    }
    if (err instanceof HttpError) throw new ImportError(metaFix(`cannot fetch market metadata (${oneLine(err)})`), 'runtime', { cause: err });
    throw err;
  } finally {
    await c.close();
  }
}

function requireTokens(m: MarketMeta, id: string): MarketMeta {
  if (m.tokens.length === 0 || m.tokens.some((t) => t.tokenId === '')) throw new ImportError(metaFix(`market '${id}' has no token ids in its metadata`), 'input');
  return m;
}

/** Resolves `--market` identifiers (order kept; one market named twice is kept once). */
export async function resolveIdentifiers(ids: readonly string[], o: MetaOptions): Promise<Resolution> {
  const cache = new MetaCache(o);
  const counts = { cached: 0, fetched: 0 };
  const markets: MarketMeta[] = [];
  const steps: CapturedRecord[][] = [];
  const seen = new Set<string>();
  for (const id of ids) {
    const e = await cachedStep(o, cache, `id\n${id}`, counts, async (c) => {
      const r = await resolveMarket(id, { gamma: c.gamma, clob: c.clob });
      return { markets: [requireTokens(r.meta, id)], missing: [] };
    });
    steps.push(e.records);
    for (const m of e.markets) {
      if (seen.has(m.conditionId)) continue;
      seen.add(m.conditionId);
      markets.push(m);
    }
  }
  return { markets, steps, ...counts };
}

const lc = (s: string): string => s.toLowerCase();

/**
 * Metadata for condition ids seen in the data (batched; see the header). Ids nobody knows are returned in
 * `missing` (the caller decides whether that is an error).
 */
export async function resolveConditionIds(cids: readonly string[], o: MetaOptions): Promise<Resolution & { missing: string[] }> {
  const cache = new MetaCache(o);
  const counts = { cached: 0, fetched: 0 };
  const all = [...new Set(cids)].sort();
  const markets: MarketMeta[] = [];
  const steps: CapturedRecord[][] = [];
  const missing: string[] = [];
  for (let i = 0; i < all.length; i += BATCH) {
    const batch = all.slice(i, i + BATCH);
    o.onLog?.(`metadata: markets ${i + 1}-${i + batch.length} of ${all.length}`);
    const e = await cachedStep(o, cache, `cids\n${batch.join('\n')}`, counts, async (c) => {
      const found = new Map<string, MarketMeta>();
      for (const extra of [{}, { closed: 'true' }]) {
        const want = batch.filter((id) => !found.has(lc(id)));
        if (want.length === 0) break;
        for (const obj of await c.gamma.markets({ condition_ids: want, limit: String(want.length), ...extra })) {
          const m = gammaMarketToMeta(obj);
          if ('error' in m) continue;
          if (want.some((id) => lc(id) === lc(m.conditionId)) && m.tokens.length > 0) found.set(lc(m.conditionId), m);
        }
      }
      for (const id of batch) {
        if (found.has(lc(id))) continue;
        const obj = await c.clob.market(id);
        const m = obj === null ? null : clobMarketToMeta(obj);
        if (m !== null && !('error' in m) && m.tokens.length > 0) found.set(lc(id), m);
      }
      return { markets: batch.flatMap((id) => found.get(lc(id)) ?? []), missing: batch.filter((id) => !found.has(lc(id))) };
    });
    steps.push(e.records);
    markets.push(...e.markets);
    missing.push(...e.missing);
  }
  return { markets, steps, missing, ...counts };
}

/** The rounds of rolling series overlapping [fromMs, toMs), resolved by slug; unknown rounds are skipped. */
export async function resolveSeriesRounds(series: readonly SeriesSpec[], fromMs: number, toMs: number, o: MetaOptions): Promise<Resolution & { rounds: string[]; skipped: string[] }> {
  const cache = new MetaCache(o);
  const counts = { cached: 0, fetched: 0 };
  const markets: MarketMeta[] = [];
  const steps: CapturedRecord[][] = [];
  const rounds: string[] = [];
  const skipped: string[] = [];
  for (const s of series) {
    // a round [start, start + period) overlaps [from, to) when start < to and start + period > from
    for (let start = Math.floor(fromMs / s.periodMs) * s.periodMs; start < toMs; start += s.periodMs) {
      if (start + s.periodMs <= fromMs) continue;
      const slug = roundSlug(s, start);
      rounds.push(slug);
      const e = await cachedStep(o, cache, `slug\n${slug}`, counts, async (c) => {
        try {
          const r = await resolveMarket(slug, { gamma: c.gamma, clob: null });
          return { markets: [requireTokens(r.meta, slug)], missing: [] };
        } catch (err) {
          if (err instanceof ResolveError && err.kind === 'not_found') return { markets: [], missing: [slug] };
          throw err;
        }
      });
      steps.push(e.records);
      markets.push(...e.markets);
      skipped.push(...e.missing);
    }
  }
  return { markets, steps, rounds, skipped, ...counts };
}

// ---- --meta FILE ----------------------------------------------------------------------------------------

export interface MetaFile {
  readonly name: string;
  readonly sha256: string;
  readonly markets: readonly MarketMeta[];
  readonly records: readonly CapturedRecord[];
  readonly shape: 'gamma' | 'clob' | 'poly';
}

/**
 * Reads `--meta FILE`: a JSON array (or `{"markets": [...]}`, e.g. a recording's manifest.json, or
 * `{"data": [...]}`) of Gamma market objects, CLOB market objects or poly MarketMeta objects (one kind per
 * file). A bad file is one line naming the element and field.
 */
export async function loadMetaFile(path: string): Promise<MetaFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ImportError(`--meta: cannot read ${path} (${oneLine(err)})`, 'input', { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ImportError(`--meta: ${path} is not JSON (${oneLine(err)})`, 'input');
  }
  const list = Array.isArray(json)
    ? json
    : typeof json === 'object' && json !== null && Array.isArray((json as Record<string, unknown>)['markets'])
      ? ((json as Record<string, unknown>)['markets'] as unknown[])
      : typeof json === 'object' && json !== null && Array.isArray((json as Record<string, unknown>)['data'])
        ? ((json as Record<string, unknown>)['data'] as unknown[])
        : null;
  if (list === null || list.length === 0) throw new ImportError(`--meta: ${path} must hold a non-empty JSON array of markets (Gamma or CLOB market objects, or poly MarketMeta)`, 'input');
  const first = list[0];
  const has = (k: string): boolean => typeof first === 'object' && first !== null && k in first;
  const shape: MetaFile['shape'] = has('clobTokenIds') || has('outcomes') ? 'gamma' : has('condition_id') ? 'clob' : 'poly';
  const markets: MarketMeta[] = [];
  list.forEach((obj, i) => {
    let m: MarketMeta | { error: string };
    if (shape === 'gamma') m = gammaMarketToMeta(obj);
    else if (shape === 'clob') m = clobMarketToMeta(obj);
    else {
      const r = MarketMetaSchema.safeParse(obj);
      m = r.success ? r.data : { error: `${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? 'invalid'}` };
    }
    if ('error' in m) throw new ImportError(`--meta: market [${i}] of ${path} is not a ${shape === 'poly' ? 'poly MarketMeta' : `${shape} market object`} (${m.error})`, 'input');
    markets.push(m);
  });
  const name = basename(path);
  const sha256 = sha256Hex(text);
  const payload = JSON.stringify(list);
  const records: CapturedRecord[] =
    shape === 'poly'
      ? []
      : [
          { source: shape === 'gamma' ? 'gamma_rest' : 'clob_rest', conn: 'meta-file-1', kind: 'response', meta: { url: '/markets', method: 'GET', status: 200, file: name, sha256 }, payload },
        ];
  return { name, sha256, markets, records, shape };
}
