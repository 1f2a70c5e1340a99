/**
 * The Bun run of the test suite: builds the npm package (with the tests
 * compiled beside it), then runs them with the Bun that `npm ci` installs
 * (the `bun` dev dependency in package.json), through `bun test`, which
 * runs `node:test` files.
 *
 *     deno task test:bun
 *
 * Each file gets a fresh global (`--isolate`), as each gets its own process
 * under `node --test`; only failures are listed, then the counts. Tests
 * that start Deno children find this Deno through `DENO_BIN`.
 * @module
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "./build_npm.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const local = join(root, "node_modules", ".bin", "bun");
const bun = Deno.env.get("BUN_BIN") ?? (existsSync(local) ? local : "bun");

const ms = build();
console.log(`npm build in ${(ms / 1000).toFixed(1)} s; running bun test`);
let code: number;
try {
  ({ code } = await new Deno.Command(bun, {
    args: [
      "test",
      "--isolate",
      "--timeout=120000",
      "--only-failures",
      "./npm/esm/tests/",
      ...Deno.args,
    ],
    cwd: root,
    env: { DENO_BIN: Deno.execPath() },
    stdout: "inherit",
    stderr: "inherit",
  }).output());
} catch (err) {
  console.error(`cannot run ${bun} (run \`npm ci\` first): ${err}`);
  code = 1;
}
Deno.exit(code);
