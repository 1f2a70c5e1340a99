/**
 * The fault proxy itself (tests/helpers/fault_proxy.ts), between raw
 * `node:net` peers: bytes pass unchanged (whole or split), a cut at offset
 * N delivers exactly N bytes and closes, a black hole forwards nothing and
 * keeps both sockets open until healed or reset, a delay holds bytes and
 * keeps their order, random offsets replay from the seed, and close()
 * leaves nothing behind. Absence checks wait a while: a slow machine can
 * only make them pass more easily, never fail.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { EventEmitter } from "node:events";
import { type FaultProxy, withFaultProxy } from "./helpers/fault_proxy.ts";
import { closed, rawConnect } from "./helpers/raw.ts";
import { isDeno, sleep, waitFor } from "./helpers/util.ts";
import { runChildScript } from "./helpers/child_script.ts";
import { SeededRandom } from "./helpers/seeded_random.ts";

/** What one side of a connection has read, and its socket. */
class Reader {
  readonly chunks: Uint8Array[] = [];
  length = 0;
  constructor(readonly socket: net.Socket) {
    socket.on("data", (d: Uint8Array) => {
      this.chunks.push(d);
      this.length += d.length;
    });
    socket.on("error", () => {});
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** A loopback server that keeps a {@linkcode Reader} per accepted socket. */
class Sink extends EventEmitter {
  readonly peers: Reader[] = [];
  port = 0;
  readonly #server = net.createServer((s) => {
    this.peers.push(new Reader(s));
    this.emit("peer");
  });
  listen(): Promise<this> {
    return new Promise((resolve) =>
      this.#server.listen(0, "127.0.0.1", () => {
        this.port = (this.#server.address() as net.AddressInfo).port;
        resolve(this);
      })
    );
  }
  async peer(n = 0): Promise<Reader> {
    await waitFor(() => this.peers.length > n, 5000, `sink peer ${n}`);
    return this.peers[n];
  }
  async close(): Promise<void> {
    for (const p of this.peers) p.socket.destroy();
    await new Promise((r) => this.#server.close(r));
  }
}

/** `n` pseudo-random bytes. */
function noise(n: number, seed = 1): Uint8Array {
  const r = new SeededRandom(seed);
  return Uint8Array.from({ length: n }, () => r.int(0, 255));
}

/**
 * A sink, a proxy in front of it (with `options`), and a raw client
 * connected through it; everything is closed after `fn`.
 */
async function through(
  options: { split?: number; delay?: number; seed?: number },
  fn: (
    t: { proxy: FaultProxy; client: Reader; server: Reader; sink: Sink },
  ) => Promise<void>,
): Promise<void> {
  const sink = await new Sink().listen();
  try {
    await withFaultProxy(sink.port, options, async (proxy) => {
      const client = new Reader(await rawConnect(proxy.port));
      try {
        await fn({ proxy, client, server: await sink.peer(), sink });
      } finally {
        client.socket.destroy();
      }
    });
  } finally {
    await sink.close();
  }
}

