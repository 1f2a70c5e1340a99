// Memory per idle connection on the server side: the resident set of this
// process (which runs only the server) before and after `count` clients
// connect and sit idle. The clients are plain node:net sockets in a child
// process (idle_peers.mjs), so that only the server's side is counted.

import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { freePort } from "./suite.mjs";

const peers = fileURLToPath(new URL("./idle_peers.mjs", import.meta.url));

function settle(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** A garbage collection when the runtime exposes one (--expose-gc). */
async function collect() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await settle(50);
  }
}

/** Waits, up to `ms`, until `check()` holds; throws if it never does. */
async function until(check, ms, what) {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out: ${what}`);
    await settle(20);
  }
}

/** KiB of resident memory per idle connection, with `count` connections. */
export async function idleMemory(lib, count) {
  const port = await freePort();
  const server = new lib.SockhopServer({ port, address: "127.0.0.1" });
  await server.listen();
  // One connection first, so that lazily loaded code and first-use buffers
  // are not charged to the idle connections.
  const warm = spawn("node", [
    peers,
    String(port),
    "1",
  ], { stdio: ["ignore", "ignore", "inherit"] });
  await until(() => server.sockets.length === 1, 10_000, "warm-up peer");
  warm.kill();
  await until(() => server.sockets.length === 0, 10_000, "warm-up gone");
  await collect();
  const before = process.memoryUsage().rss;
  const child = spawn("node", [peers, String(port), String(count)], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    await until(
      () => server.sockets.length === count,
      60_000,
      `${count} idle peers`,
    );
    await settle(200);
    await collect();
    const after = process.memoryUsage().rss;
    return { idle_kib: (after - before) / count / 1024 };
  } finally {
    child.kill();
    await server.close();
  }
}
