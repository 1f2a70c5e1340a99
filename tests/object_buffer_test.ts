/**
 * The framing layer (PROTOCOL.md §1): property tests over random values and
 * random chunkings, and a differential check against the original
 * sockhop@1.8.4 ObjectBuffer.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import process from "node:process";
import fc from "fast-check";
import { ObjectBuffer, type Terminator } from "../mod.ts";
import type { SockhopError } from "../mod.ts";
import { cut } from "./helpers/fuzz.ts";
import { collector } from "./helpers/gc.ts";

/** The original library's ObjectBuffer, as the reference implementation. */
// deno-lint-ignore no-explicit-any
const OriginalObjectBuffer: any = createRequire(import.meta.url)(
  "sockhop/lib/ObjectBuffer.js",
);

const RUNS = { numRuns: 100 };
const encoder = new TextEncoder();

/** A buffer that records its error codes and messages. */
function recording(opts: ConstructorParameters<typeof ObjectBuffer>[0] = {}) {
  const ob = new ObjectBuffer(opts);
  const errors: SockhopError[] = [];
  ob.on("error", (e: SockhopError) => errors.push(e));
  return { ob, errors };
}

/** Feeds every chunk and returns every value decoded, in order. */
function feed(
  ob: { buf2obj(b: Uint8Array): unknown[] },
  chunks: Uint8Array[],
): unknown[] {
  return chunks.flatMap((c) => ob.buf2obj(c));
}

/** The byte stream of `values`, each as JSON plus `tx`. */
function stream(values: unknown[], tx = "\n"): Uint8Array {
  return encoder.encode(values.map((v) => JSON.stringify(v) + tx).join(""));
}

/** What a JSON round trip gives (so -0 and the like compare fairly). */
const roundTrip = (values: unknown[]) =>
  values.map((v) => JSON.parse(JSON.stringify(v)));

/** Random JSON values, including multi-byte and astral characters. */
const jsonValues = fc.array(
  fc.jsonValue({ maxDepth: 3, stringUnit: "binary" }),
  { minLength: 1, maxLength: 12 },
);

describe("ObjectBuffer framing", () => {
  it("decodes random values across random multi-chunk splits", () => {
    fc.assert(
      fc.property(
        jsonValues,
        fc.array(fc.nat(), { maxLength: 30 }),
        (values, offsets) => {
          const { ob, errors } = recording();
          const bytes = stream(values);
          assert.deepEqual(feed(ob, cut(bytes, offsets)), roundTrip(values));
          assert.equal(errors.length, 0);
        },
      ),
      RUNS,
    );
  });

  it("decodes at every single split point of a small stream", () => {
    const values = [{ a: 1 }, ["x", null], "s", 42, true, { é: "€😀" }];
    const bytes = stream(values);
    for (let i = 0; i <= bytes.length; i++) {
      const { ob, errors } = recording();
      assert.deepEqual(feed(ob, cut(bytes, [i])), values, `split at ${i}`);
      assert.equal(errors.length, 0);
    }
  });

  it("decodes many frames per chunk, and frame tails with next heads", () => {
    fc.assert(
      fc.property(jsonValues, jsonValues, (first, second) => {
        const { ob } = recording();
        const a = stream(first);
        const b = stream(second);
        // One chunk with all of `first` but the last 3 bytes; one with
        // those 3 bytes (a frame tail) followed by the head of `second`.
        const head = Math.min(3, b.length);
        const chunks = [
          a.subarray(0, a.length - 3),
          Buffer.concat([a.subarray(a.length - 3), b.subarray(0, head)]),
          b.subarray(head),
        ];
        assert.deepEqual(feed(ob, chunks), roundTrip([...first, ...second]));
      }),
      RUNS,
    );
  });

  it("reassembles a multi-byte character split at every byte offset", () => {
    for (const ch of ["é", "€", "😀"]) {
      const values = [{ s: `a${ch}b${ch}` }, `${ch}`];
      const bytes = stream(values);
      for (let i = 0; i <= bytes.length; i++) {
        for (let j = i; j <= bytes.length; j++) {
          const { ob, errors } = recording();
          assert.deepEqual(
            feed(ob, cut(bytes, [i, j])),
            values,
            `${ch} cut at ${i},${j}`,
          );
          assert.equal(errors.length, 0);
        }
      }
    }
  });

  it("delivers the same values one byte at a time", () => {
    fc.assert(
      fc.property(jsonValues, (values) => {
        const { ob } = recording();
        const bytes = stream(values);
        const chunks = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
        assert.deepEqual(feed(ob, chunks), roundTrip(values));
      }),
      { numRuns: 30 },
    );
  });
});

