/** Where a CLI command writes (injectable so tests capture output without spawning). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** The process's stdout / stderr. */
export const stdio: CliIo = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
};

/**
 * An expected failure (bad flag value, missing option, unreadable file): `main` prints the
 * message to stderr, without a stack trace, and exits with `exitCode`.
 *
 * @example
 * if (!values.name) throw new CliError('--name is required');
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
