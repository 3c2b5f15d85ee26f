import type { Command } from 'commander';
import { notImplemented } from './errors.ts';

/** Commands whose issues have not landed yet: they exist, and say so with a non-zero exit. */
export function registerStubs(program: Command, names: readonly { name: string; issue: number; summary: string }[]): void {
  for (const { name, issue, summary } of names) {
    program
      .command(name)
      .description(`${summary} (not implemented yet)`)
      .allowUnknownOption(true)
      .allowExcessArguments(true)
      .action(() => notImplemented(name, issue));
  }
}
