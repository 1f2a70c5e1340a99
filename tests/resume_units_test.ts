/**
 * The pure parts of resumable sessions: record framing, the retransmit
 * buffer and the token store.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ackRecord,
  BYE_RECORD,
  dataRecord,
  RecordReader,
} from "../src/resume/records.ts";
import { RetransmitBuffer } from "../src/resume/retransmit.ts";
import { sameToken, TokenStore } from "../src/resume/tokens.ts";

describe("resume units", () => {
  it("records split anywhere are read in order, payloads as they arrive", () => {
    const bytes = new Uint8Array([
      ...dataRecord(new Uint8Array([1, 2, 3])),
      ...ackRecord(12345),
      ...dataRecord(new Uint8Array([4])),
      ...BYE_RECORD,
    ]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const seen: unknown[] = [];
      const reader = new RecordReader(100);
      const sink = {
        data: (p: Uint8Array) => seen.push([...p]),
        ack: (n: number) => seen.push(n),
        bye: () => seen.push("bye"),
        bad: (why: string) => seen.push(why),
      };
      reader.read(bytes.subarray(0, cut), sink);
      reader.read(bytes.subarray(cut), sink);
      // Payload pieces split by the cut are joined back for the check.
      const joined: unknown[] = [];
      for (const s of seen) {
        const last = joined[joined.length - 1];
        if (Array.isArray(s) && Array.isArray(last) && last.length < 3) {
          last.push(...s);
        } else joined.push(s);
      }
      assert.deepEqual(joined, [[1, 2, 3], 12345, [4], "bye"], `cut ${cut}`);
    }
  });

  it("a record over the limit or of an unknown kind breaks the link", () => {
    const bad: string[] = [];
    const sink = {
      data: () => {},
      ack: () => {},
      bye: () => {},
      bad: (why: string) => bad.push(why),
    };
    new RecordReader(2).read(dataRecord(new Uint8Array(3)), sink);
    new RecordReader(2).read(Uint8Array.of(9), sink);
    assert.deepEqual(bad, ["record too long", "unknown record kind 9"]);
  });

  it("the retransmit buffer trims on acks, resends what is missing and resolves waiters in order", async () => {
    const tx = new RetransmitBuffer();
    const a = dataRecord(new Uint8Array(10));
    const b = dataRecord(new Uint8Array(5));
    assert.equal(tx.push(a), 10);
    assert.equal(tx.push(b), 15);
    const done: number[] = [];
    const first = tx.acknowledged(10).then(() => done.push(10));
    const second = tx.acknowledged(15).then(() => done.push(15));
    assert.deepEqual(tx.from(0), [a, b]);
    assert.ok(tx.ack(10));
    await first;
    assert.deepEqual(done, [10]);
    assert.equal(tx.unacked, 5);
    assert.deepEqual(tx.from(10), [b]);
    // Acknowledged in part: only the rest of the record is resent.
    assert.ok(tx.ack(12));
    assert.deepEqual(tx.from(12), [dataRecord(new Uint8Array(3))]);
    assert.equal(tx.unacked, 3);
    assert.equal(tx.from(20), undefined, "more than was sent");
    assert.equal(tx.ack(99), false);
    const lost = tx.acknowledged(15);
    tx.fail(new Error("lost"));
    await assert.rejects(lost, /lost/);
    await assert.rejects(second, /lost/);
    await assert.rejects(tx.acknowledged(15), /lost/, "never resolves after");
    assert.deepEqual(done, [10]);
  });

  it("tokens: only the exact token finds its session, and not once deleted", () => {
    const store = new TokenStore<string>();
    const value = store.add((token) => token);
    assert.equal(value.length, 64);
    assert.equal(store.find(value), value);
    const wrong = value.slice(0, 63) + (value[63] === "0" ? "1" : "0");
    assert.equal(store.find(wrong), undefined);
    assert.equal(store.find(42), undefined);
    assert.ok(sameToken(value, value));
    assert.ok(!sameToken(value, wrong));
    store.delete(value);
    assert.equal(store.find(value), undefined);
    assert.notEqual(store.add((t) => t), value);
  });
});
