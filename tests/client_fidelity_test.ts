/**
 * Where the client behaves as sockhop 1.8.5's does around a connection
 * attempt: what is sent while connect() is in flight, silence once
 * disconnect() has resolved, and no timers left behind by a client that
 * will not reconnect. Absence checks wait a bounded time; a slow machine
 * can only make them pass more easily, never fail.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { SockhopClient, SockhopServer } from "../mod.ts";
import {
  collect,
  freePort,
  isCode,
  once,
  sleep,
  within,
  withUnconnectedPair,
} from "./helpers/util.ts";
import { runChildScript } from "./helpers/child_script.ts";

/** Marks a promise handled, so that a failing test leaves no stray rejection. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => {});
  return p;
}

/**
 * A plain TCP listener that accepts and never answers: a TLS client's
 * attempt against it stays in flight until its connect timeout.
 */
async function silentServer(): Promise<
  { port: number; close: () => Promise<void> }
> {
  const held: net.Socket[] = [];
  const server = net.createServer((sock) => held.push(sock));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const sock of held) sock.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Every event a client emits from now on, in order, by name. */
function recordEvents(client: SockhopClient): string[] {
  const seen: string[] = [];
  const emit = client.emit.bind(client);
  client.emit = ((event: string, ...args: unknown[]) => {
    seen.push(event);
    return (emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
  }) as typeof client.emit;
  return seen;
}

describe("sends while connect() is in flight", () => {
  it("writes sends, remote callbacks and requests made before connect() resolves, in order", async () => {
    await withUnconnectedPair(async ({ server, client }) => {
      server.on("receive", (data, meta) => meta.callback?.({ echo: data }));
      server.on("request", (req, res) => res.send({ answer: req.data }));
      const got = quiet(collect<[unknown]>(server, "receive", 3));
      const connecting = client.connect();
      const first = client.send("one");
      const answered = new Promise((resolve) =>
        client.send("two", (answer) => resolve(answer))
      );
      const third = client.send("three");
      // Read at once: all() collects what comes after it is called.
      const response = quiet(client.request({ q: 1 }).then((s) => s.all()));
      assert.equal(client.connected, false);
      await within(connecting, 5000, "connect()");
      await within(Promise.all([first, third]), 5000, "the held sends");
      assert.deepEqual((await got).map(([data]) => data), [
        "one",
        "two",
        "three",
      ]);
      assert.deepEqual(await within(answered, 5000, "the callback"), {
        echo: "two",
      });
      assert.deepEqual(await within(response, 5000, "the response"), [
        { data: { answer: { q: 1 } }, type: "Object" },
      ]);
    });
  });

  it("lets the server's connect handler send through the client before its connect() resolves", async () => {
    await withUnconnectedPair(async ({ server, client }) => {
      const sent: Promise<void>[] = [];
      server.on("connect", () => sent.push(client.send("from the handler")));
      const accepted = quiet(once(server, "connect"));
      const got = quiet(once<[unknown]>(server, "receive"));
      await client.connect();
      await accepted;
      assert.equal(sent.length, 1);
      await within(sent[0], 5000, "the handler's send");
      assert.deepEqual((await got)[0], "from the handler");
    });
  });

  it("bounds what is held by max_pending_bytes", async () => {
    await withUnconnectedPair({}, { max_pending_bytes: 1000 }, async (p) => {
      const got = quiet(once<[unknown]>(p.server, "receive"));
      const connecting = p.client.connect();
      const fits = p.client.send("a".repeat(600));
      await assert.rejects(
        p.client.send("b".repeat(600)),
        isCode("ERR_SEND_QUEUE_FULL"),
      );
      await connecting;
      await fits;
      assert.equal((await got)[0], "a".repeat(600));
    });
  });

  it("rejects what was held with ERR_SOCKET_DESTROYED when the attempt fails", async () => {
    const client = new SockhopClient({ port: await freePort() });
    const connecting = client.connect();
    const sent = client.send("lost");
    const requested = client.request("lost too");
    await assert.rejects(connecting);
    await assert.rejects(sent, isCode("ERR_SOCKET_DESTROYED"));
    await assert.rejects(requested, isCode("ERR_SOCKET_DESTROYED"));
    await client.disconnect();
  });

  it("leaves sends taken by the offline queue held when the attempt fails", async () => {
    const port = await freePort();
    const client = new SockhopClient({ port, offline_queue_size: 5 });
    const server = new SockhopServer({ port });
    try {
      const connecting = client.connect();
      const sent = client.send("kept");
      const requested = quiet(client.request("not kept"));
      await assert.rejects(connecting);
      await assert.rejects(requested, isCode("ERR_SOCKET_DESTROYED"));
      assert.equal(client.offline_queue_length, 1);
      const got = quiet(once<[unknown]>(server, "receive"));
      await server.listen();
      await client.connect();
      await within(sent, 5000, "the held send");
      assert.equal((await got)[0], "kept");
    } finally {
      await client.disconnect();
      await server.close();
    }
  });

  it("rejects what was held with ERR_SOCKET_DESTROYED on disconnect()", async () => {
    await withUnconnectedPair(async ({ client }) => {
      const connecting = client.connect();
      const sent = client.send("dropped");
      await client.disconnect();
      await assert.rejects(sent, isCode("ERR_SOCKET_DESTROYED"));
      await assert.rejects(connecting, isCode("ERR_SOCKET_DESTROYED"));
      assert.equal(client.connected, false);
    });
  });
});

describe("after disconnect() resolves", () => {
  it("emits nothing: an attempt of start() against a port nobody listens on", async () => {
    const port = await freePort();
    // First with the attempt of start() itself in flight, then at whatever
    // point of the retries the wait lands on.
    for (const wait of [-1, 0, 5, 15, 30]) {
      const client = new SockhopClient({ port, auto_reconnect_interval: 10 });
      client.on("connect_error", () => {});
      const started = client.start();
      started.catch(() => {});
      if (wait >= 0) await sleep(wait);
      await client.disconnect();
      const after = recordEvents(client);
      await sleep(150);
      assert.deepEqual(after, [], `after ${wait} ms`);
      await assert.rejects(started, isCode("ERR_SOCKET_DESTROYED"));
    }
  });

  it("emits nothing: an attempt that would have succeeded", async () => {
    const server = new SockhopServer({ port: 0 });
    await server.listen();
    try {
      for (let i = 0; i < 5; i++) {
        const client = new SockhopClient({
          port: server.port,
          auto_reconnect_interval: 10,
        });
        client.on("connect_error", () => {});
        client.start().catch(() => {});
        await client.disconnect();
        const after = recordEvents(client);
        await sleep(150);
        assert.deepEqual(after, []);
        assert.equal(client.connected, false);
      }
    } finally {
      await server.close();
    }
  });

  it("emits nothing: a reconnect attempt in flight", async () => {
    const silent = await silentServer();
    const client = new SockhopClient({
      port: silent.port,
      ssl: true,
      connect_timeout: 60,
      auto_reconnect_interval: 10,
    });
    try {
      client.on("connect_error", () => {});
      client.start().catch(() => {});
      await once(client, "connect_error");
      await sleep(20); // the next attempt is under way
      await client.disconnect();
      const after = recordEvents(client);
      await sleep(150);
      assert.deepEqual(after, []);
    } finally {
      await client.disconnect();
      await silent.close();
    }
  });

  it("has ended the attempt in flight: connect() rejects without waiting for its timeout", async () => {
    const silent = await silentServer();
    const client = new SockhopClient({
      port: silent.port,
      ssl: true,
      connect_timeout: 60_000,
    });
    try {
      const connecting = quiet(client.connect());
      await sleep(50); // the handshake is under way
      await client.disconnect();
      await assert.rejects(
        within(connecting, 2000, "connect() to reject"),
        isCode("ERR_SOCKET_DESTROYED"),
      );
    } finally {
      await silent.close();
    }
  });
});

describe("timers", () => {
  it("a pinging client whose server vanished, without auto-reconnect, lets the process exit", async () => {
    const run = await runChildScript(
      ["SockhopClient", "SockhopServer"],
      `const server = new SockhopServer({ port: 0 });
await server.listen();
const client = new SockhopClient({ port: server.port });
client.ping(20);
await client.connect();
const dropped = new Promise((r) => client.once("disconnect", r));
await server.close();
await dropped;
const never = new SockhopClient({ port: server.port });
never.ping(20);
await never.connect().catch(() => {});
console.log("done");`,
    );
    assert.ok(run.exited, `the child did not exit by itself: ${run.stderr}`);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), "done");
  });
});
