/**
 * An S3-compatible server for tests: s3rver (@20minutes/s3rver, the maintained fork) on 127.0.0.1 on an
 * ephemeral port, storing into a temporary directory, with one bucket. Signatures are not checked
 * (allowMismatchedSignatures): s3rver computes bucket-level canonical paths without the trailing slash the
 * current AWS SDK signs (PUT /bucket/), so CreateBucket/ListObjects would be refused though the client is
 * right; object requests are signed and served as by S3. The environment is set so that spawned CLIs use it
 * through the standard AWS variables.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from '@20minutes/s3rver';

export interface S3Server {
  readonly endpoint: string;
  readonly bucket: string;
  stop(): Promise<void>;
}

export async function startS3(bucket = 'poly-test'): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), 'poly-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, allowMismatchedSignatures: true, configureBuckets: [{ name: bucket }] });
  const addr = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${addr.port}`;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    // the SDK warns on every process that Node 20 support ends in 2027; keep test output readable
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  return {
    endpoint,
    bucket,
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