describe("ObjectBuffer terminators", () => {
  const terminators = ["\r\n", "<END>", "\u0000\u0001\u0002", "§§"];

  it("splits on multi-character terminators at every chunk offset", () => {
    for (const t of terminators) {
      const values = [{ a: "x" }, [1, 2], "é€😀", 7];
      const bytes = stream(values, t);
      for (let i = 0; i <= bytes.length; i++) {
        for (let j = i; j <= bytes.length; j += 3) {
          const { ob, errors } = recording({ terminator: t });
          assert.deepEqual(
            feed(ob, cut(bytes, [i, j])),
            values,
            `${JSON.stringify(t)} cut at ${i},${j}`,
          );
          assert.equal(errors.length, 0);
        }
      }
    }
  });

  it("splits random values on random terminators and chunkings", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...terminators),
        jsonValues,
        fc.array(fc.nat(), { maxLength: 20 }),
        (t, values, offsets) => {
          fc.pre(values.every((v) => !JSON.stringify(v).includes(t)));
          const { ob, errors } = recording({ terminator: t });
          const bytes = stream(values, t);
          assert.deepEqual(feed(ob, cut(bytes, offsets)), roundTrip(values));
          assert.equal(errors.length, 0);
        },
      ),
      RUNS,
    );
  });

  it("uses rx for reading and tx for writing with a [rx, tx] pair", () => {
    const a = recording({ terminator: ["<A>", "<B>\r\n"] });
    const b = recording({ terminator: ["<B>\r\n", "<A>"] });
    const fromA = a.ob.obj2buf({ hello: "b" })!;
    assert.equal(new TextDecoder().decode(fromA), '{"hello":"b"}<B>\r\n');
    assert.deepEqual(b.ob.buf2obj(fromA), [{ hello: "b" }]);
    // `a` does not split on its own tx terminator...
    assert.deepEqual(a.ob.buf2obj(fromA), []);
    // ...but on its rx one (after dropping what it holds).
    a.ob.reset();
    const fromB = b.ob.obj2buf([1, "a"])!;
    assert.equal(new TextDecoder().decode(fromB), '[1,"a"]<A>');
    assert.deepEqual(feed(a.ob, cut(fromB, [3, 8])), [[1, "a"]]);
    assert.equal(a.errors.length + b.errors.length, 0);
  });
});

describe("ObjectBuffer bad input", () => {
  it("passes non-JSON frames through as strings with allow_non_objects", () => {
    const { ob, errors } = recording({ allow_non_objects: true });
    const bytes = encoder.encode('hello\n{"a":1}\nnot json {\n"s"\n\n');
    assert.deepEqual(feed(ob, cut(bytes, [2, 9, 20])), [
      "hello",
      { a: 1 },
      "not json {",
      "s",
      "",
    ]);
    assert.equal(errors.length, 0);
  });

  it("reports corrupt frames without allow_non_objects and goes on", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.jsonValue({ maxDepth: 2 }).map((v) => ({ ok: true, v })),
            fc.constantFrom("{", "nope", "[1,", "}{", "'x'").map((s) => ({
              ok: false,
              v: s,
            })),
          ),
          { minLength: 1, maxLength: 10 },
        ),
        fc.array(fc.nat(), { maxLength: 10 }),
        (frames, offsets) => {
          const { ob, errors } = recording();
          const text = frames
            .map((f) => (f.ok ? JSON.stringify(f.v) : f.v) + "\n")
            .join("");
          const got = feed(ob, cut(encoder.encode(text), offsets));
          const good = frames.filter((f) => f.ok).map((f) => f.v);
          assert.deepEqual(got, roundTrip(good));
          assert.equal(errors.length, frames.length - good.length);
          for (const e of errors) {
            assert.equal(e.code, "ERR_OBJECTBUFFER_BAD_BUFFER_DATA");
            assert.match(e.message, /corrupted data in buffer/);
          }
        },
      ),
      RUNS,
    );
  });

  it("reports buf2obj of a non-Uint8Array as ERR_OBJECTBUFFER_BAD_BUFFER", () => {
    const { ob, errors } = recording();
    for (const bad of ["text\n", 42, null, undefined, [1, 2], {}]) {
      assert.deepEqual(ob.buf2obj(bad as unknown as Uint8Array), []);
    }
    assert.equal(errors.length, 6);
    for (const e of errors) assert.equal(e.code, "ERR_OBJECTBUFFER_BAD_BUFFER");
    // The stream is unharmed.
    assert.deepEqual(ob.buf2obj(encoder.encode('{"a":1}\n')), [{ a: 1 }]);
  });

  it("refuses to encode non-objects without allow_non_objects", () => {
    const { ob, errors } = recording();
    for (const v of [42, "s", true, undefined, () => 1]) {
      assert.equal(ob.obj2buf(v), undefined);
    }
    assert.equal(errors.length, 5);
    for (const e of errors) {
      assert.equal(e.code, "ERR_OBJECTBUFFER_BAD_OBJECT");
      assert.match(e.message, /non object type/);
    }
    const text = (v: unknown) => new TextDecoder().decode(ob.obj2buf(v));
    assert.equal(text(null), "null\n");
    assert.equal(text({ a: [1] }), '{"a":[1]}\n');

    const lax = recording({ allow_non_objects: true });
    const laxText = (v: unknown) => new TextDecoder().decode(lax.ob.obj2buf(v));
    assert.equal(laxText(42), "42\n");
    assert.equal(laxText("é"), '"é"\n');
    assert.equal(lax.errors.length, 0);
  });
});

