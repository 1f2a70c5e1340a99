/**
 * TimedMap: the expiring map behind remote callbacks and response streams.
 * Expiry is observed through the callbacks, never through sleeps.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TimedMap, type TimedMapReason } from "../mod.ts";
import { within } from "./helpers/util.ts";

/** A callback that records reasons, and a promise of the first one. */
function recorder(): {
  cb: (r: TimedMapReason) => void;
  reasons: TimedMapReason[];
  first: Promise<TimedMapReason>;
} {
  const reasons: TimedMapReason[] = [];
  let resolve!: (r: TimedMapReason) => void;
  const first = new Promise<TimedMapReason>((r) => (resolve = r));
  return {
    reasons,
    first,
    cb: (r) => {
      reasons.push(r);
      resolve(r);
    },
  };
}

describe("TimedMap", () => {
  it("stores, gets and reports its size", () => {
    const map = new TimedMap<string, number>({ timeout: 10_000 });
    try {
      assert.equal(map.set("a", 1), map);
      map.set("b", 2);
      assert.equal(map.get("a"), 1);
      assert.equal(map.get("b"), 2);
      assert.equal(map.get("c"), undefined);
      assert.equal(map.has("a"), true);
      assert.equal(map.has("c"), false);
      assert.equal(map.size, 2);
    } finally {
      map.stop();
    }
  });

  it('delete removes the entry and tells its callback "deleted" once', () => {
    const map = new TimedMap<string, number>({ timeout: 10_000 });
    const rec = recorder();
    try {
      map.set("a", 1, rec.cb);
      assert.equal(map.delete("a"), true);
      assert.equal(map.get("a"), undefined);
      assert.equal(map.size, 0);
      assert.equal(map.delete("a"), false);
      map.stop();
      assert.deepEqual(rec.reasons, ["deleted"]);
    } finally {
      map.stop();
    }
  });

  it("extract returns the value and removes it without a callback", () => {
    const map = new TimedMap<string, number>({ timeout: 10_000 });
    const rec = recorder();
    try {
      map.set("a", 1, rec.cb);
      assert.equal(map.extract("a"), 1);
      assert.equal(map.has("a"), false);
      assert.equal(map.extract("a"), undefined);
      map.stop();
      assert.deepEqual(rec.reasons, []);
    } finally {
      map.stop();
    }
  });

  it('set over an existing key tells the old entry "overwritten"', () => {
    const map = new TimedMap<string, number>({ timeout: 10_000 });
    const old = recorder();
    const now = recorder();
    try {
      map.set("a", 1, old.cb);
      map.set("a", 2, now.cb);
      assert.deepEqual(old.reasons, ["overwritten"]);
      assert.deepEqual(now.reasons, []);
      assert.equal(map.get("a"), 2);
      assert.equal(map.size, 1);
      map.delete("a");
      assert.deepEqual(old.reasons, ["overwritten"]);
      assert.deepEqual(now.reasons, ["deleted"]);
    } finally {
      map.stop();
    }
  });

  it('stop removes every entry and tells each "stopped"', () => {
    const map = new TimedMap<string, number>({ timeout: 10_000 });
    const a = recorder();
    const b = recorder();
    try {
      map.set("a", 1, a.cb);
      map.set("b", 2, b.cb);
      map.stop();
      assert.equal(map.size, 0);
      assert.equal(map.get("a"), undefined);
      assert.deepEqual(a.reasons, ["stopped"]);
      assert.deepEqual(b.reasons, ["stopped"]);
      map.stop();
      assert.deepEqual(a.reasons, ["stopped"]);
    } finally {
      map.stop();
    }
  });

  it('expires entries after the map\'s timeout with "timed-out"', async () => {
    const map = new TimedMap<string, number>({ timeout: 20 });
    const rec = recorder();
    try {
      map.set("a", 1, rec.cb);
      assert.equal(await within(rec.first), "timed-out");
      assert.equal(map.has("a"), false);
      assert.equal(map.size, 0);
      assert.deepEqual(rec.reasons, ["timed-out"]);
    } finally {
      map.stop();
    }
  });

  it("a per-entry timeout overrides the map's", async () => {
    // Default far away: only the per-entry timeout can expire "short".
    const map = new TimedMap<string, number>({ timeout: 60_000 });
    const short = recorder();
    const long = recorder();
    try {
      map.set("short", 1, short.cb, 20);
      map.set("long", 2, long.cb);
      assert.equal(await within(short.first), "timed-out");
      assert.equal(map.has("short"), false);
      assert.equal(map.get("long"), 2);
      assert.deepEqual(long.reasons, []);
    } finally {
      map.stop();
    }
  });

  it("entries expire in the order of their timeouts", async () => {
    const map = new TimedMap<string, number>({ timeout: 60_000 });
    const order: string[] = [];
    const last = recorder();
    try {
      map.set("b", 2, () => order.push("b"), 40);
      map.set("a", 1, () => order.push("a"), 20);
      map.set("c", 3, (r) => {
        order.push("c");
        last.cb(r);
      }, 60);
      await within(last.first);
      assert.deepEqual(order, ["a", "b", "c"]);
    } finally {
      map.stop();
    }
  });

  it("a per-entry timeout of 0 means the map's default, as in the original", async () => {
    const map = new TimedMap<string, number>({ timeout: 20 });
    const rec = recorder();
    try {
      map.set("a", 1, rec.cb, 0);
      assert.equal(await within(rec.first), "timed-out");
      assert.equal(map.has("a"), false);
    } finally {
      map.stop();
    }
  });

  it("a null per-entry timeout never expires, even with a short default", async () => {
    const map = new TimedMap<string, number>({ timeout: 20 });
    const forever = recorder();
    const sentinel = recorder();
    try {
      map.set("forever", 1, forever.cb, null);
      // Set after, with a longer life than the default: once it has gone,
      // the default has long passed.
      map.set("sentinel", 2, sentinel.cb, 60);
      assert.equal(await within(sentinel.first), "timed-out");
      assert.equal(map.get("forever"), 1);
      assert.deepEqual(forever.reasons, []);
      map.stop();
      assert.deepEqual(forever.reasons, ["stopped"]);
    } finally {
      map.stop();
    }
  });

  it("a map made with timeout null keeps entries until removed", async () => {
    const map = new TimedMap<string, number>({ timeout: null });
    const kept = recorder();
    const sentinel = recorder();
    try {
      map.set("kept", 1, kept.cb);
      map.set("sentinel", 2, sentinel.cb, 40);
      assert.equal(await within(sentinel.first), "timed-out");
      assert.equal(map.get("kept"), 1);
      assert.deepEqual(kept.reasons, []);
    } finally {
      map.stop();
    }
  });

  it("a removed entry's timer never fires later", async () => {
    const map = new TimedMap<string, number>({ timeout: 20 });
    const deleted = recorder();
    const extracted = recorder();
    const overwritten = recorder();
    const stoppedMap = new TimedMap<string, number>({ timeout: 20 });
    const stopped = recorder();
    const sentinel = recorder();
    try {
      map.set("d", 1, deleted.cb);
      map.set("e", 2, extracted.cb);
      map.set("o", 3, overwritten.cb);
      stoppedMap.set("s", 4, stopped.cb);
      map.delete("d");
      map.extract("e");
      map.set("o", 5, () => {}, null);
      stoppedMap.stop();
      map.set("sentinel", 6, sentinel.cb, 80);
      await within(sentinel.first);
      assert.deepEqual(deleted.reasons, ["deleted"]);
      assert.deepEqual(extracted.reasons, []);
      assert.deepEqual(overwritten.reasons, ["overwritten"]);
      assert.deepEqual(stopped.reasons, ["stopped"]);
      assert.equal(map.get("o"), 5);
    } finally {
      map.stop();
      stoppedMap.stop();
    }
  });

  it("defaults to 30 s, so an entry set with no timeout is still there soon after", async () => {
    const map = new TimedMap<string, number>();
    const rec = recorder();
    const sentinel = new TimedMap<string, number>({ timeout: 30 });
    const done = recorder();
    try {
      map.set("a", 1, rec.cb);
      sentinel.set("s", 0, done.cb);
      await within(done.first);
      assert.equal(map.get("a"), 1);
      assert.deepEqual(rec.reasons, []);
    } finally {
      map.stop();
      sentinel.stop();
    }
  });

  it("with keep_alive false still expires entries, across emptying and refilling", async () => {
    // within()'s own timer keeps the process alive meanwhile.
    const map = new TimedMap<string, number>({
      timeout: 40,
      keep_alive: false,
    });
    const kept = recorder();
    const late = recorder();
    try {
      map.set("a", 1, kept.cb);
      assert.equal(map.extract("a"), 1); // empty again
      map.set("b", 2, late.cb);
      assert.equal(await within(late.first), "timed-out");
      assert.equal(map.size, 0);
      assert.deepEqual(kept.reasons, []);
      assert.deepEqual(late.reasons, ["timed-out"]);
    } finally {
      map.stop();
    }
  });
});
