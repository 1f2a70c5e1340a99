/**
 * Pings, reconnection and framing when the link itself fails, through the
 * fault proxy (tests/helpers/fault_proxy.ts) between our client and
 * server: a black-holed link is found by pings (and only by pings), a cut
 * in the middle of a stream of messages ends in a new session with clear
 * errors, writes split into pieces of a few bytes still frame every message
 * intact and in order, and a reset makes pending requests and callbacks
 * end instead of hanging. Waits are hang guards, never pass/fail timings.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type Conn,
  SockhopClient,
  type SockhopClientOptions,
  SockhopError,
  type SockhopResponseReadableStream,
  SockhopServer,
  type SockhopSession,
} from "../mod.ts";
import { type FaultProxy, withFaultProxy } from "./helpers/fault_proxy.ts";
import { collect, isCode, once, waitFor, within } from "./helpers/util.ts";

const INTERVAL = 40;
/** Hang guard for anything that takes a few ping intervals. */
const GUARD = 10_000;

interface Rig {
  server: SockhopServer;
  client: SockhopClient;
  proxy: FaultProxy;
  /** Every session the server announced, in order. */
  sessions: SockhopSession[];
  /** Every session the server said goodbye to, in order. */
  gone: SockhopSession[];
  /** The client's connect and disconnect events. */
  events: { connect: number; disconnect: number };
}

/**
 * A server, a proxy in front of it, and a started client (auto-reconnect)
 * of the proxy; everything closed after `fn`.
 */
async function withProxiedPair(
  proxyOpts: { split?: number; delay?: number },
  clientOpts: SockhopClientOptions,
  fn: (rig: Rig) => Promise<void>,
): Promise<void> {
  const server = new SockhopServer({ port: 0 });
  const sessions: SockhopSession[] = [];
  const gone: SockhopSession[] = [];
  server.on("connect", (_s, session) => sessions.push(session));
  server.on("disconnect", (_s, session) => gone.push(session));
  await server.listen();
  try {
    await withFaultProxy(server.port, proxyOpts, async (proxy) => {
      const client = new SockhopClient({
        port: proxy.port,
        auto_reconnect_interval: INTERVAL,
        ...clientOpts,
      });
      const events = { connect: 0, disconnect: 0 };
      client.on("connect", () => events.connect++);
      client.on("disconnect", () => events.disconnect++);
      try {
        await client.start();
        await waitFor(() => sessions.length === 1, GUARD, "the session");
        await fn({ server, client, proxy, sessions, gone, events });
      } finally {
        client.ping(0);
        server.ping(0);
        await client.disconnect();
      }
    });
  } finally {
    await server.close();
  }
}

/** A round trip through a remote callback: everything sent before it is in. */
function roundTrip(client: SockhopClient, value: unknown): Promise<unknown> {
  return within(
    new Promise((resolve, reject) =>
      client.send(value, resolve, { error_cb: reject }).catch(reject)
    ),
    GUARD,
    "a round trip",
  );
}

/** The error a response stream ended with (undefined for a clean end). */
function ending(stream: SockhopResponseReadableStream): Promise<unknown> {
  if (stream.ended) return Promise.reject(new Error("already ended"));
  return once<[unknown]>(stream, "end", GUARD).then(([e]) => e);
}

