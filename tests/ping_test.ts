/**
 * Ping and liveness (PROTOCOL.md §5). Raw `node:net` peers stand in for a
 * peer that stops answering. Assertions count pings instead of measuring
 * time: a silent peer sees exactly three pings before it is dropped on the
 * fourth interval, and a live peer survives at least ten intervals.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopServer } from "../mod.ts";
import { once, pair, sleep, waitFor } from "./helpers/util.ts";
import {
  type Frame,
  rawClient,
  type RawPeer,
  withRawClient,
  withRawServer,
} from "./helpers/raw.ts";

const INTERVAL = 50;

/** A ping as a peer writes it. */
function pingFrame(): Frame {
  return {
    type: "SockhopPing",
    data: {
      _id: crypto.randomUUID(),
      _created: new Date().toISOString(),
      _returned: null,
      _finished: null,
    },
  };
}

/** Makes a raw peer answer every ping it gets, as a Sockhop peer would. */
function answerPings(peer: RawPeer, idOf = (f: Frame) => f.data._id): void {
  peer.on("frame", (f: Frame) => {
    if (f.type !== "SockhopPing") return;
    peer.write({
      type: "SockhopPong",
      data: {
        _id: idOf(f),
        _created: f.data._created,
        _returned: new Date().toISOString(),
        _finished: null,
      },
    });
  });
}

/** Checks the shape of a ping we sent. */
function assertPing(f: Frame): void {
  assert.deepEqual(Object.keys(f), ["type", "data"]);
  assert.deepEqual(Object.keys(f.data), [
    "_id",
    "_created",
    "_returned",
    "_finished",
  ]);
  assert.equal(typeof f.data._id, "string");
  assert.equal(new Date(f.data._created).toISOString(), f.data._created);
  assert.equal(f.data._returned, null);
  assert.equal(f.data._finished, null);
}

/** Checks that `pong` answers `ping`. */
function assertPongFor(pong: Frame, ping: Frame): void {
  assert.deepEqual(Object.keys(pong.data), [
    "_id",
    "_created",
    "_returned",
    "_finished",
  ]);
  assert.equal(pong.data._id, ping.data._id);
  assert.equal(pong.data._created, ping.data._created);
  assert.equal(typeof pong.data._returned, "string");
  assert.ok(!Number.isNaN(Date.parse(pong.data._returned)));
  assert.equal(pong.data._finished, null);
}

describe("pongs", () => {
  it("a server that is not pinging answers pings, copying _id and _created", async () => {
    await withRawClient(async ({ server, raw }) => {
      const received: unknown[] = [];
      server.on("receive", (d) => received.push(d));
      for (let i = 0; i < 3; i++) {
        const ping = pingFrame();
        raw.write(ping);
        const pong = await raw.until((f) =>
          f.type === "SockhopPong" && f.data._id === ping.data._id
        );
        assertPongFor(pong, ping);
      }
      // Pings are never delivered as ordinary values.
      const got = once(server, "receive");
      raw.write({ type: "String", data: "after" });
      await got;
      assert.deepEqual(received, ["after"]);
      assert.equal(raw.ofType("SockhopPing").length, 0);
    });
  });

  it("a client that is not pinging answers pings, copying _id and _created", async () => {
    await withRawServer(async ({ client, peer }) => {
      const received: unknown[] = [];
      client.on("receive", (d) => received.push(d));
      const ping = pingFrame();
      peer.write(ping);
      assertPongFor(
        await peer.until((f) =>
          f.type === "SockhopPong" && f.data._id === ping.data._id
        ),
        ping,
      );
      const got = once(client, "receive");
      peer.write({ type: "String", data: "after" });
      await got;
      assert.deepEqual(received, ["after"]);
    });
  });
});

