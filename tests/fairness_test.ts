/**
 * A loop of awaited sends must let the event loop turn: in Node a socket
 * write that the kernel takes at once calls back from `process.nextTick`,
 * so without care such a loop starves timers, pings and reads (measured:
 * 2 s timer gaps with 20 clients). The check counts sends, not time.
 * And one peer streaming as fast as it can must not starve the others: in
 * Deno, reads that find data waiting complete without returning to the
 * event loop.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { SockhopClient, SockhopServer } from "../mod.ts";
import { waitFor, within, withPair } from "./helpers/util.ts";

describe("event-loop fairness", () => {
  it("a timer fires during a loop of 50,000 awaited sends", async () => {
    await withPair(async ({ client }) => {
      const n = 50_000;
      let i = 0;
      let firedAt = -1;
      const timer = setTimeout(() => (firedAt = i), 0);
      for (; i < n; i++) await client.send({ i });
      clearTimeout(timer);
      assert.ok(
        firedAt >= 0 && firedAt < n,
        `the timer fired at send ${firedAt} of ${n}`,
      );
    });
  });

  it("a timer fires during a server's loop of awaited sends", async () => {
    await withPair(async ({ server }) => {
      const n = 50_000;
      const sock = server.sockets[0];
      let i = 0;
      let firedAt = -1;
      const timer = setTimeout(() => (firedAt = i), 0);
      for (; i < n; i++) await server.send(sock, { i });
      clearTimeout(timer);
      assert.ok(firedAt >= 0 && firedAt < n, `fired at ${firedAt} of ${n}`);
    });
  });
});

/**
 * A peer in another process that streams small envelopes into `port` over
 * two connections as fast as the sockets take them, until killed.
 */
function flooder(port: number): ChildProcess {
  const code = `
    const net = require("node:net");
    const chunk = '{"type":"Object","data":{"n":1}}\\n'.repeat(200);
    for (let i = 0; i < 2; i++) {
      const s = net.connect(Number(process.env.FLOOD_PORT), "127.0.0.1");
      s.on("error", () => process.exit(0));
      s.on("close", () => process.exit(0));
      s.on("connect", function pump() {
        while (s.write(chunk));
        s.once("drain", pump);
      });
    }`;
  return spawn("node", ["-e", code], {
    env: { ...process.env, FLOOD_PORT: String(port) },
    stdio: "ignore",
  });
}

describe("fairness under a flood", () => {
  it("serves another client while one peer streams as fast as it can", async () => {
    const server = new SockhopServer({ port: 0 });
    let flooded = 0;
    server.on("receive", (_data, meta) => {
      if (meta.callback) meta.callback({ ok: true });
      else flooded++;
    });
    server.on("error", () => {});
    await server.listen();
    const child = flooder(server.port);
    const exited = new Promise((r) => child.once("exit", r));
    const client = new SockhopClient({ port: server.port });
    let dropped = false;
    try {
      await waitFor(() => flooded >= 50_000, 10_000, "the flood");
      // A fresh client gets in while the flood goes on.
      await within(client.connect(), 3000, "connecting during the flood");
      client.on("disconnect", () => (dropped = true));
      // Pings every 250 ms: four unanswered in a row drop the client.
      server.ping(250);
      const before = flooded;
      for (let i = 0; i < 40; i++) {
        await within(
          new Promise((resolve) => client.send({ i }, resolve)),
          1500,
          `remote-callback round trip ${i}`,
        );
      }
      assert.ok(flooded > before, "the flood went on meanwhile");
      assert.equal(dropped, false);
      assert.equal(client.connected, true);
    } finally {
      server.ping(0);
      child.kill();
      await exited;
      await client.disconnect();
      await server.close();
    }
  });
});
