// Type labels are named by the peer: whatever labels arrive, what outlives
// the handling of their messages is a small cache bounded in bytes. Heap
// figures are taken after a full GC (exposed at run time in both runtimes).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import v8 from "node:v8";
import vm from "node:vm";
import fc from "fast-check";
import { SockhopServer } from "../mod.ts";
import { typedEvent, typedEventCache } from "../src/endpoint.ts";
import { rawConnect } from "./helpers/raw.ts";
import { waitFor } from "./helpers/util.ts";

const MiB = 1024 * 1024;
/** What the label cache may hold: 256 labels of up to 64 code units. */
const CACHE_CHARS = 256 * 64;

/** The engine's full GC, exposed at run time; undefined if it cannot be. */
function fullGc(): (() => void) | undefined {
  try {
    v8.setFlagsFromString("--expose-gc");
    return vm.runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

/** Heap in use after full collections (undefined without a GC). */
async function heapAfterGc(): Promise<number | undefined> {
  const gc = fullGc();
  if (!gc) return undefined;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 0));
  }
  return process.memoryUsage().heapUsed;
}

let unique = 0;
/** A label no other test uses, `length` code units long. */
function uniqueLabel(length: number): string {
  const head = `L${unique++}-`;
  return head + "x".repeat(Math.max(0, length - head.length));
}

describe("type labels do not outlive their messages", () => {
  it("typedEvent: 300 distinct 1 MiB labels leave the heap where it was", async () => {
    const before = await heapAfterGc();
    for (let i = 0; i < 300; i++) {
      const label = uniqueLabel(MiB);
      assert.equal(typedEvent(label), `receive:${label}`);
    }
    const cache = typedEventCache();
    assert.ok(cache.chars <= CACHE_CHARS, `${cache.chars} chars cached`);
    const after = await heapAfterGc();
    if (before !== undefined && after !== undefined) {
      const grown = (after - before) / MiB;
      assert.ok(grown < 16, `heap grew by ${grown.toFixed(1)} MiB`);
    }
  });

  it("property: envelopes with short, long and unique labels through a live server keep the cache within its bytes, and the heap returns", async () => {
    const before = await heapAfterGc();
    const server = new SockhopServer({ port: 0 });
    let handled = 0;
    let typed = 0;
    server.on("receive", () => handled++);
    server.on("error", () => handled++);
    server.on("receive:Object", () => typed++);
    await server.listen();
    const label = fc.oneof(
      fc.constantFrom("Object", "String", "Widget", "constructor"),
      fc.string({ maxLength: 80 }),
      fc.integer({ min: 65, max: 256 * 1024 }).map(uniqueLabel),
    );
    const frame = fc.record({
      type: label,
      data: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant({ a: 1 })),
    });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(frame, { minLength: 1, maxLength: 6 }),
          fc.integer({ min: 65 * 1024, max: 512 * 1024 }),
          async (frames, longest) => {
            const all = [...frames, { type: uniqueLabel(longest), data: 1 }];
            const sock = await rawConnect(server.port);
            const start = handled;
            const typedStart = typed;
            try {
              sock.write(all.map((f) => JSON.stringify(f) + "\n").join(""));
              await waitFor(
                () => handled - start === all.length,
                10000,
                `${all.length} frames handled`,
              );
            } finally {
              sock.destroy();
            }
            const objects = all.filter((f) =>
              f.type === "Object" && f.data !== null
            );
            assert.equal(typed - typedStart, objects.length);
            const cache = typedEventCache();
            assert.ok(cache.entries <= 256, `${cache.entries} entries`);
            assert.ok(cache.chars <= CACHE_CHARS, `${cache.chars} chars`);
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      await server.close();
    }
    const after = await heapAfterGc();
    if (before !== undefined && after !== undefined) {
      const grown = (after - before) / MiB;
      assert.ok(grown < 16, `heap grew by ${grown.toFixed(1)} MiB`);
    }
  });
});
