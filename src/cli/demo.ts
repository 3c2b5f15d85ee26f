/**
 * `poly demo [strategy]`: the bundled recording (recordings/sol-15m of the poly package) replayed with a
 * bundled strategy (default: market-maker), at --speed max: the quickest way to see poly work right after
 * installing it. The same as `poly replay <poly>/recordings/sol-15m --strategy <poly>/strategies/NAME.ts`.
 */
import type { Command } from 'commander';
import { PolyError } from '../core/errors.ts';
import { BUNDLED_RECORDING, bundledStrategies, bundledStrategyFile } from './bundled.ts';
import { runReplay } from './replay.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('replay the bundled recording with a bundled strategy (default market-maker); --list shows them')
    .argument('[strategy]', 'a bundled strategy name', 'market-maker')
    .option('--out <dir>', 'report directory (default reports/<run-id>)')
    .option('--list', 'list the bundled strategies and the recording path, and exit')
    .action(async (name: string, flags: { out?: string; list?: boolean }) => {
      const names = bundledStrategies();
      if (flags.list === true) {
        process.stdout.write(`recording: ${BUNDLED_RECORDING}\nstrategies:\n${names.map((n) => `  ${n}  ${bundledStrategyFile(n)}`).join('\n')}\n`);
        return;
      }
      if (!names.includes(name)) throw new PolyError('not_found', `'${name}' is not a bundled strategy; bundled: ${names.join(', ')}`);
      await runReplay(BUNDLED_RECORDING, { strategy: bundledStrategyFile(name), param: [], speed: 'max', market: [], progress: true, ...(flags.out !== undefined ? { out: flags.out } : {}) });
    });
}
