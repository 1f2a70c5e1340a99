/**
 * Hardening, pure layer: property-based fuzzing of everything a peer's bytes
 * reach before user code. Random bytes and chunkings into ObjectBuffer,
 * random JSON values into classify(), random and malformed envelopes
 * through a Channel's dispatch. Nothing may throw; bad input becomes
 * `error` events carrying a SockhopError code, and the stream goes on.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ObjectBuffer, SockhopError } from "../mod.ts";
import type { Conn, SockhopErrorCode } from "../mod.ts";
import {
  assertNotPolluted,
  cut,
  envelope,
  hostile,
  soup,
} from "./helpers/fuzz.ts";
import { classify, type Envelope, whyInvalid } from "../src/wire/envelope.ts";
import { Channel } from "../src/channel.ts";
import type { ChannelOptions } from "../src/types.ts";

const RUNS = { numRuns: 200 };
const encoder = new TextEncoder();

const OB_CODES: SockhopErrorCode[] = [
  "ERR_OBJECTBUFFER_BAD_BUFFER_DATA",
  "ERR_MESSAGE_TOO_LARGE",
];

const terminators = fc.constantFrom<string | [string, string]>(
  "\n",
  "\r\n",
  "\u00a7\u00a7",
  ["\n", "\r\n"],
  "}",
);

describe("fuzz: ObjectBuffer never throws", () => {
  it("takes random bytes in random chunks with any options, reports only coded errors, and decodes a valid frame sent after the garbage", () => {
    fc.assert(
      fc.property(
        soup,
        fc.array(fc.nat(), { maxLength: 8 }),
        terminators,
        fc.boolean(),
        fc.constantFrom(undefined, 1, 8, 64, 4096),
        fc.jsonValue({ maxDepth: 2 }),
        (bytes, offsets, terminator, allowNonObjects, max, value) => {
          const ob = new ObjectBuffer({
            terminator,
            allow_non_objects: allowNonObjects,
            max_message_bytes: max,
          });
          const errors: unknown[] = [];
          ob.on("error", (e) => errors.push(e));
          const rx = Array.isArray(terminator) ? terminator[0] : terminator;
          for (const chunk of cut(bytes, offsets)) {
            const got = ob.buf2obj(chunk);
            assert.ok(Array.isArray(got));
          }
          for (const e of errors) {
            assert.ok(e instanceof SockhopError);
            assert.ok(OB_CODES.includes(e.code), e.code);
          }
          // Recovery: after a terminator, a good frame (under the limit,
          // not containing the terminator) comes through. The garbage may
          // have ended in half a UTF-8 character that eats our first
          // byte, so resynchronise with an ASCII separator frame first.
          const json = JSON.stringify({ v: value });
          if (json.includes(rx) || (max !== undefined && json.length > max)) {
            return;
          }
          ob.buf2obj(encoder.encode(`${rx}0${rx}`));
          const out = ob.buf2obj(encoder.encode(json + rx));
          assert.deepEqual(out.at(-1), JSON.parse(json));
        },
      ),
      RUNS,
    );
  });

  it("reports a non-Uint8Array chunk of any kind as ERR_OBJECTBUFFER_BAD_BUFFER", () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        const ob = new ObjectBuffer();
        const codes: string[] = [];
        ob.on("error", (e: SockhopError) => codes.push(e.code));
        assert.deepEqual(ob.buf2obj(junk as Uint8Array), []);
        assert.deepEqual(codes, ["ERR_OBJECTBUFFER_BAD_BUFFER"]);
      }),
      RUNS,
    );
  });
});

describe("fuzz: classify never throws", () => {
  it("classifies any value into a kind whose fields have the types the channel trusts", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything({ withNullPrototype: true, withObjectString: true }),
          fc.jsonValue(),
          envelope(),
        ),
        (frame) => {
          const kind = classify(frame);
          if (kind === "invalid") {
            assert.equal(typeof whyInvalid(frame), "string");
            return;
          }
          // Every other kind is an Envelope with the fields its kind needs.
          const m = frame as Envelope & { data: Record<string, unknown> };
          assert.equal(typeof m.type, "string");
          switch (kind) {
            case "ping":
            case "pong":
              assert.equal(typeof m.data._id, "string");
              break;
            case "request":
            case "response":
              assert.equal(typeof m.data.uuid, "string");
              break;
            case "answer":
              assert.equal(typeof m.callback_id, "string");
              break;
            case "message":
              assert.ok(m.id === undefined || typeof m.id === "string");
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

/** A connection fed from a list of chunks, recording what is written. */
function memConn(): Conn & { written: string[]; feed(c: Uint8Array[]): void } {
  const decoder = new TextDecoder();
  const written: string[] = [];
  let chunks: Uint8Array[] = [];
  let release!: () => void;
  const ready = new Promise<void>((r) => (release = r));
  return {
    localAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 2 },
    readable: (async function* () {
      await ready;
      yield* chunks;
    })(),
    written,
    feed(c) {
      chunks = c;
      release();
    },
    write(bytes: Uint8Array): Promise<void> {
      written.push(decoder.decode(bytes));
      return Promise.resolve();
    },
    close() {},
  };
}

const PEER_OPTS: ChannelOptions = {
  peer_type: "Sockhop",
  terminator: "\n",
  allow_non_objects: false,
  response_timeout: 60_000,
};

