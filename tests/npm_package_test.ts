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
import process from "node:process";
import { CLASSES, dropInScript } from "./helpers/drop_in.ts";
import { ensureBuilt, npmDir } from "./helpers/npm_build.ts";
import { runCommand } from "./helpers/run_command.ts";
import { isDeno } from "./helpers/util.ts";

const nodeBin = isDeno ? "node" : process.execPath;

/** Runs the shared drop-in check on npm/, loading it as `format`. */
async function assertDropIn(format: "commonjs" | "module"): Promise<void> {
  await ensureBuilt();
  const r = await runCommand(
    nodeBin,
    [`--input-type=${format}`, "-e", dropInScript(format)],
    { cwd: npmDir, timeout: 30_000 },
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
