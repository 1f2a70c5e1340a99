// A server for the idle-connections benchmark (scripts/bench_idle.ts).
//   deno run -A --v8-flags=--expose-gc scripts/bench/idle_server.mjs source
//   node --expose-gc scripts/bench/idle_server.mjs npm|original
// Prints one JSON line when listening ({ port, rss, heap }), one when it has
// received `count` messages ({ received }), and one ({ rss, heap }) for every
// line read on stdin; exits when stdin ends.
import { createRequire } from "node:module";
import process from "node:process";
import { createInterface } from "node:readline";
import { freePort } from "./suite.mjs";

const which = process.argv[2] ?? globalThis.Deno?.args?.[0];
const count = Number(process.argv[3] ?? globalThis.Deno?.args?.[1] ?? 0);

let SockhopServer;
if (which === "source") {
  ({ SockhopServer } = await import("../../mod.ts"));
} else if (which === "npm") {
  ({ SockhopServer } = await import("../../npm/esm/mod.js"));
} else if (which === "original") {
  SockhopServer = createRequire(import.meta.url)("sockhop").server;
} else {
  throw new Error(`unknown library "${which}"`);
}

/** RSS and JS heap in bytes, after a full collection where allowed. */
function memory() {
  globalThis.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heap: heapUsed };
}

const port = await freePort();
const server = new SockhopServer({ port, address: "127.0.0.1" });
let received = 0;
server.on("receive", () => {
  if (++received === count) console.log(JSON.stringify({ received }));
});
server.on("error", () => {});
await server.listen();
console.log(JSON.stringify({ port, ...memory() }));

const lines = createInterface({ input: process.stdin });
lines.on("line", () => console.log(JSON.stringify(memory())));
lines.on("close", () => process.exit(0));
