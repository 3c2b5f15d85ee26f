/**
 * Running the CLI from tests: `poly` spawns bin/poly.mjs as a child process (habit 14: the real
 * binary, tsx registration included); `polyIn` runs the same commander program in process (faster),
 * capturing what it writes to stdout and stderr.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { vi } from 'vitest';
import { main } from '../../cli.ts';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function poly(...args: string[]): Promise<CliRun> {
  return polyAt({}, ...args);
}

/** `poly` in another working directory and/or with extra environment variables (default: the repo root). */
export function polyAt(opts: { cwd?: string; env?: Record<string, string | undefined>; bin?: string }, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env = opts.env === undefined ? process.env : { ...process.env, ...opts.env };
    const child = spawn(process.execPath, [opts.bin ?? join(ROOT, 'bin', 'poly.mjs'), ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export async function polyIn(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  try {
    return { code: await main(['node', 'poly', ...args]), stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
