// A server for the idle-connections benchmark (scripts/bench_idle.ts).
//   deno run -A --v8-flags=--expose-gc scripts/bench/idle_server.mjs source
//   node --expose-gc scripts/bench/idle_server.mjs npm|original
//   (either runtime) ... raw: the runtime's bare listener, for a floor
// Prints one JSON line when listening ({ port, rss, heap }), one when it has
// received `count` messages ({ received }), and one ({ rss, heap }) for every
// line read on stdin; exits when stdin ends.
import { createRequire } from "node:module";
import process from "node:process";
import { createInterface } from "node:readline";
import { freePort } from "./suite.mjs";

const which = process.argv[2] ?? globalThis.Deno?.args?.[0];
const count = Number(process.argv[3] ?? globalThis.Deno?.args?.[1] ?? 0);

/**
 * The floor: the runtime's own listener, reading each connection as a
 * library would, with nothing else per connection (Deno: one 512-byte
 * read pending; Node: a `data` listener). Same surface as SockhopServer's
 * few members used below.
 */
class RawServer {
  #handlers = [];
  port = 0;
  constructor({ port, address }) {
    this.where = { port, hostname: address, host: address };
  }
  on(event, handler) {
    if (event === "receive") this.#handlers.push(handler);
  }
  #received() {
    for (const handler of this.#handlers) handler();
  }
  async listen() {
    if (globalThis.Deno) {
      const listener = Deno.listen(this.where);
      this.port = listener.addr.port;
      (async () => {
        for await (const conn of listener) this.#read(conn);
      })();
      return;
    }
    const { createServer } = await import("node:net");
    const server = createServer((socket) => {
      socket.on("data", () => this.#received());
      socket.on("error", () => {});
    });
    await new Promise((r) => server.listen(this.where, r));
    this.port = server.address().port;
  }
  #read(conn) {
    const buf = new Uint8Array(512);
    const onRead = (n) => {
      if (n === null) return;
      this.#received();
      conn.read(buf).then(onRead, () => {});
    };
    conn.read(buf).then(onRead, () => {});
  }
}

let SockhopServer;
if (which === "raw") {
  SockhopServer = RawServer;
} else if (which === "source") {
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
