/**
 * A real Redis for tests: Debian's redis-server started on 127.0.0.1 on a free port (bind port 0, release it,
 * start redis on it; retried when another process took the port meanwhile), no persistence, stopped after.
 * Missing redis-server is an error with the fix (.ci/run installs it), never a skipped test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error !== undefined) {
    throw new Error('redis-server is not installed: apt-get install -y redis-server (.ci/run installs it)');
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const ok = await new Promise<boolean>((resolve) => {
      // ready = answers PING (redis-cli ships with redis-server); exited = failed (port taken, ...)
      const probe = setInterval(() => {
        const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8' });
        if (r.stdout?.trim() === 'PONG') finish(true);
      }, 100);
      const finish = (v: boolean): void => {
        clearInterval(probe);
        resolve(v);
      };
      const onData = (d: Buffer): void => void (out += d.toString());
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', () => finish(false));
    });
    if (!ok) {
      if (/Address already in use/i.test(out)) continue;
      throw new Error(`redis-server did not start: ${out.trim()}`);
    }
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    };
  }
  throw new Error('could not find a free port for redis-server after 5 attempts');
}
