/**
 * Backpressure (`max_pending_bytes`): what is sent to a peer that stops
 * reading waits in memory only up to the high-water mark; past it, sends
 * fail at once with `ERR_SEND_QUEUE_FULL`. Sends that were accepted are
 * delivered, in order, once the peer reads again, and one stalled peer
 * never holds up the others.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_MAX_PENDING_BYTES,
  SockhopClient,
  SockhopError,
  SockhopServer,
} from "../mod.ts";
import type { Conn } from "../mod.ts";
import { WriteQueue } from "../src/write_queue.ts";
import { Channel } from "../src/channel.ts";
import { channelOptions } from "../src/options.ts";
import { collect, isCode, once, waitFor } from "./helpers/util.ts";
import { watchCrashes } from "./helpers/crashes.ts";
import { rawConnect, RawServer } from "./helpers/raw.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

/** A connection whose writes hang until `release()` (a peer not reading). */
function stalledConn(): Conn & { written: string[]; release(): void } {
  const waiting: (() => void)[] = [];
  let flowing = false;
  const written: string[] = [];
  const decoder = new TextDecoder();
  return {
    localAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 2 },
    readable: (async function* () {})(),
    written,
    write(bytes: Uint8Array): Promise<void> {
      written.push(decoder.decode(bytes));
      if (flowing) return Promise.resolve();
      return new Promise((r) => waiting.push(r));
    },
    close() {},
    release() {
      flowing = true;
      for (const r of waiting.splice(0)) r();
    },
  };
}

/** Sends until the first rejection; returns what happened. */
async function fillUntilFull(
  send: (payload: string) => Promise<void>,
  size: number,
  max = 10_000,
): Promise<{ accepted: Promise<void>[]; first: unknown }> {
  const accepted: Promise<void>[] = [];
  for (let i = 0; i < max; i++) {
    const p = send(`${i}`.padEnd(size, "."));
    const outcome = await Promise.race([
      p.then(() => "ok", (e) => e),
      new Promise((r) => setTimeout(() => r("waiting"), 1)),
    ]);
    if (outcome === "ok" || outcome === "waiting") {
      accepted.push(p);
      continue;
    }
    return { accepted, first: outcome };
  }
  return { accepted, first: undefined };
}

describe("WriteQueue high-water mark", () => {
  it("defaults to 64 MiB", () => {
    assert.equal(DEFAULT_MAX_PENDING_BYTES, 64 * MiB);
  });

  it("rejects with ERR_SEND_QUEUE_FULL once the mark is passed, and pending never exceeds the mark plus one message", async () => {
    const conn = stalledConn();
    const limit = 256 * KiB;
    const q = new WriteQueue(conn, limit);
    const size = 10 * KiB;
    let maxPending = 0;
    let firstError: unknown;
    const accepted: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      const p = q.push("m".repeat(size));
      maxPending = Math.max(maxPending, q.pending);
      let failed = false;
      p.catch((e) => {
        failed = true;
        firstError ??= e;
      });
      await new Promise((r) => setTimeout(r, 0));
      if (!failed) accepted.push(p);
    }
    assert.ok(isCode("ERR_SEND_QUEUE_FULL")(firstError));
    assert.match((firstError as Error).message, /max_pending_bytes/);
    assert.ok(maxPending <= limit + size, `pending reached ${maxPending}`);
    assert.ok(accepted.length * size >= limit, "accepts up to the mark");

    // The peer reads again: every accepted frame is written, in order.
    conn.release();
    await Promise.all(accepted);
    assert.equal(q.pending, 0);
    assert.equal(conn.written.join("").length, accepted.length * size);
    await q.push("after");
  });

  it("takes one message larger than the mark when nothing waits", async () => {
    const conn = stalledConn();
    const q = new WriteQueue(conn, 1 * KiB);
    const big = q.push("b".repeat(64 * KiB));
    await assert.rejects(q.push("next"), isCode("ERR_SEND_QUEUE_FULL"));
    conn.release();
    await big;
  });

  it("rejects what waits with ERR_SOCKET_DESTROYED when the connection fails", async () => {
    const conn = stalledConn();
    const q = new WriteQueue(conn, MiB);
    const waiting = [q.push("a"), q.push("b")];
    q.fail(
      new SockhopError("Unable to send() - gone", "ERR_SOCKET_DESTROYED"),
    );
    for (const p of waiting) {
      await assert.rejects(p, isCode("ERR_SOCKET_DESTROYED"));
    }
    assert.equal(q.pending, 0);
    await assert.rejects(q.push("c"), isCode("ERR_SOCKET_DESTROYED"));
  });
});

