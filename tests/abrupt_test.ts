/**
 * Hardening, abrupt endings: bursts of connections reset mid-frame, peers
 * that half-close or go silent (dropped by pings), and `close()` while
 * clients are sending. No unhandled rejection, no leaked socket, and
 * `server.sockets` converges to the live connections.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import net from "node:net";
import { SockhopClient, SockhopError, SockhopServer } from "../mod.ts";
import { watchCrashes } from "./helpers/crashes.ts";
import { closed, rawConnect, RawPeer } from "./helpers/raw.ts";
import { sleep, waitFor } from "./helpers/util.ts";

const hasProcFd = existsSync("/proc/self/fd");

/** Open file descriptors of this process (Linux), or -1 where unknown. */
function openFds(): number {
  return hasProcFd ? readdirSync("/proc/self/fd").length : -1;
}

/** Waits until no more descriptors are open than at `baseline` (+slack). */
async function assertNoLeak(baseline: number, what: string): Promise<void> {
  if (baseline < 0) return;
  // A few descriptors come and go on their own (the runner, the DNS or
  // timer machinery); a leaked connection burst would show as dozens.
  await waitFor(() => openFds() <= baseline + 4, 5000, `${what}: fds back`);
}

/** Counts connect/disconnect events and keeps the errors. */
function watchServer(server: SockhopServer) {
  const seen = { connects: 0, disconnects: 0, errors: [] as unknown[] };
  server.on("connect", () => seen.connects++);
  server.on("disconnect", () => seen.disconnects++);
  server.on("error", (e) => seen.errors.push(e));
  return seen;
}

const HALF_FRAME = new TextEncoder().encode(
  '{"type":"Object","data":{"text":"caf\u00e9 \u{1F600}',
).subarray(0, 40); // ends inside the emoji

describe("bursts of connections reset mid-frame", () => {
  it("leave no socket behind and no unhandled rejection, while a good client keeps talking", async () => {
    const crashes = watchCrashes();
    const baseline = openFds();
    const server = new SockhopServer({ port: 0 });
    const seen = watchServer(server);
    server.on("receive", (data, meta) => {
      meta.callback?.(data).catch(() => {});
    });
    await server.listen();
    const client = new SockhopClient({ port: server.port });
    try {
      await client.connect();
      const rounds = 3;
      const burst = 60;
      let answered = 0;
      for (let r = 0; r < rounds; r++) {
        const socks = await Promise.all(
          Array.from({ length: burst }, () => rawConnect(server.port)),
        );
        // The good client's traffic interleaves with the burst.
        const talk = Promise.all(
          Array.from(
            { length: 20 },
            (_, i) =>
              new Promise<void>((resolve, reject) => {
                client.send({ r, i }, () => {
                  answered++;
                  resolve();
                }).catch(reject);
              }),
          ),
        );
        await Promise.all(socks.map((s, i) =>
          new Promise<void>((resolve) => {
            s.write(HALF_FRAME.subarray(0, 10 + (i % 30)), () => {
              // Half the burst resets (RST), half just vanishes (FIN).
              if (i % 2 === 0) s.resetAndDestroy();
              else s.destroy();
              resolve();
            });
          })
        ));
        await Promise.all(socks.map((s) => closed(s)));
        await talk;
      }
      assert.equal(answered, rounds * 20);
      await waitFor(
        () => server.sockets.length === 1,
        10000,
        "server.sockets back to the good client",
      );
      await waitFor(
        () => seen.disconnects === seen.connects - 1,
        5000,
        "a disconnect for every reset connection",
      );
      assert.equal(server.sessions.length, 1);
      for (const e of seen.errors) {
        assert.ok(e instanceof Error, String(e));
      }
      assert.deepEqual(crashes.escaped, []);
    } finally {
      crashes.stop();
      await client.disconnect();
      await server.close();
    }
    await assertNoLeak(baseline, "after the bursts");
  });

  it("survives peers reset in the middle of a big frame the server is reading", async () => {
    const crashes = watchCrashes();
    const server = new SockhopServer({ port: 0 });
    const seen = watchServer(server);
    await server.listen();
    try {
      const big = new TextEncoder().encode(
        '{"type":"String","data":"' + "x".repeat(512 * 1024),
      );
      const socks = await Promise.all(
        Array.from({ length: 20 }, () => rawConnect(server.port)),
      );
      for (const [i, s] of socks.entries()) {
        s.write(big);
        if (i % 2 === 0) setTimeout(() => s.resetAndDestroy(), i);
        else setTimeout(() => s.destroy(), i);
      }
      await Promise.all(socks.map((s) => closed(s)));
      await waitFor(() => server.sockets.length === 0, 10000, "the drops");
      await waitFor(() => seen.disconnects === seen.connects, 5000, "events");
      assert.deepEqual(crashes.escaped, []);
    } finally {
      crashes.stop();
      await server.close();
    }
  });
});

