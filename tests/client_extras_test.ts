// Opt-in client extras: the offline send queue, and the reconnect and
// connect_error events of automatic connection attempts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopClient, SockhopServer } from "../mod.ts";
import { collect, freePort, isCode, once } from "./helpers/util.ts";

describe("offline send queue (offline_queue_size)", () => {
  it("holds sends while disconnected and writes them in order first", async () => {
    const port = await freePort();
    const client = new SockhopClient({
      port,
      offline_queue_size: 3,
      auto_reconnect_interval: 20,
    });
    const server = new SockhopServer({ port });
    try {
      const held = [
        client.send("one"),
        client.send("two"),
        client.send("three"),
      ];
      assert.equal(client.offline_queue_length, 3);
      await assert.rejects(client.send("four"), isCode("ERR_SEND_QUEUE_FULL"));
      await assert.rejects(client.send(null), isCode("ERR_BAD_DATA"));
      client.on("connect", () => client.send("sent on connect"));
      const got = collect(server, "receive", 4);
      await server.listen();
      await client.start();
      await Promise.all(held);
      assert.deepEqual((await got).map(([data]) => data), [
        "one",
        "two",
        "three",
        "sent on connect",
      ]);
      assert.equal(client.offline_queue_length, 0);
    } finally {
      await client.disconnect();
      await server.close();
    }
  });

  it("rejects held sends on disconnect()", async () => {
    const client = new SockhopClient({
      port: await freePort(),
      offline_queue_size: 5,
    });
    const held = client.send({ never: "sent" });
    await client.disconnect();
    await assert.rejects(held, isCode("ERR_SOCKET_DESTROYED"));
  });

  it("is off by default: sends while disconnected reject at once", async () => {
    const client = new SockhopClient({ port: await freePort() });
    await assert.rejects(client.send("x"), isCode("ERR_SOCKET_DESTROYED"));
  });
});

describe("automatic connection events", () => {
  it("emits connect_error for failed automatic attempts, reconnect after a drop", async () => {
    const port = await freePort();
    const client = new SockhopClient({ port, auto_reconnect_interval: 20 });
    let server = new SockhopServer({ port });
    try {
      const failed = once<[Error]>(client, "connect_error");
      const started = client.start();
      const [error] = await failed;
      assert.match(error.message, /ECONNREFUSED/);
      await server.listen();
      await started;
      let reconnects = 0;
      client.on("reconnect", () => reconnects++);
      const dropped = once(client, "disconnect");
      await server.close();
      await dropped;
      server = new SockhopServer({ port });
      const back = once(client, "reconnect");
      await server.listen();
      await back;
      assert.equal(reconnects, 1);
      assert.equal(client.connected, true);
    } finally {
      await client.disconnect();
      await server.close();
    }
  });
});
