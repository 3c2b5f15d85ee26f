/**
 * S3-compatible object storage through the official AWS SDK v3 (@aws-sdk/client-s3), for recordings,
 * columnar tapes and sweep results addressed as s3://bucket/prefix/NAME.
 *
 * Configuration is the SDK's standard chain: AWS_REGION (default us-east-1 when unset), AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN / AWS_PROFILE, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL for
 * S3-compatible servers (MinIO, Ceph, R2, ...), AWS_REQUEST_CHECKSUM_CALCULATION for servers that refuse the
 * SDK's default CRC checksums. Flags override: --s3-endpoint URL (path-style addressing is then used, which
 * every S3-compatible server understands). AWS_S3_FORCE_PATH_STYLE=true forces path style without --s3-endpoint.
 *
 * Objects are written with one PutObject of the whole body (no multipart): parts are bounded by the recorder's
 * rotation (64 MiB by default) and report files are small. The SDK is loaded on first use, so commands that
 * never touch S3 do not pay for it.
 */
import { CliError } from '../cli/errors.ts';
import type { S3Client } from '@aws-sdk/client-s3';

export interface S3Url {
  readonly bucket: string;
  /** Key prefix without leading or trailing '/' ('' for the bucket root). */
  readonly key: string;
}

export const isS3Url = (s: string): boolean => s.startsWith('s3://');

export function parseS3Url(url: string): S3Url {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (m === null) throw new CliError(`'${url}' is not an S3 address: expected s3://bucket/prefix/name (bucket names are 3-63 lower-case letters, digits, '.' or '-')`);
  return { bucket: m[1]!, key: (m[2] ?? '').replace(/^\/+|\/+$/g, '') };
}

export const s3Join = (u: S3Url, ...parts: string[]): S3Url => ({ bucket: u.bucket, key: [u.key, ...parts].filter((p) => p !== '').join('/') });
export const s3Text = (u: S3Url): string => `s3://${u.bucket}${u.key === '' ? '' : `/${u.key}`}`;

export interface S3Options {
  /** --s3-endpoint; else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (read by the SDK). */
  readonly endpoint?: string | undefined;
}

let configured: S3Options = {};
let client: Promise<S3Client> | null = null;
let sdk: Promise<typeof import('@aws-sdk/client-s3')> | null = null;

/** Sets the options every later call uses (from the command's flags). */
export function configureS3(opts: S3Options): void {
  if (opts.endpoint !== undefined && !/^https?:\/\/[^/]+/.test(opts.endpoint)) throw new CliError(`--s3-endpoint '${opts.endpoint}' must be an http:// or https:// URL`);
  configured = opts;
  client = null;
}

/** The current options as plain data (handed to worker threads). */
export const s3Options = (): S3Options => configured;

function loadSdk(): Promise<typeof import('@aws-sdk/client-s3')> {
  sdk ??= import('@aws-sdk/client-s3');
  return sdk;
}

function getClient(): Promise<S3Client> {
  client ??= (async () => {
    const { S3Client } = await loadSdk();
    const endpoint = configured.endpoint;
    const forcePath = endpoint !== undefined || process.env['AWS_S3_FORCE_PATH_STYLE'] === 'true' || process.env['AWS_ENDPOINT_URL'] !== undefined || process.env['AWS_ENDPOINT_URL_S3'] !== undefined;
    return new S3Client({
      ...(endpoint !== undefined ? { endpoint } : {}),
      ...(process.env['AWS_REGION'] === undefined && process.env['AWS_DEFAULT_REGION'] === undefined ? { region: 'us-east-1' } : {}),
      forcePathStyle: forcePath,
    });
  })();
  return client;
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return `${e.name ?? 'Error'}${status !== undefined ? ` (HTTP ${status})` : ''}: ${(e.message ?? String(err)).split('\n')[0]}`;
}

const isNotFound = (err: unknown): boolean => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
};

/** The object's bytes, or null when it does not exist. */
export async function s3Get(u: S3Url): Promise<Buffer | null> {
  const { GetObjectCommand } = await loadSdk();
  try {
    const r = await (await getClient()).send(new GetObjectCommand({ Bucket: u.bucket, Key: u.key }));
    if (r.Body === undefined) return Buffer.alloc(0);
    return Buffer.from(await r.Body.transformToByteArray());
  } catch (err) {
    if (isNotFound(err)) return null;
    throw new CliError(`reading ${s3Text(u)} failed: ${describe(err)}`);
  }
}

export async function s3Exists(u: S3Url): Promise<boolean> {
  const { HeadObjectCommand } = await loadSdk();
  try {
    await (await getClient()).send(new HeadObjectCommand({ Bucket: u.bucket, Key: u.key }));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw new CliError(`checking ${s3Text(u)} failed: ${describe(err)}`);
  }
}

export async function s3Put(u: S3Url, body: Uint8Array | string, contentType?: string): Promise<void> {
  const { PutObjectCommand } = await loadSdk();
  try {
    await (await getClient()).send(new PutObjectCommand({ Bucket: u.bucket, Key: u.key, Body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body, ...(contentType !== undefined ? { ContentType: contentType } : {}) }));
  } catch (err) {
    throw new CliError(`writing ${s3Text(u)} failed: ${describe(err)}`);
  }
}

/** Every key under `prefix/` (recursively), sorted, with sizes. */
export async function s3List(prefix: S3Url): Promise<{ key: string; size: number }[]> {
  const { ListObjectsV2Command } = await loadSdk();
  const out: { key: string; size: number }[] = [];
  let token: string | undefined;
  const p = prefix.key === '' ? '' : `${prefix.key}/`;
  try {
    do {
      const r = await (await getClient()).send(new ListObjectsV2Command({ Bucket: prefix.bucket, Prefix: p, ...(token !== undefined ? { ContinuationToken: token } : {}) }));
      for (const o of r.Contents ?? []) if (o.Key !== undefined) out.push({ key: o.Key, size: o.Size ?? 0 });
      token = r.IsTruncated === true ? r.NextContinuationToken : undefined;
    } while (token !== undefined);
  } catch (err) {
    throw new CliError(`listing ${s3Text(prefix)} failed: ${describe(err)}`);
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Drops the client (tests; a process that changed its environment). */
export function resetS3(): void {
  client = null;
}
