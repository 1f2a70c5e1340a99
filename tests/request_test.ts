/**
 * Requests and streamed responses (PROTOCOL.md §3-4), both directions, over
 * real loopback sockets; raw peers craft packets a Sockhop peer never sends.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  type ResponsePayload,
  SockhopError,
  SockhopRequest,
  SockhopResponseReadableStream,
  SockhopResponseWriteableStream,
} from "../mod.ts";
import { isCode, once, waitFor, withPair } from "./helpers/util.ts";
import { withRawClient, withRawServer } from "./helpers/raw.ts";
import { Channel } from "../src/channel.ts";
import { AsyncQueue } from "../src/async_queue.ts";
import type { Conn } from "../src/transport/types.ts";

class Widget {
  constructor(public name = "gear", public n = 0) {}
}

/** The listener signature both ends use for `request`. */
type Responder = (
  req: SockhopRequest,
  res: SockhopResponseWriteableStream,
) => unknown;

/**
 * Answers `{ n }` with n packets: n-1 `write`s of Widgets, then a `send`
 * of `{ last: n - 1 }`. Writes are not awaited one by one, so many
 * packets share a socket write.
 */
const answerN: Responder = async (req, res) => {
  const { n } = req.data as { n: number };
  const sends: Promise<void>[] = [];
  for (let i = 0; i < n - 1; i++) sends.push(res.write(new Widget("w", i)));
  sends.push(res.send({ last: n - 1 }));
  await Promise.all(sends);
};

/** What a stream emitted: every data event, every end event. */
function watch(stream: SockhopResponseReadableStream) {
  const data: ResponsePayload[] = [];
  const ends: (Error | undefined)[] = [];
  stream.on("data", (d: unknown, type: string) => data.push({ data: d, type }));
  stream.on("end", (err?: Error) => ends.push(err));
  return {
    data,
    ends,
    /** The first end's arguments; made on demand, so no timer is left. */
    get end(): Promise<[Error | undefined]> {
      return ends.length > 0
        ? Promise.resolve([ends[0]])
        : once<[Error | undefined]>(stream, "end");
    },
  };
}

/** What n packets from `answerN` look like to the reader. */
function expected(n: number): ResponsePayload[] {
  const out: ResponsePayload[] = [];
  for (let i = 0; i < n - 1; i++) {
    out.push({ data: { name: "w", n: i }, type: "Widget" });
  }
  out.push({ data: { last: n - 1 }, type: "Object" });
  return out;
}

