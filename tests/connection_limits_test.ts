/**
 * Connection limits: `max_connections` refuses connections over the limit
 * at once, before any session is made, and `idle_timeout` closes a
 * connection that receives nothing for that long, on either end.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type net from "node:net";
import {
  SockhopClient,
  SockhopError,
  SockhopServer,
  SockhopSession,
  type SockhopSocket,
} from "../mod.ts";
import { once, sleep, waitFor } from "./helpers/util.ts";
import { closed, rawConnect } from "./helpers/raw.ts";

const codeOf = (e: unknown) => e instanceof SockhopError ? e.code : String(e);

describe("max_connections", () => {
  it("refuses connections over the limit at once, with ERR_MAX_CONNECTIONS and no session, when many connect at once; sockets.length never exceeds it", async () => {
    let sessionsMade = 0;
    class Counted extends SockhopSession {
      override async start() {
        sessionsMade++;
        await sleep(20); // several sessions are starting at once
      }
    }
    const server = new SockhopServer({
      port: 0,
      max_connections: 3,
      session_type: Counted,
    });
    const refused: SockhopSocket[] = [];
    const otherErrors: unknown[] = [];
    server.on("error", (e, sock, session) => {
      if (codeOf(e) === "ERR_MAX_CONNECTIONS" && session === null && sock) {
        refused.push(sock);
      } else otherErrors.push(e);
    });
    let most = 0;
    const watch = () => (most = Math.max(most, server.sockets.length));
    server.on("connect", watch);
    server.on("error", watch);
    await server.listen();
    const clients = Array.from(
      { length: 8 },
      () => new SockhopClient({ port: server.port }),
    );
    try {
      await Promise.allSettled(clients.map((c) => c.connect()));
      await waitFor(
        () => server.sockets.length === 3 && refused.length === 5,
        5000,
        "3 accepted and 5 refused",
      );
      // The refused clients see their connection closed.
      await waitFor(
        () => clients.filter((c) => c.connected).length === 3,
        5000,
        "the refused clients' drops",
      );
      assert.equal(sessionsMade, 3);
      assert.equal(most, 3);
      assert.deepEqual(otherErrors, []);

      // A place frees up: the next connection is served.
      const gone = once(server, "disconnect");
      await clients.find((c) => c.connected)!.disconnect();
      await gone;
      assert.equal(server.sockets.length, 2);
      const late = new SockhopClient({ port: server.port });
      clients.push(late);
      const joined = once(server, "connect");
      await late.connect();
      await joined;
      assert.equal(server.sockets.length, 3);
      assert.equal(sessionsMade, 4);
      assert.equal(refused.length, 5);
    } finally {
      for (const c of clients) await c.disconnect();
      await server.close();
    }
  });

  it("serves every one of several connecting at once up to the limit", async () => {
    const server = new SockhopServer({ port: 0, max_connections: 4 });
    const errors: unknown[] = [];
    server.on("error", (e) => errors.push(e));
    await server.listen();
    const clients = Array.from(
      { length: 4 },
      () => new SockhopClient({ port: server.port }),
    );
    try {
      await Promise.all(clients.map((c) => c.connect()));
      await waitFor(() => server.sockets.length === 4, 5000, "registration");
      await Promise.all(clients.map((c) => c.send("hi")));
      assert.equal(clients.filter((c) => c.connected).length, 4);
      assert.deepEqual(errors, []);
    } finally {
      for (const c of clients) await c.disconnect();
      await server.close();
    }
  });

  it("counts connections whose session is still starting", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let sessionsMade = 0;
    class Slow extends SockhopSession {
      override async start() {
        sessionsMade++;
        await gate;
      }
    }
    const server = new SockhopServer({
      port: 0,
      max_connections: 2,
      session_type: Slow,
    });
    const errors: unknown[] = [];
    server.on("error", (e) => errors.push(e));
    await server.listen();
    const socks: net.Socket[] = [];
    try {
      socks.push(await rawConnect(server.port), await rawConnect(server.port));
      await waitFor(() => sessionsMade === 2, 5000, "two sessions starting");
      assert.equal(server.sockets.length, 0, "none has started yet");
      const third = await rawConnect(server.port);
      socks.push(third);
      await closed(third, 5000); // refused at once
      assert.deepEqual(errors.map(codeOf), ["ERR_MAX_CONNECTIONS"]);
      assert.equal(sessionsMade, 2);
      release();
      await waitFor(() => server.sockets.length === 2, 5000, "registration");
    } finally {
      release();
      for (const s of socks) s.destroy();
      await server.close();
    }
  });
});

describe("idle_timeout", () => {
  it("closes a server connection that receives nothing, and keeps one that talks", async () => {
    const server = new SockhopServer({ port: 0, idle_timeout: 800 });
    const disconnects: SockhopSocket[] = [];
    server.on("disconnect", (sock) => disconnects.push(sock));
    await server.listen();
    const talker = new SockhopClient({ port: server.port });
    const silent = await rawConnect(server.port);
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      await talker.connect();
      timer = setInterval(() => talker.send({ still: "here" }), 50);
      await waitFor(() => server.sockets.length === 2, 5000, "registration");
      await closed(silent, 10000);
      await waitFor(() => disconnects.length === 1, 5000, "disconnect");
      assert.equal(server.sockets.length, 1);
      // The talker outlives twice the limit.
      await sleep(1600);
      assert.equal(disconnects.length, 1);
      assert.equal(talker.connected, true);
      assert.equal(server.sockets.length, 1);
    } finally {
      clearInterval(timer);
      silent.destroy();
      await talker.disconnect();
      await server.close();
    }
  });

  it("closes a client connection that receives nothing, however much it sends, and disconnect follows", async () => {
    const server = new SockhopServer({ port: 0 });
    let received = 0;
    server.on("receive", () => received++);
    await server.listen();
    const client = new SockhopClient({ port: server.port, idle_timeout: 300 });
    let timer: ReturnType<typeof setInterval> | undefined;
    try {
      await client.connect();
      const dropped = once(client, "disconnect", 10000);
      timer = setInterval(() => client.send({ talking: true }), 20);
      await dropped;
      assert.equal(client.connected, false);
      assert.ok(received > 0, "its sends went through");
      await waitFor(() => server.sockets.length === 0, 5000, "server drop");
    } finally {
      clearInterval(timer);
      await client.disconnect();
      await server.close();
    }
  });
});
