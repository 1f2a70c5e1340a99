/**
 * The npm package is a drop-in for the original `sockhop`, as
 * tests/helpers/drop_in.ts defines it, with `require` and with `import`.
 * Runs `node` on the built package (npm/, resolved by name through its
 * `exports`) in Deno and in Node alike. In Deno, a missing npm/ is built
 * first (`deno task test` runs the Deno tests before the Node build).
 * @module
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { CLASSES, dropInScript } from "./helpers/drop_in.ts";
import { denoCommand, isDeno, repoRoot } from "./helpers/util.ts";

const npmDir = join(repoRoot(), "npm");
const nodeBin = isDeno ? "node" : process.execPath;

function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeout: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout }, (error, stdout, stderr) =>
      resolve({
        code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
        stdout,
        stderr: String(error?.message ?? "") + stderr,
      }));
  });
}

let building: Promise<void> | undefined;

/** Builds npm/ if it is missing (only in Deno: Node runs from inside it). */
function ensureBuilt(): Promise<void> {
  if (existsSync(join(npmDir, "package.json"))) return Promise.resolve();
  assert.ok(isDeno, `${npmDir} is missing: run \`deno task build\` first`);
  building ??= run(
    denoCommand(),
    ["run", "--allow-all", "scripts/build_npm.ts"],
    repoRoot(),
    180_000,
  ).then((r) =>
    assert.equal(
      r.code,
      0,
      `npm/ is missing and \`deno task build\` failed:\n${r.stderr}`,
    )
  );
  return building;
}

/** Runs the shared drop-in check on npm/, loading it as `format`. */
async function assertDropIn(format: "commonjs" | "module"): Promise<void> {
  await ensureBuilt();
  const r = await run(
    nodeBin,
    [`--input-type=${format}`, "-e", dropInScript(format)],
    npmDir,
    30_000,
  );
  assert.equal(r.code, 0, `the drop-in check failed:\n${r.stderr}`);
  assert.ok(
    r.stdout.includes(`shape ok: ${CLASSES.length} classes, 4 aliases`),
    r.stdout,
  );
}

describe("npm package: drop-in shape", () => {
  it("require() gives the classes and the original's aliases", async () => {
    await assertDropIn("commonjs");
  });

  it("import gives the same names", async () => {
    await assertDropIn("module");
  });
});
