/**
 * The npm build (npm/) that tests run Node programs against. Runtime-neutral:
 * in Deno a missing build is made first (`deno task test` runs the Deno tests
 * before the Node build); in Node and Bun the tests run from inside it.
 * @module
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "./run_command.ts";
import { denoCommand, isDeno, repoRoot } from "./util.ts";

/** Where the npm build is. */
export const npmDir: string = join(repoRoot(), "npm");

let building: Promise<void> | undefined;

/** Builds npm/ if it is missing (only in Deno). */
export function ensureBuilt(): Promise<void> {
  if (existsSync(join(npmDir, "package.json"))) return Promise.resolve();
  assert.ok(isDeno, `${npmDir} is missing: run \`deno task build\` first`);
  building ??= runCommand(
    denoCommand(),
    ["run", "--allow-all", "scripts/build_npm.ts"],
    { cwd: repoRoot(), timeout: 180_000 },
  ).then((r) =>
    assert.equal(
      r.code,
      0,
      `npm/ is missing and \`deno task build\` failed:\n${r.stderr}`,
    )
  );
  return building;
}
