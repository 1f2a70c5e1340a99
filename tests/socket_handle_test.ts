/**
 * The connection handle (`SockhopSocket`) in every runtime: what it
 * reports, as Node's `net.Socket` would in the same situation, and that
 * closing through it takes Sockhop's own close path. Also the server's
 * event order: `connect` after the client's `connect()` resolved, and
 * before any message of the connection.
 * @module
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { SockhopSession, type SockhopSocket } from "../mod.ts";
import {
  collect,
  once,
  tempDir,
  waitFor,
  withPair,
  withUnconnectedPair,
} from "./helpers/util.ts";

describe("SockhopSocket", () => {
  it("reports TCP addresses and states as net.Socket does", async () => {
    await withUnconnectedPair(async ({ server, client }) => {
      const serverSide = once<[SockhopSocket]>(server, "connect");
      const clientSide = once<[SockhopSocket]>(client, "connect");
      await client.connect();
      const [sock] = await serverSide;
      const [mine] = await clientSide;
      assert.equal(client.socket, mine);
      assert.equal(sock.remoteAddress, "127.0.0.1");
      assert.equal(sock.remoteFamily, "IPv4");
      assert.equal(sock.remotePort, mine.localPort);
      assert.equal(sock.localAddress, "127.0.0.1");
      assert.equal(sock.localPort, server.port);
      assert.equal(mine.remotePort, server.port);
      assert.equal(sock.readyState, "open");
      assert.equal(sock.destroyed, false);
      assert.equal(sock.setNoDelay(false).setKeepAlive(true, 1000), sock);
      const got = once(server, "receive");
      await client.send({ hello: "world" });
      await got;
      assert.equal(sock.bytesRead, client.stats().bytes_out);
      assert.equal(mine.bytesWritten, sock.bytesRead);
      assert.ok(sock.bytesRead > 0);
    });
  });

  it("reports no addresses for a Unix socket", async () => {
    const { dir, cleanup } = tempDir();
    try {
      await withUnconnectedPair(
        { path: join(dir, "s.sock") },
        async ({ server, client }) => {
          const serverSide = once<[SockhopSocket]>(server, "connect");
          await client.connect();
          const [sock] = await serverSide;
          for (const s of [sock, client.socket!]) {
            assert.equal(s.remoteAddress, undefined);
            assert.equal(s.remotePort, undefined);
            assert.equal(s.remoteFamily, undefined);
            assert.equal(s.localAddress, undefined);
            assert.equal(s.localPort, undefined);
            assert.equal(s.readyState, "open");
          }
        },
      );
    } finally {
      cleanup();
    }
  });

  it("is one object per connection everywhere it appears", async () => {
    await withPair(async ({ server, client }) => {
      const [sock] = server.sockets;
      const got = once<[unknown, { socket: SockhopSocket }]>(
        server,
        "receive",
      );
      await client.send("x");
      const [, meta] = await got;
      assert.equal(meta.socket, sock);
      assert.equal(server.sessions[0].sock, sock);
      const echoed = once(client, "receive");
      await server.send(sock, "back");
      await echoed;
    });
  });

  it("end() writes what was sent, then closes: disconnect once each side", async () => {
    await withPair(async ({ server, client }) => {
      const [sock] = server.sockets;
      let disconnects = 0;
      server.on("disconnect", () => disconnects++);
      const serverGone = collect(server, "disconnect", 1);
      const clientGone = once(client, "disconnect");
      const received = once(client, "receive");
      void server.send(sock, { last: "words" });
      sock.end();
      assert.equal(sock.readyState, "readOnly");
      assert.deepEqual((await received)[0], { last: "words" });
      await clientGone;
      const [[gone]] = await serverGone;
      assert.equal(gone, sock);
      assert.equal(sock.readyState, "closed");
      assert.equal(sock.destroyed, true);
      assert.equal(sock.localAddress, undefined, "as net.Socket, once closed");
      assert.equal(sock.remoteAddress, "127.0.0.1");
      assert.equal(server.sockets.length, 0);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(disconnects, 1);
    });
  });

  it("destroy() on either side goes through the owner's close path", async () => {
    await withPair(async ({ server, client }) => {
      const disconnects: string[] = [];
      server.on("disconnect", () => disconnects.push("server"));
      client.on("disconnect", () => disconnects.push("client"));
      const [sock] = server.sockets;
      assert.equal(sock.destroy(), sock);
      assert.equal(sock.destroyed, true);
      await waitFor(() => disconnects.length === 2, 5000, "both disconnects");
      const again = once(server, "connect");
      await client.connect();
      await again;
      client.socket!.destroy();
      assert.equal(client.connected, false);
      await waitFor(() => disconnects.length === 4, 5000, "both again");
      assert.deepEqual(disconnects.sort(), [
        "client",
        "client",
        "server",
        "server",
      ]);
      assert.equal(server.sockets.length, 0);
    });
  });
});

describe("server event order", () => {
  it("connect follows the client's connect(), and precedes every message", async () => {
    const log: string[] = [];
    class Slow extends SockhopSession {
      override async start() {
        log.push("start");
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await withUnconnectedPair(
      { session_type: Slow },
      async ({ server, client }) => {
        server.on("connect", () => log.push("connect"));
        const both = collect(server, "receive", 2);
        server.on("receive", (data) => log.push(`receive ${data}`));
        await client.connect();
        log.push("connected");
        void client.send("1");
        void client.send("2");
        await both;
        assert.deepEqual(log, [
          "connected",
          "start",
          "connect",
          "receive 1",
          "receive 2",
        ]);
      },
    );
  });
});
