/**
 * `poly exchange --scenario FILE | --recording DIR [--speed N|max] [--port N] [--paused]`
 * Runs the local Polymarket-compatible exchange simulator (src/sim/exchange.ts) on 127.0.0.1.
 *
 * Output contract (tests and scripts parse it): once listening, stdout gets one line per endpoint,
 * `<name> <url>` for clob, gamma, marketWs, userWs, rtds, control - in that order. When the feed has
 * been fully sent, stderr gets `poly exchange: feed done (...)`. SIGINT/SIGTERM close everything
 * cleanly and the command exits 0.
 * Bad input (missing/invalid scenario, missing recording, busy port, non-loopback host, bad speed)
 * is one CliError line and a non-zero exit.
 * Recording playback imports src/recorder/read.ts lazily (readRecording), so the simulator runs
 * without the recorder's DuckDB dependency when only scenarios are used.
 */
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import type { RawRecord } from '../core/types/raw.ts';
import { ExchangeError, startExchange, type Exchange } from '../sim/exchange.ts';
import { loadScenario, ScenarioError, type ParsedScenario } from '../sim/scenario.ts';
import { CliError } from './errors.ts';
import { parseCount } from '../core/units.ts';
import { applyUnitFlags } from './flags.ts';

const OptsSchema = z.object({
  scenario: z.string().min(1).optional(),
  recording: z.string().min(1).optional(),
  speed: z.string(),
  port: z.string(),
  host: z.string(),
  paused: z.boolean().optional(),
});

function parseSpeed(text: string): number | 'max' {
  if (text === 'max') return 'max';
  if (!/^\d+(\.\d+)?$/.test(text) || !(Number.parseFloat(text) > 0)) {
    throw new CliError(`--speed must be a positive number or 'max' (got '${text}')`);
  }
  return Number.parseFloat(text);
}

const parsePort = (text: string): number => parseCount(text, '--port', 0, 65535);

async function openRecording(dir: string): Promise<AsyncIterable<RawRecord>> {
  const s = await stat(dir).catch(() => null);
  if (s === null || !s.isDirectory()) throw new CliError(`recording directory not found: ${dir}`, 'not_found');
  let mod: { readRecording?: unknown };
  try {
    mod = (await import('../recorder/read.ts')) as { readRecording?: unknown };
  } catch (err) {
    throw new CliError(`recording playback needs src/recorder/read.ts (readRecording), which failed to load: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (typeof mod.readRecording !== 'function') {
    throw new CliError('recording playback needs readRecording(dir) from src/recorder/read.ts, which is not available in this build');
  }
  return (mod.readRecording as (d: string) => AsyncIterable<RawRecord>)(dir);
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(sig);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function runExchange(raw: unknown): Promise<void> {
  const o = OptsSchema.parse(raw);
  if (o.host !== '127.0.0.1') throw new CliError(`--host: the exchange simulator binds only 127.0.0.1 (got '${o.host}')`);
  if (o.scenario !== undefined && o.recording !== undefined) throw new CliError('use either --scenario FILE or --recording DIR, not both');
  const speed = parseSpeed(o.speed);
  const port = parsePort(o.port);
  let scenario: ParsedScenario | undefined;
  if (o.scenario !== undefined) {
    try {
      scenario = await loadScenario(o.scenario);
    } catch (err) {
      if (err instanceof ScenarioError) throw new CliError(err.message);
      throw err;
    }
  }
  const records = o.recording === undefined ? undefined : await openRecording(o.recording);
  let ex: Exchange;
  try {
    // nobody reads sent()/received() in a CLI run: don't let them grow for hours
    ex = await startExchange({ host: o.host, port, speed, scenario, records, startPaused: o.paused === true, keepSentLog: false });
  } catch (err) {
    if (err instanceof ExchangeError || err instanceof ScenarioError) throw new CliError(err.message);
    if (o.recording !== undefined && err instanceof Error) throw new CliError(err.message.split('\n')[0] ?? 'cannot read the recording');
    throw err;
  }
  const signal = waitForSignal();
  for (const [name, url] of Object.entries(ex.urls)) process.stdout.write(`${name} ${url}\n`);
  ex.done.then(
    () => {
      const s = ex.stats();
      process.stderr.write(`poly exchange: feed done (${s.feedItems} items, ${s.framesSent} frames sent)\n`);
    },
    (err: unknown) => process.stderr.write(`poly exchange: feed failed: ${(err as Error).message}\n`),
  );
  await signal;
  await ex.close();
}

export function registerExchange(program: Command): void {
  const cmd = program
    .command('exchange')
    .description('run the local Polymarket-compatible exchange simulator (127.0.0.1 only)')
    .option('--scenario <file>', 'scenario JSON (markets, timed frames, faults); examples in src/sim/scenarios/')
    .option('--recording <dir>', 'play a recording: its market/RTDS frames re-sent at recorded times')
    .option('--speed <n|max>', "playback speed multiplier, or 'max' for as fast as the sockets drain", '1')
    .option('--port <n>', 'TCP port (0 = ephemeral)', '0')
    .option('--host <host>', 'bind address; only 127.0.0.1 is allowed', '127.0.0.1')
    .option('--paused', 'do not start the feed until POST /_sim/start')
    .action(async (opts: unknown) => runExchange(opts));
  applyUnitFlags(cmd);
}
