/**
 * CLI error convention: a command that cannot do its job throws a PolyError (src/core/errors.ts) with ONE
 * line that names the input and the fix, and a kind; main() in cli.ts prints `poly: <message>` to stderr and
 * maps the kind to the exit code (the table in src/core/errors.ts and the README). Anything else escaping a
 * command is a bug: printed with its stack, exit 70.
 *
 * CliError (the older name, accepting `new CliError(msg, code)`) lives in src/core/errors.ts so that layers
 * below the CLI may throw it too; it is re-exported here for the commands.
 */
export { CliError, PolyError, type ErrorKind } from '../core/errors.ts';