describe("fault proxy", () => {
  for (const split of [0, 7]) {
    it(`passes bytes unchanged both ways${split ? ", split" : ""}`, async () => {
      await through({ split }, async ({ proxy, client, server }) => {
        const up = noise(30_000, 2);
        const down = noise(20_000, 3);
        client.socket.write(up);
        server.socket.write(down);
        await waitFor(
          () => server.length >= up.length && client.length >= down.length,
          10_000,
          "both streams",
        );
        assert.deepEqual(server.bytes(), up);
        assert.deepEqual(client.bytes(), down);
        const [link] = proxy.links;
        assert.deepEqual(link.bytes, { toServer: 30_000, toClient: 20_000 });
        assert.deepEqual(proxy.bytes, link.bytes);
        if (split) {
          // Pieces of 1..7 bytes: at least one write per 7 bytes.
          assert.ok(link.writes.toServer >= 30_000 / 7, `${link.writes}`);
          assert.ok(link.writes.toClient >= 20_000 / 7);
          // Written one per turn, the reader sees many of them apart.
          assert.ok(server.chunks.length > 100, `${server.chunks.length}`);
        }
        assert.equal(proxy.opened, 1);
        assert.equal(proxy.closed, 0);
      });
    });
  }

  for (const dir of ["toServer", "toClient"] as const) {
    it(`a cut at offset N ${dir} delivers exactly N bytes, then closes both sockets`, async () => {
      await through({ split: 5 }, async ({ proxy, client, server }) => {
        const link = await proxy.link(0);
        link.cutAt(dir, 1234);
        const [from, to] = dir === "toServer"
          ? [client, server]
          : [server, client];
        const data = noise(10_000);
        from.socket.write(data);
        await Promise.all([closed(client.socket), closed(server.socket)]);
        await link.whenClosed;
        assert.equal(to.length, 1234);
        assert.deepEqual(to.bytes(), data.subarray(0, 1234));
        assert.equal(link.bytes[dir], 1234);
        assert.equal(link.cause, "cut");
        assert.equal(proxy.closed, 1);
      });
    });
  }

  it("a cut at offset 0 closes before the first byte", async () => {
    await through({}, async ({ proxy, client, server }) => {
      (await proxy.link(0)).cutAt("toClient", 0);
      await Promise.all([closed(client.socket), closed(server.socket)]);
      assert.equal(client.length, 0);
      assert.equal(proxy.links[0].cause, "cut");
    });
  });

  it("random offsets replay from the seed, per link", async () => {
    const draw = async (seed: number) => {
      const sink = await new Sink().listen();
      const offsets: { dir: string; offset: number }[] = [];
      try {
        await withFaultProxy(sink.port, { seed }, async (proxy) => {
          assert.equal(proxy.seed, seed);
          proxy.onLink((l) => offsets.push(l.cutAtRandom("either", 1e6)));
          for (let i = 0; i < 3; i++) {
            const s = await rawConnect(proxy.port);
            await proxy.link(i);
            s.destroy();
          }
        });
      } finally {
        await sink.close();
      }
      return offsets;
    };
    const a = await draw(42);
    assert.deepEqual(await draw(42), a);
    assert.notDeepEqual(await draw(43), a);
    assert.equal(
      new Set(a.map((d) => d.offset)).size,
      3,
      "each link draws its own offset",
    );
  });

  it("a black hole forwards nothing, passes no close on, keeps both sockets open; heal delivers in order", async () => {
    await through({}, async ({ proxy, client, server, sink }) => {
      const link = await proxy.link(0);
      client.socket.write("before|");
      await waitFor(() => server.length === 7, 5000, "the first bytes");
      link.blackHole();
      client.socket.write("during|");
      server.socket.write("back");
      await sleep(150);
      assert.equal(server.length, 7);
      assert.equal(client.length, 0);
      assert.equal(link.closed, false);
      assert.equal(client.socket.destroyed, false);
      link.heal();
      client.socket.write("after");
      await waitFor(
        () => server.length === 19 && client.length === 4,
        5000,
        "the held bytes",
      );
      assert.equal(
        new TextDecoder().decode(server.bytes()),
        "before|during|after",
      );
      // Black-holed, the server's close does not reach the client.
      link.blackHole();
      server.socket.destroy();
      await sleep(150);
      assert.equal(client.socket.destroyed, false);
      assert.equal(link.closed, false);
      await link.reset();
      await closed(client.socket);
      assert.equal(link.cause, "reset");
      assert.equal(sink.peers.length, 1);
    });
  });

  it("blackHoleAt delivers the bytes before the offset, then nothing; reset closes", async () => {
    await through({}, async ({ proxy, client, server }) => {
      const link = await proxy.link(0);
      link.blackHoleAt("toServer", 300);
      client.socket.write(noise(1000));
      await waitFor(() => server.length === 300, 5000, "300 bytes");
      await sleep(100);
      assert.equal(server.length, 300);
      server.socket.write("x");
      await sleep(50);
      assert.equal(client.length, 0, "both ways are held");
      await link.reset();
      await Promise.all([closed(client.socket), closed(server.socket)]);
    });
  });

  it("a delay holds bytes for that long and keeps their order", async () => {
    await through({ delay: 150 }, async ({ proxy, client, server }) => {
      const link = await proxy.link(0);
      const t0 = performance.now();
      client.socket.write("a");
      await waitFor(() => server.length === 1, 5000, "a");
      // Timers may fire a millisecond early; never much earlier.
      assert.ok(performance.now() - t0 >= 140, "held for the delay");
      client.socket.write("b");
      link.delay(0);
      client.socket.write("c");
      await waitFor(() => server.length === 3, 5000, "b and c");
      assert.equal(new TextDecoder().decode(server.bytes()), "abc");
    });
  });

  it("passes a graceful close on (FIN after the delayed bytes)", async () => {
    await through({ delay: 30 }, async ({ proxy, client, server }) => {
      client.socket.end("bye");
      await closed(server.socket);
      assert.equal(new TextDecoder().decode(server.bytes()), "bye");
      await closed(client.socket);
      await proxy.links[0].whenClosed;
      assert.equal(proxy.links[0].cause, "client");
    });
  });

  it("an unreachable target closes the client's socket", async () => {
    const sink = await new Sink().listen();
    const port = sink.port;
    await sink.close();
    await withFaultProxy(port, {}, async (proxy) => {
      const s = await rawConnect(proxy.port);
      s.on("error", () => {});
      await closed(s);
      await proxy.links[0].whenClosed;
      assert.equal(proxy.links[0].cause, "unreachable");
    });
  });

  it("close() ends every link and timer: a process using it exits by itself", async () => {
    const helper = new URL(
      isDeno ? "./helpers/fault_proxy.ts" : "./helpers/fault_proxy.js",
      import.meta.url,
    ).href;
    const run = await runChildScript(
      ["SockhopServer", "SockhopClient"],
      `const { FaultProxy } = await import(${JSON.stringify(helper)});
const server = new SockhopServer({ port: 0 });
await server.listen();
const proxy = await FaultProxy.start(server.port, { delay: 60_000, split: 3 });
const client = new SockhopClient({ port: proxy.port });
await client.connect();
const held = new SockhopClient({ port: proxy.port });
await held.connect();
proxy.links[1].blackHole();
held.send("held").catch(() => {});
for (let i = 0; i < 20; i++) client.send("m" + i).catch(() => {});
await new Promise((r) => setTimeout(r, 50));
await proxy.close(); // delayed bytes, a pending piece, a black hole
console.log(proxy.opened, proxy.closed);
await client.disconnect();
await held.disconnect();
await server.close();`,
    );
    assert.ok(run.exited, `the child did not exit by itself: ${run.stderr}`);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), "2 2");
  });
});
