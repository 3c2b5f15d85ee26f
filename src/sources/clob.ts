/**
 * CLOB REST client (public market-data endpoints only).
 *
 * - books(): `POST /books` with body `[{"token_id":…}]`, chunked at 500 tokens (the server's batch
 *   limit; unknown tokens are silently omitted by the server). Used by the market WS client to
 *   reconcile its books after every (re)connect and every snapshot interval. The response bodies
 *   are not parsed here: they are recorded verbatim (clob_rest 'response') and normalized on read.
 * - market(): `GET /markets/{condition_id}` -> the parsed object, or null on 404.
 * - marketOfToken(): `GET /book?token_id=` -> the token's condition id (`market`), or null on 404.
 *   Used to resolve a bare token id when Gamma does not know it.
 *
 * Retries, timeouts and recording are the HttpClient's (http.ts).
 */
import { z } from 'zod';
import type { RawMeta } from '../core/types/raw.ts';
import { HttpClient, HttpError, type HttpClientOptions, type HttpResponse } from './http.ts';

export const DEFAULT_CLOB_URL = 'https://clob.polymarket.com';
export const BOOKS_BATCH_LIMIT = 500;

const BookHeadSchema = z.object({ market: z.string() }).loose();

export class ClobClient {
  constructor(readonly http: HttpClient) {}

  static create(opts: Partial<HttpClientOptions> = {}): ClobClient {
    return new ClobClient(new HttpClient({ name: 'CLOB', hint: 'check --clob-url and the network', ...opts, baseUrl: opts.baseUrl ?? DEFAULT_CLOB_URL }));
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** POST /books for the given tokens (chunks of 500). Returns one response per chunk. */
  async books(tokenIds: readonly string[], meta: RawMeta = {}): Promise<HttpResponse[]> {
    const out: HttpResponse[] = [];
    for (let i = 0; i < tokenIds.length; i += BOOKS_BATCH_LIMIT) {
      const chunk = tokenIds.slice(i, i + BOOKS_BATCH_LIMIT);
      const body = JSON.stringify(chunk.map((token_id) => ({ token_id })));
      const res = await this.http.request({ method: 'POST', path: '/books', body, meta: { ...meta, assets: [...chunk] } });
      if (res.status < 200 || res.status >= 300) {
        throw new HttpError(`CLOB POST ${res.url} answered HTTP ${res.status}`, 'status', res.url, res.status);
      }
      out.push(res);
    }
    return out;
  }

  /** GET /markets/{conditionId}: the market object, or null when the CLOB does not know it. */
  async market(conditionId: string): Promise<Record<string, unknown> | null> {
    const res = await this.http.json({ method: 'GET', path: `/markets/${encodeURIComponent(conditionId)}` });
    if (res.status === 404 || res.status === 400) return null;
    if (res.status < 200 || res.status >= 300) throw new HttpError(`CLOB GET ${res.url} answered HTTP ${res.status}`, 'status', res.url, res.status);
    if (res.json === null || typeof res.json !== 'object' || Array.isArray(res.json)) return null;
    const obj = res.json as Record<string, unknown>;
    // the CLOB answers unknown ids with an empty object or an error field
    if (typeof obj['condition_id'] !== 'string' || obj['condition_id'] === '') return null;
    return obj;
  }

  /** GET /book?token_id=: the token's condition id, or null when unknown. */
  async marketOfToken(tokenId: string): Promise<string | null> {
    const res = await this.http.json({ method: 'GET', path: '/book', query: { token_id: tokenId } });
    if (res.status === 404 || res.status === 400) return null;
    if (res.status < 200 || res.status >= 300) throw new HttpError(`CLOB GET ${res.url} answered HTTP ${res.status}`, 'status', res.url, res.status);
    const parsed = BookHeadSchema.safeParse(res.json);
    return parsed.success && parsed.data.market !== '' ? parsed.data.market : null;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
