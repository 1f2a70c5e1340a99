import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  SockhopClient,
  SockhopError,
  SockhopServer,
  type Terminator,
} from "../mod.ts";
import {
  assertCallbacksBothWays,
  assertValuesDelivered,
  once,
  pair,
  tempDir,
  Widget,
  withPair,
} from "./helpers/util.ts";

describe("client and server over TCP", () => {
  it("delivers values with their type labels", async () => {
    await withPair(async ({ server, client }) => {
      await assertValuesDelivered(server, client);
    });
  });

  it("runs remote callbacks both ways", async () => {
    await withPair(async ({ server, client }) => {
      await assertCallbacksBothWays(server, client);
    });
  });

  it("reports the bound port when 0 was asked for", async () => {
    const server = new SockhopServer({ port: 0 });
    await server.listen();
    try {
      assert.ok(server.port > 0);
      assert.equal(server.get_bound_port(), server.port);
      assert.equal(server.get_bound_address(), "127.0.0.1");
    } finally {
      await server.close();
    }
  });

  it("rejects null and undefined with ERR_BAD_DATA", async () => {
    await withPair(async ({ client }) => {
      for (const bad of [null, undefined]) {
        await assert.rejects(
          client.send(bad),
          (e: unknown) =>
            e instanceof SockhopError && e.code === "ERR_BAD_DATA",
        );
      }
    });
  });

  it("refuses an empty terminator when constructed, before any socket", () => {
    const bad = (e: unknown) =>
      e instanceof SockhopError && e.code === "ERR_BAD_DATA";
    const terminators: Terminator[] = ["", ["", "\n"]];
    for (const terminator of terminators) {
      assert.throws(() => new SockhopServer({ port: 0, terminator }), bad);
      assert.throws(() => new SockhopClient({ port: 1, terminator }), bad);
    }
    // Not a string nor a pair: the default, as in the original.
    const odd = new SockhopClient({ terminator: 5 as unknown as string });
    assert.ok(odd instanceof SockhopClient);
  });

  it("rejects send on a client that is not connected", async () => {
    const client = new SockhopClient({ port: 1 });
    await assert.rejects(
      client.send({}),
      (e: unknown) =>
        e instanceof SockhopError && e.code === "ERR_SOCKET_DESTROYED",
    );
  });

  it("emits one disconnect on each side when the client leaves", async () => {
    await withPair(async ({ server, client }) => {
      const serverSaw = once(server, "disconnect");
      const clientSaw = once(client, "disconnect");
      await client.disconnect();
      await Promise.all([serverSaw, clientSaw]);
      assert.equal(client.connected, false);
      assert.equal(server.sockets.length, 0);
    });
  });
});

describe("client and server over a Unix socket", () => {
  it("exchanges values and callbacks", async () => {
    const { dir, cleanup } = tempDir();
    const { server, client, close } = await pair({ path: `${dir}/s.sock` });
    try {
      server.on("receive", (data, meta) => meta.callback?.([data, meta.type]));
      const reply = await new Promise((resolve) =>
        client.send(new Widget("unix"), (answer) => resolve(answer))
      );
      assert.deepEqual(reply, [{ name: "unix", teeth: 12 }, "Widget"]);
    } finally {
      await close();
      cleanup();
    }
  });
});