describe("request / response streams", () => {
  for (const n of [1, 3, 1000]) {
    it(`client -> server, ${n} packet(s): data events in order, one end`, async () => {
      await withPair(async ({ server, client }) => {
        server.on("request", answerN);
        const stream = await client.request({ n });
        assert.ok(stream instanceof SockhopResponseReadableStream);
        assert.equal(stream.ended, false);
        const seen = watch(stream);
        const [err] = await seen.end;
        assert.equal(err, undefined);
        assert.equal(stream.ended, true);
        assert.equal(stream.error, undefined);
        assert.deepEqual(seen.data, expected(n));
        // A later exchange on the same connection: nothing more arrives.
        await (await client.request({ n: 1 })).all();
        assert.equal(seen.ends.length, 1);
        assert.equal(seen.data.length, n);
      });
    });

    it(`server -> client, ${n} packet(s) via server.request`, async () => {
      await withPair(async ({ server, client }) => {
        client.on("request", answerN);
        const stream = await server.request(server.sockets[0], { n });
        const seen = watch(stream);
        const [err] = await seen.end;
        assert.equal(err, undefined);
        assert.equal(stream.ended, true);
        assert.deepEqual(seen.data, expected(n));
        await (await server.request(server.sockets[0], { n: 1 })).all();
        assert.equal(seen.ends.length, 1);
        assert.equal(seen.data.length, n);
      });
    });
  }

  it("server -> client via session.request", async () => {
    await withPair(async ({ server, client }) => {
      client.on("request", answerN);
      const stream = await server.sessions[0].request({ n: 3 });
      assert.deepEqual(await stream.all(), expected(3));
    });
  });

  it("all() resolves to every packet; for await iterates them", async () => {
    await withPair(async ({ server, client }) => {
      server.on("request", answerN);
      const all = await (await client.request({ n: 5 })).all();
      assert.deepEqual(all, expected(5));

      const iterated: ResponsePayload[] = [];
      for await (const { data, type } of await client.request({ n: 5 })) {
        iterated.push({ data, type });
      }
      assert.deepEqual(iterated, expected(5));

      const back: ResponsePayload[] = [];
      client.on("request", answerN);
      const stream = await server.request(server.sockets[0], { n: 4 });
      for await (const packet of stream) back.push(packet);
      assert.deepEqual(back, expected(4));
    });
  });

  it("next() resolves to the first packet and ends the stream", async () => {
    await withPair(async ({ server, client }) => {
      server.on("request", answerN);
      const stream = await client.request({ n: 3 });
      const seen = watch(stream);
      const first = await stream.next();
      assert.deepEqual(first, { data: { name: "w", n: 0 }, type: "Widget" });
      assert.equal(stream.ended, true);
      // Every later packet of that stream has arrived once this one is done.
      assert.deepEqual(
        await (await client.request({ n: 2 })).all(),
        expected(2),
      );
      assert.equal(seen.data.length, 1);
      assert.deepEqual(seen.ends, [undefined]);
      await assert.rejects(stream.next(), isCode("ERR_RESPONSE_SEND"));

      client.on("request", answerN);
      const back = await server.request(server.sockets[0], { n: 1 });
      assert.deepEqual(await back.next(), {
        data: { last: 0 },
        type: "Object",
      });
      assert.equal(back.ended, true);
    });
  });

  it("res.end() sends {} as the last packet", async () => {
    await withPair(async ({ server, client }) => {
      server.on("request", async (_req, res) => {
        await res.write("first");
        await res.end();
      });
      const stream = await client.request("go");
      assert.deepEqual(await stream.all(), [
        { data: "first", type: "String" },
        { data: {}, type: "Object" },
      ]);
    });
  });

  it("any send after the last packet rejects ERR_RESPONSE_SEND", async () => {
    await withPair(async ({ server, client }) => {
      const checked: Promise<void>[] = [];
      server.on("request", (req, res) => {
        checked.push((async () => {
          assert.equal(res.ended, false);
          if (req.data === "send") await res.send("only");
          else await res.end();
          assert.equal(res.ended, true);
          await assert.rejects(res.write("late"), isCode("ERR_RESPONSE_SEND"));
          await assert.rejects(res.send("late"), isCode("ERR_RESPONSE_SEND"));
          await assert.rejects(res.end(), isCode("ERR_RESPONSE_SEND"));
        })());
      });
      const viaSend = await (await client.request("send")).all();
      const viaEnd = await (await client.request("end")).all();
      await Promise.all(checked);
      assert.equal(checked.length, 2);
      // The refused packets never reached the reader.
      assert.deepEqual(await (await client.request("send")).all(), viaSend);
      assert.deepEqual(viaSend, [{ data: "only", type: "String" }]);
      assert.deepEqual(viaEnd, [{ data: {}, type: "Object" }]);
    });
  });

  it("the request event carries (req, res) on the client, (req, res, {socket, session}) on the server", async () => {
    await withPair(async ({ server, client }) => {
      const onServer = once<unknown[]>(server, "request");
      const out = await client.request(new Widget("asked", 7));
      const args = await onServer;
      assert.equal(args.length, 3);
      const [req, res, meta] = args as [
        SockhopRequest,
        SockhopResponseWriteableStream,
        { socket: unknown; session: unknown },
      ];
      assert.ok(req instanceof SockhopRequest);
      assert.equal(req.uuid, out.uuid);
      assert.deepEqual(req.data, { name: "asked", n: 7 });
      assert.equal(req.type, "Widget");
      assert.ok(res instanceof SockhopResponseWriteableStream);
      assert.equal(res.uuid, req.uuid);
      assert.equal(meta.socket, server.sockets[0]);
      assert.equal(meta.session, server.sessions[0]);
      await res.end();
      await out.all();

      const onClient = once<unknown[]>(client, "request");
      const back = await server.request(server.sockets[0], [1, 2]);
      const cargs = await onClient;
      assert.equal(cargs.length, 2);
      const [creq, cres] = cargs as [
        SockhopRequest,
        SockhopResponseWriteableStream,
      ];
      assert.equal(creq.uuid, back.uuid);
      assert.deepEqual(creq.data, [1, 2]);
      assert.equal(creq.type, "Array");
      await cres.send(new Uint8Array([1, 2, 3]));
      const [{ data, type }] = await back.all();
      assert.equal(type, "Buffer");
      assert.ok(data instanceof Uint8Array);
      assert.deepEqual([...data], [1, 2, 3]);
    });
  });

  it("each request gets its own uuid and its own stream", async () => {
    await withPair(async ({ server, client }) => {
      server.on("request", async (req, res) => {
        await res.write(req.data);
        await res.send(req.data);
      });
      const streams = await Promise.all(
        ["a", "b", "c"].map((v) => client.request(v)),
      );
      assert.equal(new Set(streams.map((s) => s.uuid)).size, 3);
      const got = await Promise.all(streams.map((s) => s.all()));
      assert.deepEqual(
        got.map((packets) => packets.map((p) => p.data)),
        [["a", "a"], ["b", "b"], ["c", "c"]],
      );
    });
  });
});

