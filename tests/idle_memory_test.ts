/**
 * Memory per idle connection: a server's connections that sent one small
 * envelope and went quiet must not each hold a large read buffer (the Deno
 * transport held 128 KiB per connection). Measured as the growth of the
 * JS heap plus external memory (where buffers live) after a full garbage
 * collection; the raw client sockets live in this process too, so the bound
 * is generous, far below one large buffer per connection.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type net from "node:net";
import process from "node:process";
import { SockhopServer } from "../mod.ts";
import { rawConnect } from "./helpers/raw.ts";
import { collector } from "./helpers/gc.ts";
import { waitFor } from "./helpers/util.ts";

const gc = collector();

function used(): number {
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

describe("idle connections", () => {
  it("hold well under 32 KiB each, buffers included", async () => {
    const server = new SockhopServer({ port: 0 });
    let received = 0;
    server.on("receive", () => received++);
    await server.listen();
    const count = 300;
    const sockets: net.Socket[] = [];
    try {
      const before = used();
      for (let i = 0; i < count; i++) {
        const sock = await rawConnect(server.port);
        sockets.push(sock);
        sock.write('{"type":"String","data":"hello"}\n');
      }
      await waitFor(() => received === count, 10_000, "every envelope");
      const perConnection = (used() - before) / count;
      assert.ok(
        perConnection < 32 * 1024,
        `${Math.round(perConnection)} bytes per idle connection`,
      );
    } finally {
      for (const s of sockets) s.destroy();
      await server.close();
    }
  });
});
