// Runs the load workload in this runtime and prints one JSON line.
//   deno run -A scripts/load/run.mjs source    (this project, Deno)
//   node scripts/load/run.mjs npm              (its npm build, Node)
// Options by environment: LOAD_CLIENTS, LOAD_MESSAGES, LOAD_CALLBACK_EVERY.
import process from "node:process";
import { runLoad } from "./workload.mjs";

const which = process.argv[2] ?? globalThis.Deno?.args?.[0];
let lib;
if (which === "source") lib = await import("../../mod.ts");
else if (which === "npm") lib = await import("../../npm/esm/mod.js");
else throw new Error(`unknown library "${which}" (source or npm)`);

const num = (name, fallback) => Number(process.env[name] ?? fallback);
const result = await runLoad(lib, {
  clients: num("LOAD_CLIENTS", 500),
  messages: num("LOAD_MESSAGES", 1000),
  callbackEvery: num("LOAD_CALLBACK_EVERY", 4),
});
console.log(JSON.stringify(result));
process.exit(0);