describe("response stream timeouts and teardown", () => {
  it("a per-request timeout ends the stream with ERR_RESPONSE_TIMEOUT", async () => {
    await withPair(async ({ server, client }) => {
      // The server writes one packet and never ends the stream.
      server.on("request", (_req, res) => res.write("partial"));
      const stream = await client.request("slow", { timeout: 50 });
      const seen = watch(stream);
      const [err] = await seen.end;
      assert.ok(isCode("ERR_RESPONSE_TIMEOUT")(err), String(err));
      assert.equal(stream.ended, true);
      assert.equal(stream.error, err);
      assert.deepEqual(seen.data, [{ data: "partial", type: "String" }]);

      // for await throws the timeout; all() resolves with what came.
      const iterated: unknown[] = [];
      await assert.rejects(async () => {
        for await (const p of await client.request("x", { timeout: 50 })) {
          iterated.push(p.data);
        }
      }, isCode("ERR_RESPONSE_TIMEOUT"));
      assert.deepEqual(iterated, ["partial"]);
      const s3 = await client.request("y", { timeout: 50 });
      assert.deepEqual(await s3.all(), [{ data: "partial", type: "String" }]);
      assert.ok(isCode("ERR_RESPONSE_TIMEOUT")(s3.error));
    });
  });

  it("next() rejects with the timeout when nothing comes", async () => {
    await withPair(async ({ client }) => {
      const stream = await client.request("nobody answers", { timeout: 50 });
      await assert.rejects(stream.next(), isCode("ERR_RESPONSE_TIMEOUT"));
    });
  });

  it("the client's response_timeout option applies to requests without a timeout", async () => {
    await withPair({}, { response_timeout: 50 }, async ({ client }) => {
      const stream = await client.request("unanswered");
      const [err] = await once<[Error]>(stream, "end");
      assert.ok(isCode("ERR_RESPONSE_TIMEOUT")(err), String(err));
    });
  });

  it("the server's response_timeout and per-request timeout apply to server.request", async () => {
    await withPair({ response_timeout: 50 }, async ({ server }) => {
      const byOption = await server.request(server.sockets[0], "unanswered");
      const byConfig = await server.request(server.sockets[0], "x", {
        timeout: 60,
      });
      const [[e1], [e2]] = await Promise.all([
        once<[Error]>(byOption, "end"),
        once<[Error]>(byConfig, "end"),
      ]);
      assert.ok(isCode("ERR_RESPONSE_TIMEOUT")(e1), String(e1));
      assert.ok(isCode("ERR_RESPONSE_TIMEOUT")(e2), String(e2));
    });
  });

  it("a per-request timeout overrides response_timeout", async () => {
    await withPair({}, {
      response_timeout: 60_000,
    }, async ({ server, client }) => {
      let answer!: SockhopResponseWriteableStream;
      server.on("request", (req, res) => {
        if (req.data === "late") answer = res;
      });
      const late = await client.request("late", { timeout: 40 });
      const [err] = await once<[Error]>(late, "end");
      assert.ok(isCode("ERR_RESPONSE_TIMEOUT")(err));
      // An answer after the timeout is dropped: the stream stays ended once.
      const seen = watch(late);
      await answer.send("too late");
      const check = await client.request("check", { timeout: 40 });
      await once(check, "end");
      assert.deepEqual(seen.data, []);
      assert.deepEqual(seen.ends, []);
    });
  });

  it("a stream that ended in time is not ended again by its timer", async () => {
    await withPair(async ({ server, client }) => {
      server.on("request", (req, res) => {
        if (req.data === "fast") res.send("done");
      });
      const fast = await client.request("fast", { timeout: 40 });
      const seen = watch(fast);
      await seen.end;
      // A longer unanswered request: once it times out, fast's timer is past.
      const sentinel = await client.request("sentinel", { timeout: 80 });
      await once(sentinel, "end");
      assert.deepEqual(seen.ends, [undefined]);
      assert.equal(fast.error, undefined);
    });
  });

  it("closing the connection ends every open stream on it with an error", async () => {
    await withPair(async ({ server, client }) => {
      const held: SockhopResponseWriteableStream[] = [];
      server.on("request", (_req, res) => held.push(res));
      const a = await client.request("a");
      const b = await client.request("b");
      const ends = Promise.all([
        once<[Error]>(a, "end"),
        once<[Error]>(b, "end"),
      ]);
      await waitFor(() => held.length === 2, 5000, "both requests");
      await server.kill_socket(server.sockets[0]);
      for (const [err] of await ends) {
        assert.ok(err instanceof SockhopError, String(err));
      }
      assert.equal(a.ended && b.ended, true);
      // The responder's stream cannot answer on a dead connection.
      await assert.rejects(held[0].send("too late"), SockhopError);
    });
  });

  it("a client leaving ends the server's open streams to it with an error", async () => {
    await withPair(async ({ server, client }) => {
      const got = once(client, "request");
      const s1 = await server.request(server.sockets[0], 1);
      const s2 = await server.sessions[0].request(2);
      await got;
      const ends = Promise.all([
        once<[Error]>(s1, "end"),
        once<[Error]>(s2, "end"),
      ]);
      await client.disconnect();
      for (const [err] of await ends) {
        assert.ok(err instanceof SockhopError, String(err));
      }
      await assert.rejects(s1.next(), SockhopError);
    });
  });
});

