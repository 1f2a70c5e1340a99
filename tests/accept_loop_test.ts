/**
 * The accept loop under failing accepts (issue: a reset storm made Deno's
 * `accept()` fail with ENOTCONN hundreds of times, and a 50 ms pause after
 * each failure stopped serving new clients for seconds). A fake listener
 * injects the failures; only resource exhaustion may pause.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { acceptFailure, acceptLoop } from "../src/transport/accept_loop.ts";

/** An error as the runtimes throw them: a message and a Node-style code. */
function osError(code: string, name = "Error"): Error {
  return Object.assign(new Error(`${code} (os error)`), { code, name });
}

/**
 * A listener whose `accept()` plays back a script: an Error entry throws,
 * anything else is a connection. After the script it waits until closed.
 */
function fakeListener(script: (Error | number)[]) {
  let i = 0;
  let closed = false;
  let wake: (() => void) | null = null;
  return {
    accepts: () => i,
    isClosed: () => closed,
    close() {
      closed = true;
      wake?.();
    },
    accept(): Promise<number> {
      const step = script[i++];
      if (step === undefined) {
        return new Promise((_, reject) => {
          wake = () => reject(osError("EBADF", "BadResource"));
        });
      }
      return step instanceof Error
        ? Promise.reject(step)
        : Promise.resolve(step);
    },
  };
}

describe("accept loop", () => {
  it("skips 200 per-connection failures without pausing", async () => {
    const script: (Error | number)[] = [];
    for (let k = 0; k < 200; k++) script.push(osError("ENOTCONN"), k);
    const listener = fakeListener(script);
    const got: number[] = [];
    let pauses = 0;
    const done = acceptLoop({
      accept: () => listener.accept(),
      handle: (c) => {
        got.push(c);
        if (got.length === 200) listener.close();
      },
      isClosed: listener.isClosed,
      pause: () => {
        pauses++;
        return Promise.resolve();
      },
    });
    await done;
    assert.equal(pauses, 0);
    assert.deepEqual(got, Array.from({ length: 200 }, (_, k) => k));
  });

  it("pauses once per resource-exhaustion failure, then accepts on", async () => {
    const script: (Error | number)[] = [
      osError("EMFILE"),
      1,
      osError("ECONNABORTED"),
      osError("ENFILE"),
      osError("ENOBUFS"),
      2,
      osError("ENOMEM"),
      osError("ECONNRESET"),
      3,
    ];
    const listener = fakeListener(script);
    const got: number[] = [];
    let pauses = 0;
    await acceptLoop({
      accept: () => listener.accept(),
      handle: (c) => {
        got.push(c);
        if (c === 3) listener.close();
      },
      isClosed: listener.isClosed,
      pause: () => {
        pauses++;
        return Promise.resolve();
      },
    });
    assert.equal(pauses, 4);
    assert.deepEqual(got, [1, 2, 3]);
  });

  it("serves the next client within a bounded wait after a reset storm", async () => {
    // With the real 50 ms pause: 2,000 failures took 100 s before the fix.
    const script: (Error | number)[] = [];
    for (let k = 0; k < 2000; k++) script.push(osError("ENOTCONN"));
    script.push(7);
    const listener = fakeListener(script);
    let served = false;
    const done = acceptLoop({
      accept: () => listener.accept(),
      handle: () => {
        served = true;
        listener.close();
      },
      isClosed: listener.isClosed,
    });
    const timeout = new Promise<"stalled">((r) => {
      const t = setTimeout(() => r("stalled"), 2000);
      done.finally(() => clearTimeout(t));
    });
    assert.equal(
      await Promise.race([done.then(() => "done"), timeout]),
      "done",
    );
    assert.equal(served, true);
    assert.equal(listener.accepts(), 2001);
  });

  it("ends when the listener itself is gone", async () => {
    const listener = fakeListener([osError("EBADF", "BadResource"), 1]);
    const got: number[] = [];
    await acceptLoop({
      accept: () => listener.accept(),
      handle: (c) => got.push(c),
      isClosed: () => false,
    });
    assert.deepEqual(got, []);
  });

  it("classifies the failures", () => {
    for (const code of ["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM"]) {
      assert.equal(acceptFailure(osError(code)), "pause", code);
    }
    for (const code of ["ENOTCONN", "ECONNABORTED", "ECONNRESET", "EPROTO"]) {
      assert.equal(acceptFailure(osError(code)), "skip", code);
    }
    assert.equal(acceptFailure(undefined), "skip");
    assert.equal(acceptFailure(osError("x", "BadResource")), "stop");
  });
});
