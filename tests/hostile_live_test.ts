/**
 * Hardening, live: real sockets carrying random frames, byte soup,
 * malformed envelopes and `__proto__` payloads into a running server (and
 * a client). No uncaught exception, no unhandled rejection, no prototype
 * pollution; bad input becomes coded `error` events; the server goes on
 * serving a well-behaved client.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { SockhopClient, SockhopError, SockhopServer } from "../mod.ts";
import { watchCrashes } from "./helpers/crashes.ts";
import { rawClient, type RawPeer, RawServer } from "./helpers/raw.ts";
import {
  assertNotPolluted,
  concat,
  cut,
  envelope,
  hostile,
  soup,
} from "./helpers/fuzz.ts";
import { sleep, waitFor } from "./helpers/util.ts";

const encoder = new TextEncoder();

/** A server that answers every callback and request with what it got. */
async function echoServer(): Promise<
  { server: SockhopServer; errors: unknown[] }
> {
  const server = new SockhopServer({ port: 0 });
  const errors: unknown[] = [];
  server.on("error", (e) => errors.push(e));
  server.on("receive", (data, meta) => {
    meta.callback?.(data).catch(() => {});
  });
  server.on("request", (req, res) => {
    res.send(req.data).catch(() => {});
  });
  await server.listen();
  return { server, errors };
}

/** The echo server with one raw peer connected, as handed to a test. */
interface Fed {
  server: SockhopServer;
  errors: unknown[];
  peer: RawPeer;
  sock: RawPeer["socket"];
}

/**
 * Runs `fn` on the echo server with one raw peer connected, asserts that
 * no crash escaped meanwhile, then closes the peer and the server.
 */
async function withFedServer(fn: (t: Fed) => Promise<void>): Promise<void> {
  const crashes = watchCrashes();
  const { server, errors } = await echoServer();
  const peer = await rawClient(server.port);
  try {
    await fn({ server, errors, peer, sock: peer.socket });
    assert.deepEqual(crashes.escaped, []);
  } finally {
    crashes.stop();
    await peer.close();
    await server.close();
  }
}

/** A well-behaved client checks the server end to end. */
async function assertServes(port: number): Promise<void> {
  const client = new SockhopClient({ port });
  try {
    await client.connect();
    const answer = new Promise((resolve) =>
      client.send({ hello: "after" }, (data) => resolve(data))
    );
    assert.deepEqual(await answer, { hello: "after" });
    const stream = await client.request({ q: 42 });
    assert.deepEqual((await stream.next()).data, { q: 42 });
  } finally {
    await client.disconnect();
  }
}

function ping(id: string): string {
  return JSON.stringify({
    type: "SockhopPing",
    data: { _id: id, _created: new Date(), _returned: null, _finished: null },
  }) + "\n";
}

