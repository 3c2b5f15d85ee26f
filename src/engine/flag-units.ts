/**
 * A flag's unit, as the flag tables declare it (src/engine/defaults.ts for the engine settings,
 * src/cli/flags.ts for every command), and the one check that applies the unit's parser
 * (src/core/units.ts) to a flag value: a duration range `min..max`, or a word that stands instead of the
 * value ('auto', 'off'), are part of the declaration, so every flag of a kind reads the same way.
 */
import { parseCount, parseDollars, parseDuration, parseDurationMs, parsePrice, parseSize, parseTime, unitError, type Unit } from '../core/units.ts';

export interface FlagUnit {
  readonly unit: Unit;
  /** A duration that may also be a range `min..max`. */
  readonly range?: boolean;
  /** Words accepted instead of a value. */
  readonly words?: readonly string[];
  /** A duration read in whole milliseconds. */
  readonly ms?: boolean;
  /** Bounds of a count. */
  readonly min?: number;
  readonly max?: number;
}

/** Parses `text` as the flag's unit (throws the unit's one-line error naming `flag`); returns nothing: the caller keeps the text. */
export function checkFlagValue(u: FlagUnit, flag: string, text: string): void {
  const words = u.words ?? [];
  if (words.includes(text.trim())) return;
  if (words.length > 0) {
    try {
      checkFlagValue({ ...u, words: [] }, flag, text);
    } catch {
      throw unitError(u.unit, text, flag, `, ${words.map((w) => `'${w}'`).join(' or ')}`);
    }
    return;
  }
  if (u.range === true && text.includes('..')) {
    const [a, b, ...rest] = text.split('..');
    if (rest.length > 0 || a === undefined || b === undefined) throw unitError(u.unit, text, flag, ' or a range min..max');
    checkFlagValue({ ...u, range: false }, flag, a);
    checkFlagValue({ ...u, range: false }, flag, b);
    return;
  }
  switch (u.unit) {
    case 'duration':
      if (u.ms === true) parseDurationMs(text, flag);
      else parseDuration(text, flag);
      return;
    case 'size':
      parseSize(text, flag);
      return;
    case 'dollars':
      parseDollars(text, flag);
      return;
    case 'price':
      parsePrice(text, flag);
      return;
    case 'time':
      parseTime(text, flag);
      return;
    case 'count':
      parseCount(text, flag, u.min ?? 0, u.max ?? Number.MAX_SAFE_INTEGER);
      return;
  }
}
