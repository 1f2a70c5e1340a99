/**
 * Where the command-line tool writes: values to stdout, one per line;
 * notes and errors to stderr, prefixed with the tool's name.
 * @module
 */

import process from "node:process";

/** The tool's two output streams. */
export interface Output {
  /** Writes one line of results to stdout. */
  line(text: string): void;
  /** Writes a note or an error to stderr. */
  error(text: string): void;
}

/** The process's stdout and stderr. */
export const processOutput: Output = {
  line: (text) => void process.stdout.write(text + "\n"),
  error: (text) => void process.stderr.write(`sockhop: ${text}\n`),
};
