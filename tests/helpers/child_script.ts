/**
 * Runs a short script against the library in a child process of this
 * runtime and reports whether it exited by itself: a timer or socket left
 * behind keeps a process alive. Runtime-neutral: the child imports the
 * source in Deno and the compiled package (next to the compiled tests) in
 * Node.
 * @module
 */

import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { isDeno, tempDir, within } from "./util.ts";

/** How a child script ended. */
export interface ChildExit {
  /** Its exit code; null when it was killed for not exiting in time. */
  code: number | null;
  /** Whether it exited by itself within the wait. */
  exited: boolean;
  /** What it printed. */
  stdout: string;
  /** What it printed to stderr. */
  stderr: string;
}

/**
 * Writes `body` as a module whose first line imports `imports` from the
 * library, runs it, and waits up to `ms` for it to exit by itself (then
 * kills it).
 * @param imports names to import from the library, e.g. `["SockhopClient"]`
 * @param body the rest of the module (top-level await works)
 * @param ms how long the child may take to exit
 */
export async function runChildScript(
  imports: string[],
  body: string,
  ms = 20_000,
): Promise<ChildExit> {
  const { dir, cleanup } = tempDir();
  const mod = new URL(
    isDeno ? "../../mod.ts" : "../../mod.js",
    import.meta.url,
  ).href;
  const script = join(dir, isDeno ? "child.ts" : "child.mjs");
  writeFileSync(
    script,
    `import { ${imports.join(", ")} } from ${JSON.stringify(mod)};\n${body}\n`,
  );
  try {
    const child = spawn(
      process.execPath,
      isDeno ? ["run", "-A", script] : [script],
      { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const ended = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code))
    );
    try {
      const code = await within(ended, ms, "the child to exit by itself");
      return { code, exited: true, stdout, stderr };
    } catch {
      child.kill("SIGKILL");
      await ended;
      return { code: null, exited: false, stdout, stderr };
    }
  } finally {
    cleanup();
  }
}
