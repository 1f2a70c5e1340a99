/**
 * The 2.x binary frame codec (src/wire/binary_frame.ts): byte-exact with
 * the REAL sockhop 2.1.0 ObjectBuffer both ways (run in a Node child,
 * tests/fixtures/frames2.mjs), bounded and crash-free on hostile input, and
 * FrameDecoder.decodeUntil, which hands the bytes after a JSON frame to
 * the binary decoder at the frame boundary.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { SockhopError, type SockhopErrorCode } from "../src/errors.ts";
import {
  BINARY_HEADER_BYTES,
  BinaryFrameDecoder,
  type BinaryMessage,
  encodeBinaryFrame,
  encodeBinaryFrameParts,
} from "../src/wire/binary_frame.ts";
import { FrameDecoder } from "../src/wire/framing.ts";
import { BINARY_TX } from "../src/wire/binary_tx.ts";
import type { Conn } from "../src/transport/types.ts";
import { WriteQueue } from "../src/write_queue.ts";
import { concat, cut, soup } from "./helpers/fuzz.ts";
import { sockhop2Dir } from "./helpers/peers_dir.ts";
import { patternBytes } from "./helpers/peer2_process.ts";
import { runCommand } from "./helpers/run_command.ts";
import { nodeCommand, repoRoot, tempDir } from "./helpers/util.ts";

const encoder = new TextEncoder();
const RUNS = { numRuns: 200 };
const UUID = "0f8fad5b-d9cb-469f-a165-70867728950e";

const hex = (b: Uint8Array) =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s: string) =>
  new Uint8Array(s.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
const base64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const pattern = patternBytes;

/** Decodes `chunks` in order; the messages and the errors' codes. */
function decodeAll(
  chunks: Uint8Array[],
  max = 1 << 20,
): { messages: BinaryMessage[]; codes: SockhopErrorCode[] } {
  const messages: BinaryMessage[] = [];
  const codes: SockhopErrorCode[] = [];
  const d = new BinaryFrameDecoder({ max_message_bytes: max }, (m) => {
    messages.push(m);
  }, (e) => {
    assert.ok(e instanceof SockhopError);
    codes.push(e.code);
  });
  for (const c of chunks) d.push(c);
  return { messages, codes };
}

/** Our message, and 2.1's schema name and object for the same message. */
interface Case {
  ours: BinaryMessage;
  name: string;
  theirs: Record<string, unknown>;
}

function jsonCase(
  type: string,
  data: unknown,
  form: "" | "request" | "response" = "",
  cb = UUID,
): Case {
  const ours: BinaryMessage = { kind: "json", type, data };
  const theirs: Record<string, unknown> = { type, data };
  if (form === "request") ours.id = cb;
  if (form === "response") ours.callback_id = cb;
  if (form !== "") theirs.callback_id = cb;
  return {
    ours,
    name: "sockhop:json" + (form ? `:callback:${form}` : ""),
    theirs,
  };
}

function bytesCase(
  type: string,
  bytes: Uint8Array,
  form: "" | "request" | "response" = "",
): Case {
  const ours: BinaryMessage = { kind: "bytes", type, bytes };
  const theirs: Record<string, unknown> = {
    type,
    data: { base64: base64(bytes) },
  };
  if (form === "request") ours.id = UUID;
  if (form === "response") ours.callback_id = UUID;
  if (form !== "") theirs.callback_id = UUID;
  return {
    ours,
    name: "sockhop:buffer" + (form ? `:callback:${form}` : ""),
    theirs,
  };
}

const CASES: Case[] = [
  jsonCase("Widget", { a: 1 }),
  jsonCase("String", "h\u00e9llo\n\u{1F600}"),
  jsonCase("Object", { x: [1, 2, { y: null }] }, "request"),
  jsonCase("Object", { allow_binary_mode: true }, "response"),
  jsonCase("Number", 0),
  jsonCase("Boolean", false),
  jsonCase("Null", null),
  jsonCase("Array", [1, "two", [3]]),
  jsonCase("\u00e9".repeat(127) + "x", 1), // a type of exactly 255 bytes
  jsonCase("", "an empty type"),
  jsonCase("Object", {}, "response", "abc"), // a short id: NUL-padded
  bytesCase("Buffer", new Uint8Array([0, 1, 2, 255])),
  bytesCase("image/png", pattern(300), "request"),
  bytesCase("Buffer", pattern(10), "response"),
  bytesCase("Buffer", new Uint8Array(0)),
  bytesCase("Buffer", pattern(100_000)), // sent in pieces, not copied
  bytesCase("raw", pattern(70_000), "response"),
];

