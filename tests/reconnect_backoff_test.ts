// Reconnect backoff (auto_reconnect_max_interval): the delays that
// connect_error reports, fixed by default, growing and capped otherwise,
// spread by jitter, and starting over after a connection. Delays are
// asserted from what the client reports (with Math.random pinned where the
// exact figures matter), never from wall time.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ConnectErrorInfo, SockhopClient, SockhopServer } from "../mod.ts";
import { collect, freePort, once } from "./helpers/util.ts";
import { runChildScript } from "./helpers/child_script.ts";

/** The infos of a client's next `n` connect_error events. */
async function failures(
  client: SockhopClient,
  n: number,
): Promise<ConnectErrorInfo[]> {
  const events = await collect<[Error, ConnectErrorInfo]>(
    client,
    "connect_error",
    n,
  );
  return events.map(([, info]) => info);
}

/** Runs `body` with Math.random returning `value`. */
async function withRandom<T>(value: number, body: () => Promise<T>) {
  const real = Math.random;
  Math.random = () => value;
  try {
    return await body();
  } finally {
    Math.random = real;
  }
}

/** A started client on a port nobody listens on. */
async function refused(
  opts: {
    auto_reconnect_interval: number;
    auto_reconnect_max_interval?: number;
  },
) {
  const client = new SockhopClient({ port: await freePort(), ...opts });
  client.start().catch(() => {}); // rejects on disconnect()
  return client;
}

describe("reconnect backoff", () => {
  it("by default every delay is auto_reconnect_interval, with no jitter", async () => {
    const client = await refused({ auto_reconnect_interval: 15 });
    try {
      const infos = await failures(client, 5);
      assert.deepEqual(infos.map((i) => i.attempt), [1, 2, 3, 4, 5]);
      assert.deepEqual(infos.map((i) => i.next_delay), [15, 15, 15, 15, 15]);
    } finally {
      await client.disconnect();
    }
  });

  it("a larger maximum doubles the delay's ceiling per failure, up to the maximum", async () => {
    await withRandom(1 - 1e-12, async () => {
      const client = await refused({
        auto_reconnect_interval: 10,
        auto_reconnect_max_interval: 80,
      });
      try {
        const infos = await failures(client, 6);
        assert.deepEqual(infos.map((i) => i.attempt), [1, 2, 3, 4, 5, 6]);
        assert.deepEqual(
          infos.map((i) => i.next_delay),
          [20, 40, 80, 80, 80, 80],
        );
      } finally {
        await client.disconnect();
      }
    });
    await withRandom(0, async () => {
      const client = await refused({
        auto_reconnect_interval: 10,
        auto_reconnect_max_interval: 80,
      });
      try {
        const infos = await failures(client, 3);
        // The interval is the floor of every delay.
        assert.deepEqual(infos.map((i) => i.next_delay), [10, 10, 10]);
      } finally {
        await client.disconnect();
      }
    });
  });

  it("jitter spreads the delays of clients failing together, within the bounds", async () => {
    const clients = await Promise.all(
      Array.from({ length: 8 }, () =>
        refused({
          auto_reconnect_interval: 10,
          auto_reconnect_max_interval: 10_000,
        })),
    );
    try {
      const all = await Promise.all(clients.map((c) => failures(c, 3)));
      for (const infos of all) {
        infos.forEach(({ attempt, next_delay }, i) => {
          assert.equal(attempt, i + 1);
          assert.ok(next_delay >= 10, `${next_delay} under the interval`);
          assert.ok(
            next_delay <= 10 * 2 ** attempt,
            `${next_delay} over the ceiling of attempt ${attempt}`,
          );
        });
      }
      for (let i = 0; i < 3; i++) {
        const delays = new Set(all.map((infos) => infos[i].next_delay));
        assert.ok(delays.size > 1, `attempt ${i + 1}: all ${[...delays]}`);
      }
    } finally {
      await Promise.all(clients.map((c) => c.disconnect()));
    }
  });

  it("starts over after a connection: the next failure is attempt 1 again", async () => {
    await withRandom(1 - 1e-12, async () => {
      const port = await freePort();
      const client = new SockhopClient({
        port,
        auto_reconnect_interval: 10,
        auto_reconnect_max_interval: 1000,
      });
      const server = new SockhopServer({ port });
      try {
        const started = client.start();
        started.catch(() => {}); // awaited below; rejects if never connected
        const before = await failures(client, 3);
        assert.deepEqual(before.map((i) => i.next_delay), [20, 40, 80]);
        await server.listen();
        await started;
        const dropped = once(client, "disconnect");
        const after = failures(client, 2);
        await server.close();
        await dropped;
        assert.deepEqual(await after, [
          { attempt: 1, next_delay: 20 },
          { attempt: 2, next_delay: 40 },
        ]);
      } finally {
        await client.disconnect();
        await server.close();
      }
    });
  });

  it("leaves no timer behind: a backing-off client that disconnects lets the process exit", async () => {
    const run = await runChildScript(
      ["SockhopClient", "SockhopServer"],
      `const spare = new SockhopServer({ port: 0 });
await spare.listen();
const port = spare.port;
await spare.close();
const client = new SockhopClient({
  port,
  auto_reconnect_interval: 10,
  auto_reconnect_max_interval: 60_000,
});
let failed = 0;
client.on("connect_error", () => failed++);
client.start().catch(() => {});
while (failed < 3) await new Promise((r) => setTimeout(r, 5));
await client.disconnect();
console.log("done");`,
    );
    assert.ok(run.exited, `the child did not exit by itself: ${run.stderr}`);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), "done");
  });
});