describe("link faults: black hole", () => {
  it("a pinging client drops a black-holed link, ending what was pending, and start() reconnects", async () => {
    await withProxiedPair({}, {}, async (rig) => {
      const { server, client, proxy, sessions } = rig;
      server.on("receive", (d, meta) => {
        if (d === "echo") meta.callback?.("echoed");
      });
      server.on("request", (_req, res) => res.write("first")); // never ends
      client.ping(INTERVAL);
      // Pongs cross the proxy: the link is live before it is black-holed.
      await waitFor(
        () => client.pings.some((p) => !p.unanswered()),
        GUARD,
        "a pong",
      );
      const stream = await client.request("hold");
      await once(stream, "data", GUARD);
      const reasons: string[] = [];
      await client.send("silence", () => {}, {
        error_cb: (r) => reasons.push(r),
      });
      const [first] = proxy.links;
      first.blackHole();
      const dropped = once(client, "disconnect", GUARD);
      const ended = ending(stream);
      await dropped;
      const err = await ended;
      assert.ok(isCode("ERR_SOCKET_DESTROYED")(err), `${err}`);
      assert.deepEqual(reasons, ["stopped"]);
      // start() keeps the client up: a new link, a new session.
      await proxy.link(1, GUARD);
      await waitFor(() => sessions.length === 2, GUARD, "a new session");
      assert.equal(await roundTrip(client, "echo"), "echoed");
      assert.deepEqual(rig.events, { connect: 2, disconnect: 1 });
      // Nothing crossed the black hole: the server still holds the old
      // session until the link is reset.
      assert.equal(first.closed, false);
      assert.deepEqual(rig.gone, []);
      assert.equal(server.sessions.length, 2);
      const bye = once<[Conn, SockhopSession]>(server, "disconnect", GUARD);
      await first.reset();
      assert.equal((await bye)[1], sessions[0]);
      assert.deepEqual(server.sessions, [sessions[1]]);
      assert.notEqual(sessions[1], sessions[0]);
    });
  });

  it("a pinging server drops a black-holed session; the silent client learns of it only at the reset", async () => {
    await withProxiedPair(
      {},
      {},
      async ({ server, client, proxy, sessions }) => {
        server.ping(INTERVAL);
        await waitFor(
          () => sessions[0].sock && proxy.bytes.toClient > 0,
          GUARD,
          "a ping",
        );
        const [first] = proxy.links;
        first.blackHole();
        const [, session] = await once<[Conn, SockhopSession]>(
          server,
          "disconnect",
          GUARD,
        );
        assert.equal(session, sessions[0]);
        // The server's close went into the black hole too.
        assert.equal(client.connected, true);
        const dropped = once(client, "disconnect", GUARD);
        await first.reset();
        await dropped;
        await waitFor(() => sessions.length === 2, GUARD, "a new session");
        await waitFor(() => client.connected, GUARD, "the client");
        assert.equal(proxy.opened, 2);
      },
    );
  });
});

/** A message of a stream: its index, and padding of varying length. */
function message(i: number): { seq: number; pad: string } {
  return { seq: i, pad: "é✓".repeat(i % 23) };
}

describe("link faults: cut mid-stream", () => {
  for (const dir of ["toServer", "toClient"] as const) {
    it(`a cut ${dir} at a random offset: a new session, clear errors, order kept`, async () => {
      await withProxiedPair({}, {}, async (rig) => {
        const { server, client, proxy, sessions } = rig;
        const errors: unknown[] = [];
        server.on("error", (e) => errors.push(e));
        client.on("error", (e) => errors.push(e));
        const got = new Map<unknown, number[]>(); // seqs per receiving end
        const take = (at: unknown, d: { seq: number }) => {
          assert.deepEqual(d, message(d.seq), "intact");
          if (!got.has(at)) got.set(at, []);
          got.get(at)!.push(d.seq);
        };
        server.on("receive", (d, meta) => {
          if (d === "sync") return meta.callback?.("synced");
          take(meta.session, d as { seq: number });
        });
        let link = 0;
        client.on("receive", (d, meta) => {
          if (d === "sync") return meta.callback?.("synced");
          take(link, d as { seq: number });
        });
        client.on("connect", () => link++);
        const { offset } = proxy.links[0].cutAtRandom(dir, 30_000, 1_000);
        const send = (i: number) => {
          if (dir === "toServer") return client.send(message(i));
          const sock = server.sockets.at(-1);
          return sock
            ? server.send(sock, message(i))
            : Promise.reject(new SockhopError("gone", "ERR_SOCKET_DESTROYED"));
        };
        const rejected: unknown[] = [];
        let sent = 0;
        let afterCut = 0;
        // Batches of 20 sends in flight, until 200 went out after the cut.
        while (afterCut < 200) {
          const batch = Array.from({ length: 20 }, () => send(sent++));
          const results = await Promise.allSettled(batch);
          // A turn for I/O: sends that resolve at once would starve the
          // proxy, which runs in this process.
          await new Promise((r) => setImmediate(r));
          for (const r of results) {
            if (r.status === "rejected") rejected.push(r.reason);
          }
          if (proxy.links[0].closed) {
            await waitFor(() => client.connected, GUARD, "the reconnection");
            await waitFor(() => sessions.length === 2, GUARD, "a session");
            if (results.every((r) => r.status === "fulfilled")) afterCut += 20;
          }
          assert.ok(sent < 50_000, `no cut at ${offset}`);
        }
        assert.equal(await roundTrip(client, "sync"), "synced");
        if (dir === "toClient") {
          // Everything the server wrote is in once the client answers.
          await within(
            new Promise((r) => server.send(server.sockets[0], "sync", r)),
            GUARD,
            "the server's round trip",
          );
        }
        assert.equal(proxy.links[0].cause, "cut");
        assert.deepEqual(rig.events, { connect: 2, disconnect: 1 });
        await waitFor(() => rig.gone.length > 0, GUARD, "the old session");
        assert.deepEqual(rig.gone, [sessions[0]]);
        for (const e of rejected) {
          assert.ok(isCode("ERR_SOCKET_DESTROYED")(e), `rejected with ${e}`);
        }
        for (const e of errors) assert.ok(e instanceof SockhopError, `${e}`);
        // Per connection: increasing (in order, no duplicates); the last
        // connection got every message it was sent after the cut.
        const seqs = [...got.values()];
        for (const s of seqs) {
          assert.ok(s.every((v, i) => i === 0 || v > s[i - 1]), "in order");
        }
        const last = seqs.at(-1)!;
        assert.ok(last.length >= 200, `${last.length} after the cut`);
        assert.deepEqual(
          last,
          Array.from({ length: last.length }, (_, i) => last[0] + i),
          "none lost on the new connection",
        );
      });
    });
  }
});

