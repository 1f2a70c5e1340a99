/**
 * Runs a command to the end and hands back how it went, never rejecting:
 * a failed or killed command gives a non-zero code. Runtime-neutral
 * (node:child_process works in Deno, Node and Bun).
 * @module
 */

import { execFile } from "node:child_process";
import process from "node:process";

/** How a finished command went. */
export interface CommandResult {
  /** 0 on success, the exit status on failure, 1 when it had none (killed). */
  code: number;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/**
 * Runs `command` with `args` in `cwd`, killing it after `timeout` ms;
 * `env` adds to this process's environment.
 */
export function runCommand(
  command: string,
  args: string[],
  { cwd, timeout, env }: {
    cwd: string;
    timeout: number;
    env?: Record<string, string>;
  },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, timeout, env: env && { ...process.env, ...env } },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}
