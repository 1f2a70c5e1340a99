// Runs the suite, or the idle-connection memory measure, against one
// implementation and prints one JSON line.
//   deno run -A scripts/bench/run_library.mjs source [tcp|unix|idle]
//   node scripts/bench/run_library.mjs npm [tcp|unix|idle]
//   node scripts/bench/run_library.mjs original [tcp|unix|idle]
//   deno run -A scripts/bench/run_library.mjs source resume   (also npm):
//     one-way and round trips over TCP with resumable sessions on
// (source: this project in Deno; npm: its npm build; original: sockhop@1.8.4)
import { createRequire } from "node:module";
import process from "node:process";
import { idleMemory } from "./idle.mjs";
import { runResumeSuite, runSuite } from "./suite.mjs";

const args = globalThis.Deno?.args ?? process.argv.slice(2);
const which = args[0];
const mode = args[1] ?? "tcp";
const runs = Number(process.env.BENCH_RUNS ?? 3);
const repeat = Number(process.env.BENCH_REPEAT ?? 5);
const scale = Number(process.env.BENCH_SCALE ?? 1);

let lib;
if (which === "source") {
  lib = await import("../../mod.ts");
} else if (which === "npm") {
  lib = await import("../../npm/esm/mod.js");
} else if (which === "original") {
  const require = createRequire(import.meta.url);
  const original = require("sockhop");
  lib = { SockhopServer: original.server, SockhopClient: original.client };
} else {
  throw new Error(`unknown library "${which}"`);
}
const result = mode === "idle"
  ? await idleMemory(lib, Number(process.env.BENCH_IDLE ?? 1000))
  : mode === "resume"
  ? await runResumeSuite(lib, { runs, repeat, scale })
  : await runSuite(lib, {
    transport: mode,
    runs,
    repeat,
    scale,
    typed: which !== "original",
  });
console.log(JSON.stringify(result));
// The original's client keeps an interval timer alive; end explicitly.
process.exit(0);
