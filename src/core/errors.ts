/**
 * Errors a person may see carry a KIND; the command line maps kinds to exit codes in one place
 * (`exitCodeOf`, used only by main() in cli.ts). Any layer may throw a PolyError (this module is pure, so
 * core, io, sources, recorder, engine and cli can all import it); none of them decides an exit code.
 *
 * The message is ONE line that names the input and, where there is one, the fix. A kind says whose
 * problem it is and whether any work was done:
 *
 * | kind       | exit | meaning                                                                  |
 * |------------|------|--------------------------------------------------------------------------|
 * | usage      | 2    | a flag or argument is wrong; nothing was done                            |
 * | input      | 2    | an input file is unusable (bad JSON, not a recording, corrupt, bad params) |
 * | not_found  | 2    | a file, recording or market does not exist                               |
 * | check      | 1    | `--check` found reports that differ from the golden files                |
 * | io         | 1    | reading or writing failed while working (disk full, unwritable, locked)  |
 * | network    | 1    | an endpoint was unreachable or answered an error                         |
 * | strategy   | 3    | the strategy stopped on an error; the reports were still written         |
 * | internal   | 70   | a bug in poly (printed with its stack)                                   |
 * | interrupted| 130  | stopped by Ctrl-C / SIGINT before the work was done                      |
 */
export type ErrorKind = 'usage' | 'input' | 'not_found' | 'check' | 'io' | 'network' | 'strategy' | 'internal' | 'interrupted';

export const EXIT_CODES: Readonly<Record<ErrorKind, number>> = {
  usage: 2,
  input: 2,
  not_found: 2,
  check: 1,
  io: 1,
  network: 1,
  strategy: 3,
  internal: 70,
  interrupted: 130,
};

export class PolyError extends Error {
  /** Lines main() prints after the one-line message (a stack, the offending source line); rarely set. */
  readonly detail: string | undefined;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PolyError';
    this.detail = options?.detail;
  }
}

/**
 * The older name, kept for code written against `new CliError(message, code)` (any layer may use it: it lives
 * here, not in src/cli): a numeric second argument is read as 2 = usage, 1 = io, 130 = interrupted (the codes
 * it used to mean). New code passes a kind, or throws PolyError.
 */
export class CliError extends PolyError {
  constructor(message: string, kind: ErrorKind | 1 | 2 | 130 = 'usage', options?: { cause?: unknown; detail?: string }) {
    super(kind === 2 ? 'usage' : kind === 1 ? 'io' : kind === 130 ? 'interrupted' : kind, message, options);
    this.name = 'CliError';
  }

  /** The exit code main() will use (from EXIT_CODES); for older callers and tests. */
  get exitCode(): number {
    return exitCodeOf(this.kind);
  }
}

export function exitCodeOf(kind: ErrorKind): number {
  return EXIT_CODES[kind];
}

/** The first line of an error's message (for one-line reports of a foreign error). */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? '';
}