describe("requests against raw peers", () => {
  it("the server ignores response packets for unknown uuids", async () => {
    await withRawClient(async ({ server, raw }) => {
      const errors: unknown[] = [];
      server.on("error", (e) => errors.push(e));
      if (server.sockets.length === 0) await once(server, "connect");
      const stream = await server.request(server.sockets[0], { q: 1 });
      const frame = await raw.until((f) => f.type === "SockhopRequest");
      assert.deepEqual(Object.keys(frame), ["type", "data"]);
      assert.deepEqual(Object.keys(frame.data), ["uuid", "data", "type"]);
      assert.equal(frame.data.uuid, stream.uuid);
      assert.deepEqual(frame.data.data, { q: 1 });
      assert.equal(frame.data.type, "Object");
      const packet = (uuid: string, data: unknown, last: boolean) => ({
        type: "SockhopResponsePacket",
        data: {
          uuid,
          type: typeof data === "string" ? "String" : "Object",
          data,
          last,
        },
      });
      raw.write(packet(crypto.randomUUID(), "bogus", true));
      raw.write(packet(stream.uuid, "one", false));
      raw.write(packet(crypto.randomUUID(), "bogus", false));
      raw.write(packet(stream.uuid, "two", true));
      raw.write(packet(stream.uuid, "after the end", true));
      assert.deepEqual(await stream.all(), [
        { data: "one", type: "String" },
        { data: "two", type: "String" },
      ]);
      // The connection carries on.
      const got = once(server, "receive");
      raw.write({ type: "String", data: "still here" });
      assert.equal((await got)[0], "still here");
      assert.equal(server.sockets.length, 1);
      assert.deepEqual(errors, []);
    });
  });

  it("the client ignores response packets for unknown uuids, and writes packets in the wire order", async () => {
    await withRawServer(async ({ client, peer }) => {
      const errors: unknown[] = [];
      client.on("error", (e) => errors.push(e));
      const stream = await client.request("q");
      const req = await peer.until((f) => f.type === "SockhopRequest");
      assert.equal(req.data.uuid, stream.uuid);
      peer.write({
        type: "SockhopResponsePacket",
        data: {
          uuid: crypto.randomUUID(),
          type: "String",
          data: "x",
          last: true,
        },
      });
      peer.write({
        type: "SockhopResponsePacket",
        data: { uuid: stream.uuid, type: "String", data: "real", last: true },
      });
      assert.deepEqual(await stream.all(), [{ data: "real", type: "String" }]);

      // Our responder's packets, as the raw peer sees them.
      client.on("request", async (_req, res) => {
        await res.write(new Widget());
        await res.end();
      });
      const uuid = crypto.randomUUID();
      peer.write({
        type: "SockhopRequest",
        data: { uuid, data: { want: 1 }, type: "Object" },
      });
      const last = await peer.until((f) =>
        f.type === "SockhopResponsePacket" && f.data.last === true
      );
      const packets = peer.ofType("SockhopResponsePacket");
      assert.equal(packets.length, 2);
      assert.deepEqual(Object.keys(packets[0].data), [
        "uuid",
        "type",
        "data",
        "last",
      ]);
      assert.deepEqual(packets[0].data, {
        uuid,
        type: "Widget",
        data: { name: "gear", n: 0 },
        last: false,
      });
      assert.deepEqual(last.data, {
        uuid,
        type: "Object",
        data: {},
        last: true,
      });
      assert.equal(client.connected, true);
      assert.deepEqual(errors, []);
    });
  });
});

