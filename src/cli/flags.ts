/**
 * THE table of flags that take a unit (durations, sizes, dollars, prices, times, counts), by command, beside
 * the engine settings' own table (src/engine/defaults.ts, shared by replay, sweep and live). Every command
 * passes its commander declaration through `applyUnitFlags`, which gives each flag of this table the unit's
 * one parser (src/core/units.ts), run as commander reads the value (the text is kept for the command), and
 * refuses a table entry the command does not have or a placeholder that does not name the unit:
 * the same syntax for every flag of every command, and a one-line error naming the flag
 * (test/cli/flags.test.ts iterates this table and the engine's through the real program).
 */
import type { Command } from 'commander';
import { checkFlagValue, type FlagUnit } from '../engine/flag-units.ts';

const ms: FlagUnit = { unit: 'duration', ms: true };
const time: FlagUnit = { unit: 'time' };

/** Command path ('record', 'import pmxt') -> flag -> unit. The engine flags come from ENGINE_FLAGS. */
export const UNIT_FLAGS: Readonly<Record<string, Readonly<Record<string, FlagUnit>>>> = {
  replay: { '--from': time, '--to': time },
  sweep: { '--from': time, '--to': time, '--random': { unit: 'count', min: 1 }, '--workers': { unit: 'count', min: 1 }, '--top': { unit: 'count', min: 1 } },
  live: { '--duration': ms, '--report-every': ms, '--metrics-port': { unit: 'count', max: 65535 } },
  record: {
    '--all-poll': ms, '--snapshot-interval': ms, '--flush-ms': { unit: 'count', min: 1, max: 1000 }, '--rotate': ms,
    '--rotate-size': { unit: 'size' }, '--duration': ms, '--ping-interval': ms, '--stale-after': ms,
  },
  'import pmxt': { '--from': time, '--to': time, '--memory': { unit: 'size' }, '--threads': { unit: 'count', min: 1, max: 64 } },
  markets: { '--end-after': time, '--end-before': time, '--min-volume': { unit: 'dollars' }, '--min-liquidity': { unit: 'dollars' }, '--limit': { unit: 'count' } },
  inspect: { '--limit': { unit: 'count' } },
  worker: { '--threads': { unit: 'count', min: 1 }, '--lock-duration': ms, '--stalled-interval': ms, '--max-stalled': { unit: 'count', min: 1 } },
  exchange: { '--port': { unit: 'count', max: 65535 } },
  export: { '--to': { unit: 'time', words: ['parquet', 'csv'] }, '--from': time, '--depth': { unit: 'count', min: 1, max: 10_000 }, '--interval': { unit: 'duration' } },
};

/** The placeholder help shows for a unit ('<duration>', '<size>', ...). */
export function placeholderOf(u: FlagUnit): string {
  const base = u.unit === 'dollars' ? 'dollars' : u.unit === 'count' ? 'n' : u.unit;
  return `<${u.words !== undefined ? `${u.words.join('|')}|` : ''}${base}${u.range === true ? '|min..max' : ''}>`;
}

/** The command path of a commander command ('import pmxt'). */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null && c.parent !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Gives every flag of this command's UNIT_FLAGS entry its unit's check (see header). Returns cmd. */
export function applyUnitFlags(cmd: Command): Command {
  const path = commandPath(cmd);
  for (const [flag, u] of Object.entries(UNIT_FLAGS[path] ?? {})) {
    const opt = cmd.options.find((o) => o.long === flag);
    if (opt === undefined) throw new Error(`src/cli/flags.ts: ${path} has no flag ${flag}`);
    if (!opt.flags.endsWith(` ${placeholderOf(u)}`)) throw new Error(`src/cli/flags.ts: ${path} ${opt.flags} must show ${placeholderOf(u)}`);
    // a repeatable flag keeps its own accumulator (commander's parseArg): the unit check runs first
    const prev = (opt as { parseArg?: (v: string, acc: unknown) => unknown }).parseArg;
    opt.argParser((v: string, acc: unknown) => {
      checkFlagValue(u, flag, v);
      return prev === undefined ? v : prev(v, acc);
    });
  }
  return cmd;
}

/**
 * Declares an option. `spec` is `--flag <placeholder>`; with a unit (given, or found in UNIT_FLAGS for
 * this command) the value is checked by the unit's parser as commander reads it, and the text is kept.
 */
export function unitOption(cmd: Command, spec: string, help: string, unit: FlagUnit | null = null, dflt?: string): Command {
  const flag = spec.split(' ')[0]!;
  const u = unit ?? UNIT_FLAGS[commandPath(cmd)]?.[flag] ?? null;
  if (u === null) throw new Error(`unitOption: ${commandPath(cmd)} ${flag} has no unit in src/cli/flags.ts`);
  const check = (v: string): string => {
    checkFlagValue(u, flag, v);
    return v;
  };
  return dflt === undefined ? cmd.option(spec, help, check) : cmd.option(spec, help, check, dflt);
}