describe("WriteQueue encoding buffers", () => {
  it("never reuse a buffer before its write settles, across many connections at once", async () => {
    // Each connection's write keeps the bytes it was given and reads them
    // only when it settles, a little later: a buffer lent to another write
    // meanwhile would show up here as the wrong text.
    const decoder = new TextDecoder();
    const seen = new Map<number, string[]>();
    const queues: WriteQueue[] = [];
    for (let c = 0; c < 12; c++) {
      const got: string[] = [];
      seen.set(c, got);
      const conn = {
        ...stalledConn(),
        write(bytes: Uint8Array): Promise<void> {
          return new Promise((resolve) =>
            setTimeout(() => {
              got.push(decoder.decode(bytes));
              resolve();
            }, 1 + (c % 3))
          );
        },
      } as Conn;
      queues.push(new WriteQueue(conn, MiB));
    }
    const sent: Promise<void>[] = [];
    for (let round = 0; round < 20; round++) {
      for (let c = 0; c < queues.length; c++) {
        sent.push(queues[c].push(`${c}:${round}:é€😀|`));
      }
      await new Promise((r) => setTimeout(r, 0));
    }
    // A frame too large for a lent buffer takes the other path.
    sent.push(queues[0].push("x".repeat(20_000) + "|"));
    await Promise.all(sent);
    for (let c = 0; c < queues.length; c++) {
      const frames = seen.get(c)!.join("").split("|").filter((f) => f);
      const expected = Array.from(
        { length: 20 },
        (_, round) => `${c}:${round}:é€😀`,
      );
      if (c === 0) expected.push("x".repeat(20_000));
      assert.deepEqual(frames, expected);
    }
  });
});

describe("a failed write", () => {
  it("closes the channel at once, before its read loop notices", async () => {
    let closes = 0;
    const conn: Conn = {
      localAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
      remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 2 },
      readable: { [Symbol.asyncIterator]: () => ({ next: () => never }) },
      write: () => Promise.reject(new Error("EPIPE")),
      close: () => void closes++,
    };
    const never = new Promise<IteratorResult<Uint8Array>>(() => {});
    const channel = new Channel(conn, channelOptions({}), {
      receive() {},
      request() {},
      error() {},
      closed() {},
    });
    await assert.rejects(channel.send("x"), isCode("ERR_SOCKET_DESTROYED"));
    // A loop `while (connected) await send()` must end: the channel says
    // closed, and later sends fail without touching the connection.
    assert.equal(channel.closed, true);
    assert.equal(closes, 1);
    await assert.rejects(channel.send("y"), isCode("ERR_SOCKET_DESTROYED"));
  });
});

describe("a peer that stops reading", () => {
  it("makes server sends fail with ERR_SEND_QUEUE_FULL once the mark is passed, with bounded memory, and gets every accepted message in order when it reads again", async () => {
    const limit = MiB;
    const size = 64 * KiB;
    const server = new SockhopServer({ port: 0, max_pending_bytes: limit });
    await server.listen();
    const sock = await rawConnect(server.port);
    sock.pause(); // never reads, until resumed below
    try {
      await waitFor(() => server.sockets.length === 1, 5000, "registration");
      const conn = server.sockets[0];
      const { accepted, first } = await fillUntilFull(
        (text) => server.send(conn, text),
        size,
      );
      assert.ok(isCode("ERR_SEND_QUEUE_FULL")(first), String(first));
      // Accepted = what the kernel buffers took + at most limit + one
      // message waiting in memory.
      assert.ok(
        accepted.length * size < limit + size + 32 * MiB,
        `accepted ${accepted.length} messages of ${size} bytes`,
      );
      // While the peer stays stalled every further send fails at once.
      for (let i = 0; i < 20; i++) {
        await assert.rejects(
          server.send(conn, "more"),
          isCode("ERR_SEND_QUEUE_FULL"),
        );
      }

      // The peer reads again: it gets exactly the accepted messages.
      const lines: string[] = [];
      let text = "";
      sock.setEncoding("utf8");
      sock.on("data", (chunk: string) => {
        text += chunk;
        const parts = text.split("\n");
        text = parts.pop()!;
        lines.push(...parts);
      });
      sock.resume();
      await Promise.all(accepted);
      await waitFor(
        () => lines.length >= accepted.length,
        10000,
        "delivery",
      );
      assert.equal(lines.length, accepted.length);
      lines.forEach((line, i) => {
        const msg = JSON.parse(line);
        assert.equal(msg.type, "String");
        assert.equal(parseInt(msg.data), i);
      });
      await server.send(conn, "flowing again");
    } finally {
      sock.destroy();
      await server.close();
    }
  });

  it("makes client sends fail with ERR_SEND_QUEUE_FULL when the server stops reading", async () => {
    const raw = await new RawServer({ reading: false }).listen();
    const client = new SockhopClient({
      port: raw.port,
      max_pending_bytes: 512 * KiB,
    });
    try {
      await client.connect();
      const { first } = await fillUntilFull(
        (text) => client.send(text),
        32 * KiB,
      );
      assert.ok(isCode("ERR_SEND_QUEUE_FULL")(first), String(first));
      assert.equal(client.connected, true, "a full queue is not a drop");
    } finally {
      await client.disconnect();
      await raw.close();
    }
  });
});

