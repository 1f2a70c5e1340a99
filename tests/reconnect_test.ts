/**
 * Client connection semantics (PROTOCOL.md §7): connect(), start(),
 * auto-reconnect, disconnect(), the flags, and connect failures. Absence
 * checks (no reconnection after disconnect()) wait many intervals: a slow
 * machine can only make them pass more easily, never fail.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { SockhopClient, SockhopServer } from "../mod.ts";
import {
  freePort,
  isCode,
  once,
  sleep,
  waitFor,
  within,
  withPair,
  withUnconnectedPair,
} from "./helpers/util.ts";
import { RawServer } from "./helpers/raw.ts";
import { runChildScript } from "./helpers/child_script.ts";

const INTERVAL = 50;

/** Counts a client's connect and disconnect events. */
function counter(client: SockhopClient) {
  const c = { connect: 0, disconnect: 0 };
  client.on("connect", () => c.connect++);
  client.on("disconnect", () => c.disconnect++);
  return c;
}

describe("connect()", () => {
  it("resolves to the client and sets the flags", async () => {
    await withUnconnectedPair(async ({ client }) => {
      assert.equal(client.connected, false);
      assert.equal(client.auto_reconnect_active, false);
      const seen = once<[unknown]>(client, "connect");
      assert.equal(await client.connect(), client);
      await seen;
      assert.equal(client.connected, true);
      assert.equal(client.auto_reconnect_active, false);
      // Connecting again while connected changes nothing.
      assert.equal(await client.connect(), client);
      const gone = once(client, "disconnect");
      await client.disconnect();
      await gone;
      assert.equal(client.connected, false);
    });
  });

  it("rejects on refusal with a message mentioning ECONNREFUSED", async () => {
    const client = new SockhopClient({ port: await freePort() });
    try {
      await assert.rejects(client.connect(), (e: unknown) => {
        assert.match((e as Error).message, /ECONNREFUSED/);
        return true;
      });
      assert.equal(client.connected, false);
    } finally {
      await client.disconnect();
    }
  });

  it('rejects with "Timeout exceeded on connect()" when the handshake never completes', async () => {
    // A TCP server that accepts and never says a word: the TLS handshake
    // hangs, so only connect_timeout can end the attempt.
    const raw = await new RawServer().listen();
    const client = new SockhopClient({
      port: raw.port,
      ssl: true,
      connect_timeout: 100,
    });
    try {
      await assert.rejects(client.connect(), (e: unknown) => {
        assert.equal((e as Error).message, "Timeout exceeded on connect()");
        return true;
      });
      assert.equal(client.connected, false);
      // The attempt is over: another one is allowed (and times out too).
      await assert.rejects(client.connect(), /Timeout exceeded on connect\(\)/);
      assert.ok(raw.peers.length >= 1);
    } finally {
      await client.disconnect();
      await raw.close(); // ends the hanging handshakes
    }
  });

  it("rejects ERR_MULTICONNECT while an attempt is under way", async () => {
    const raw = await new RawServer().listen();
    const client = new SockhopClient({
      port: raw.port,
      ssl: true,
      connect_timeout: 300,
    });
    try {
      const first = client.connect();
      first.catch(() => {});
      await raw.peer(); // the first attempt has reached the server
      await assert.rejects(client.connect(), isCode("ERR_MULTICONNECT"));
      await assert.rejects(first, /Timeout exceeded on connect\(\)/);
    } finally {
      await client.disconnect();
      await raw.close();
    }
  });

  it("rejects ERR_MULTICONNECT for a second call in the same turn", async () => {
    await withUnconnectedPair(async ({ client }) => {
      const first = client.connect();
      const second = client.connect();
      await assert.rejects(second, isCode("ERR_MULTICONNECT"));
      assert.equal(await first, client);
      assert.equal(client.connected, true);
    });
  });

  it("sends reject with ERR_SOCKET_DESTROYED once the connection dropped", async () => {
    await withPair(async ({ server, client }) => {
      const gone = once(client, "disconnect");
      await server.kill_socket(server.sockets[0]);
      await gone;
      await assert.rejects(client.send("x"), isCode("ERR_SOCKET_DESTROYED"));
    });
  });
});