interface Frames2Result {
  frames: (string | null)[];
  decoded: { msg_id: number; name: string; obj: Record<string, unknown> }[];
  errors: { code: string; message: string }[];
}

let scratch: { dir: string; cleanup: () => void };
let jobs = 0;

/** Runs 2.1's ObjectBuffer on a job (tests/fixtures/frames2.mjs). */
async function frames2(job: {
  encode?: [string, Record<string, unknown>][];
  decode?: string;
}): Promise<Frames2Result> {
  const path = join(scratch.dir, `job${jobs++}.json`);
  writeFileSync(path, JSON.stringify(job));
  const fixture = join(repoRoot(), "tests", "fixtures", "frames2.mjs");
  const run = await runCommand(nodeCommand(), [fixture, sockhop2Dir(), path], {
    cwd: repoRoot(),
    timeout: 30_000,
  });
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

describe("binary frames: byte-exact with the real sockhop 2.1.0", () => {
  before(() => {
    scratch = tempDir();
  });
  after(() => scratch.cleanup());

  it("encodes the captured frame 12000000 0a 06'Widget' 07000000'{\"a\":1}'", () => {
    const frame = encodeBinaryFrame({
      kind: "json",
      type: "Widget",
      data: { a: 1 },
    });
    assert.equal(
      hex(frame),
      "120000000a" + "06" + hex(encoder.encode("Widget")) + "07000000" +
        hex(encoder.encode('{"a":1}')),
    );
  });

  it("encodes every message kind and form to the bytes 2.1's ObjectBuffer makes", async () => {
    const theirs = await frames2({
      encode: CASES.map((c) => [
        c.name,
        // 2.1 is given the large buffers as a pattern, not as base64.
        c.ours.kind === "bytes" && c.ours.bytes.length > 1000
          ? { ...c.theirs, data: { pattern: c.ours.bytes.length } }
          : c.theirs,
      ]),
    });
    assert.deepEqual(theirs.errors, []);
    CASES.forEach((c, i) => {
      assert.equal(hex(encodeBinaryFrame(c.ours)), theirs.frames[i], c.name);
      assert.equal(
        hex(concat(encodeBinaryFrameParts(c.ours))),
        theirs.frames[i],
      );
    });
  });

  it("writes frames that 2.1's ObjectBuffer decodes to the same messages", async () => {
    const all = concat(CASES.map((c) => encodeBinaryFrame(c.ours)));
    const theirs = await frames2({ decode: hex(all) });
    assert.deepEqual(theirs.errors, []);
    assert.deepEqual(
      theirs.decoded.map((d) => [d.name, d.obj]),
      CASES.map((c) => [c.name, c.theirs]),
    );
  });

  it("decodes 2.1's frames to our messages, whole and cut byte by byte", async () => {
    const theirs = await frames2({
      encode: CASES.filter((c) =>
        c.ours.kind === "json" || c.ours.bytes.length < 1000
      )
        .map((c) => [c.name, c.theirs]),
    });
    const expected = CASES.filter((c) =>
      c.ours.kind === "json" || c.ours.bytes.length < 1000
    ).map((c) => c.ours);
    const stream = concat(theirs.frames.map((f) => unhex(f!)));
    const whole = decodeAll([stream]);
    assert.deepEqual(whole.codes, []);
    assert.deepEqual(whole.messages, expected);
    const bytewise = decodeAll(cut(stream, [...stream.keys()]));
    assert.deepEqual(bytewise.messages, expected);
  });

  it("refuses, with ERR_BAD_DATA, exactly what 2.1 cannot encode: undefined data, a type over 255 bytes, an id over 36", async () => {
    const bad: [BinaryMessage, string, Record<string, unknown>][] = [
      [{ kind: "json", type: "Object", data: undefined }, "sockhop:json", {
        type: "Object",
      }],
      [{ kind: "json", type: "x".repeat(256), data: 1 }, "sockhop:json", {
        type: "x".repeat(256),
        data: 1,
      }],
      [
        { kind: "json", type: "Object", data: 1, id: UUID + "x" },
        "sockhop:json:callback:request",
        { type: "Object", data: 1, callback_id: UUID + "x" },
      ],
    ];
    const theirs = await frames2({ encode: bad.map(([, n, o]) => [n, o]) });
    assert.deepEqual(theirs.frames, [null, null, null]);
    for (const [msg] of bad) {
      assert.throws(
        () => encodeBinaryFrame(msg),
        (e) => e instanceof SockhopError && e.code === "ERR_BAD_DATA",
      );
    }
  });
});

describe("binary frames: what else encoding refuses", () => {
  const refuses = (msg: unknown) =>
    assert.throws(
      () => encodeBinaryFrame(msg as BinaryMessage),
      (e) => e instanceof SockhopError && e.code === "ERR_BAD_DATA",
    );

  it("refuses a cycle, a BigInt, a function, both ids, an empty id, a NUL in an id, bytes that are not bytes, an unknown kind", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    refuses({ kind: "json", type: "Object", data: cycle });
    refuses({ kind: "json", type: "Object", data: 1n });
    refuses({ kind: "json", type: "Object", data: () => 1 });
    refuses({ kind: "json", type: "A", data: 1, id: UUID, callback_id: UUID });
    refuses({ kind: "json", type: "A", data: 1, id: "" });
    refuses({ kind: "json", type: "A", data: 1, callback_id: "a\0b" });
    refuses({ kind: "bytes", type: "Buffer", bytes: [1, 2] });
    refuses({ kind: "text", type: "A", data: 1 });
    refuses({ kind: "json", type: 5, data: 1 });
  });
});

