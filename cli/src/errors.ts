/**
 * How the CLI fails: one line on stderr and an exit code that says what kind of failure
 * it was, so CI can tell a broken policy from a failing test from a typo on the command
 * line. Never a stack trace (VERDICT_DEBUG=1 shows one).
 */
export const EXIT = {
  ok: 0,
  /** Tests failed, coverage below --min-coverage, or a push was refused by the server. */
  failed: 1,
  /** Unknown command or option, a missing argument, no verdict.json. */
  usage: 2,
  /** A policy, provider, permission, route or test file is not valid. */
  invalid: 3,
  /** The server cannot be reached, or refused the key. */
  remote: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** Lines printed after the message (file:pointer details). */
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

export const usage = (message: string) => new CliError(message, EXIT.usage);
export const invalid = (message: string, details: readonly string[] = []) =>
  new CliError(message, EXIT.invalid, details);