/**
 * Runs a channel over `frames` (JSON texts) cut at `offsets`, with an open
 * request and an open remote callback whose ids replace "$REQ" and "$CB",
 * and handlers that answer everything. Returns the errors reported.
 */
async function runChannel(
  texts: string[],
  offsets: number[],
  opts: ChannelOptions = PEER_OPTS,
): Promise<{ errors: unknown[]; written: string[] }> {
  const conn = memConn();
  const errors: unknown[] = [];
  const answers: Promise<unknown>[] = [];
  const channel: Channel = new Channel(conn, opts, {
    receive(data, _type, callback) {
      if (callback) answers.push(callback(data).catch((e: unknown) => e));
    },
    request(req, res) {
      answers.push(res.send(req.data).catch((e) => e));
    },
    error: (e) => errors.push(e),
    closed() {},
  });
  let reqId = "none";
  let cbId = "none";
  if (opts.peer_type === "Sockhop") {
    const stream = await channel.request({ q: 1 });
    stream.on("data", () => {});
    stream.on("end", () => {});
    await channel.send({ ask: 1 }, () => {});
    const sent = conn.written.join("").split("\n").slice(0, -1)
      .map((l) => JSON.parse(l));
    reqId = sent[0].data.uuid;
    cbId = sent[1].id;
  }
  const text = texts
    .map((t) => t.replaceAll('"$REQ"', `"${reqId}"`))
    .map((t) => t.replaceAll('"$CB"', `"${cbId}"`))
    .join("\n") + "\n";
  conn.feed(cut(encoder.encode(text), offsets));
  await channel.start();
  await Promise.all(answers);
  return { errors, written: conn.written };
}

describe("fuzz: a channel's dispatch never throws", () => {
  it("handles random and malformed envelopes, cut anywhere: only coded errors, every write is valid JSON, no prototype pollution", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(envelope(), fc.nat()), { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (frames, offsets) => {
          const texts = frames.map(([f, how]) =>
            hostile(JSON.stringify(f) ?? "null", how)
          );
          const { errors, written } = await runChannel(texts, offsets);
          for (const e of errors) {
            assert.ok(e instanceof SockhopError, String(e));
          }
          for (const w of written.join("").split("\n").slice(0, -1)) {
            JSON.parse(w); // throws if the channel wrote bad JSON
          }
          assertNotPolluted();
        },
      ),
      { numRuns: 150 },
    );
  });

  it("handles random JSON values and random text in json mode and with allow_non_objects", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
            fc.string({ unit: "binary", maxLength: 30 }).filter((s) =>
              !s.includes("\n")
            ),
          ),
          { maxLength: 10 },
        ),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom<ChannelOptions>(
          { ...PEER_OPTS, peer_type: "json" },
          { ...PEER_OPTS, peer_type: "json", allow_non_objects: true },
          { ...PEER_OPTS, allow_non_objects: true },
        ),
        async (texts, offsets, opts) => {
          const { errors } = await runChannel(texts, offsets, opts);
          for (const e of errors) {
            assert.ok(e instanceof SockhopError, String(e));
          }
          assertNotPolluted();
        },
      ),
      { numRuns: 150 },
    );
  });

  it("reports each specific malformed envelope as ERR_BAD_DATA and goes on", async () => {
    const bad = [
      { type: "SockhopPing" },
      { type: "SockhopPing", data: null },
      { type: "SockhopPing", data: { _created: "x" } },
      { type: "SockhopPong", data: { _id: 5 } },
      { type: "SockhopRequest", data: null },
      { type: "SockhopRequest", data: { uuid: { a: 1 } } },
      { type: "SockhopResponsePacket", data: [] },
      { type: "Object", data: {}, callback_id: 42 },
      { type: "Object", data: {}, callback_id: null },
      { type: "Object", data: {}, id: { uuid: "x" } },
      { type: 7, data: {} },
      { data: {} },
      [1, 2, 3],
    ];
    const { errors } = await runChannel(
      bad.map((b) => JSON.stringify(b)),
      [],
    );
    assert.equal(errors.length, bad.length);
    for (const e of errors) {
      assert.ok(e instanceof SockhopError && e.code === "ERR_BAD_DATA");
    }
  });

  it("accepts the tolerable oddities: request data {}, a packet without last, a ping without _created", async () => {
    const { errors, written } = await runChannel([
      JSON.stringify({
        type: "SockhopRequest",
        data: { uuid: "u1", data: {} },
      }),
      JSON.stringify({
        type: "SockhopResponsePacket",
        data: { uuid: "$REQ", data: 1 },
      }),
      JSON.stringify({ type: "SockhopPing", data: { _id: "p1" } }),
    ], []);
    assert.deepEqual(errors, []);
    const out = written.join("").split("\n").slice(0, -1).map((l) =>
      JSON.parse(l)
    );
    const answer = out.find((f) => f.type === "SockhopResponsePacket");
    assert.deepEqual(answer.data, {
      uuid: "u1",
      type: "Object",
      data: {},
      last: true,
    });
    const pong = out.find((f) => f.type === "SockhopPong");
    assert.equal(pong.data._id, "p1");
    assert.equal(pong.data._created, null);
  });
});
