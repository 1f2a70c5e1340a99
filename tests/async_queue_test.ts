/**
 * The shared push/pull queue: values in order, the end, and an end with a
 * failure (how the Node reader reports a TLS alert), thrown once after the
 * values already queued.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncQueue } from "../src/async_queue.ts";

describe("AsyncQueue", () => {
  it("hands out values in order, then ends", async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    queue.push(2);
    queue.end();
    queue.push(3); // ignored after end()
    const got: number[] = [];
    for await (const n of queue) got.push(n);
    assert.deepEqual(got, [1, 2]);
  });

  it("throws the failure it ended with once, after the queued values", async () => {
    const queue = new AsyncQueue<number>();
    const it = queue[Symbol.asyncIterator]();
    queue.push(1);
    const alert = Object.assign(new Error("alert"), { code: "ERR_SSL_X" });
    queue.end(alert);
    queue.end(); // a later end changes nothing
    assert.deepEqual(await it.next(), { value: 1, done: false });
    await assert.rejects(it.next(), (e) => e === alert);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });

  it("wakes a waiting consumer with the failure", async () => {
    const queue = new AsyncQueue<number>();
    const it = queue[Symbol.asyncIterator]();
    const waiting = it.next();
    const alert = new Error("alert");
    queue.end(alert);
    await assert.rejects(waiting, (e) => e === alert);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });
});
