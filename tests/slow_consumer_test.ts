/**
 * The write deadline (`write_timeout`): a peer whose queued bytes make no
 * progress for that long is dropped as a slow consumer, with an
 * `ERR_WRITE_TIMEOUT` error event, and its waiting sends reject with that
 * code, so an awaited send loop is never held up for good by a peer that
 * stopped reading, and the other peers go on.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_WRITE_TIMEOUT,
  SockhopClient,
  SockhopError,
  SockhopServer,
} from "../mod.ts";
import type { Conn, SockhopSocket } from "../mod.ts";
import { WriteQueue } from "../src/write_queue.ts";
import { collect, once, sleep, waitFor, within } from "./helpers/util.ts";
import { closed, rawConnect, RawServer } from "./helpers/raw.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

const codeOf = (e: unknown) => e instanceof SockhopError ? e.code : String(e);

describe("write_timeout", () => {
  it("defaults to 30 s", () => {
    assert.equal(DEFAULT_WRITE_TIMEOUT, 30000);
  });

  it("drops a peer that stops reading with ERR_WRITE_TIMEOUT, so an awaited sendall loop completes and the healthy clients get everything in order", async () => {
    const server = new SockhopServer({ port: 0, write_timeout: 1000 });
    const errors: [unknown, SockhopSocket | null][] = [];
    server.on("error", (e, sock) => errors.push([e, sock]));
    const disconnects: SockhopSocket[] = [];
    server.on("disconnect", (sock) => disconnects.push(sock));
    await server.listen();
    const clients = [0, 1, 2].map(() =>
      new SockhopClient({ port: server.port })
    );
    const raw = await rawConnect(server.port);
    raw.pause(); // never reads again
    try {
      for (const c of clients) await c.connect();
      await waitFor(() => server.sockets.length === 4, 5000, "registration");
      const stalled = server.sockets.find((s) =>
        s.remoteAddr.transport === "tcp" &&
        s.remoteAddr.port === raw.localPort
      );
      assert.ok(stalled, "the raw peer's server socket");
      const n = 200; // 12.5 MiB: far more than kernel buffers take
      const received = clients.map((c) => collect(c, "receive", n, 60000));
      for (const r of received) r.catch(() => {}); // seen below, if at all
      const failures: unknown[] = [];
      const loop = (async () => {
        for (let i = 0; i < n; i++) {
          await server.sendall({ i, pad: "s".repeat(64 * KiB) }).catch(
            (e) => failures.push(e),
          );
        }
      })();
      // Without a write deadline the loop waits for the raw peer for ever
      // (the finally block's destroy() then frees it).
      await within(loop, 20000, "the awaited sendall loop");
      const got = await Promise.all(received);
      for (const messages of got) {
        assert.deepEqual(
          messages.map(([d]) => (d as { i: number }).i),
          [...Array(n).keys()],
        );
      }
      assert.deepEqual(
        errors.map(([e, sock]) => [codeOf(e), sock === stalled]),
        [["ERR_WRITE_TIMEOUT", true]],
      );
      assert.ok(failures.length >= 1, "the stalled peer's sends failed");
      assert.deepEqual(
        [...new Set(failures.map(codeOf))],
        ["ERR_WRITE_TIMEOUT"],
      );
      await waitFor(() => disconnects.length === 1, 5000, "disconnect");
      assert.equal(disconnects[0], stalled);
      assert.equal(server.sockets.length, 3);
      assert.ok(!server.sockets.includes(stalled));
      raw.resume(); // reads what the kernel holds, then the server's FIN
      await closed(raw, 5000);
    } finally {
      raw.destroy();
      for (const c of clients) await c.disconnect();
      await server.close();
    }
  });

  it("drops a client's server that stops reading: the error event, the waiting sends and the drop all say ERR_WRITE_TIMEOUT", async () => {
    const raw = await new RawServer({ reading: false }).listen();
    const client = new SockhopClient({ port: raw.port, write_timeout: 1000 });
    const errors: unknown[] = [];
    client.on("error", (e) => errors.push(e));
    try {
      await client.connect();
      const dropped = once(client, "disconnect", 20000);
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 200; i++) {
        sends.push(client.send({ i, pad: "c".repeat(64 * KiB) }));
      }
      await dropped;
      assert.equal(client.connected, false);
      const settled = await Promise.allSettled(sends);
      const reasons = settled.flatMap((s) =>
        s.status === "rejected" ? [codeOf(s.reason)] : []
      );
      assert.ok(reasons.length >= 1, "sends waited when the peer stalled");
      assert.deepEqual([...new Set(reasons)], ["ERR_WRITE_TIMEOUT"]);
      assert.deepEqual(errors.map(codeOf), ["ERR_WRITE_TIMEOUT"]);
      // Sends accepted before the stall are those the kernel took.
      const accepted = settled.length - reasons.length;
      assert.ok(accepted < 200, `${accepted} of 200 sends resolved`);
    } finally {
      await client.disconnect();
      await raw.close();
    }
  });

  it("is off with 0: a stalled peer keeps its queue and its connection", async () => {
    const server = new SockhopServer({ port: 0, write_timeout: 0 });
    const errors: unknown[] = [];
    server.on("error", (e) => errors.push(e));
    await server.listen();
    const raw = await rawConnect(server.port);
    raw.pause();
    try {
      await waitFor(() => server.sockets.length === 1, 5000, "registration");
      const conn = server.sockets[0];
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 200; i++) {
        sends.push(server.send(conn, { i, pad: "o".repeat(64 * KiB) }));
      }
      let settled = 0;
      for (const s of sends) s.then(() => settled++, () => settled++);
      await sleep(600);
      assert.ok(settled < 200, "some sends still wait");
      assert.equal(server.sockets.length, 1);
      assert.deepEqual(errors, []);
    } finally {
      raw.destroy();
      await server.close();
    }
  });
});

describe("WriteQueue write deadline", () => {
  /**
   * A connection taking bytes at `bytesPerMs`, one write at a time; with 0
   * no write ever finishes.
   */
  function slowConn(bytesPerMs: number): Conn & { taken: number } {
    const conn = {
      localAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
      remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 2 },
      readable: (async function* () {})(),
      taken: 0,
      write(bytes: Uint8Array): Promise<void> {
        if (bytesPerMs === 0) return new Promise(() => {});
        return new Promise((resolve) =>
          setTimeout(() => {
            conn.taken += bytes.length;
            resolve();
          }, bytes.length / bytesPerMs)
        );
      },
      close() {},
    } as Conn & { taken: number };
    return conn;
  }

  it("keeps a peer that reads one huge message slowly but steadily", async () => {
    // 4 MiB at 2.6 KiB/ms takes about 1.6 s, far over the 1 s deadline as
    // one write, while each 256 KiB slice takes about 100 ms.
    const conn = slowConn(2.6 * KiB);
    let broken: unknown;
    const q = new WriteQueue(conn, 64 * MiB, (e) => (broken = e), 1000);
    await q.push("h".repeat(4 * MiB));
    assert.equal(broken, undefined);
    assert.equal(conn.taken, 4 * MiB);
    await sleep(1100); // the deadline's timer finds the queue drained
    assert.equal(broken, undefined);
  });

  it("fails every waiting send with ERR_WRITE_TIMEOUT, once, when nothing moves", async () => {
    const conn = slowConn(0); // never finishes a write
    const broken: unknown[] = [];
    const q = new WriteQueue(conn, 64 * MiB, (e) => broken.push(e), 100);
    const first = q.push("a");
    await sleep(0);
    const second = q.push("b"); // waits behind the stuck write
    const outcomes = await Promise.allSettled([first, second]);
    assert.deepEqual(
      outcomes.map((o) => o.status === "rejected" && codeOf(o.reason)),
      ["ERR_WRITE_TIMEOUT", "ERR_WRITE_TIMEOUT"],
    );
    assert.deepEqual(broken.map(codeOf), ["ERR_WRITE_TIMEOUT"]);
    assert.equal(q.pending, 0);
    await assert.rejects(q.push("c"), (e) => codeOf(e) === "ERR_WRITE_TIMEOUT");
  });
});
