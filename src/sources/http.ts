/**
 * REST transport for CLOB and Gamma, on undici.
 *
 * Policy (every call):
 * - base URL configurable; each attempt has an overall timeout (connect + headers + body).
 * - HTTP 429: wait Retry-After (seconds or HTTP-date; capped at maxRetryAfterMs; backoff when the
 *   header is absent), then retry. HTTP 5xx: retry after exponential backoff with seeded jitter.
 *   Network errors and timeouts: retried the same way, at most `networkRetries` times (default 2).
 *   At most `retries` status retries per call; then an HttpError whose one-line message names the
 *   URL and what happened.
 * - Any other status (2xx, 3xx, 4xx) is returned to the caller, who decides (404 = not found).
 * - Recording (optional): every attempt is captured as RawRecords of the configured source
 *   (clob_rest | gamma_rest), one conn id per call (request chain): 'request' (meta url, method,
 *   attempt; payload = request body or ''), then 'response' (meta url, method, status, attempt;
 *   payload = the verbatim response body) or 'error' (payload = the error message).
 * - close() aborts in-flight calls and pending retry sleeps; later calls fail fast.
 *
 * Known limits: bodies are read fully into memory as UTF-8 text (JSON APIs); no redirects followed.
 */
import { Agent, request as undiciRequest } from 'undici';
import type { Rng } from '../core/rng.ts';
import { seededRng } from '../core/rng.ts';
import type { RawMeta } from '../core/types/raw.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { ConnIds, type RecordEmitter } from './source.ts';

export type QueryValue = string | number | boolean | readonly string[] | undefined;
export type Query = Readonly<Record<string, QueryValue>>;

export interface HttpRecording {
  readonly emitter: RecordEmitter;
  readonly source: 'clob_rest' | 'gamma_rest';
  /** Conn-id allocator (shared per process so ids stay unique); default: a fresh one. */
  readonly conns?: ConnIds;
}

