/**
 * `client.disconnect()` writes what `send()` has already taken before it
 * closes: sends made without awaiting them, then `disconnect()`, all arrive
 * and all resolve, as small sends did with sockhop 1.8.4 (whose
 * `disconnect()` ran after Node had written them). A peer that stops
 * reading cannot hold `disconnect()` up beyond `write_timeout`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopClient, SockhopError } from "../mod.ts";
import { RawServer } from "./helpers/raw.ts";
import { collect, pair, within } from "./helpers/util.ts";

const codeOf = (e: unknown) => e instanceof SockhopError ? e.code : String(e);

describe("disconnect() after sends that were not awaited", () => {
  const cases: [string, number, number][] = [["small", 20, 10], [
    "64 KiB",
    40,
    65536,
  ]];
  for (const [what, n, size] of cases) {
    it(`${n} ${what} sends, then disconnect(): all resolve, all arrive in order`, async () => {
      const { server, client, close } = await pair();
      try {
        const arrivals = collect<[{ i: number }]>(server, "receive", n, 10000);
        const outcomes: Promise<string>[] = [];
        for (let i = 0; i < n; i++) {
          const sent = client.send({ i, pad: "x".repeat(size) });
          outcomes.push(sent.then(() => "ok", codeOf));
        }
        await client.disconnect();
        assert.deepEqual(await Promise.all(outcomes), outcomes.map(() => "ok"));
        const got = (await arrivals).map(([data]) => data.i);
        assert.deepEqual(got, [...Array(n).keys()]);
      } finally {
        await close();
      }
    });
  }

  it("sends then disconnect() while the server's bytes wait unread: all arrive (a reset would drop them)", async () => {
    const { server, client, close } = await pair();
    try {
      const n = 20;
      const arrivals = collect<[{ i: number }]>(server, "receive", n, 10000);
      // Megabytes on their way to the client when it closes: closing at
      // once with them unread makes the kernel send a reset, and the server
      // then loses what it had not read yet.
      const [sock] = server.sockets;
      for (let i = 0; i < 16; i++) {
        server.send(sock, "z".repeat(256 * 1024)).catch(() => {});
      }
      for (let i = 0; i < n; i++) client.send({ i }).catch(() => {});
      await client.disconnect();
      const got = (await arrivals).map(([data]) => data.i);
      assert.deepEqual(got, [...Array(n).keys()]);
    } finally {
      await close();
    }
  });

  it("a peer that stops reading does not hold disconnect() up, even with write_timeout 0: the unwritten sends reject", async () => {
    const raw = await new RawServer({ reading: false }).listen();
    const client = new SockhopClient({ port: raw.port, write_timeout: 0 });
    try {
      await client.connect();
      const outcomes: Promise<string>[] = [];
      for (let i = 0; i < 64; i++) { // 16 MiB: more than kernel buffers take
        outcomes.push(
          client.send("y".repeat(256 * 1024)).then(() => "ok", codeOf),
        );
      }
      await within(client.disconnect(), 10000, "disconnect()"); // 1 s, and load
      const codes = new Set(await Promise.all(outcomes));
      assert.ok(codes.has("ERR_SOCKET_DESTROYED"), [...codes].join(", "));
    } finally {
      await client.disconnect();
      await raw.close();
    }
  });
});
