/**
 * This library with the REAL sockhop 2.1.0 (tests/fixtures/peer2.mjs), both
 * directions: the handshake (2.1's `start()` resolves; ours too), binary
 * mode both ways, objects, bytes byte-exact (1 KiB, 8 MiB), typed buffers,
 * remote callbacks both ways, pings, a reconnect that handshakes again, a
 * 2.1 peer without binary mode, over TCP, a Unix socket path and TLS (2.1
 * has a TLS client only). No protocol message may reach an application
 * handler on our side (2.1's own events are checked by the fixture).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { EventEmitter } from "node:events";
import { join } from "node:path";
import {
  type ReceiveMeta,
  type RemoteCallback,
  type SockhopClient,
  SockhopServer,
} from "../mod.ts";
import { makeTestCerts, type TestCerts } from "./helpers/certs.ts";
import {
  patternBytes,
  type Peer2Process,
  sha256Hex,
  withPeer2,
} from "./helpers/peer2_process.ts";
import { once, tempDir, waitFor } from "./helpers/util.ts";
import { withOurClientOf2x } from "./helpers/our_client_of_peer2.ts";

class Widget {
  constructor(o: Record<string, unknown> = {}) {
    Object.assign(this, o);
  }
}

/** Our end of a link: a client, or a server's one connection. */
interface Ours {
  emitter: EventEmitter;
  send(o: unknown, cb?: RemoteCallback): Promise<void>;
  send_typed_buffer(type: string, b: Uint8Array): Promise<void>;
  binary_mode(): { rx: boolean; tx: boolean };
}

function ourClient(client: SockhopClient): Ours {
  return {
    emitter: client,
    send: (o, cb) => client.send(o, cb),
    send_typed_buffer: (t, b) => client.send_typed_buffer(t, b),
    binary_mode: () => client.binary_mode,
  };
}

function ourServer(server: SockhopServer): Ours {
  const sock = () => server.sockets[0];
  return {
    emitter: server,
    send: (o, cb) => server.send(sock(), o, cb),
    send_typed_buffer: (t, b) => server.send_typed_buffer(sock(), t, b),
    binary_mode: () => server.binary_mode(sock()),
  };
}

/**
 * Every type label our application was handed, and an answer to every
 * callback; fails the test if a protocol message shows up.
 */
function responder(emitter: EventEmitter): string[] {
  const types: string[] = [];
  const onReceive = (_d: unknown, meta: ReceiveMeta) => {
    types.push(meta.type);
    meta.callback?.(new Widget({ thanks: meta.type }));
  };
  emitter.on("receive", onReceive);
  emitter.on("receive:buffer", onReceive);
  return types;
}

const PROTOCOL_TYPES = ["SockhopHandshake", "SockhopBinaryModeTransition"];

/** Both ends in binary mode both ways (rx may follow start() by a moment). */
async function bothBinary(ours: Ours, peer: Peer2Process): Promise<void> {
  await waitFor(() => ours.binary_mode().rx && ours.binary_mode().tx);
  assert.equal((await peer.event("binary_mode:tx")).value, true);
  assert.equal((await peer.event("binary_mode:rx")).value, true);
}

/** Bytes arrive whole at `ours`. */
async function receivedBytes(emitter: EventEmitter): Promise<Uint8Array> {
  const [data, meta] = await once<[Uint8Array, ReceiveMeta]>(
    emitter,
    "receive",
    20_000,
  );
  assert.equal(meta.type, "Buffer");
  assert.ok(data instanceof Uint8Array);
  if (typeof Deno === "undefined") {
    assert.equal(data.constructor.name, "Buffer", "a Buffer in Node and Bun");
  }
  return data;
}

/**
 * Objects, bytes both ways, typed buffers both ways, callbacks both ways,
 * with `sizes` of bytes.
 */
async function exchange(
  ours: Ours,
  peer: Peer2Process,
  sizes: number[],
): Promise<void> {
  await ours.send(new Widget({ a: 1 }));
  const w = await peer.event("receive");
  assert.deepEqual([w.type, w.data], ["Widget", { a: 1 }]);

  for (const n of sizes) {
    await ours.send(patternBytes(n));
    const got = await peer.event("receive", 20_000);
    assert.deepEqual(
      [got.type, got.data.class, got.data.length, got.data.sha256],
      ["Buffer", "Buffer", n, sha256Hex(patternBytes(n))],
    );
    const arriving = receivedBytes(ours.emitter);
    await peer.call("send", { as: "Buffer", pattern: n }, 20_000);
    const bytes = await arriving;
    assert.equal(bytes.length, n);
    assert.equal(sha256Hex(bytes), sha256Hex(patternBytes(n)));
  }

  await ours.send_typed_buffer("image/raw", patternBytes(10));
  const typed = await peer.event("receive:buffer");
  assert.deepEqual(
    [typed.type, typed.data.bytes],
    ["image/raw", [...patternBytes(10)]],
  );
  const ourTyped = once<[Uint8Array, ReceiveMeta]>(
    ours.emitter,
    "receive:buffer",
  );
  await peer.call("send", { typed: "image/raw", pattern: 10 });
  const [tb, tmeta] = await ourTyped;
  assert.deepEqual([tmeta.type, [...tb]], ["image/raw", [...patternBytes(10)]]);

  const answer = await new Promise((resolve, reject) => {
    ours.send(new Widget({ q: 1 }), resolve).catch(reject);
  });
  assert.deepEqual(answer, { echo: { q: 1 }, type: "Widget" });
  const asked = await peer.call("send", {
    as: "Widget",
    data: { b: 2 },
    callback: true,
    wait: true,
  });
  assert.deepEqual(asked.answer, {
    type: "Widget",
    data: { thanks: "Widget" },
  });
}