describe("half-open and silent peers", () => {
  it("a peer that half-closes (FIN, still reading) is let go at once", async () => {
    const server = new SockhopServer({ port: 0 });
    const seen = watchServer(server);
    await server.listen();
    const socks: net.Socket[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const s = net.connect({
          port: server.port,
          host: "127.0.0.1",
          allowHalfOpen: true,
        });
        s.on("error", () => {});
        socks.push(s);
      }
      await waitFor(() => server.sockets.length === 10, 5000, "registration");
      for (const s of socks) s.end('{"type":"Object","data":{"half":');
      // The server closes its side too: the peers see the whole close.
      await Promise.all(socks.map((s) => closed(s)));
      await waitFor(() => server.sockets.length === 0, 5000, "the drops");
      await waitFor(() => seen.disconnects === 10, 5000, "disconnects");
    } finally {
      for (const s of socks) s.destroy();
      await server.close();
    }
  });

  it("silent peers (never reading, never answering pings) are dropped by pings; live ones stay", async () => {
    const crashes = watchCrashes();
    const baseline = openFds();
    const server = new SockhopServer({ port: 0 });
    const seen = watchServer(server);
    await server.listen();
    const client = new SockhopClient({ port: server.port });
    const silent: net.Socket[] = [];
    try {
      await client.connect();
      for (let i = 0; i < 20; i++) {
        const s = await rawConnect(server.port);
        s.pause(); // like a peer whose host vanished: nothing comes back
        silent.push(s);
      }
      await waitFor(() => server.sockets.length === 21, 5000, "registration");
      server.ping(25);
      await waitFor(
        () => server.sockets.length === 1,
        10000,
        "silent peers dropped",
      );
      assert.equal(seen.disconnects, 20);
      // The live client answers pings and is kept for many more intervals.
      await sleep(25 * 8);
      assert.equal(server.sockets.length, 1);
      assert.equal(client.connected, true);
      assert.deepEqual(crashes.escaped, []);
    } finally {
      crashes.stop();
      server.ping(0);
      for (const s of silent) s.destroy();
      await client.disconnect();
      await server.close();
    }
    await assertNoLeak(baseline, "after the silent peers");
  });

  it("a raw peer that answers some pings and not others is kept only while it answers", async () => {
    const server = new SockhopServer({ port: 0 });
    await server.listen();
    const sock = await rawConnect(server.port);
    const peer = new RawPeer(sock);
    let answering = true;
    peer.on("frame", (f) => {
      if (answering && f?.type === "SockhopPing") {
        peer.write({ type: "SockhopPong", data: { ...f.data } });
      }
    });
    try {
      await waitFor(() => server.sockets.length === 1, 5000, "registration");
      server.ping(20);
      await waitFor(() => peer.ofType("SockhopPing").length >= 8, 5000);
      assert.equal(server.sockets.length, 1);
      answering = false;
      await peer.waitClosed(5000);
      await waitFor(() => server.sockets.length === 0, 5000, "the drop");
    } finally {
      server.ping(0);
      await peer.close();
      await server.close();
    }
  });
});

describe("server.close() while clients are mid-send", () => {
  it("settles every send, emits every disconnect, leaves no socket and no unhandled rejection", async () => {
    const crashes = watchCrashes();
    const baseline = openFds();
    const server = new SockhopServer({ port: 0 });
    const seen = watchServer(server);
    let received = 0;
    server.on("receive", (_data, meta) => {
      received++;
      meta.callback?.({ ok: true }).catch(() => {});
    });
    await server.listen();
    const port = server.port;
    const clients = Array.from(
      { length: 20 },
      () => new SockhopClient({ port }),
    );
    const clientErrors: unknown[] = [];
    for (const c of clients) c.on("error", (e) => clientErrors.push(e));
    const raws: net.Socket[] = [];
    try {
      await Promise.all(clients.map((c) => c.connect()));
      for (let i = 0; i < 5; i++) {
        const s = await rawConnect(port);
        s.write('{"type":"Object","data":{"mid":"fra');
        raws.push(s);
      }
      await waitFor(() => server.sockets.length === 25, 5000, "registration");
      const disconnected = clients.map((c) =>
        new Promise<void>((resolve) => c.once("disconnect", () => resolve()))
      );
      // Every client sends continuously: un-awaited sends, awaited sends,
      // and sends asking for callbacks, some left pending by the close.
      let stop = false;
      const outcomes: Promise<unknown>[] = [];
      const loops = clients.map(async (c, k) => {
        for (let i = 0; !stop && c.connected; i++) {
          const sent = c.send({ k, i, pad: "p".repeat(i % 7 * 100) });
          outcomes.push(sent);
          if (i % 3 === 0) {
            outcomes.push(c.send({ k, i }, () => {}, { timeout: 60_000 }));
          }
          // Most sends are awaited (which paces the loop), some are not.
          if (i % 4 !== 0) await sent.catch(() => {});
        }
      });
      await waitFor(() => received > 1000, 10000, "traffic");
      // Clients connecting while the server closes are turned away too.
      const late = Array.from(
        { length: 5 },
        () => new SockhopClient({ port }),
      );
      const lateAttempts = late.map((c) => c.connect().catch((e) => e));
      await server.close();
      stop = true;
      await Promise.all(disconnected);
      await Promise.all(loops);
      const settled = await Promise.allSettled(outcomes);
      const reasons = settled.flatMap((s) =>
        s.status === "rejected" ? [s.reason] : []
      );
      for (const e of reasons) {
        assert.ok(
          e instanceof SockhopError &&
            ["ERR_SOCKET_DESTROYED", "ERR_SEND_QUEUE_FULL"].includes(e.code),
          String(e),
        );
      }
      await Promise.all(lateAttempts);
      for (const c of late) await c.disconnect();
      await Promise.all(raws.map((s) => closed(s)));
      assert.equal(server.sockets.length, 0);
      assert.equal(server.sessions.length, 0);
      assert.equal(seen.disconnects, seen.connects);
      // Nothing listens there any more.
      await assert.rejects(rawConnect(port, 2000));
      assert.deepEqual(crashes.escaped, []);
    } finally {
      crashes.stop();
      for (const s of raws) s.destroy();
      for (const c of clients) await c.disconnect();
      await server.close();
    }
    await assertNoLeak(baseline, "after close()");
  });
});