describe("server.ping", () => {
  it("drops a silent peer after four intervals, keeps live peers for ten and more", async () => {
    const { server, client, close } = await pair();
    const silent = await rawClient(server.port);
    const liar = await rawClient(server.port);
    const counter = await rawClient(server.port);
    const dropped: unknown[] = [];
    const clientDrops: unknown[] = [];
    server.on("disconnect", (sock) => dropped.push(sock));
    client.on("disconnect", () => clientDrops.push(true));
    try {
      await waitFor(() => server.sockets.length === 4, 5000, "4 clients");
      const [liveSock, silentSock, liarSock, counterSock] = server.sockets;
      answerPings(counter);
      // Answers, but never with the id of the ping: that is no answer.
      answerPings(liar, () => crypto.randomUUID());
      server.ping(INTERVAL);

      await Promise.all([silent.waitClosed(), liar.waitClosed()]);
      await waitFor(() => dropped.length === 2, 5000, "two disconnects");
      assert.deepEqual(new Set(dropped), new Set([silentSock, liarSock]));
      // Pinged on intervals 1-3; on the 4th, four unanswered: dropped
      // without a 4th ping.
      assert.equal(silent.ofType("SockhopPing").length, 3);
      assert.equal(liar.ofType("SockhopPing").length, 3);
      silent.ofType("SockhopPing").forEach(assertPing);

      // Live peers stay, however many intervals pass.
      await counter.until(() => counter.ofType("SockhopPing").length >= 10);
      assert.equal(client.connected, true);
      assert.deepEqual(clientDrops, []);
      assert.deepEqual(server.sockets, [liveSock, counterSock]);
      assert.equal(counter.ended, false);
      assert.equal(dropped.length, 2);
    } finally {
      server.ping(0);
      await Promise.all([silent.close(), liar.close(), counter.close()]);
      await close();
    }
  });

  it("emits disconnect with the dropped socket and its session", async () => {
    const server = new SockhopServer({ port: 0 });
    await server.listen();
    const silent = await rawClient(server.port);
    try {
      await waitFor(() => server.sockets.length === 1, 5000, "the peer");
      const [sock, session] = [server.sockets[0], server.sessions[0]];
      const gone = once(server, "disconnect");
      server.ping(INTERVAL);
      const [dsock, dsession] = await gone;
      assert.equal(dsock, sock);
      assert.equal(dsession, session);
      await silent.waitClosed();
      assert.equal(server.sockets.length, 0);
    } finally {
      server.ping(0);
      await silent.close();
      await server.close();
    }
  });

  it("ping(0) stops pinging", async () => {
    await withRawClient(async ({ server, raw }) => {
      answerPings(raw);
      await waitFor(() => server.sockets.length === 1, 5000, "the peer");
      server.ping(INTERVAL / 2);
      await raw.until(() => raw.ofType("SockhopPing").length >= 2);
      server.ping(0);
      // Writes are ordered: every ping sent before ping(0) precedes this.
      await server.send(server.sockets[0], "marker");
      await raw.until((f) => f.data === "marker");
      const count = raw.ofType("SockhopPing").length;
      await sleep(INTERVAL * 5);
      assert.equal(raw.ofType("SockhopPing").length, count);
      // And a peer that stopped answering is no longer dropped.
      assert.equal(server.sockets.length, 1);
    });
  });
});

describe("client.ping", () => {
  it("drops a silent server after four intervals (disconnect emitted)", async () => {
    await withRawServer(async ({ client, peer }) => {
      const gone = once<[unknown]>(client, "disconnect");
      client.ping(INTERVAL);
      await gone;
      assert.equal(client.connected, false);
      await peer.waitClosed();
      const pings = peer.ofType("SockhopPing");
      assert.equal(pings.length, 3);
      pings.forEach(assertPing);
    });
  });

  it("keeps a live Sockhop server for ten and more intervals", async () => {
    const { server, client, close } = await pair();
    const drops: unknown[] = [];
    client.on("disconnect", () => drops.push("client"));
    server.on("disconnect", () => drops.push("server"));
    try {
      const seen = new Set<string>();
      client.ping(INTERVAL);
      await waitFor(
        () => {
          for (const p of client.pings) seen.add(p._id);
          return seen.size >= 10;
        },
        10_000,
        "ten pings",
      );
      assert.equal(client.connected, true);
      assert.deepEqual(drops, []);
      assert.ok(client.pings.some((p) => !p.unanswered()), "pongs conclude");
    } finally {
      client.ping(0);
      await close();
    }
  });

  it("ping(0) stops pinging", async () => {
    await withRawServer(async ({ client, peer }) => {
      answerPings(peer);
      client.ping(INTERVAL / 2);
      await peer.until(() => peer.ofType("SockhopPing").length >= 2);
      client.ping(0);
      await client.send("marker");
      await peer.until((f) => f.data === "marker");
      const count = peer.ofType("SockhopPing").length;
      await sleep(INTERVAL * 5);
      assert.equal(peer.ofType("SockhopPing").length, count);
      assert.equal(client.connected, true);
    });
  });
});