export interface HttpClientOptions {
  readonly baseUrl: string;
  /** Human name used in errors, e.g. 'CLOB' or 'Gamma'. */
  readonly name: string;
  /** Appended to unreachable errors, e.g. "check --clob-url". */
  readonly hint?: string;
  readonly timeoutMs?: number;
  /** Retries after HTTP 429 / 5xx (default 4). */
  readonly retries?: number;
  /** Retries after a network error or timeout (default 2: a refused connection is rarely transient). */
  readonly networkRetries?: number;
  readonly backoff?: Partial<BackoffOptions>;
  readonly rng?: Rng;
  readonly maxRetryAfterMs?: number;
  readonly record?: HttpRecording;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query?: Query;
  /** JSON text for POST. */
  readonly body?: string;
  /** Extra metadata stored on the recorded request/response records. */
  readonly meta?: RawMeta;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: string;
  readonly url: string;
  readonly attempts: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export type HttpErrorKind = 'unreachable' | 'timeout' | 'status' | 'closed' | 'bad_json';

export class HttpError extends Error {
  constructor(
    message: string,
    readonly kind: HttpErrorKind,
    readonly url: string,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Joins base URL, path and query; arrays become repeated parameters (`slug=a&slug=b`). */
export function buildUrl(baseUrl: string, path: string, query?: Query): string {
  const base = baseUrl.replace(/\/+$/, '');
  const p = path.startsWith('/') ? path : `/${path}`;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v as readonly string[]) params.append(k, x);
    else params.append(k, String(v));
  }
  const qs = params.toString();
  return qs === '' ? `${base}${p}` : `${base}${p}?${qs}`;
}

/** Retry-After header -> ms (delta-seconds or HTTP-date), null when absent/unparseable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return null;
  const t = v.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const at = Date.parse(t);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

function errorCode(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 4 && e != null; i++) {
    const o = e as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof o.code === 'string' && o.code !== '') return o.code;
    if (o.name === 'TimeoutError') return 'TIMEOUT';
    if (o.name === 'AbortError') return 'ABORTED';
    e = o.cause;
  }
  return err instanceof Error ? err.message : String(err);
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error('aborted'));
      return;
    }
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

export class HttpClient {
  readonly baseUrl: string;
  readonly name: string;
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly networkRetries: number;
  private readonly backoffOpts: Partial<BackoffOptions>;
  private readonly rng: Rng;
  private readonly maxRetryAfterMs: number;
  private readonly rec: { emitter: RecordEmitter; source: 'clob_rest' | 'gamma_rest'; conns: ConnIds } | null;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly headers: Readonly<Record<string, string>>;
  private readonly hint: string;
  private readonly closing = new AbortController();
  private requests = 0;
  private failures = 0;

  constructor(opts: HttpClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(opts.baseUrl);
    } catch {
      throw new HttpError(`${opts.name} URL '${opts.baseUrl}' is not a valid URL; pass e.g. https://host[:port]`, 'unreachable', opts.baseUrl);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new HttpError(`${opts.name} URL '${opts.baseUrl}' must start with http:// or https://`, 'unreachable', opts.baseUrl);
    }
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.name = opts.name;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.retries = opts.retries ?? 4;
    this.networkRetries = opts.networkRetries ?? Math.min(2, this.retries);
    this.backoffOpts = opts.backoff ?? {};
    this.rng = opts.rng ?? seededRng(0x5eed);
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 60_000;
    this.rec = opts.record === undefined ? null : { ...opts.record, conns: opts.record.conns ?? new ConnIds() };
    this.sleep = opts.sleep ?? defaultSleep;
    this.headers = { accept: 'application/json', 'user-agent': 'poly-recorder/0.1', ...(opts.headers ?? {}) };
    this.hint = opts.hint ?? '';
    this.agent = new Agent({ connect: { timeout: this.timeoutMs }, keepAliveTimeout: 10_000 });
  }

  stats(): { requests: number; failures: number } {
    return { requests: this.requests, failures: this.failures };
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = buildUrl(this.baseUrl, req.path, req.query);
    const what = `${req.method} ${url}`;
    if (this.closing.signal.aborted) throw new HttpError(`${this.name} client is closed (${what})`, 'closed', url);
    const conn = this.rec?.conns.next(this.rec.source === 'clob_rest' ? 'clob' : 'gamma') ?? '';
    const backoff = new Backoff(this.backoffOpts, this.rng);
    const baseMeta: RawMeta = { ...(req.meta ?? {}), url, method: req.method };
    let lastProblem = '';
    let netFailures = 0;
    let statusFailures = 0;
    for (let attempt = 1; ; attempt++) {
      this.requests += 1;
      this.rec?.emitter.emit(this.rec.source, conn, 'request', { ...baseMeta, attempt }, req.body ?? '');
      let status: number;
      let body: string;
      let headers: Record<string, string | string[] | undefined>;
      try {
        const signal = AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.timeoutMs)]);
        const res = await undiciRequest(url, {
          method: req.method,
          headers: req.body !== undefined ? { ...this.headers, 'content-type': 'application/json' } : this.headers,
          ...(req.body !== undefined ? { body: req.body } : {}),
          dispatcher: this.agent,
          signal,
        });
        status = res.statusCode;
        headers = res.headers;
        body = await res.body.text();
      } catch (err) {
        this.failures += 1;
        const code = errorCode(err);
        this.rec?.emitter.emit(this.rec.source, conn, 'error', { ...baseMeta, attempt }, `${code}: ${err instanceof Error ? err.message : String(err)}`);
        if (this.closing.signal.aborted) throw new HttpError(`${this.name} request aborted by shutdown (${what})`, 'closed', url);
        lastProblem = code === 'TIMEOUT' ? `timed out after ${this.timeoutMs} ms` : code;
        netFailures += 1;
        if (netFailures > this.networkRetries) {
          const kind: HttpErrorKind = code === 'TIMEOUT' ? 'timeout' : 'unreachable';
          throw new HttpError(
            `cannot reach ${this.name} at ${url} (${lastProblem}) after ${attempt} attempt${attempt === 1 ? '' : 's'}${this.hint === '' ? '' : `; ${this.hint}`}`,
            kind,
            url,
          );
        }
        await this.pause(backoff.next(), what);
        continue;
      }
      this.rec?.emitter.emit(this.rec.source, conn, 'response', { ...baseMeta, status, attempt }, body);
      const retryable = status === 429 || status >= 500;
      if (!retryable) return { status, body, url, attempts: attempt, headers };
      this.failures += 1;
      statusFailures += 1;
      if (statusFailures > this.retries) {
        throw new HttpError(`${this.name} ${what} failed with HTTP ${status} after ${attempt} attempts${body === '' ? '' : `: ${body.slice(0, 120).replace(/\s+/g, ' ')}`}`, 'status', url, status);
      }
      let delay = backoff.next();
      if (status === 429) {
        const ra = parseRetryAfter(headers['retry-after'], Date.now());
        if (ra !== null) delay = Math.min(ra, this.maxRetryAfterMs);
      }
      await this.pause(delay, what);
    }
  }

  /** GET/POST and parse JSON. Non-2xx statuses are returned with json = null. */
  async json(req: HttpRequest): Promise<{ status: number; json: unknown; body: string; url: string }> {
    const res = await this.request(req);
    if (res.status < 200 || res.status >= 300) return { status: res.status, json: null, body: res.body, url: res.url };
    try {
      return { status: res.status, json: JSON.parse(res.body) as unknown, body: res.body, url: res.url };
    } catch {
      throw new HttpError(`${this.name} ${req.method} ${res.url} returned a body that is not JSON: ${res.body.slice(0, 80).replace(/\s+/g, ' ')}`, 'bad_json', res.url, res.status);
    }
  }

  private async pause(ms: number, what: string): Promise<void> {
    try {
      await this.sleep(ms, this.closing.signal);
    } catch {
      throw new HttpError(`${this.name} request aborted by shutdown (${what})`, 'closed', what);
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.agent.close().catch(() => undefined);
  }
}
