/**
 * Sessions and the server's connection bookkeeping (PROTOCOL.md §7):
 * session start()/end() ordering, per-session send/request/kill,
 * sockets/sessions, receive meta, kill_socket, disconnect() and close().
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  SockhopClient,
  SockhopServer,
  type SockhopServerOptions,
  SockhopSession,
  type SockhopSocket,
} from "../mod.ts";
import {
  collect,
  once,
  sleep,
  waitFor,
  withUnconnectedPair,
} from "./helpers/util.ts";

/** A promise with its resolver, to hold a session in start() or end(). */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

/** A session class that logs and waits on gates in start() and end(). */
function gatedSession(
  log: string[],
  startGate: Promise<void>,
  endGate: Promise<void>,
) {
  return class Gated extends SockhopSession {
    override async start(): Promise<void> {
      log.push("start:begin");
      await startGate;
      log.push("start:end");
    }
    override async end(): Promise<void> {
      log.push("end:begin");
      await endGate;
      log.push("end:end");
    }
  };
}

/** A client the server has registered, with its socket and session. */
interface Joined {
  client: SockhopClient;
  sock: SockhopSocket;
  session: SockhopSession;
}

/**
 * Runs `fn` on a listening server; `join()` connects a client and waits
 * until the server registered it. Afterwards `gates` are opened (no session
 * is left waiting), every joined client disconnects and the server closes.
 */
async function withServer(
  opts: SockhopServerOptions,
  fn: (server: SockhopServer, join: () => Promise<Joined>) => Promise<void>,
  gates: { open(): void }[] = [],
): Promise<void> {
  const server = new SockhopServer({ port: 0, ...opts });
  await server.listen();
  const clients: SockhopClient[] = [];
  const join = async () => {
    const client = new SockhopClient({ port: server.port });
    clients.push(client);
    const registered = once<[SockhopSocket, SockhopSession]>(server, "connect");
    await client.connect();
    const [sock, session] = await registered;
    return { client, sock, session };
  };
  try {
    await fn(server, join);
  } finally {
    for (const g of gates) g.open();
    for (const c of clients) await c.disconnect();
    await server.close();
  }
}

describe("session start() and end()", () => {
  it("start() is awaited before registration and connect; early data is kept", async () => {
    const log: string[] = [];
    const startGate = gate();
    const server = new SockhopServer({
      port: 0,
      session_type: gatedSession(log, startGate.promise, Promise.resolve()),
    });
    server.on("connect", (sock, session) => {
      log.push("connect");
      assert.ok(server.sockets.includes(sock), "registered before connect");
      assert.ok(server.sessions.includes(session));
    });
    server.on("receive", (data) => log.push(`receive:${data}`));
    await server.listen();
    const client = new SockhopClient({ port: server.port });
    try {
      await client.connect();
      await waitFor(() => log.includes("start:begin"), 5000, "start()");
      // Sent while start() is still running.
      await client.send("early-1");
      await client.send("early-2");
      assert.equal(server.sockets.length, 0);
      assert.equal(server.sessions.length, 0);
      assert.deepEqual(log, ["start:begin"]);
      const received = collect(server, "receive", 2);
      startGate.open();
      await received;
      assert.deepEqual(log, [
        "start:begin",
        "start:end",
        "connect",
        "receive:early-1",
        "receive:early-2",
      ]);
      assert.equal(server.sockets.length, 1);
      assert.ok(server.sessions[0] instanceof SockhopSession);
    } finally {
      startGate.open();
      await client.disconnect();
      await server.close();
    }
  });

  it("end() is awaited before disconnect", async () => {
    const log: string[] = [];
    const endGate = gate();
    const session_type = gatedSession(log, Promise.resolve(), endGate.promise);
    await withServer({ session_type }, async (server, join) => {
      server.on("disconnect", (_sock, session) => {
        log.push("disconnect");
        assert.ok(session instanceof SockhopSession);
      });
      const { client } = await join();
      await client.disconnect();
      await waitFor(() => log.includes("end:begin"), 5000, "end()");
      assert.equal(server.sockets.length, 0, "unregistered while ending");
      assert.ok(!log.includes("disconnect"));
      const gone = once(server, "disconnect");
      endGate.open();
      await gone;
      assert.deepEqual(log.slice(-3), ["end:begin", "end:end", "disconnect"]);
    }, [endGate]);
  });

  it("a session can send to its client from start()", async () => {
    class Greeter extends SockhopSession {
      override async start(): Promise<void> {
        await this.send({ welcome: true });
      }
    }
    await withUnconnectedPair(
      { session_type: Greeter },
      async ({ server, client }) => {
        const errors: unknown[] = [];
        server.on("error", (e) => errors.push(e));
        const welcome = once(client, "receive");
        const registered = once(server, "connect");
        registered.catch(() => {}); // awaited below, after the welcome
        await client.connect();
        assert.deepEqual((await welcome)[0], { welcome: true });
        await registered;
        assert.equal(server.sockets.length, 1);
        assert.deepEqual(errors, []);
      },
    );
  });

  it("a session can kill its connection from start(): no connect, no disconnect", async () => {
    class Bouncer extends SockhopSession {
      override async start(): Promise<void> {
        await this.kill();
      }
    }
    await withUnconnectedPair(
      { session_type: Bouncer },
      async ({ server, client }) => {
        const events: string[] = [];
        server.on("connect", () => events.push("connect"));
        server.on("disconnect", () => events.push("disconnect"));
        const gone = once(client, "disconnect");
        await client.connect();
        await gone;
        // A later client's whole visit settles the first one's bookkeeping.
        const other = new SockhopClient({ port: server.port });
        await other.connect();
        await other.disconnect();
        await sleep(10);
        assert.deepEqual(events, []);
        assert.deepEqual(server.sockets, []);
      },
    );
  });

  it("a session whose start() throws is dropped without connect", async () => {
    class Refuser extends SockhopSession {
      override start(): Promise<void> {
        return Promise.reject(new Error("not today"));
      }
    }
    await withUnconnectedPair(
      { session_type: Refuser },
      async ({ server, client }) => {
        let connects = 0;
        server.on("connect", () => connects++);
        const errors = collect<[Error]>(server, "error", 1);
        const gone = once(client, "disconnect");
        await client.connect();
        await gone;
        assert.equal((await errors)[0][0].message, "not today");
        assert.equal(connects, 0);
        assert.equal(server.sockets.length, 0);
      },
    );
  });
});