describe("a live server fed hostile input", () => {
  it("survives random frames and byte soup from raw peers cut anywhere and ended or reset, and keeps serving", async () => {
    const crashes = watchCrashes();
    const { server, errors } = await echoServer();
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(envelope(), fc.nat()), { maxLength: 10 }),
          soup,
          fc.array(fc.nat(), { maxLength: 5 }),
          fc.constantFrom("end", "destroy", "reset"),
          async (frames, junk, offsets, ending) => {
            const peer = await rawClient(server.port);
            const sock = peer.socket;
            try {
              const texts = frames.map(([f, how]) =>
                hostile(JSON.stringify(f) ?? "null", how)
              );
              const id = `probe-${n++}`;
              const bytes = concat([
                encoder.encode(texts.join("\n") + "\n"),
                junk,
                encoder.encode("\n" + ping(id)),
              ]);
              for (const chunk of cut(bytes, offsets)) {
                sock.write(chunk);
                await sleep(0);
              }
              // The server still reads this connection: it answers a ping.
              await peer.until(
                (f) => f?.type === "SockhopPong" && f.data?._id === id,
              );
            } finally {
              if (ending === "end") sock.end();
              else if (ending === "reset") sock.resetAndDestroy();
              else sock.destroy();
              await peer.waitClosed();
            }
          },
        ),
        { numRuns: 40 },
      );
      await waitFor(() => server.sockets.length === 0, 5000, "the drops");
      await assertServes(server.port);
      for (const e of errors) assert.ok(e instanceof SockhopError, String(e));
      assert.deepEqual(crashes.escaped, []);
      assertNotPolluted();
    } finally {
      crashes.stop();
      await server.close();
    }
  });

  it("reports each malformed envelope as ERR_BAD_DATA and keeps the connection", async () => {
    await withFedServer(async ({ server, errors, peer, sock }) => {
      const bad = [
        { type: "SockhopRequest", data: null },
        { type: "SockhopPing", data: null },
        { type: "SockhopPing", data: { _created: new Date() } },
        { type: "SockhopPong", data: { _id: ["x"] } },
        { type: "SockhopResponsePacket", data: { data: 1, last: true } },
        { type: "Object", data: { a: 1 }, callback_id: 12 },
        { type: "Object", data: { a: 1 }, callback_id: { id: "x" } },
        { type: "Object", data: { a: 1 }, id: { id: "x" } },
        { type: "Object", data: { a: 1 }, id: 99 },
        { type: null, data: {} },
        { data: { no: "type" } },
        "a string",
        [1, 2],
        42,
        null,
      ];
      for (const b of bad) peer.write(b);
      sock.write("this is not json\n");
      sock.write(ping("still-there"));
      await peer.until((f) =>
        f?.type === "SockhopPong" && f.data._id === "still-there"
      );
      await waitFor(() => errors.length === bad.length + 1, 5000, "errors");
      // ObjectBuffer reports a corrupt frame while it cuts a chunk, before
      // the chunk's frames are dispatched (as the original did): compare
      // the codes as a multiset.
      const codes = errors.map((e) => (e as SockhopError).code).sort();
      assert.deepEqual(codes, [
        ...bad.map(() => "ERR_BAD_DATA"),
        "ERR_OBJECTBUFFER_BAD_BUFFER_DATA",
      ]);
      assert.equal(server.sockets.length, 1);
    });
  });

  it("takes the tolerable oddities: packets without last, an id-less answer to nothing; refuses a request whose data is null", async () => {
    await withFedServer(async ({ server, errors, peer, sock }) => {
      await waitFor(() => server.sockets.length === 1, 5000, "registration");
      // A request whose data is null is malformed (a Sockhop peer never
      // sends one): an error event, and no answer.
      peer.write({
        type: "SockhopRequest",
        data: { uuid: "r-null", data: null, type: "Object" },
      });
      await waitFor(() => errors.length === 1, 5000, "the error event");
      const [refused] = errors.splice(0);
      assert.equal((refused as SockhopError).code, "ERR_BAD_DATA");
      // A response stream takes packets without `last` as "more to come".
      const stream = await server.request(server.sockets[0], { q: 1 });
      const req = await peer.until((f) => f?.type === "SockhopRequest");
      const uuid = req.data.uuid;
      peer.write({
        type: "SockhopResponsePacket",
        data: { uuid, type: "Number", data: 1 },
      });
      peer.write({
        type: "SockhopResponsePacket",
        data: { uuid, type: 5, data: 2, last: "yes" },
      });
      peer.write({
        type: "SockhopResponsePacket",
        data: { uuid, data: 3, last: true },
      });
      // ...and one after the end, and one for an unknown uuid: ignored.
      peer.write({
        type: "SockhopResponsePacket",
        data: { uuid, data: 4, last: true },
      });
      peer.write({
        type: "SockhopResponsePacket",
        data: { uuid: "nobody", data: 5, last: true },
      });
      const all = await stream.all();
      assert.deepEqual(all.map((p) => p.data), [1, 2, 3]);
      // An answer to a callback nobody asked for: ignored.
      peer.write({ type: "Object", data: {}, callback_id: "nobody" });
      sock.write(ping("p"));
      await peer.until((f) => f?.type === "SockhopPong");
      assert.deepEqual(errors, []);
      assert.equal(peer.frames.some((f) => f?.data?.uuid === "r-null"), false);
    });
  });

  it("delivers __proto__ and constructor keys as plain data, without polluting any prototype", async () => {
    await withFedServer(async ({ server, errors, peer, sock }) => {
      const got: { data: Record<string, unknown>; type: string }[] = [];
      server.on("receive", (data, meta) => got.push({ data, type: meta.type }));
      const typed: unknown[] = [];
      server.on("receive:__proto__" as "receive", (data) => typed.push(data));
      const requests: unknown[] = [];
      server.on("request", (req) => requests.push(req.data));
      const evil =
        '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"a":1}';
      sock.write(`{"type":"Object","data":${evil},"id":"cb-1"}\n`);
      sock.write(
        `{"__proto__":{"polluted":"yes"},"type":"Object","data":{}}\n`,
      );
      sock.write(`{"type":"__proto__","data":${evil}}\n`);
      sock.write(`{"type":"constructor","data":{"prototype":{}}}\n`);
      sock.write(
        `{"type":"SockhopRequest","data":{"uuid":"r1","type":"__proto__","data":${evil}}}\n`,
      );
      sock.write(
        `{"type":"SockhopPing","data":{"_id":"p","__proto__":{"_id":"q"}}}\n`,
      );
      const answer = await peer.until((f) => f?.callback_id === "cb-1");
      await peer.until((f) => f?.data?.uuid === "r1");
      await peer.until((f) => f?.type === "SockhopPong");
      await waitFor(() => got.length === 4, 5000, "receives");

      assertNotPolluted();
      assert.equal(
        (Object.prototype as Record<string, unknown>).constructor,
        Object,
      );
      const first = got[0].data;
      assert.equal(Object.getPrototypeOf(first), Object.prototype);
      assert.equal(first.a, 1);
      assert.equal(first.polluted, undefined);
      assert.ok(Object.hasOwn(first, "__proto__"));
      assert.deepEqual(Object.keys(first), ["__proto__", "constructor", "a"]);
      // The echo carries the same own keys back.
      assert.deepEqual(Object.keys(answer.data), [
        "__proto__",
        "constructor",
        "a",
      ]);
      assert.deepEqual(got.map((g) => g.type), [
        "Object",
        "Object",
        "__proto__",
        "constructor",
      ]);
      assert.equal(typed.length, 1);
      assert.equal(requests.length, 1);
      assert.equal(
        (requests[0] as Record<string, unknown>).polluted,
        undefined,
      );
      assert.deepEqual(errors, []);
    });
  });
});

