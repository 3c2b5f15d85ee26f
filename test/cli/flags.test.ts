/**
 * Flags read one way everywhere (issue 9 item 6):
 * - every flag of THE tables (src/engine/defaults.ts for the engine settings of replay, sweep and live;
 *   src/cli/flags.ts for every command) exists in the real program, shows its unit in the placeholder, and a
 *   bad value is one line naming the flag, exit 2, through the same parser per unit; a good value of the
 *   unit's common syntax is taken by every flag of that unit;
 * - no flag with a unit placeholder bypasses the tables;
 * - the engine defaults are declared once: the help shows the table's, the README's engine-options table
 *   shows the table's;
 * - precedence, through the spawned CLI: --stale-after given > the --risk file's staleAfter > the default
 *   (the CLI's default once silently overrode a user's risk limit).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli.ts';
import { commandPath, placeholderOf, UNIT_FLAGS } from '../../src/cli/flags.ts';
import { defaultShown, ENGINE_FLAGS } from '../../src/engine/defaults.ts';
import { checkFlagValue, type FlagUnit } from '../../src/engine/flag-units.ts';
import { poly, polyIn, ROOT } from '../helpers/cli.ts';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.ts';

afterAll(cleanupTempDirs);

function allCommands(c: Command): Command[] {
  return [c, ...c.commands.flatMap(allCommands)];
}
const program = buildProgram();
const byPath = new Map(allCommands(program).map((c) => [commandPath(c), c]));

/** Every (command, flag, unit) of both tables; the engine's for each command that has the engine flags. */
const table: { path: string; flag: string; unit: FlagUnit; dflt: string | null }[] = [
  ...['replay', 'sweep', 'live'].flatMap((path) =>
    ENGINE_FLAGS.filter((f) => f.unit !== null).map((f) => ({ path, flag: f.flag, unit: f.unit!, dflt: f.default }))),
  ...Object.entries(UNIT_FLAGS).flatMap(([path, flags]) => Object.entries(flags).map(([flag, unit]) => ({ path, flag, unit, dflt: null }))),
];
/** Positional arguments that let each command reach its option parsing. */
const ARGS: Record<string, string[]> = { replay: ['x'], 'import pmxt': ['x'], inspect: ['x'] };

