/**
 * The 2.x client's lifecycle and options (src/sockhop2.ts), as 2.1 has
 * them: `start()` waits for the handshake and fails with it,
 * `compatibility_mode`, `auto_rehandshake`; and a 2.1 peer's pings and
 * compatibility mode against this library's server.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Client, SockhopError, SockhopServer } from "../mod.ts";
import { PeerProcess } from "./helpers/peer_process.ts";
import { withPeer2 } from "./helpers/peer2_process.ts";
import { isCode, once, waitFor } from "./helpers/util.ts";
import { withOurClientOf2x } from "./helpers/our_client_of_peer2.ts";

describe("the 2.x Client", () => {
  it("refuses binary mode in compatibility mode, start() in it, and connect() with auto_rehandshake", async () => {
    assert.throws(
      () => new Client({ compatibility_mode: true, allow_binary_mode: true }),
      isCode("ERR_HANDSHAKE_COMPATIBILITY_MODE"),
    );
    await assert.rejects(
      new Client({ compatibility_mode: true }).start(),
      isCode("ERR_HANDSHAKE_COMPATIBILITY_MODE"),
    );
    await assert.rejects(
      new Client({ auto_rehandshake: true }).connect(),
      isCode("ERR_AUTO_REHANDSHAKE_CONNECT"),
    );
  });

  it("start() against a sockhop@1.8.4 server rejects with ERR_HANDSHAKE_TIMEOUT and disconnects", async () => {
    const peer = PeerProcess.start("original");
    try {
      const { port } = await peer.call("listen");
      const client = new Client({ port, handshake_timeout: 100 });
      const dropped = once(client, "disconnect");
      await assert.rejects(client.start(), (e: unknown) => {
        assert.ok(e instanceof SockhopError);
        return e.code === "ERR_HANDSHAKE_TIMEOUT";
      });
      await dropped;
      assert.equal(client.connected, false);
    } finally {
      await peer.close();
    }
  });

  it("in compatibility mode, a 2.1 server's handshake is ignored and never reaches the application", async () => {
    const listen = { options: { handshake_timeout: 200 } };
    const options = { compatibility_mode: true };
    await withOurClientOf2x(listen, options, async (client, peer) => {
      const types: string[] = [];
      client.on("receive", (_d, meta) => types.push(meta.type));
      await client.connect();
      const shake = await peer.event("handshake");
      assert.deepEqual([shake.ok, shake.code], [
        false,
        "ERR_HANDSHAKE_TIMEOUT",
      ]);
      await client.send({ after: 1 });
      assert.deepEqual((await peer.event("receive")).data, { after: 1 });
      assert.deepEqual(types, []);
      assert.deepEqual(client.binary_mode, { rx: false, tx: false });
    });
  });

  it("auto_rehandshake reconnects after a drop and handshakes again", async () => {
    const options = { auto_rehandshake: true, auto_rehandshake_interval: 50 };
    await withOurClientOf2x({}, options, async (client, peer) => {
      await client.start();
      const again = once<[boolean]>(client, "handshake", 10_000);
      await peer.call("disconnect");
      assert.equal((await again)[0], true);
      await waitFor(() => client.binary_mode.tx);
    });
  });
});

describe("a 2.1 client and this library's server", () => {
  it("2.1's pings are answered in binary mode", async () => {
    const server = new SockhopServer({ port: 0 });
    await server.listen();
    try {
      await withPeer2(async (peer) => {
        await peer.call("connect", { port: server.port, start: true });
        await peer.event("binary_mode:rx");
        await peer.call("ping", { delay: 20 });
        let status = await peer.call("status");
        for (let i = 0; i < 200 && status.answered === 0; i++) {
          await new Promise((r) => setTimeout(r, 10));
          status = await peer.call("status");
        }
        assert.ok(status.answered > 0, "a ping was answered");
        await peer.call("ping", { delay: 0 });
        assert.equal(peer.count("error"), 0);
      });
    } finally {
      await server.close();
    }
  });

  it("a 2.1 client in compatibility mode gets the 1.x wire: no handshake, its Buffer arrives", async () => {
    const server = new SockhopServer({ port: 0 });
    const handshakes: unknown[] = [];
    server.on("handshake", (...a) => handshakes.push(a));
    await server.listen();
    try {
      await withPeer2(async (peer) => {
        await peer.call("connect", {
          port: server.port,
          options: { compatibility_mode: true },
        });
        const got = once<[Uint8Array]>(server, "receive");
        await peer.call("send", { as: "Buffer", data: [1, 2, 3] });
        assert.deepEqual([...(await got)[0]], [1, 2, 3]);
        assert.deepEqual(handshakes, []);
      });
    } finally {
      await server.close();
    }
  });
});