describe("BinaryFrameDecoder", () => {
  const frame = (m: BinaryMessage) => encodeBinaryFrame(m);
  const widget: BinaryMessage = { kind: "json", type: "Widget", data: 7 };

  it("rejects an oversized frame from its header, before keeping any of it, and stops", () => {
    const errors: SockhopError[] = [];
    const got: BinaryMessage[] = [];
    const d = new BinaryFrameDecoder(
      { max_message_bytes: 100 },
      (m) => got.push(m),
      (e) => errors.push(e),
    );
    d.push(frame(widget));
    const head = new Uint8Array([101, 0, 0, 0, 13]);
    d.push(head.subarray(0, 2));
    assert.equal(errors.length, 0);
    d.push(head.subarray(2));
    assert.deepEqual(errors.map((e) => e.code), ["ERR_MESSAGE_TOO_LARGE"]);
    assert.equal(d.stopped, true);
    assert.equal(d.pendingBytes, 0);
    d.push(pattern(1000));
    d.push(frame(widget));
    assert.equal(errors.length, 1);
    assert.deepEqual(got, [widget]);
    d.reset();
    d.push(frame(widget));
    assert.deepEqual(got, [widget, widget]);
  });

  it("takes a frame of exactly max_message_bytes, also when its header says 4 GiB - 1 is too much", () => {
    const bytes = pattern(100 - 1 - 6 - 4);
    const m: BinaryMessage = { kind: "bytes", type: "Buffer", bytes };
    assert.equal(frame(m).length, BINARY_HEADER_BYTES + 100);
    assert.deepEqual(decodeAll([frame(m)], 100).messages, [m]);
    const huge = new Uint8Array([0xff, 0xff, 0xff, 0xff, 13]);
    assert.deepEqual(decodeAll([huge], 100).codes, ["ERR_MESSAGE_TOO_LARGE"]);
  });

  it("skips a frame with an unknown message id, as 2.1 does, and goes on", () => {
    const unknown = new Uint8Array([3, 0, 0, 0, 16, 1, 2, 3]);
    for (
      const chunks of [[unknown, frame(widget)], [
        concat([unknown, frame(widget)]),
      ]]
    ) {
      const { messages, codes } = decodeAll(chunks);
      assert.deepEqual(codes, ["ERR_OBJECTBUFFER_NO_SCHEMA"]);
      assert.deepEqual(messages, [widget]);
    }
    // Its payload is dropped as it comes, never held.
    const d = new BinaryFrameDecoder(
      { max_message_bytes: 1 << 20 },
      () => {},
      () => {},
    );
    d.push(new Uint8Array([0, 0, 1, 0, 9]));
    d.push(pattern(1000));
    assert.equal(d.pendingBytes, 0);
  });

  it("reports each malformed payload as ERR_OBJECTBUFFER_DESERIALIZE_FAILED and goes on", () => {
    const payloads: [number, number[]][] = [
      [10, []], // empty
      [10, [5, 65]], // type longer than the payload
      [10, [1, 65, 9, 0, 0]], // data length cut
      [10, [1, 65, 9, 0, 0, 0, 49]], // data longer than the payload
      [10, [1, 65, 2, 0, 0, 0, 123, 123]], // data that is not JSON
      [10, [1, 65, 0, 0, 0, 0]], // empty JSON
      [11, [1, 65, 1, 0, 0, 0, 49, 97, 98]], // callback id cut
      [15, [1, 65, 1, 0, 0, 0, 49]], // callback id missing
    ];
    for (const [id, payload] of payloads) {
      const bad = concat([
        new Uint8Array([payload.length, 0, 0, 0, id]),
        new Uint8Array(payload),
      ]);
      for (
        const chunks of [
          [concat([bad, frame(widget)])],
          cut(concat([bad, frame(widget)]), [3, 7]),
        ]
      ) {
        const { messages, codes } = decodeAll(chunks);
        assert.deepEqual(
          codes,
          ["ERR_OBJECTBUFFER_DESERIALIZE_FAILED"],
          `${id} ${payload}`,
        );
        assert.deepEqual(messages, [widget]);
      }
    }
  });

  it("ignores bytes after a payload's last field, as 2.1 does", () => {
    const f = frame(widget);
    const longer = concat([f, new Uint8Array([1, 2, 3])]);
    longer[0] += 3;
    assert.deepEqual(decodeAll([longer, f]).messages, [widget, widget]);
  });

  it("strips a callback id's NUL padding", () => {
    const m: BinaryMessage = { kind: "json", type: "A", data: 1, id: "short" };
    const f = frame(m);
    assert.equal(f.length, BINARY_HEADER_BYTES + 2 + 4 + 1 + 36);
    assert.deepEqual(decodeAll([f]).messages, [m]);
  });

  it("keeps the bytes it hands over safe from the caller's reuse of its chunk, copied once", () => {
    const big = pattern(200_000);
    const f = frame({ kind: "bytes", type: "Buffer", bytes: big });
    const small = frame({ kind: "bytes", type: "Buffer", bytes: pattern(10) });
    const got: BinaryMessage[] = [];
    const d = new BinaryFrameDecoder(
      { max_message_bytes: 1 << 20 },
      (m) => got.push(m),
      () => {},
    );
    // One reused read buffer, as a socket reader has.
    const reused = new Uint8Array(65536);
    const feed = (bytes: Uint8Array) => {
      for (let at = 0; at < bytes.length; at += reused.length) {
        const piece = bytes.subarray(at, at + reused.length);
        reused.set(piece);
        d.push(reused.subarray(0, piece.length));
        reused.fill(0xee);
      }
    };
    feed(concat([small, f]));
    assert.equal(got.length, 2);
    const [a, b] = got as { bytes: Uint8Array }[];
    assert.deepEqual(a.bytes, pattern(10));
    assert.deepEqual(b.bytes, big);
    // The large one is a view of the one array its frame was assembled in.
    const payload = f.length - BINARY_HEADER_BYTES;
    assert.equal(b.bytes.buffer.byteLength, payload);
  });

  it("stops a push when a message's handler resets the decoder", () => {
    const got: BinaryMessage[] = [];
    const d: BinaryFrameDecoder = new BinaryFrameDecoder(
      { max_message_bytes: 1000 },
      (m) => {
        got.push(m);
        d.reset();
      },
      () => {},
    );
    d.push(concat([frame(widget), frame(widget)]));
    assert.deepEqual(got, [widget]);
  });
});

