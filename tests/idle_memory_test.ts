/**
 * Memory per idle connection: a server's connections that sent one small
 * envelope and went quiet must each hold little. The clients run in
 * another process (tests/fixtures/idle_clients.mjs), so what grows here is
 * the server's: the JS heap plus external memory (where read buffers
 * live), after a full garbage collection. The runtime's own socket objects
 * take about 1 KiB (Node) to 2.5 KiB (Deno: a pending read is an async
 * function with its promise) of that. Before the per-connection state was
 * trimmed: 6.6 KiB (Node) and 7.0 KiB (Deno); after: 3.2 and 5.4 KiB. Bun's objects are larger throughout
 * (6.4 KiB measured): there the bound only catches a large buffer per
 * connection.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { SockhopServer } from "../mod.ts";
import { collector } from "./helpers/gc.ts";
import { waitFor } from "./helpers/util.ts";

const gc = collector();
const clients = fileURLToPath(
  new URL("./fixtures/idle_clients.mjs", import.meta.url),
);

const bound = "Bun" in globalThis
  ? 12 * 1024
  : "Deno" in globalThis
  ? 6 * 1024
  : 4.5 * 1024;

function used(): number {
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

describe("idle connections", () => {
  it("hold under 4.5 KiB (Node), 6 KiB (Deno) or 12 KiB (Bun) of heap and buffers each on the server", async () => {
    const server = new SockhopServer({ port: 0 });
    let received = 0;
    server.on("receive", () => received++);
    server.on("error", () => {});
    await server.listen();
    const count = 400;
    const before = used();
    const child = spawn("node", [clients, String(server.port), String(count)], {
      stdio: ["pipe", "ignore", "inherit"],
    });
    try {
      await waitFor(
        () => received === count,
        20_000,
        "every client's envelope",
      );
      await waitFor(
        () => server.sockets.length === count,
        5_000,
        "every session",
      );
      const perConnection = (used() - before) / count;
      assert.ok(
        perConnection < bound,
        `${Math.round(perConnection)} bytes per idle connection`,
      );
    } finally {
      child.stdin?.end();
      child.kill();
      await server.close();
    }
  });
});
