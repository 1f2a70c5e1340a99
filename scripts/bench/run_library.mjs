// Runs the suite against one implementation and prints one JSON line.
//   deno run -A scripts/bench/run_library.mjs source     (this project, Deno)
//   node scripts/bench/run_library.mjs npm               (its npm build)
//   node scripts/bench/run_library.mjs original          (sockhop@1.8.4)
import { createRequire } from "node:module";
import { runSuite } from "./suite.mjs";

const which = process.argv[2] ?? globalThis.Deno?.args?.[0];
const runs = Number(process.env.BENCH_RUNS ?? 3);
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
const result = await runSuite(lib, { runs, scale });
console.log(JSON.stringify(result));
// The original's client keeps an interval timer alive; end explicitly.
process.exit(0);
