/**
 * `resume` on one side only: the other side (sockhop@1.8.4, the real
 * 2.1.0, or this library without `resume`) sees an ordinary connection,
 * and the application on both sides sees nothing of the attempt.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopClient, SockhopServer } from "../mod.ts";
import { originalClientGetsOnlyTheAnswer } from "./helpers/original_client_check.ts";
import { withPeer2 } from "./helpers/peer2_process.ts";
import { once } from "./helpers/util.ts";

const WINDOW = 5000;

/** A callback round trip from `client`: the answer. */
function roundTrip(client: SockhopClient, value: unknown): Promise<unknown> {
  return new Promise((resolve, reject) =>
    client.send(value, resolve, { error_cb: reject }).catch(reject)
  );
}

describe("resume on one side only", () => {
  it("a server with resume serves a client of this library without it, which is spoken to first", async () => {
    const server = new SockhopServer({ port: 0, resume: WINDOW });
    server.on("connect", (sock) => void server.send(sock, { hello: 1 }));
    server.on("receive", (d, meta) => meta.callback?.({ echo: d }));
    await server.listen();
    const client = new SockhopClient({ port: server.port });
    const received: unknown[] = [];
    client.on("receive", (d) => received.push(d));
    try {
      const hello = once(client, "receive");
      await client.connect();
      await hello;
      assert.deepEqual(await roundTrip(client, { a: 1 }), { echo: { a: 1 } });
      assert.deepEqual(received, [{ hello: 1 }]);
    } finally {
      await client.disconnect();
      await server.close();
    }
  });

  it("a client with resume talks to a server of this library without it", async () => {
    const server = new SockhopServer({ port: 0 });
    const received: unknown[] = [];
    server.on("receive", (d, meta) => {
      received.push(d);
      meta.callback?.({ echo: d });
    });
    await server.listen();
    const client = new SockhopClient({ port: server.port, resume: WINDOW });
    try {
      await client.connect();
      assert.deepEqual(await roundTrip(client, { a: 1 }), { echo: { a: 1 } });
      await client.send({ b: 2 });
      assert.deepEqual(await roundTrip(client, { c: 3 }), { echo: { c: 3 } });
      assert.deepEqual(received, [{ a: 1 }, { b: 2 }, { c: 3 }]);
    } finally {
      await client.disconnect();
      await server.close();
    }
  });

  it("a sockhop@1.8.4 client of a server with resume gets only what the application sent", async () => {
    await originalClientGetsOnlyTheAnswer({ resume: WINDOW });
  });

  it("a 2.1 client of a server with resume handshakes into binary mode as ever", async () => {
    const server = new SockhopServer({ port: 0, resume: WINDOW });
    const got: unknown[] = [];
    server.on("receive", (d) => got.push(d));
    await server.listen();
    try {
      await withPeer2(async (peer) => {
        await peer.call("connect", { port: server.port, start: true });
        await peer.event("binary_mode:rx");
        await peer.call("send", { as: "Widget", data: { a: 1 } });
        for (let i = 0; i < 200 && got.length === 0; i++) {
          await new Promise((r) => setTimeout(r, 10));
        }
        assert.equal(got.length, 1);
        assert.equal(peer.count("error"), 0);
      });
    } finally {
      await server.close();
    }
  });

  it("a client with resume of a 2.1 server goes on as a plain 2.x connection", async () => {
    await withPeer2(async (peer) => {
      const { port } = await peer.call("listen");
      const client = new SockhopClient({ port, resume: WINDOW });
      try {
        await client.connect();
        const answer = await roundTrip(client, { a: 1 });
        assert.deepEqual(answer, { echo: { a: 1 }, type: "Object" });
        assert.equal(peer.count("error"), 0);
      } finally {
        await client.disconnect();
      }
    });
  });
});