describe("FrameDecoder.decodeUntil: the switch at a frame boundary", () => {
  const isSwitch = (v: unknown) =>
    (v as { type?: unknown })?.type === "SockhopBinaryModeTransition";
  const transition = '{"type":"SockhopBinaryModeTransition","data":{}}';
  const binary = encodeBinaryFrame({ kind: "json", type: "Widget", data: 1 });

  function run(
    rx: string,
    chunks: Uint8Array[],
  ): { values: unknown[]; rest: Uint8Array | undefined; after: unknown[] } {
    const d = new FrameDecoder(rx, {}, (e) => {
      throw e;
    });
    const values: unknown[] = [];
    let rest: Uint8Array | undefined;
    const tail: Uint8Array[] = [];
    for (const c of chunks) {
      if (rest !== undefined) {
        tail.push(c.slice());
        continue;
      }
      const r = d.decodeUntil(c, isSwitch);
      values.push(...r.values);
      if (r.rest !== undefined) {
        rest = r.rest.slice();
      }
    }
    // The decoder holds nothing afterwards: a JSON frame decodes alone.
    const after = d.decode(encoder.encode(`{"type":"X","data":2}${rx}`));
    return {
      values,
      rest: rest === undefined ? undefined : concat([rest, ...tail]),
      after,
    };
  }

  it("hands over the binary bytes that followed the transition in the same chunk", () => {
    const chunk = concat([
      encoder.encode(`{"type":"A","data":1}\n${transition}\n`),
      binary,
    ]);
    const r = run("\n", [chunk]);
    assert.deepEqual(r.values.map((v) => (v as { type: string }).type), [
      "A",
      "SockhopBinaryModeTransition",
    ]);
    assert.deepEqual(r.rest, binary);
    assert.equal(r.after.length, 1);
  });

  it("is decode() when no value stops it", () => {
    const d = new FrameDecoder("\n", {}, () => {});
    const r = d.decodeUntil(encoder.encode('{"a":1}\n{"b"'), isSwitch);
    assert.deepEqual(r, { values: [{ a: 1 }] });
    assert.deepEqual(d.decodeUntil(encoder.encode(":2}\n"), isSwitch).values, [{
      b: 2,
    }]);
  });

  it("finds the rest byte-exactly for any terminator, cut anywhere, after text with cut characters and broken UTF-8", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("\n", "\r\n", "\u00a7\u00a7", "}{"),
        fc.array(fc.string({ unit: "grapheme", maxLength: 8 }), {
          maxLength: 4,
        }),
        fc.uint8Array({ maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (rx, strings, garbage, offsets) => {
          const before = strings.map((s) =>
            JSON.stringify({ type: "S", data: s }) + rx
          ).join("");
          const rest = concat([binary, garbage]);
          const stream = concat([
            encoder.encode(before + transition + rx),
            rest,
          ]);
          const r = run(rx, cut(stream, offsets));
          assert.deepEqual(r.values.length, strings.length + 1);
          assert.deepEqual(r.rest ?? new Uint8Array(0), rest);
          assert.equal(r.after.length, 1);
        },
      ),
      RUNS,
    );
  });
});

