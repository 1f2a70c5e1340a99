/**
 * Runs a command to the end and hands back how it went, never rejecting:
 * a failed or killed command gives a non-zero code. Runtime-neutral
 * (node:child_process works in Deno, Node and Bun).
 * @module
 */

import { execFile } from "node:child_process";

/** How a finished command went. */
export interface CommandResult {
  /** 0 on success, the exit status on failure, 1 when it had none (killed). */
  code: number;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** Runs `command` with `args` in `cwd`, killing it after `timeout` ms. */
export function runCommand(
  command: string,
  args: string[],
  { cwd, timeout }: { cwd: string; timeout: number },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, timeout },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}
