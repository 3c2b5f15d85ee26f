/**
 * What the poly package ships for a new user to try at once (package.json "files"): the bundled recording
 * (recordings/sol-15m) and the bundled strategies (strategies/*.ts). Paths are found from this module's own
 * location, so they work in a checkout and in node_modules/poly alike.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The poly package directory (holds package.json, recordings/, strategies/). */
export const POLY_DIR = fileURLToPath(new URL('../..', import.meta.url)).replace(/[/\\]$/, '');

export const BUNDLED_RECORDING_NAME = 'sol-15m';
export const BUNDLED_RECORDING = join(POLY_DIR, 'recordings', BUNDLED_RECORDING_NAME);

/** The strategy `poly init` copies into a new project. */
export const STARTER_STRATEGY = join(POLY_DIR, 'strategies', 'join-the-bid.ts');

/** Names of the bundled strategies (strategies/<name>.ts, tests excluded), sorted. */
export function bundledStrategies(): string[] {
  return readdirSync(join(POLY_DIR, 'strategies'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

export const bundledStrategyFile = (name: string): string => join(POLY_DIR, 'strategies', `${name}.ts`);
