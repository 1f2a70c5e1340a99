/**
 * Runs one program written for the original `sockhop` twice: with
 * `require("sockhop")` (or `import`) resolved to sockhop@1.8.4 and to this
 * project's npm build, each the way an installed alias resolves it (a temp
 * folder whose node_modules/sockhop links to the package), so that a test
 * can compare what both print. The original runs in Node (what its
 * programs were written for); ours in Node, or in Bun when the tests run in
 * Bun. Runtime-neutral.
 * @module
 */

import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBuilt } from "./npm_build.ts";
import { type CommandResult, runCommand } from "./run_command.ts";
import {
  bunCommand,
  freePort,
  nodeCommand,
  repoRoot,
  runtime,
  tempDir,
} from "./util.ts";

/** Which package `sockhop` names: sockhop@1.8.4 or this project's build. */
export type Library = "original" | "ours";

/** A program's run: what it printed, and how it ended. */
export interface ProgramRun extends CommandResult {
  /** Its stdout, as lines, without the empty last one. */
  lines: string[];
}

/**
 * Runs `source` (a CommonJS program, or an ES module when `esm`) with
 * `sockhop` resolved to `library`; the environment variable `PORT` names a
 * free loopback port. Builds npm/ first in Deno when it is missing.
 */
export async function runProgram(
  library: Library,
  source: string,
  { esm = false, timeout = 20_000 } = {},
): Promise<ProgramRun> {
  if (library === "ours") await ensureBuilt();
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(join(dir, "node_modules"));
    const target = library === "ours"
      ? join(repoRoot(), "npm")
      : join(repoRoot(), "node_modules", "sockhop");
    symlinkSync(target, join(dir, "node_modules", "sockhop"), "dir");
    const file = esm ? "program.mjs" : "program.cjs";
    writeFileSync(join(dir, file), source);
    const port = String(await freePort());
    // The original runs in Node, the reference; ours where the tests run.
    const inBun = runtime === "Bun" && library === "ours";
    const command = inBun ? bunCommand() : nodeCommand();
    const result = await runCommand(command, [file], {
      cwd: dir,
      timeout,
      env: { PORT: port },
    });
    const lines = result.stdout.split("\n");
    if (lines.at(-1) === "") lines.pop();
    return { ...result, lines };
  } finally {
    cleanup();
  }
}

/** Runs `source` with the original and with ours. */
export async function runBeside(
  source: string,
  options?: { esm?: boolean; timeout?: number },
): Promise<{ original: ProgramRun; ours: ProgramRun }> {
  const original = await runProgram("original", source, options);
  const ours = await runProgram("ours", source, options);
  return { original, ours };
}

/** A run's output for an assertion message. */
export function shown(run: ProgramRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}