describe('the flag tables', () => {
  it('cover every unit flag of the program, each with its unit in the placeholder', () => {
    for (const t of table) {
      const opt = byPath.get(t.path)?.options.find((o) => o.long === t.flag);
      expect(opt?.flags, `${t.path} ${t.flag}`).toBe(`${t.flag} ${placeholderOf(t.unit)}`);
    }
    // nothing outside the tables takes a unit
    const unitLike = /<(?:[a-z|]*\|)?(duration|dur|d|size|dollars|time|iso|price)(?:\|min\.\.max)?>/;
    for (const [path, cmd] of byPath) {
      for (const o of cmd.options) {
        if (!unitLike.test(o.flags)) continue;
        expect(table.some((t) => t.path === path && t.flag === o.long), `${path} ${o.flags} is not in a flag table`).toBe(true);
      }
    }
  });

  it('the same syntax for every flag of a unit; defaults parse', () => {
    const good: Record<string, string[]> = {
      duration: ['0', '250ms', '1.5s', '10m', '2H'], size: ['256MiB', '64KB', '1048576'], dollars: ['1000', '250.50'],
      price: ['0.41'], time: ['2026-05-01', '2026-05-01T13', '2026-05-01T13:30:00Z', '2026-05-01T13:30:00.123456789Z'], count: ['1', '64'],
    };
    for (const t of table) {
      for (const v of good[t.unit.unit]!) {
        // a flag's own bounds (1..64 threads, 1..1000 ms) may refuse a value its unit reads
        if (t.unit.unit === 'count') continue;
        expect(() => checkFlagValue(t.unit, t.flag, v), `${t.path} ${t.flag} ${v}`).not.toThrow();
      }
      if (t.dflt !== null) expect(() => checkFlagValue(t.unit, t.flag, t.dflt!)).not.toThrow();
      const opt = byPath.get(t.path)!.options.find((o) => o.long === t.flag)!;
      if (typeof opt.defaultValue === 'string') expect(() => checkFlagValue(t.unit, t.flag, opt.defaultValue as string)).not.toThrow();
    }
  });

  it('a bad value of any of them is one line naming the flag, exit 2', async () => {
    for (const t of table) {
      const r = await polyIn(...t.path.split(' '), ...(ARGS[t.path] ?? []), t.flag, 'bogus');
      expect(r.code, `${t.path} ${t.flag}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^poly: ${t.flag} 'bogus' is not (a|an) `));
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('bounds and exactness: a bare number is no duration, ms flags need whole ms, counts keep their range', async () => {
    expect((await polyIn('replay', 'x', '--print-window', '500')).stderr).toBe("poly: --print-window '500' is not a duration (e.g. 0, 500ms, 1.5s, 10m, 1h)\n");
    expect((await polyIn('record', '--rotate', '1.0005s')).stderr).toBe("poly: --rotate '1.0005s' is not a duration of whole milliseconds (e.g. 0, 500ms, 1.5s, 10m, 1h)\n");
    expect((await polyIn('live', '--metrics-port', '70000')).stderr).toBe("poly: --metrics-port '70000' is not a whole number in 0..65535 (e.g. 10)\n");
    expect((await polyIn('replay', 'x', '--taker-delay', 'soon')).stderr).toBe("poly: --taker-delay 'soon' is not a duration, 'auto' or 'off' (e.g. 0, 500ms, 1.5s, 10m, 1h)\n");
    expect((await polyIn('replay', 'x', '--latency', '5ms..soon')).stderr).toBe("poly: --latency 'soon' is not a duration (e.g. 0, 500ms, 1.5s, 10m, 1h)\n");
  });
});

describe('engine defaults, declared once', () => {
  it('help shows the table\'s defaults and the CLI passes none of its own', () => {
    const replay = byPath.get('replay')!;
    for (const f of ENGINE_FLAGS) {
      const o = replay.options.find((x) => x.long === f.flag)!;
      expect(o.defaultValue, f.flag).toBeUndefined();
      expect(o.description).toContain(`(default: ${defaultShown(f)})`);
    }
  });

  it('the README engine-options table shows exactly the table\'s flags and defaults', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const section = readme.split('### Engine options')[1]!.split('\n### ')[0]!;
    const rows = section.split('\n').filter((l) => l.startsWith('| `--'));
    const shown = rows.map((l) => {
      const [flagCell, dflt] = l.split(' | ');
      return [/`(--[a-z-]+)/.exec(flagCell!)![1], dflt!.replace(/`/g, '')];
    });
    expect(shown).toEqual(ENGINE_FLAGS.map((f) => [f.flag, defaultShown(f)]));
  });
});

describe('--stale-after: the flag given > the --risk file > the default (spawned CLI)', () => {
  const REC = join(ROOT, 'recordings/sol-15m');
  const NOOP = join(ROOT, 'strategies/noop.ts');
  const staleOf = async (...extra: string[]): Promise<string> => {
    const out = tempDir('poly-stale-');
    const r = await poly('replay', REC, '--strategy', NOOP, '--out', out, '--no-progress', ...extra);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')) as { config: { stale_after: string } };
    return run.config.stale_after;
  };

  it('keeps the risk file\'s limit unless the flag is given', async () => {
    const risk = join(tempDir('poly-risk-'), 'risk.json');
    await writeFile(risk, JSON.stringify({ staleAfter: '5s' }));
    const [dflt, fromFile, flagWins] = await Promise.all([staleOf(), staleOf('--risk', risk), staleOf('--risk', risk, '--stale-after', '2s')]);
    expect(dflt).toBe('60000000000ns');
    expect(fromFile).toBe('5000000000ns');
    expect(flagWins).toBe('2000000000ns');
  }, 60_000);
});