describe("interop with sockhop 2.1.0", () => {
  let certs: TestCerts;
  before(() => {
    certs = makeTestCerts();
  });
  after(() => certs?.cleanup());

  for (const transport of ["tcp", "unix"] as const) {
    it(`2.1 server, our 2.x Client (${transport}): start() after the handshake, binary both ways, objects, bytes, typed buffers, callbacks, pings; requests refused`, async () => {
      const { dir, cleanup } = tempDir();
      const path = join(dir, "s.sock");
      try {
        const where = transport === "unix" ? { path } : {};
        await withOurClientOf2x(where, where, async (client, peer) => {
          const types = responder(client);
          await client.start();
          assert.equal((await peer.event("handshake")).ok, true);
          await bothBinary(ourClient(client), peer);
          const big = transport === "tcp" ? [1024, 8 << 20] : [1024];
          await exchange(ourClient(client), peer, big);
          client.ping(20);
          await waitFor(() => client.pings.some((p) => !p.unanswered()));
          await assert.rejects(
            client.request({ r: 1 }),
            (e: Error & { code?: string }) =>
              e.code === "ERR_REQUEST_UNSUPPORTED",
          );
          assert.deepEqual(
            types.filter((t) => PROTOCOL_TYPES.includes(t)),
            [],
          );
          assert.equal(peer.count("error"), 0);
        });
      } finally {
        cleanup();
      }
    });
  }

  for (const transport of ["tcp", "unix", "tls"] as const) {
    it(`our SockhopServer (default options), 2.1 client (${transport}): 2.1's start() resolves on the handshake, binary both ways, objects, bytes, typed buffers, callbacks`, async () => {
      const { dir, cleanup } = tempDir();
      const path = join(dir, "s.sock");
      const server = new SockhopServer(
        transport === "unix"
          ? { path }
          : transport === "tls"
          ? { port: 0, ssl_options: { cert: certs.cert, key: certs.key } }
          : { port: 0 },
      );
      const types = responder(server);
      const handshakes: unknown[] = [];
      server.on("handshake", (_s, _session, ok) => handshakes.push(ok));
      await server.listen();
      try {
        await withPeer2(async (peer) => {
          const started = await peer.call("connect", {
            ...(transport === "unix" ? { path } : { port: server.port }),
            ...(transport === "tls" ? { tls: certs.dir } : {}),
            start: true,
          });
          assert.equal(started.handshake_successful, true);
          await bothBinary(ourServer(server), peer);
          assert.deepEqual(handshakes, [true]);
          const big = transport === "tcp" ? [1024, 8 << 20] : [1024];
          await exchange(ourServer(server), peer, big);
          assert.deepEqual(types.filter((t) => PROTOCOL_TYPES.includes(t)), []);
          assert.equal(peer.count("error"), 0);
        });
      } finally {
        await server.close();
        cleanup();
      }
    });
  }

  it("a 2.1 server with allow_binary_mode false: the handshake completes, JSON both ways, bytes as base64 byte-exact", async () => {
    const listen = { options: { allow_binary_mode: false } };
    await withOurClientOf2x(listen, {}, async (client, peer) => {
      responder(client);
      await client.start();
      assert.deepEqual(client.binary_mode, { rx: false, tx: false });
      await assert.rejects(
        client.send_typed_buffer("x", new Uint8Array(1)),
        (e: Error & { code?: string }) =>
          e.code === "ERR_SEND_TYPED_BUFFER_NO_BINARY_MODE",
      );
      await client.send(patternBytes(1024));
      const got = await peer.event("receive");
      assert.equal(got.data.sha256, sha256Hex(patternBytes(1024)));
      const arriving = receivedBytes(client);
      await peer.call("send", { as: "Buffer", pattern: 1024 });
      assert.equal(sha256Hex(await arriving), sha256Hex(patternBytes(1024)));
      assert.equal(peer.count("binary_mode:rx"), 0);
    });
  });

  it("a reconnect handshakes again: binary mode is back, bytes still arrive", async () => {
    const options = { auto_reconnect: true, auto_reconnect_interval: 50 };
    await withOurClientOf2x({}, options, async (client, peer) => {
      await client.start();
      await bothBinary(ourClient(client), peer);
      const again = once(client, "handshake", 10_000);
      const unhandshake = once(client, "unhandshake");
      await peer.call("disconnect");
      await unhandshake;
      assert.deepEqual((await again)[0], true);
      await bothBinary(ourClient(client), peer);
      await client.send(patternBytes(1024));
      const got = await peer.event("receive");
      assert.equal(got.data.sha256, sha256Hex(patternBytes(1024)));
    });
  });
});