describe("ObjectBuffer max_message_bytes", () => {
  it("drops a frame over the limit that arrives in one chunk", () => {
    const { ob, errors } = recording({ max_message_bytes: 50 });
    const big = JSON.stringify({ s: "x".repeat(100) });
    const bytes = encoder.encode(`{"a":1}\n${big}\n{"b":2}\n`);
    assert.deepEqual(ob.buf2obj(bytes), [{ a: 1 }, { b: 2 }]);
    assert.deepEqual(errors.map((e) => e.code), ["ERR_MESSAGE_TOO_LARGE"]);
  });

  it("skips an oversized frame across chunks and decodes the next one", () => {
    for (const t of ["\n", "<END>"]) {
      const { ob, errors } = recording({
        terminator: t,
        max_message_bytes: 64,
      });
      const big = JSON.stringify({ s: "y".repeat(1000) });
      const bytes = encoder.encode(`${big}${t}{"after":true}${t}`);
      // Every way of cutting the terminator that ends the big frame.
      const end = big.length;
      for (let k = end - 1; k <= end + t.length; k++) {
        ob.reset();
        errors.length = 0;
        const chunks = cut(bytes, [10, 100, 500, k]);
        assert.deepEqual(feed(ob, chunks), [{ after: true }], `cut ${k}`);
        assert.deepEqual(errors.map((e) => e.code), ["ERR_MESSAGE_TOO_LARGE"]);
      }
    }
  });

  it("keeps memory bounded while skipping a huge frame", () => {
    const { ob, errors } = recording({
      terminator: "<END>",
      max_message_bytes: 1024,
    });
    const chunk = encoder.encode("z".repeat(64 * 1024));
    const total = 2048; // 128 MiB in all
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < total; i++) assert.deepEqual(ob.buf2obj(chunk), []);
    const grown = process.memoryUsage().heapUsed - before;
    // Holding what was skipped would take at least 128 MiB.
    assert.ok(grown < 48 * 1024 * 1024, `heap grew by ${grown} bytes`);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, "ERR_MESSAGE_TOO_LARGE");
    assert.match(errors[0].message, /max_message_bytes/);
    // The terminator ends the skipped frame; the stream goes on.
    assert.deepEqual(ob.buf2obj(encoder.encode("<EN")), []);
    assert.deepEqual(ob.buf2obj(encoder.encode('D>{"n":1}<END>')), [{ n: 1 }]);
    assert.equal(errors.length, 1);
  });
});