describe("link faults: split writes", () => {
  it("messages, callbacks and a request framed from pieces of 1-5 bytes, both ways", async () => {
    await withProxiedPair(
      { split: 5 },
      {},
      async ({ server, client, proxy }) => {
        const N = 60;
        const atServer = collect<[unknown]>(server, "receive", N, GUARD);
        const atClient = collect<[unknown]>(client, "receive", N, GUARD);
        server.on("request", async (req, res) => {
          for (let i = 0; i < 20; i++) await res.write(message(i));
          await res.send({ done: req.data });
        });
        const answers: unknown[] = [];
        const answered = new Promise<void>((resolve) => {
          server.on("receive", (d, meta) => meta.callback?.({ echo: d }));
          for (let i = 0; i < N; i++) {
            client.send(message(i), (a) => {
              answers.push(a);
              if (answers.length === N) resolve();
            });
            server.send(server.sockets[0], message(i));
          }
        });
        const stream = await client.request("all");
        const packets = await within(stream.all(), GUARD, "the response");
        await within(answered, GUARD, "the answers");
        const expected = Array.from({ length: N }, (_, i) => message(i));
        assert.deepEqual((await atServer).map(([d]) => d), expected);
        assert.deepEqual((await atClient).map(([d]) => d), expected);
        assert.deepEqual(answers, expected.map((echo) => ({ echo })));
        assert.deepEqual(
          packets.map((p) => p.data),
          [...expected.slice(0, 20), { done: "all" }],
        );
        // Written in pieces of at most 5 bytes, each way.
        const { bytes, writes } = proxy.links[0];
        assert.ok(writes.toServer >= bytes.toServer / 5, "split to server");
        assert.ok(writes.toClient >= bytes.toClient / 5, "split to client");
      },
    );
  });
});

describe("link faults: reset mid-request", () => {
  it("a pending request and callback end clearly, and the session's writes reject", async () => {
    await withProxiedPair({}, {}, async ({ server, client, proxy }) => {
      let response: ((v: unknown) => Promise<void>) | undefined;
      server.on("request", async (_req, res) => {
        await res.write("first");
        response = (v) => res.send(v);
      });
      server.on("receive", () => {}); // never answers
      const stream = await client.request("hold");
      await once(stream, "data", GUARD);
      const reasons: string[] = [];
      const arrived = once(server, "receive", GUARD);
      await client.send("wait", () => {}, {
        error_cb: (r) => reasons.push(r),
      });
      await arrived;
      const ended = ending(stream);
      const gone = once(server, "disconnect", GUARD);
      await proxy.links[0].reset();
      assert.ok(isCode("ERR_SOCKET_DESTROYED")(await ended));
      await gone;
      assert.deepEqual(reasons, ["stopped"]);
      await assert.rejects(response!("late"), isCode("ERR_SOCKET_DESTROYED"));
    });
  });
});