describe("session actions and server bookkeeping", () => {
  it("session.send, session.request and session.kill act on their own connection", async () => {
    await withServer({}, async (server, join) => {
      const a = await join();
      const b = await join();
      assert.equal(a.session.sock, a.sock);
      assert.equal(a.session.server, server);
      assert.notEqual(a.session, b.session);
      const gotA: unknown[] = [];
      const gotB: unknown[] = [];
      a.client.on("receive", (d) => gotA.push(d));
      b.client.on("receive", (d) => gotB.push(d));
      const toA = once(a.client, "receive");
      const toB = once(b.client, "receive");
      await a.session.send("for A");
      await b.session.send("for B");
      await Promise.all([toA, toB]);
      assert.deepEqual(gotA, ["for A"]);
      assert.deepEqual(gotB, ["for B"]);

      const asked: string[] = [];
      a.client.on("request", (_req, res) => {
        asked.push("A");
        res.send("from A");
      });
      b.client.on("request", (_req, res) => {
        asked.push("B");
        res.send("from B");
      });
      const reply = await (await b.session.request("who?")).all();
      assert.deepEqual(reply, [{ data: "from B", type: "String" }]);
      assert.deepEqual(asked, ["B"]);

      const aGone = once(a.client, "disconnect");
      await a.session.kill();
      await aGone;
      assert.deepEqual(server.sockets, [b.sock]);
      assert.deepEqual(server.sessions, [b.session]);
      assert.equal(b.client.connected, true);
      const again = once(b.client, "receive");
      await b.session.send("still here");
      assert.equal((await again)[0], "still here");
      await assert.rejects(a.session.send("gone"));
    });
  });

  it("server.sessions parallels server.sockets as clients come and go", async () => {
    await withServer({}, async (server, join) => {
      const joined = [await join(), await join(), await join()];
      const parallel = () => {
        assert.equal(server.sessions.length, server.sockets.length);
        server.sockets.forEach((s, i) =>
          assert.equal(server.sessions[i].sock, s)
        );
      };
      parallel();
      assert.deepEqual(server.sockets, joined.map((j) => j.sock));
      assert.deepEqual(server.sessions, joined.map((j) => j.session));
      const gone = once(server, "disconnect");
      await joined[1].client.disconnect();
      await gone;
      parallel();
      assert.deepEqual(server.sockets, [joined[0].sock, joined[2].sock]);
      assert.deepEqual(server.sessions, [joined[0].session, joined[2].session]);
    });
  });

  it("receive meta carries the socket and session", async () => {
    await withServer({}, async (server, join) => {
      const { client, sock, session } = await join();
      const got = once<[unknown, Record<string, unknown>]>(server, "receive");
      await client.send({ hi: 1 });
      const [data, meta] = await got;
      assert.deepEqual(data, { hi: 1 });
      assert.equal(meta.type, "Object");
      assert.equal(meta.socket, sock);
      assert.equal(meta.session, session);
    });
  });

  it("kill_socket resolves after disconnect was emitted (and after a slow end())", async () => {
    const log: string[] = [];
    const endGate = gate();
    const session_type = gatedSession(log, Promise.resolve(), endGate.promise);
    await withServer({ session_type }, async (server, join) => {
      server.on("disconnect", () => log.push("disconnect"));
      const { sock } = await join();
      const killed = server.kill_socket(sock).then(() => log.push("killed"));
      await waitFor(() => log.includes("end:begin"), 5000, "end()");
      assert.ok(!log.includes("killed"));
      endGate.open();
      await killed;
      assert.deepEqual(log.slice(-4), [
        "end:begin",
        "end:end",
        "disconnect",
        "killed",
      ]);
      // Killing it again is harmless.
      await server.kill_socket(sock);
    }, [endGate]);
  });

  it("server.disconnect() drops every client and keeps listening", async () => {
    await withServer({}, async (server, join) => {
      const a = await join();
      const b = await join();
      const gone = Promise.all([
        once(a.client, "disconnect"),
        once(b.client, "disconnect"),
      ]);
      await server.disconnect();
      await gone;
      assert.deepEqual(server.sockets, []);
      assert.deepEqual(server.sessions, []);
      const c = await join();
      assert.equal(server.sockets.length, 1);
      const got = once(server, "receive");
      await c.client.send("new client");
      assert.equal((await got)[0], "new client");
    });
  });

  it("server.close() drops every client and stops listening", async () => {
    await withServer({}, async (server, join) => {
      const a = await join();
      const late = new SockhopClient({ port: server.port });
      const gone = once(a.client, "disconnect");
      await server.close();
      await gone;
      assert.deepEqual(server.sockets, []);
      await assert.rejects(late.connect(), /ECONNREFUSED/);
      await late.disconnect();
    });
  });

  it("close() while a session is starting drops that connection unregistered", async () => {
    const log: string[] = [];
    const startGate = gate();
    const server = new SockhopServer({
      port: 0,
      session_type: gatedSession(log, startGate.promise, Promise.resolve()),
    });
    let connects = 0;
    server.on("connect", () => connects++);
    await server.listen();
    const client = new SockhopClient({ port: server.port });
    try {
      await client.connect();
      await waitFor(() => log.includes("start:begin"), 5000, "start()");
      const gone = once(client, "disconnect");
      await server.close();
      await gone;
      startGate.open();
      await waitFor(() => log.includes("start:end"), 5000, "start() to end");
      await sleep(10);
      assert.equal(connects, 0);
      assert.deepEqual(server.sockets, []);
    } finally {
      startGate.open();
      await client.disconnect();
      await server.close();
    }
  });
});

describe("session end() written in plain JavaScript", () => {
  it("an end() that is not async, or throws at once, still ends in disconnect", async () => {
    let ended = 0;
    class Plain extends SockhopSession {
      override end(): Promise<void> {
        ended++;
        if (ended === 2) throw new Error("end failed");
        return undefined as unknown as Promise<void>; // no promise at all
      }
    }
    const server = new SockhopServer({ port: 0, session_type: Plain });
    const errors: Error[] = [];
    server.on("error", (e) => errors.push(e));
    await server.listen();
    try {
      for (let i = 0; i < 2; i++) {
        const client = new SockhopClient({ port: server.port });
        const joined = once(server, "connect");
        await client.connect();
        await joined;
        const left = once(server, "disconnect");
        await client.disconnect();
        await left;
      }
      assert.equal(ended, 2);
      assert.deepEqual(errors.map((e) => e.message), ["end failed"]);
    } finally {
      await server.close();
    }
  });
});