describe("fuzz: the binary decoder never throws and stays bounded", () => {
  const message: fc.Arbitrary<BinaryMessage> = fc.oneof(
    fc.record({
      kind: fc.constant("json" as const),
      type: fc.string({ maxLength: 20 }),
      data: fc.jsonValue({ maxDepth: 2 }),
    }),
    fc.record({
      kind: fc.constant("bytes" as const),
      type: fc.string({ maxLength: 20 }),
      bytes: fc.uint8Array({ maxLength: 300 }),
    }),
  ).chain((m) =>
    fc.constantFrom<BinaryMessage>(
      m,
      { ...m, id: UUID },
      { ...m, callback_id: "cb-" + m.type.length },
    )
  );

  it("decodes random messages cut anywhere to the messages sent", () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (msgs, offsets) => {
          const stream = concat(msgs.map((m) => encodeBinaryFrame(m)));
          const { messages, codes } = decodeAll(cut(stream, offsets));
          assert.deepEqual(codes, []);
          // JSON turns -0 into 0, as it does in JSON mode.
          assert.deepEqual(
            messages,
            msgs.map((m) =>
              m.kind === "json"
                ? { ...m, data: JSON.parse(JSON.stringify(m.data)) }
                : { ...m }
            ),
          );
        },
      ),
      RUNS,
    );
  });

  it("takes garbage, oversize lengths and truncated frames in random chunks: only coded errors, never more held than max_message_bytes + 5", () => {
    const codes: SockhopErrorCode[] = [
      "ERR_MESSAGE_TOO_LARGE",
      "ERR_OBJECTBUFFER_NO_SCHEMA",
      "ERR_OBJECTBUFFER_DESERIALIZE_FAILED",
    ];
    const piece = fc.oneof(
      soup,
      message.map((m) => encodeBinaryFrame(m)),
      message.map((m) => encodeBinaryFrame(m)).chain((f) =>
        fc.nat(f.length).map((n) => f.subarray(0, n))
      ),
      fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([n, id]) =>
        new Uint8Array([
          n & 0xff,
          (n >> 8) & 0xff,
          (n >> 16) & 0xff,
          n >>> 24,
          id,
        ])
      ),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.constantFrom(0, 16, 300, 4096),
        (pieces, offsets, max) => {
          const errors: SockhopError[] = [];
          const d = new BinaryFrameDecoder(
            { max_message_bytes: max },
            () => {},
            (e) => errors.push(e),
          );
          for (const chunk of cut(concat(pieces), offsets)) {
            d.push(chunk);
            assert.ok(d.pendingBytes <= max + BINARY_HEADER_BYTES);
          }
          for (const e of errors) {
            assert.ok(
              e instanceof SockhopError && codes.includes(e.code),
              String(e),
            );
          }
          // Once stopped by an oversized frame, it says so and stays quiet.
          const tooLarge = errors.filter((e) =>
            e.code === "ERR_MESSAGE_TOO_LARGE"
          );
          assert.ok(tooLarge.length <= 1);
          assert.equal(d.stopped, tooLarge.length === 1);
        },
      ),
      RUNS,
    );
  });
});

