/**
 * The command-line tool's two kinds of failure, told apart by their exit
 * status.
 * @module
 */

/** A mistake on the command line: printed with the usage, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A failure worth one line on stderr and exit status 1. */
export class CommandError extends Error {
  override name = "CommandError";
}
