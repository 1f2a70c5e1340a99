/**
 * The frame-size limit (`max_message_bytes`): a peer that sends more than
 * the limit without a terminator is reported and disconnected early, so
 * memory stays bounded; the default lets ordinary large messages through.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  SockhopError,
  SockhopServer,
} from "../mod.ts";
import { once, pair, waitFor, withPair } from "./helpers/util.ts";
import { closed, rawConnect, stream } from "./helpers/raw.ts";

const MiB = 1024 * 1024;

function isCode(code: string) {
  return (e: unknown) => e instanceof SockhopError && e.code === code;
}

describe("max_message_bytes", () => {
  it("defaults to 256 MiB", () => {
    assert.equal(DEFAULT_MAX_MESSAGE_BYTES, 256 * MiB);
  });

  it("reports ERR_MESSAGE_TOO_LARGE and disconnects a raw peer streaming 64 MiB without a terminator, long before 64 MiB are accepted", async () => {
    const server = new SockhopServer({ port: 0, max_message_bytes: MiB });
    const errors: unknown[] = [];
    server.on("error", (e) => errors.push(e));
    await server.listen();
    const sock = await rawConnect(server.port);
    try {
      await waitFor(() => server.sockets.length === 1, 5000, "registration");
      const gone = once(server, "disconnect", 20000);
      const chunk = new TextEncoder().encode("a".repeat(64 * 1024));
      const { accepted, closed: wasClosed } = await stream(
        sock,
        chunk,
        64 * MiB,
      );
      assert.ok(wasClosed, "the server must close the connection");
      await gone;
      // What the client got rid of: about the limit plus what the kernel
      // buffers on both ends hold (a few MiB on loopback), far below 64 MiB.
      assert.ok(
        accepted < 24 * MiB,
        `server accepted ${(accepted / MiB).toFixed(1)} MiB before closing`,
      );
      assert.ok(errors.length >= 1);
      assert.ok(isCode("ERR_MESSAGE_TOO_LARGE")(errors[0]));
      assert.equal(server.sockets.length, 0);
    } finally {
      sock.destroy();
      await server.close();
    }
  });

  it("keeps serving other clients after dropping an oversized peer", async () => {
    const { server, client, close } = await pair({ max_message_bytes: MiB });
    server.on("error", () => {});
    const sock = await rawConnect(server.port);
    try {
      await waitFor(() => server.sockets.length === 2, 5000, "registration");
      const chunk = new TextEncoder().encode("{".repeat(256 * 1024));
      await stream(sock, chunk, 8 * MiB);
      await closed(sock, 10000);
      await waitFor(() => server.sockets.length === 1, 5000, "the drop");
      const got = once(server, "receive");
      await client.send({ still: "here" });
      assert.deepEqual((await got)[0], { still: "here" });
    } finally {
      sock.destroy();
      await close();
    }
  });

  it("drops a well-formed message over the limit, and passes one under it", async () => {
    await withPair({ max_message_bytes: MiB }, async ({ server, client }) => {
      const errors: unknown[] = [];
      server.on("error", (e) => errors.push(e));
      const small = "s".repeat(MiB - 100); // the envelope adds ~30 bytes
      const got = once(server, "receive");
      await client.send(small);
      assert.equal(((await got)[0] as string).length, small.length);

      const dropped = once(client, "disconnect", 10000);
      client.send("b".repeat(MiB + 1)).catch(() => {});
      await dropped;
      assert.ok(isCode("ERR_MESSAGE_TOO_LARGE")(errors[0]));
      await waitFor(() => server.sockets.length === 0, 5000, "the drop");
    });
  });

  it("protects a client from an oversized message from its server", async () => {
    await withPair({}, {
      max_message_bytes: 64 * 1024,
    }, async ({ server, client }) => {
      const errors: unknown[] = [];
      client.on("error", (e) => errors.push(e));
      const dropped = once(client, "disconnect", 10000);
      server.send(server.sockets[0], "c".repeat(128 * 1024)).catch(() => {});
      await dropped;
      assert.ok(isCode("ERR_MESSAGE_TOO_LARGE")(errors[0]));
      assert.equal(client.connected, false);
    });
  });

  it("lets a 20 MiB string through with the default limit", async () => {
    await withPair(async ({ server, client }) => {
      const big = "x".repeat(20 * MiB);
      const got = once(server, "receive", 30000);
      await client.send(big);
      const [data, meta] = await got as [string, { type: string }];
      assert.equal(meta.type, "String");
      assert.equal(data.length, big.length);
      assert.equal(data, big);
    });
  });

  it("lets a 20 MiB message through a client's default limit too", async () => {
    await withPair(async ({ server, client }) => {
      const big = { blob: "y".repeat(20 * MiB) };
      const got = once(client, "receive", 30000);
      await server.send(server.sockets[0], big);
      const [data] = await got as [{ blob: string }];
      assert.equal(data.blob.length, big.blob.length);
    });
  });

  it("counts the limit per frame, not per connection", async () => {
    await withPair({
      max_message_bytes: 64 * 1024,
    }, async ({ server, client }) => {
      const errors: unknown[] = [];
      server.on("error", (e) => errors.push(e));
      const n = 64;
      const got = new Promise<number>((resolve) => {
        let count = 0;
        server.on("receive", () => ++count === n && resolve(count));
      });
      // 64 frames of 32 KiB: 2 MiB in all, each frame under the limit.
      const part = "p".repeat(32 * 1024);
      await Promise.all(Array.from({ length: n }, () => client.send(part)));
      assert.equal(await got, n);
      assert.deepEqual(errors, []);
      assert.equal(server.sockets.length, 1);
    });
  });
});