describe("sendall with one stalled client", () => {
  it("delivers everything to the healthy clients while the stalled one's sends fail with ERR_SEND_QUEUE_FULL, without unhandled rejections", async () => {
    const server = new SockhopServer({ port: 0, max_pending_bytes: MiB });
    await server.listen();
    const clients = [0, 1, 2].map(() =>
      new SockhopClient({ port: server.port })
    );
    const sock = await rawConnect(server.port);
    sock.pause();
    const crashes = watchCrashes();
    try {
      for (const c of clients) await c.connect();
      await waitFor(() => server.sockets.length === 4, 5000, "registration");
      const n = 400; // 12.5 MiB: far more than kernel buffers take
      const received = clients.map((c) => collect(c, "receive", n, 30000));
      const counts = clients.map(() => 0);
      clients.forEach((c, k) => c.on("receive", () => counts[k]++));
      const outcomes = [];
      for (let i = 0; i < n; i++) {
        // Fired without awaiting: the stalled client holds them up (the
        // next test awaits each sendall). Pacing on what the healthy
        // clients got keeps their queues under the mark whatever the
        // machine's speed, while the stalled one's passes it.
        outcomes.push(server.sendall({ i, pad: "z".repeat(32 * KiB) }));
        if (i % 10 === 9) {
          await waitFor(() => counts.every((c) => c >= i - 9), 10000, "pace");
        }
      }
      for (const got of await Promise.all(received)) {
        assert.deepEqual(got.map(([d]) => (d as { i: number }).i), [
          ...Array(n).keys(),
        ]);
      }
      // The first sends to the stalled client were queued (under the mark)
      // and stay unsettled while it does not read; its leaving fails them.
      sock.destroy();
      const settled = await Promise.allSettled(outcomes);
      const reasons = settled.flatMap((s) =>
        s.status === "rejected" ? [s.reason] : []
      );
      assert.ok(
        reasons.some(isCode("ERR_SEND_QUEUE_FULL")),
        "the stalled client's sends past the mark are refused",
      );
      assert.ok(
        reasons.every((e) =>
          isCode("ERR_SEND_QUEUE_FULL")(e) ||
          isCode("ERR_SOCKET_DESTROYED")(e)
        ),
      );
      // The refused sendall() promises were not awaited until now: that
      // must not count as an unhandled rejection.
      assert.deepEqual(crashes.escaped, []);
    } finally {
      crashes.stop();
      sock.destroy();
      for (const c of clients) await c.disconnect();
      await server.close();
    }
  });

  it("releases an awaited sendall loop once pings drop the stalled client", async () => {
    const server = new SockhopServer({ port: 0, max_pending_bytes: MiB });
    await server.listen();
    const client = new SockhopClient({ port: server.port });
    const sock = await rawConnect(server.port);
    sock.pause();
    try {
      await client.connect();
      await waitFor(() => server.sockets.length === 2, 5000, "registration");
      const dropped = once(server, "disconnect", 20000);
      // 200 ms, not less: under CPU load the healthy client must still
      // answer within four intervals while it reads 6 MiB.
      server.ping(200);
      const n = 100;
      const received = collect(client, "receive", n, 30000);
      let failed = 0;
      for (let i = 0; i < n; i++) {
        // Each await waits for the slowest client; the stalled one is
        // dropped after four unanswered pings, which ends the wait.
        await server.sendall({ i, pad: "w".repeat(64 * KiB) }).catch(
          () => failed++,
        );
      }
      const got = await received;
      assert.deepEqual(got.map(([d]) => (d as { i: number }).i), [
        ...Array(n).keys(),
      ]);
      await dropped;
      assert.equal(server.sockets.length, 1);
      assert.ok(failed > 0);
    } finally {
      server.ping(0);
      sock.destroy();
      await client.disconnect();
      await server.close();
    }
  });
});
