/**
 * The Node run of the test suite: builds the npm package (with the tests
 * compiled beside it), then runs them with `node --test`: a dot per test,
 * failures in full, the counts last (scripts/terse_reporter.mjs).
 *
 *     deno task test:node
 *
 * Tests that start Deno children find this Deno through `DENO_BIN`, so a
 * machine with Deno only from npx (no `deno` on PATH) runs them too.
 * @module
 */

import { build } from "./build_npm.ts";

const ms = build();
console.log(`npm build in ${(ms / 1000).toFixed(1)} s; running node --test`);
const { code } = await new Deno.Command("node", {
  args: [
    "--test",
    "--test-timeout=120000",
    "--test-reporter=./scripts/terse_reporter.mjs",
    "npm/esm/tests/",
    ...Deno.args,
  ],
  cwd: new URL("..", import.meta.url),
  env: { DENO_BIN: Deno.execPath() },
  stdout: "inherit",
  stderr: "inherit",
}).output();
Deno.exit(code);
