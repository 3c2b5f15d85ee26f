/**
 * ImportError: every failure of `poly import` a person may see, as ONE line that names the input and the
 * fix. `kind` 'input' = bad arguments or unusable inputs (the CLI exits 2), 'runtime' = the inputs were
 * fine but something failed on the way (network, disk, a file that does not read: exit 1). Nothing is
 * written to the output directory before the inputs are checked, and a failed import leaves no partial
 * recording behind (it writes into a temporary sibling directory that is renamed only when complete).
 */
export class ImportError extends Error {
  readonly kind: 'input' | 'runtime';
  readonly path: string | undefined;

  constructor(message: string, kind: 'input' | 'runtime', opts: { cause?: unknown; path?: string } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ImportError';
    this.kind = kind;
    this.path = opts.path;
  }
}

/** First line of an error's message. */
export const oneLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
