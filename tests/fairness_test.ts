/**
 * A loop of awaited sends must let the event loop turn: in Node a socket
 * write that the kernel takes at once calls back from `process.nextTick`,
 * so without care such a loop starves timers, pings and reads (measured:
 * 2 s timer gaps with 20 clients). The check counts sends, not time.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { withPair } from "./helpers/util.ts";

describe("event-loop fairness", () => {
  it("a timer fires during a loop of 50,000 awaited sends", async () => {
    await withPair(async ({ client }) => {
      const n = 50_000;
      let i = 0;
      let firedAt = -1;
      const timer = setTimeout(() => (firedAt = i), 0);
      for (; i < n; i++) await client.send({ i });
      clearTimeout(timer);
      assert.ok(
        firedAt >= 0 && firedAt < n,
        `the timer fired at send ${firedAt} of ${n}`,
      );
    });
  });

  it("a timer fires during a server's loop of awaited sends", async () => {
    await withPair(async ({ server }) => {
      const n = 50_000;
      const sock = server.sockets[0];
      let i = 0;
      let firedAt = -1;
      const timer = setTimeout(() => (firedAt = i), 0);
      for (; i < n; i++) await server.send(sock, { i });
      clearTimeout(timer);
      assert.ok(firedAt >= 0 && firedAt < n, `fired at ${firedAt} of ${n}`);
    });
  });
});