describe("ObjectBuffer memory for a frame pending in pieces", () => {
  const gc = collector();

  it("holds at most about twice the bytes pending, however it is cut", () => {
    // Pending frames of 384 KiB: fixed costs and the heap's noise are small
    // beside them. Each is cut into pieces of 1 to 700 bytes.
    const pending = 384 * 1024;
    const cases = ["a", "é", "😀"].flatMap((unit) =>
      [1, 2, 3, 700].map((size) => {
        const text = unit.repeat(pending / encoder.encode(unit).length);
        const bytes = encoder.encode(JSON.stringify({ s: text }));
        const ob = new ObjectBuffer();
        for (let i = 0; i < bytes.length; i += size) {
          ob.buf2obj(bytes.subarray(i, Math.min(i + size, bytes.length)));
        }
        return { ob, text, what: `${size}-byte pieces of "${unit}"` };
      })
    );
    gc();
    const holding = process.memoryUsage().heapUsed;
    for (const { ob, text, what } of cases) {
      const values = ob.buf2obj(encoder.encode("\n")) as { s: string }[];
      assert.equal(values.length, 1, what);
      assert.equal(values[0].s === text, true, what);
    }
    gc();
    const held = holding - process.memoryUsage().heapUsed;
    const limit = 2 * pending * cases.length;
    assert.ok(
      held <= limit,
      `${cases.length} frames of ${pending} bytes pending held ${held} bytes`,
    );
  });
});

describe("ObjectBuffer matches the original sockhop@1.8.4", () => {
  /** Runs both buffers over the same chunks. */
  function both(
    chunks: Uint8Array[],
    opts: { terminator?: Terminator; allow_non_objects?: boolean } = {},
  ) {
    const ours = recording(opts);
    const orig = new OriginalObjectBuffer(opts);
    const origErrors: string[] = [];
    orig.on("error", (e: SockhopError) => origErrors.push(e.code));
    const origValues = chunks.flatMap((c) =>
      orig.buf2obj(Buffer.from(c)) as unknown[]
    );
    return {
      ours: feed(ours.ob, chunks),
      orig: origValues,
      ourErrors: ours.errors.map((e) => e.code),
      origErrors,
    };
  }

  it("decodes the same values from the same chunks", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Terminator>("\n", "\r\n", "<END>", ["\n", "\r\n"]),
        fc.boolean(),
        jsonValues,
        fc.array(fc.nat(), { maxLength: 20 }),
        (t, allow, values, offsets) => {
          const rx = Array.isArray(t) ? t[0] : t;
          fc.pre(values.every((v) => !JSON.stringify(v).includes(rx)));
          const r = both(cut(stream(values, rx), offsets), {
            terminator: t,
            allow_non_objects: allow,
          });
          assert.deepEqual(r.ours, r.orig);
          assert.deepEqual(r.ourErrors, r.origErrors);
        },
      ),
      RUNS,
    );
  });

  it("treats corrupt and non-JSON frames the same", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.string({ unit: "grapheme", maxLength: 8 }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (allow, frames, offsets) => {
          fc.pre(frames.every((f) => !f.includes("\n")));
          const bytes = encoder.encode(frames.map((f) => f + "\n").join(""));
          const r = both(cut(bytes, offsets), { allow_non_objects: allow });
          assert.deepEqual(r.ours, r.orig);
          assert.deepEqual(r.ourErrors, r.origErrors);
        },
      ),
      RUNS,
    );
  });

  it("decodes arbitrary bytes, invalid UTF-8 included, the same way", () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        // Random bytes with plenty of terminators among them.
        fc.uint8Array({ maxLength: 60 }).map((a) =>
          a.map((b) => (b % 7 === 0 ? 10 : b))
        ),
        fc.array(fc.nat(), { maxLength: 10 }),
        (allow, bytes, offsets) => {
          const r = both(cut(bytes, offsets), { allow_non_objects: allow });
          assert.deepEqual(r.ours, r.orig);
          assert.deepEqual(r.ourErrors, r.origErrors);
        },
      ),
      RUNS,
    );
  });

  it("encodes the same bytes with obj2buf", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Terminator>("\n", "\r\n", ["\n", "<END>"]),
        fc.boolean(),
        fc.jsonValue({ maxDepth: 3, stringUnit: "binary" }),
        (t, allow, value) => {
          const ours = recording({ terminator: t, allow_non_objects: allow });
          const orig = new OriginalObjectBuffer({
            terminator: t,
            allow_non_objects: allow,
          });
          const origErrors: string[] = [];
          orig.on("error", (e: SockhopError) => origErrors.push(e.code));
          const a = ours.ob.obj2buf(value);
          const b = orig.obj2buf(value) as Buffer | undefined;
          assert.deepEqual(
            a === undefined ? undefined : [...a],
            b === undefined ? undefined : [...b],
          );
          assert.deepEqual(ours.errors.map((e) => e.code), origErrors);
        },
      ),
      RUNS,
    );
  });
});
