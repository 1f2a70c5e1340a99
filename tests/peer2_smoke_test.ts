/**
 * The sockhop 2.1.0 fixture itself (tests/fixtures/peer2.mjs through
 * tests/helpers/peer2_process.ts), proven between two real 2.1 peers: the
 * handshake, binary mode both ways, a Buffer, a typed buffer, a remote
 * callback; compatibility mode over a Unix socket path; and its TLS client
 * against this library's TLS server. What this library does with a 2.1 peer
 * is tested elsewhere.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { SockhopServer } from "../mod.ts";
import { makeTestCerts, type TestCerts } from "./helpers/certs.ts";
import { patternBytes, sha256Hex, withPeer2 } from "./helpers/peer2_process.ts";
import { once, tempDir, within } from "./helpers/util.ts";

describe("the sockhop 2.1.0 fixture", () => {
  let certs: TestCerts;
  before(() => {
    certs = makeTestCerts();
  });
  after(() => certs?.cleanup());

  it("2.1 server and 2.1 client: handshake, binary mode both ways, a Buffer, a typed buffer and a callback", async () => {
    await withPeer2((server) =>
      withPeer2(async (client) => {
        const { port } = await server.call("listen");
        const started = await client.call("connect", { port, start: true });
        assert.equal(started.handshake_successful, true);
        assert.equal(started.binary_mode.tx, true);
        assert.equal((await server.event("handshake")).ok, true);
        for (const peer of [client, server]) {
          assert.equal((await peer.event("binary_mode:tx")).value, true);
          assert.equal((await peer.event("binary_mode:rx")).value, true);
        }

        await client.call("send", { as: "Buffer", pattern: 1024 });
        const got = await server.event("receive");
        assert.equal(got.type, "Buffer");
        assert.equal(got.data.class, "Buffer");
        assert.equal(got.data.sha256, sha256Hex(patternBytes(1024)));

        await server.call("send", { typed: "image/raw", pattern: 10 });
        const typed = await client.event("receive:buffer");
        assert.equal(typed.type, "image/raw");
        assert.deepEqual(typed.data.bytes, [...patternBytes(10)]);

        const { answer } = await client.call("send", {
          as: "Widget",
          data: { a: 1 },
          callback: true,
          wait: true,
        });
        assert.deepEqual(answer, {
          type: "Widget",
          data: { echo: { a: 1 }, type: "Widget" },
        });
        assert.equal(client.count("error") + server.count("error"), 0);
      })
    );
  });

  it("over a Unix socket path, a 2.1 client in compatibility mode: no handshake, JSON mode, a Buffer still arrives", async () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, "peer2.sock");
    try {
      await withPeer2((server) =>
        withPeer2(async (client) => {
          await server.call("listen", {
            path,
            options: { handshake_timeout: 200 },
          });
          const connected = await client.call("connect", {
            path,
            options: { compatibility_mode: true },
          });
          assert.deepEqual(connected.binary_mode, { rx: false, tx: false });
          // The server's handshake is ignored: it times out.
          const handshake = await server.event("handshake");
          assert.deepEqual(handshake, {
            ev: "handshake",
            ok: false,
            code: "ERR_HANDSHAKE_TIMEOUT",
          });
          await client.call("send", { as: "Buffer", data: [1, 2, 3] });
          const got = await server.event("receive");
          assert.equal(got.data.class, "Buffer");
          assert.deepEqual(got.data.bytes, [1, 2, 3]);
          assert.equal(client.count("handshake"), 0);
        })
      );
    } finally {
      cleanup();
    }
  });

  it("a 2.1 client connects over TLS (2.1's server has none: this library's is used)", async () => {
    const server = new SockhopServer({
      port: 0,
      ssl_options: { cert: certs.cert, key: certs.key },
    });
    await server.listen();
    try {
      await withPeer2(async (client) => {
        const got = new Promise<unknown>((resolve) => {
          server.on("receive", (data, meta) => {
            if (meta.type === "Widget") resolve(data);
          });
        });
        const connected = once(server, "connect");
        await client.call("connect", {
          port: server.port,
          tls: certs.dir,
          // 2.1's default timeout: this handshake must succeed, also under
          // load (200 ms did not always suffice).
          options: { handshake_timeout: 3000 },
        });
        // Bounded: one run hung here once, and a hang tells nothing.
        await within(connected, 10_000, "the 2.1 client's connect over TLS");
        await client.call("send", { as: "Widget", data: { over: "tls" } });
        assert.deepEqual(
          await within(got, 10_000, "the Widget over TLS"),
          { over: "tls" },
        );
      });
    } finally {
      await server.close();
    }
  });
});