describe("binary frames: a large buffer goes out without being copied", () => {
  /** A connection that keeps what it is asked to write. */
  function recordingConn(): { conn: Conn; writes: Uint8Array[] } {
    const writes: Uint8Array[] = [];
    const addr = { transport: "tcp" as const, hostname: "127.0.0.1", port: 1 };
    const conn: Conn = {
      localAddr: addr,
      remoteAddr: addr,
      readable: (async function* () {})(),
      write: (bytes: Uint8Array) => {
        writes.push(bytes);
        return new Promise<void>((r) => setTimeout(r, 1));
      },
      close() {},
    };
    return { conn, writes };
  }

  it("writes the caller's own bytes, alone or behind small frames waiting in the queue, and the peer reads the frames sent", async () => {
    const big = patternBytes(1 << 20);
    const small = encodeBinaryFrame({ kind: "json", type: "A", data: 1 });
    const { conn, writes } = recordingConn();
    const queue = new WriteQueue(conn);
    const frame = BINARY_TX.envelope("Buffer", big, "id", UUID)!;
    assert.ok(Array.isArray(frame));
    // Alone (nothing in flight), then batched behind a small frame.
    await Promise.all([
      queue.push(frame),
      queue.push(small),
      queue.push(frame),
    ]);
    const fromBig = writes.filter((w) => w.buffer === big.buffer);
    assert.equal(
      fromBig.reduce((n, w) => n + w.length, 0),
      2 * big.length,
      "every byte of the buffer written from the caller's array",
    );
    const { messages, codes } = decodeAll(writes, 2 << 20);
    assert.deepEqual(codes, []);
    assert.deepEqual(messages.map((m) => [m.kind, m.type, m.id]), [
      ["bytes", "Buffer", UUID],
      ["json", "A", undefined],
      ["bytes", "Buffer", UUID],
    ]);
    assert.deepEqual((messages[2] as { bytes: Uint8Array }).bytes, big);
  });

  it("writes small frames encoded back to back as one view of the memory they were encoded in, not a joined copy", async () => {
    const { conn, writes } = recordingConn();
    const queue = new WriteQueue(conn);
    const frames = Array.from(
      { length: 20 },
      (_, i) =>
        BINARY_TX.envelope("Buffer", patternBytes(1000 + i)) as Uint8Array,
    );
    // The first goes out at once; the rest wait for it and go together.
    await Promise.all(frames.map((f) => queue.push(f)));
    const rest = writes.slice(1);
    const together = rest.reduce((n, w) => n + w.length, 0);
    assert.equal(together, frames.slice(1).reduce((n, f) => n + f.length, 0));
    assert.ok(
      rest.every((w) => frames.some((f) => f.buffer === w.buffer)),
      "written from the frames' own memory",
    );
    assert.ok(rest.length <= 2, `${rest.length} writes for 19 frames`);
    const { messages } = decodeAll(writes);
    assert.deepEqual(
      messages.map((m) => (m as { bytes: Uint8Array }).bytes.length),
      frames.map((_, i) => 1000 + i),
    );
  });
});
