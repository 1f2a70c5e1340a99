// Cancellation with AbortSignal: requests, remote callbacks, connect() and
// start() end or reject with ERR_ABORTED (the signal's reason as cause) and
// leave nothing behind.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopClient, SockhopError, SockhopServer } from "../mod.ts";
import {
  freePort,
  isCode,
  once,
  sleep,
  waitFor,
  within,
  withPair,
  withUnconnectedPair,
} from "./helpers/util.ts";

/** A signal that counts its abort listeners, to see nothing is left. */
function countedSignal(): { controller: AbortController; live: () => number } {
  const controller = new AbortController();
  const signal = controller.signal;
  let live = 0;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  Object.assign(signal, {
    addEventListener: (...args: Parameters<typeof add>) => {
      live++;
      add(...args);
    },
    removeEventListener: (...args: Parameters<typeof remove>) => {
      live--;
      remove(...args);
    },
  });
  return { controller, live: () => live };
}

const abortedBy = (reason: unknown) => (e: unknown): boolean =>
  e instanceof SockhopError && e.code === "ERR_ABORTED" && e.cause === reason;

describe("AbortSignal", () => {
  it("an already-aborted signal rejects send, request, connect and start at once", () =>
    withPair(async ({ client }) => {
      const reason = new Error("changed my mind");
      const signal = AbortSignal.abort(reason);
      await assert.rejects(
        client.send({ a: 1 }, () => {}, { signal }),
        abortedBy(reason),
      );
      await assert.rejects(
        client.request({ a: 1 }, { signal }),
        abortedBy(reason),
      );
      const idle = new SockhopClient({ port: await freePort() });
      await assert.rejects(idle.connect({ signal }), abortedBy(reason));
      await assert.rejects(idle.start({ signal }), abortedBy(reason));
      assert.equal(idle.auto_reconnect_active, false);
    }));

  it("aborting a request ends its stream with ERR_ABORTED; later packets are ignored", () =>
    withPair(async ({ server, client }) => {
      let writes = 0;
      server.on("request", (_req, res) => {
        const timer = setInterval(() => {
          writes++;
          res.write({ part: writes }).catch(() => clearInterval(timer));
          if (writes >= 200) clearInterval(timer);
        }, 5);
      });
      const { controller, live } = countedSignal();
      const reason = "stop reading";
      const stream = await client.request({ go: true }, {
        signal: controller.signal,
      });
      const parts: unknown[] = [];
      await assert.rejects(
        (async () => {
          for await (const pkt of stream) {
            parts.push(pkt.data);
            if (parts.length === 2) controller.abort(reason);
          }
        })(),
        abortedBy(reason),
      );
      assert.equal(parts.length, 2);
      assert.ok(abortedBy(reason)(stream.error));
      assert.equal(live(), 0, "no abort listener left on the signal");
      const before = writes;
      await waitFor(() => writes > before + 3); // the server goes on writing
      assert.equal(parts.length, 2);
    }));

  it("aborting drops a remote callback: error_cb hears 'aborted', a late answer is ignored", () =>
    withPair(async ({ server, client }) => {
      let answer: ((reply: unknown) => Promise<void>) | undefined;
      server.on("receive", (data, meta) => {
        if (data.q === 1) answer = meta.callback;
        else meta.callback?.("second");
      });
      const { controller, live } = countedSignal();
      const reasons: string[] = [];
      let answered = 0;
      await client.send({ q: 1 }, () => answered++, {
        signal: controller.signal,
        error_cb: (reason) => reasons.push(reason),
      });
      await waitFor(() => answer !== undefined);
      controller.abort();
      assert.deepEqual(reasons, ["aborted"]);
      assert.equal(live(), 0);
      await answer!({ late: true });
      // A second round trip proves the late answer had time to arrive.
      await new Promise((done) => client.send({ q: 2 }, done));
      assert.equal(answered, 0);
      controller.abort(); // again: nothing more happens
      assert.deepEqual(reasons, ["aborted"]);
    }));

  it("an answered callback removes its abort listener", () =>
    withPair(async ({ server, client }) => {
      server.on("receive", (_data, meta) => meta.callback?.("ok"));
      const { controller, live } = countedSignal();
      const reasons: string[] = [];
      await new Promise((done) =>
        client.send({ q: 1 }, done, {
          signal: controller.signal,
          error_cb: (r) => reasons.push(r),
        })
      );
      assert.equal(live(), 0);
      controller.abort();
      assert.deepEqual(reasons, []);
    }));

  it("aborting connect() rejects it; the late socket is closed; connecting again works", () =>
    withUnconnectedPair(async ({ server, client }) => {
      const { controller, live } = countedSignal();
      const attempt = client.connect({ signal: controller.signal });
      controller.abort("no longer needed");
      await assert.rejects(attempt, abortedBy("no longer needed"));
      assert.equal(live(), 0);
      assert.equal(client.connected, false);
      await waitFor(() => server.sockets.length === 0);
      await client.connect(); // no ERR_MULTICONNECT from the dropped one
      assert.equal(client.connected, true);
    }));

  it("aborting start() stops retrying: it rejects and no attempt follows", async () => {
    const port = await freePort();
    const client = new SockhopClient({ port, auto_reconnect_interval: 10 });
    const errors: Error[] = [];
    client.on("connect_error", (e) => errors.push(e));
    const { controller, live } = countedSignal();
    const started = client.start({ signal: controller.signal });
    await waitFor(() => errors.length >= 2);
    controller.abort("give up");
    await assert.rejects(started, abortedBy("give up"));
    assert.equal(live(), 0);
    assert.equal(client.auto_reconnect_active, false);
    const seen = errors.length;
    const server = new SockhopServer({ port });
    await server.listen();
    try {
      await sleep(100); // ten retry intervals: none may come
      assert.equal(errors.length, seen);
      assert.equal(server.sockets.length, 0);
      assert.equal(client.connected, false);
    } finally {
      await client.disconnect();
      await server.close();
    }
  });

  it("a signal aborted after start() resolved changes nothing", () =>
    withUnconnectedPair(async ({ server, client }) => {
      const { controller, live } = countedSignal();
      const joined = once(server, "connect");
      await within(client.start({ signal: controller.signal }));
      await joined;
      assert.equal(live(), 0);
      controller.abort();
      assert.equal(client.connected, true);
      assert.equal(client.auto_reconnect_active, true);
      await assert.rejects(
        client.send("x", () => {}, { signal: controller.signal }),
        isCode("ERR_ABORTED"),
      );
    }));
});
