/**
 * Runs the `sockhop` command-line tool in child processes: `cli.ts` in
 * Deno, or the npm build's `npm/esm/cli.js` in Node (or in Bun, when the
 * tests run under Bun). Runtime-neutral: works from `deno test` and from
 * the npm build's tests.
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { denoCommand, isDeno, repoRoot } from "./util.ts";

/**
 * A runtime to run the tool in: Deno, or the npm build's (Node, or this
 * process's executable when the tests run under Bun).
 */
export type Runtime = "deno" | "node";

/** This test run's runtime. */
export const here: Runtime = isDeno ? "deno" : "node";

/** The command and arguments that run the tool with `args` in `runtime`. */
function command(runtime: Runtime, args: string[]): [string, string[]] {
  if (runtime === "deno") {
    const cli = join(repoRoot(), "cli.ts");
    return [denoCommand(), ["run", "--allow-all", "--quiet", cli, ...args]];
  }
  const built = join(repoRoot(), "npm", "esm", "cli.js");
  if (!existsSync(built)) {
    throw new Error(`${built} is missing: run \`deno task build\` first`);
  }
  return [isDeno ? "node" : process.execPath, [built, ...args]];
}

/** How a finished run went. */
export interface CliResult {
  /** Exit status (null if killed by a signal). */
  code: number | null;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** A running tool, with what it has printed so far. */
export class CliProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<CliResult>;
  #stdout = "";
  #stderr = "";
  #wake: (() => void) | null = null;

  /** Starts the tool with `args` in `runtime` (this one by default). */
  constructor(args: string[], runtime: Runtime = here) {
    const [cmd, argv] = command(runtime, args);
    this.#child = spawn(cmd, argv, {
      cwd: repoRoot(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child.stdout!.setEncoding("utf8");
    this.#child.stderr!.setEncoding("utf8");
    this.#child.stdout!.on("data", (s: string) => {
      this.#stdout += s;
      this.#wake?.();
    });
    this.#child.stderr!.on("data", (s: string) => {
      this.#stderr += s;
      this.#wake?.();
    });
    this.#exited = new Promise((resolve) => {
      this.#child.once("close", (code) => {
        this.#wake?.();
        resolve({ code, stdout: this.#stdout, stderr: this.#stderr });
      });
      this.#child.once("error", (e) => {
        this.#stderr += `could not run ${cmd}: ${e.message}`;
        if (this.#child.pid === undefined) {
          resolve({ code: null, stdout: "", stderr: this.#stderr });
        }
      });
    });
  }

  /** Complete lines written to stdout so far. */
  get lines(): string[] {
    return this.#stdout.split("\n").slice(0, -1);
  }

  /** What was written to stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Waits until `check()` holds, failing after `ms` or if the tool exits. */
  async until(check: () => boolean, what: string, ms = 15000): Promise<void> {
    let exited = false;
    this.#exited.then(() => exited = true);
    const end = Date.now() + ms;
    while (!check()) {
      const left = end - Date.now();
      if (left <= 0 || exited) {
        throw new Error(
          `${exited ? "the tool exited" : "timed out"} waiting for ${what}; ` +
            `stdout: ${this.#stdout} stderr: ${this.#stderr}`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, Math.min(left, 100));
      });
      clearTimeout(timer);
      this.#wake = null;
    }
  }

  /** Waits for `n` lines on stdout, and returns them. */
  async waitLines(n: number, ms = 15000): Promise<string[]> {
    await this.until(() => this.lines.length >= n, `${n} lines`, ms);
    return this.lines;
  }

  /**
   * Waits for the tool to exit by itself, killing it after `ms` (the
   * result then has a null code).
   */
  async exit(ms = 20000): Promise<CliResult> {
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), ms);
    try {
      return await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` and waits for the exit. */
  stop(signal: "SIGTERM" | "SIGINT" = "SIGTERM"): Promise<CliResult> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      // Not child.kill(): Deno's node:child_process then reports the signal
      // as the cause of the exit even when the child handled it.
      process.kill(this.#child.pid!, signal);
    }
    return this.exit(5000);
  }
}

/** Runs the tool to the end. */
export function runCli(args: string[], runtime?: Runtime): Promise<CliResult> {
  return new CliProcess(args, runtime).exit();
}

/** A `sockhop listen` and the address it printed. */
export interface Listening {
  /** The running tool. */
  proc: CliProcess;
  /** Flags that reach it: `--port N` or `--path P`. */
  target: string[];
}

/**
 * Starts `sockhop listen` with `args` (give `--port 0` or a `--path`) and
 * waits until it says where it listens.
 */
export async function startListen(
  args: string[],
  runtime?: Runtime,
): Promise<Listening> {
  const proc = new CliProcess(["listen", ...args], runtime);
  const where = () => /listening on (\S+)/.exec(proc.stderr)?.[1];
  try {
    await proc.until(() => where() !== undefined, "listening on ...");
  } catch (e) {
    await proc.stop();
    throw e;
  }
  const at = where()!;
  const port = /^[\d.:[\]a-f]+:(\d+)$/i.exec(at)?.[1];
  return { proc, target: port ? ["--port", port] : ["--path", at] };
}