describe("requests need peer_type Sockhop", () => {
  it("rejects ERR_REQUEST_TYPE on a json client and a json server", async () => {
    await withPair({ peer_type: "json" }, {
      peer_type: "json",
    }, async ({ server, client }) => {
      await assert.rejects(
        client.request({ a: 1 }),
        isCode("ERR_REQUEST_TYPE"),
      );
      await assert.rejects(
        server.request(server.sockets[0], { a: 1 }),
        isCode("ERR_REQUEST_TYPE"),
      );
      await assert.rejects(
        server.sessions[0].request({ a: 1 }),
        isCode("ERR_REQUEST_TYPE"),
      );
    });
  });
});

describe("answers that arrive before the request's write resolves", () => {
  // Node's TLS socket can deliver the answer before the request's write
  // callback (seen with Deno and original peers): the stream handed back by
  // request() must still carry every packet, not end empty.
  it("keeps them for the caller of request()", async () => {
    const incoming = new AsyncQueue<Uint8Array>();
    const addr = { transport: "tcp", hostname: "127.0.0.1", port: 1 } as const;
    const conn: Conn = {
      localAddr: addr,
      remoteAddr: addr,
      readable: incoming,
      write(bytes) {
        // Answer first (read and dispatched within this turn's
        // microtasks), resolve the write only on a later macrotask.
        for (const line of new TextDecoder().decode(bytes).split("\n")) {
          if (!line) continue;
          const { uuid } = JSON.parse(line).data;
          for (const [data, last] of [[{ i: 0 }, false], ["end", true]]) {
            const pkt = {
              uuid,
              type: typeof data === "string" ? "String" : "Object",
              data,
              last,
            };
            incoming.push(new TextEncoder().encode(
              JSON.stringify({ type: "SockhopResponsePacket", data: pkt }) +
                "\n",
            ));
          }
        }
        return new Promise((resolve) => setTimeout(resolve, 0));
      },
      close: () => incoming.end(),
    };
    const channel = new Channel(conn, {
      peer_type: "Sockhop",
      terminator: "\n",
      allow_non_objects: false,
      response_timeout: 5000,
    }, {
      receive() {},
      request() {},
      error() {},
      closed() {},
    });
    const done = channel.start();
    try {
      const stream = await channel.request({ ask: 1 });
      assert.deepEqual(await stream.all(), [
        { data: { i: 0 }, type: "Object" },
        { data: "end", type: "String" },
      ]);
      const first = await (await channel.request({ ask: 2 })).next();
      assert.deepEqual(first, { data: { i: 0 }, type: "Object" });
    } finally {
      channel.close();
      await done;
    }
  });
});