describe("auto_reconnect", () => {
  it("the deprecated setter works as in 1.8.4, warning once", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    const port = await freePort();
    const client = new SockhopClient({
      port,
      auto_reconnect_interval: INTERVAL,
    });
    const server = new SockhopServer({ port });
    try {
      const c = counter(client);
      client.auto_reconnect = true; // nothing listens yet: keeps trying
      client.auto_reconnect = true;
      assert.equal(client.auto_reconnect, true);
      assert.equal(client.auto_reconnect_active, true);
      await sleep(INTERVAL * 3);
      await server.listen();
      await waitFor(() => c.connect === 1, 5000, "the first connection");
      await server.disconnect();
      await waitFor(() => c.connect === 2, 5000, "the reconnection");
      client.auto_reconnect = false;
      assert.equal(client.auto_reconnect, false);
      assert.equal(client.connected, true, "false stops retries, not the link");
      await server.disconnect();
      await sleep(INTERVAL * 6);
      assert.deepEqual(c, { connect: 2, disconnect: 2 });
      await waitFor(() => warnings.length > 0, 2000, "the warning");
      const ours = warnings.filter((w) => w.includes("auto_reconnect"));
      assert.equal(ours.length, 1, String(warnings));
      assert.match(ours[0], /start\(\)/);
    } finally {
      process.off("warning", onWarning);
      await client.disconnect();
      await server.close();
    }
  });

  it("the getters are read-only flags", () => {
    const client = new SockhopClient({ port: 1 });
    assert.equal(client.auto_reconnect, false);
    assert.equal(client.auto_reconnect_active, false);
    assert.throws(() => {
      (client as unknown as { connected: boolean }).connected = true;
    });
    assert.equal(client.connected, false);
  });

  it("connect({ auto_reconnect: true }) reconnects after a drop", async () => {
    await withUnconnectedPair({}, {
      auto_reconnect_interval: INTERVAL,
    }, async ({ server, client }) => {
      const c = counter(client);
      const registered = once(server, "connect");
      await client.connect({ auto_reconnect: true });
      await registered;
      assert.equal(client.auto_reconnect_active, true);
      const back = once(server, "connect");
      await server.kill_socket(server.sockets[0]);
      await back;
      await waitFor(() => client.connected, 5000, "the client's side");
      assert.deepEqual(c, { connect: 2, disconnect: 1 });
      const got = once(server, "receive");
      await client.send("after reconnect");
      assert.equal((await got)[0], "after reconnect");
    });
  });

  it("plain connect() does not reconnect after a drop", async () => {
    await withUnconnectedPair({}, {
      auto_reconnect_interval: INTERVAL,
    }, async ({ server, client }) => {
      let accepted = 0;
      server.on("connect", () => accepted++);
      await client.connect();
      await waitFor(() => accepted === 1, 5000, "registration");
      const gone = once(client, "disconnect");
      await server.kill_socket(server.sockets[0]);
      await gone;
      await sleep(INTERVAL * 8);
      assert.equal(accepted, 1);
      assert.equal(client.connected, false);
    });
  });
});

