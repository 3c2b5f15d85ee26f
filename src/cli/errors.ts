/**
 * CLI error convention: a command that cannot do its job throws CliError with ONE line that names
 * the input and the fix; main() prints `poly: <message>` to stderr and exits with `exitCode`.
 * Anything else escaping a command is a bug: printed with its stack, exit 70.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
