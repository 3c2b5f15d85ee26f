/**
 * `poly tape <recording> [--force] [--tape-dir DIR]`: builds the recording's normalized tape when it is
 * missing or stale (src/tape/tape.ts), else verifies it, and prints one line of stats.
 */
import type { Command } from 'commander';
import { ensureTape } from '../tape/tape.ts';
import { tapeProgress } from './replay.ts';

export function registerTape(program: Command): void {
  program
    .command('tape')
    .description("build (or verify) a recording's normalized tape, which replay reads by default")
    .argument('<recording>', 'recording directory (made by poly record)')
    .option('--force', 'rebuild even when a valid tape exists')
    .option('--tape-dir <dir>', 'where the tape lives (default <recording>/.tape/, else the user cache dir)')
    .option('--no-progress', 'no progress lines on stderr')
    .action(async (recording: string, flags: { force?: boolean; tapeDir?: string; progress: boolean }) => {
      const t = await ensureTape(recording, {
        ...(flags.force === true ? { force: true } : {}),
        ...(flags.tapeDir !== undefined ? { tapeDir: flags.tapeDir } : {}),
        ...(flags.progress ? { onProgress: tapeProgress } : {}),
        onWarning: (m) => void process.stderr.write(`poly: warning: ${m}\n`),
      });
      const rate = t.buildMs > 0 ? Math.round(t.records / (t.buildMs / 1000)) : 0;
      process.stdout.write(
        t.built
          ? `tape built: ${t.path} (${t.records} records, ${t.events} events, ${(t.buildMs / 1000).toFixed(1)} s, ${rate} records/s)\n`
          : `tape ok: ${t.path} (key ${t.key.slice(0, 12)}...)\n`,
      );
    });
}