describe("a live client fed hostile input by its server", () => {
  it("reports bad frames as coded errors, stays connected and takes the next good message", async () => {
    const crashes = watchCrashes();
    const raw = await new RawServer().listen();
    const client = new SockhopClient({ port: raw.port });
    const errors: unknown[] = [];
    client.on("error", (e) => errors.push(e));
    client.on("receive", (data, meta) => {
      meta.callback?.(data).catch(() => {});
    });
    client.on("request", (req, res) => {
      res.send(req.data).catch(() => {});
    });
    try {
      await client.connect();
      const peer = await raw.peer();
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(envelope(), fc.nat()), { maxLength: 8 }),
          soup,
          fc.array(fc.nat(), { maxLength: 4 }),
          async (frames, junk, offsets) => {
            const texts = frames.map(([f, how]) =>
              hostile(JSON.stringify(f) ?? "null", how)
            );
            const bytes = concat([
              encoder.encode(texts.join("\n") + "\n"),
              junk,
              encoder.encode("\n"),
            ]);
            for (const chunk of cut(bytes, offsets)) {
              peer.socket.write(chunk);
              await sleep(0);
            }
          },
        ),
        { numRuns: 40 },
      );
      let good = false;
      client.on("receive", (data) => {
        if ((data as { good?: unknown })?.good === "marker") good = true;
      });
      peer.write({ type: "Object", data: { good: "marker" } });
      await waitFor(() => good, 5000, "the good message");
      assert.equal(client.connected, true);
      for (const e of errors) assert.ok(e instanceof SockhopError, String(e));
      assert.ok(errors.length > 0);
      assert.deepEqual(crashes.escaped, []);
      assertNotPolluted();
    } finally {
      crashes.stop();
      await client.disconnect();
      await raw.close();
    }
  });
});