describe("start()", () => {
  it("resolves once connected even if the server appears later", async () => {
    const port = await freePort();
    const client = new SockhopClient({
      port,
      auto_reconnect_interval: INTERVAL,
    });
    const server = new SockhopServer({ port });
    const c = counter(client);
    try {
      const started = client.start();
      assert.equal(client.auto_reconnect_active, true);
      await sleep(INTERVAL * 3); // a few refused attempts
      assert.equal(client.connected, false);
      await server.listen();
      assert.equal(await within(started, 5000, "start()"), client);
      assert.equal(client.connected, true);
      assert.deepEqual(c, { connect: 1, disconnect: 0 });
    } finally {
      await client.disconnect();
      await server.close();
    }
  });

  it("reconnects to a server that closes and listens again on the same port, one event per drop and per connection", async () => {
    const first = new SockhopServer({ port: 0 });
    await first.listen();
    const port = first.port;
    let second: SockhopServer | null = null;
    const client = new SockhopClient({
      port,
      auto_reconnect_interval: INTERVAL,
    });
    const c = counter(client);
    try {
      await client.start();
      assert.deepEqual(c, { connect: 1, disconnect: 0 });

      // Drop 1: the server goes away entirely, then comes back.
      const gone = once(client, "disconnect");
      await first.close();
      await gone;
      assert.equal(client.connected, false);
      second = new SockhopServer({ port });
      const back = once(client, "connect");
      await second.listen();
      await back;
      assert.deepEqual(c, { connect: 2, disconnect: 1 });
      const got = once(second, "receive");
      await client.send("hello again");
      assert.equal((await got)[0], "hello again");

      // Drop 2: the server kills the connection and keeps listening.
      if (second.sockets.length === 0) await once(second, "connect");
      const back2 = once(client, "connect");
      await second.kill_socket(second.sockets[0]);
      await back2;
      // A round trip settles everything in flight before counting.
      second.on("receive", (_d, meta) => meta.callback?.("ok"));
      await new Promise((r) => client.send("sync", r));
      assert.deepEqual(c, { connect: 3, disconnect: 2 });
      assert.equal(client.auto_reconnect_active, true);
    } finally {
      await client.disconnect();
      await first.close();
      await second?.close();
    }
  });

  it("a client dropped by its pings reconnects", async () => {
    const raw = await new RawServer().listen();
    const client = new SockhopClient({
      port: raw.port,
      auto_reconnect_interval: INTERVAL,
    });
    const c = counter(client);
    try {
      await client.start();
      client.ping(INTERVAL);
      // The raw server never answers: dropped, then connected again.
      await raw.peer(1, 10_000);
      await waitFor(() => c.connect === 2, 5000, "the reconnection");
      assert.equal(c.disconnect, 1);
      await raw.peers[0].waitClosed();
    } finally {
      await client.disconnect();
      await raw.close();
    }
  });
});

describe("disconnect()", () => {
  it("stops reconnecting and pinging", async () => {
    await withUnconnectedPair({}, {
      auto_reconnect_interval: INTERVAL,
    }, async ({ server, client }) => {
      const c = counter(client);
      let accepted = 0;
      server.on("connect", () => accepted++);
      await client.start();
      client.ping(INTERVAL / 2);
      await waitFor(() => accepted === 1, 5000, "registration");
      await client.disconnect();
      assert.equal(client.connected, false);
      assert.equal(client.auto_reconnect_active, false);
      assert.deepEqual(c, { connect: 1, disconnect: 1 });
      await sleep(INTERVAL * 8);
      assert.equal(accepted, 1);
      assert.deepEqual(c, { connect: 1, disconnect: 1 });
      assert.deepEqual(client.pings, []);
      // disconnect() again is harmless.
      await client.disconnect();
      assert.deepEqual(c, { connect: 1, disconnect: 1 });
    });
  });

  it("stops a start() that has not connected yet, which rejects", async () => {
    const port = await freePort();
    const client = new SockhopClient({
      port,
      auto_reconnect_interval: INTERVAL,
    });
    let server: SockhopServer | null = null;
    try {
      const started = client.start();
      started.catch(() => {});
      await sleep(INTERVAL * 2);
      await client.disconnect();
      await assert.rejects(started, isCode("ERR_SOCKET_DESTROYED"));
      server = new SockhopServer({ port });
      let accepted = 0;
      server.on("connect", () => accepted++);
      await server.listen();
      await sleep(INTERVAL * 8);
      assert.equal(accepted, 0);
      assert.equal(client.connected, false);
    } finally {
      await client.disconnect();
      await server?.close();
    }
  });

  it(
    "leaves no timer behind: a process using start(), ping() and disconnect() exits by itself",
    async () => {
      const run = await runChildScript(
        ["SockhopClient", "SockhopServer"],
        `const server = new SockhopServer({ port: 0 });
await server.listen();
server.ping(20);
const client = new SockhopClient({ port: server.port, auto_reconnect_interval: 20 });
await client.start();
client.ping(20);
const spare = new SockhopServer({ port: 0 });
await spare.listen();
const deadPort = spare.port;
await spare.close();
const lost = new SockhopClient({ port: deadPort, auto_reconnect_interval: 20 });
lost.start().catch(() => {});
const once = new SockhopClient({ port: server.port, auto_reconnect_interval: 20 });
await once.connect({ auto_reconnect: true });
await new Promise((r) => setTimeout(r, 100));
await lost.disconnect();
await once.disconnect();
await client.disconnect();
await server.close();
console.log("done");`,
      );
      assert.ok(run.exited, `the child did not exit by itself: ${run.stderr}`);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.trim(), "done");
    },
  );
});
