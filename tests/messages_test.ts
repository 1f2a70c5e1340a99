// messages(): received values as an async iterable, with a bounded buffer
// that pauses reading instead of growing memory.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopClient } from "../mod.ts";
import {
  collect,
  once,
  sleep,
  waitFor,
  Widget,
  within,
  withPair,
} from "./helpers/util.ts";

describe("client.messages()", () => {
  it("yields [data, meta] in order; break stops buffering", () =>
    withPair(async ({ server, client }) => {
      const sock = server.sockets[0];
      const iteration = (async () => {
        const got: [unknown, string][] = [];
        for await (const [data, meta] of client.messages()) {
          got.push([data, meta.type]);
          if (got.length === 3) break;
        }
        return got;
      })();
      await server.send(sock, "one");
      await server.send(sock, new Widget("two"));
      await server.send(sock, [3]);
      const got = await within(iteration);
      assert.deepEqual(got.map(([, type]) => type), [
        "String",
        "Widget",
        "Array",
      ]);
      assert.equal(got[0][0], "one");
      assert.deepEqual(got[2][0], [3]);
      // Leaving the loop removed its listener: nothing is buffered now.
      assert.equal(client.listenerCount("receive"), 0);
    }));

  it("ends when the connection drops", () =>
    withPair(async ({ server, client }) => {
      const seen: unknown[] = [];
      const iteration = (async () => {
        for await (const [data] of client.messages()) seen.push(data);
      })();
      await server.send(server.sockets[0], "last words");
      await waitFor(() => seen.length === 1);
      await server.kill_socket(server.sockets[0]);
      await within(iteration, 5000, "the loop to end on disconnect");
      assert.deepEqual(seen, ["last words"]);
      assert.equal(client.listenerCount("receive"), 0);
      assert.equal(client.listenerCount("disconnect"), 0);
    }));

  it("pauses reading while the loop falls behind, then delivers everything in order", () =>
    withPair(async ({ server, client }) => {
      const total = 2000;
      let emitted = 0;
      client.on("receive", () => emitted++);
      const iterator = client.messages({ buffer: 4 })[Symbol.asyncIterator]();
      const first = await Promise.all([
        iterator.next(),
        server.send(server.sockets[0], 0),
      ]).then(([r]) => r);
      assert.deepEqual(first.value?.[0], 0);
      const pad = "x".repeat(1000);
      const sends: Promise<void>[] = [];
      for (let i = 1; i < total; i++) {
        sends.push(server.send(server.sockets[0], { i, pad }));
      }
      // Nobody pulls: reading stops after the buffer and the chunk at hand.
      await sleep(300);
      assert.ok(
        emitted < total / 2,
        `reading should pause, but ${emitted} of ${total} were read`,
      );
      for (let i = 1; i < total; i++) {
        const { value, done } = await within(iterator.next());
        assert.equal(done, false);
        assert.equal((value![0] as { i: number }).i, i);
      }
      await Promise.all(sends);
      assert.equal(emitted, total);
      await iterator.return?.();
    }));

  it("reading resumes when the client disconnects while paused", async () => {
    await withPair(async ({ server, client }) => {
      const iterator = client.messages({ buffer: 1 })[Symbol.asyncIterator]();
      const pulled = iterator.next();
      for (let i = 0; i < 50; i++) server.send(server.sockets[0], i);
      assert.equal((await within(pulled)).value?.[0], 0);
      await within(client.disconnect(), 5000, "disconnect while paused");
      assert.equal(client.connected, false);
    });
  });
});

describe("server.messages()", () => {
  it("yields values of every client with socket and session, until close()", () =>
    withPair(async ({ server, client }) => {
      const other = new SockhopClient({ port: server.port });
      const joined = once(server, "connect");
      await other.connect();
      await joined;
      try {
        const seen: [unknown, string][] = [];
        const iteration = (async () => {
          for await (const [data, meta] of server.messages()) {
            assert.ok(server.sockets.includes(meta.socket));
            assert.ok(server.sessions.includes(meta.session));
            seen.push([data, meta.session.id]);
          }
        })();
        const both = collect(server, "receive", 2);
        await client.send("from a");
        await other.send("from b");
        await both;
        await waitFor(() => seen.length === 2);
        assert.deepEqual(seen.map(([d]) => d).sort(), ["from a", "from b"]);
        assert.notEqual(seen[0][1], seen[1][1]);
        await server.close();
        await within(iteration, 5000, "the loop to end on close()");
      } finally {
        await other.disconnect();
      }
    }));
});
