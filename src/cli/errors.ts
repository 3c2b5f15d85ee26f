/**
 * CLI error convention: a command that cannot do its job throws a PolyError (src/core/errors.ts) with ONE
 * line that names the input and the fix, and a kind; main() in cli.ts prints `poly: <message>` to stderr and
 * maps the kind to the exit code (the table in src/core/errors.ts and the README). Anything else escaping a
 * command is a bug: printed with its stack, exit 70.
 *
 * CliError is a PolyError kept for commands written against the older signature `new CliError(msg, code)`:
 * a numeric second argument is read as 2 = usage, 1 = io (the two codes it used to mean). New code passes
 * a kind, or throws PolyError directly (code below src/cli must: nothing imports the CLI).
 */
import { PolyError, exitCodeOf, type ErrorKind } from '../core/errors.ts';

export { PolyError, type ErrorKind } from '../core/errors.ts';

export class CliError extends PolyError {
  constructor(message: string, kind: ErrorKind | 1 | 2 = 'usage', options?: { cause?: unknown; detail?: string }) {
    super(kind === 2 ? 'usage' : kind === 1 ? 'io' : kind, message, options);
    this.name = 'CliError';
  }

  /** The exit code main() will use (from the one table in src/core/errors.ts); for older callers and tests. */
  get exitCode(): number {
    return exitCodeOf(this.kind);
  }
}
