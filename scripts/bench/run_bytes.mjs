// Runs the bytes suite (bytes_suite.mjs) against one peer and prints one
// JSON line.
//   deno run -A scripts/bench/run_bytes.mjs source binary|json [tcp|unix]
//   node scripts/bench/run_bytes.mjs npm binary|json [tcp|unix]
//   node scripts/bench/run_bytes.mjs sockhop2 [tcp|unix]
// (source: this project in Deno; npm: its npm build; sockhop2: the real
// sockhop 2.1.0 from shared/peers/ beside the repository or above it)
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { runBytesSuite } from "./bytes_suite.mjs";

const args = globalThis.Deno?.args ?? process.argv.slice(2);
const which = args[0];
const kind = which === "sockhop2" ? "sockhop2" : args[1];
const transport = (which === "sockhop2" ? args[1] : args[2]) ?? "tcp";
const runs = Number(process.env.BENCH_RUNS ?? 3);
const repeat = Number(process.env.BENCH_REPEAT ?? 5);
const scale = Number(process.env.BENCH_SCALE ?? 1);

/** shared/peers/<name> beside the repository, or beside a folder above it. */
function sharedPeer(name) {
  let dir = dirname(fileURLToPath(new URL("../..", import.meta.url)));
  while (true) {
    const candidate = join(dir, "shared", "peers", name);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`shared/peers/${name} not found`);
    dir = up;
  }
}

let lib;
if (which === "source") {
  lib = await import("../../mod.ts");
} else if (which === "npm") {
  lib = await import("../../npm/esm/mod.js");
} else if (which === "sockhop2") {
  lib = createRequire(import.meta.url)(sharedPeer("sockhop-2.1.0"));
} else {
  throw new Error(`unknown peer "${which}"`);
}
if (kind !== "binary" && kind !== "json" && kind !== "sockhop2") {
  throw new Error(`unknown mode "${kind}" (binary or json)`);
}
const result = await runBytesSuite(lib, {
  kind,
  transport,
  runs,
  repeat,
  scale,
});
console.log(JSON.stringify(result));
process.exit(0);
