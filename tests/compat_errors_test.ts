/**
 * Errors a new user meets, alike in every runtime: a bad port is
 * `ERR_SOCKET_BAD_PORT` with Node's message (Deno's own errors have no
 * code, Bun words them differently), and a send on a client that never
 * connected says what to do.
 * @module
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopClient, SockhopError, SockhopServer } from "../mod.ts";
import { freePort } from "./helpers/util.ts";

/** Bad `port` values, and how Node's message says what it received. */
const BAD_PORTS: [unknown, string][] = [
  [-1, "type number (-1)"],
  [65536, "type number (65536)"],
  [1.5, "type number (1.5)"],
  ["abc", "type string ('abc')"],
  ["70000", "type string ('70000')"],
  [" ", "type string (' ')"],
  [
    "a port number far too long to show",
    "type string ('a port number far too lo...)",
  ],
  [true, "type boolean (true)"],
  [{}, "an instance of Object"],
];

function assertBadPort(received: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof SockhopError, `not a SockhopError: ${e}`);
    assert.equal(e.code, "ERR_SOCKET_BAD_PORT");
    assert.equal(
      e.message,
      `Port should be >= 0 and < 65536. Received ${received}.`,
    );
    return true;
  };
}

describe("bad ports (ERR_SOCKET_BAD_PORT, Node's message)", () => {
  for (const [port, received] of BAD_PORTS) {
    it(`connect() and listen() refuse ${JSON.stringify(port)}`, async () => {
      const p = port as number;
      const client = new SockhopClient({ port: p, connect_timeout: 2000 });
      await assert.rejects(client.connect(), assertBadPort(received));
      assert.equal(client.connected, false);
      const server = new SockhopServer({ port: p });
      await assert.rejects(server.listen(), assertBadPort(received));
      await server.close();
    });
  }

  it("a port given as a numeric string works, as in Node", async () => {
    const port = await freePort();
    const server = new SockhopServer({
      port: String(port) as unknown as number,
    });
    await server.listen();
    const client = new SockhopClient({
      port: String(port) as unknown as number,
    });
    try {
      await client.connect();
      assert.equal(server.port, port);
    } finally {
      await client.disconnect();
      await server.close();
    }
  });
});

describe("sending before connecting", () => {
  it("keeps the original's words and says what to do", async () => {
    const client = new SockhopClient({ port: 1 });
    await assert.rejects(client.send({ too: "early" }), (e: unknown) => {
      assert.ok(e instanceof SockhopError);
      assert.equal(e.code, "ERR_SOCKET_DESTROYED");
      assert.ok(
        e.message.startsWith(
          "Client unable to send() - socket has been destroyed",
        ),
        e.message,
      );
      for (const hint of ["connect()", "start()", "offline_queue_size"]) {
        assert.ok(e.message.includes(hint), `${hint} in: ${e.message}`);
      }
      return true;
    });
  });
});
