// Async listeners: the promise a listener returns is watched, and its
// rejection is reported as a thrown error would be. The handlers of the
// README and of the doc comments run here as written, without an `error`
// listener, against clients that leave, reset or stop reading mid-stream:
// the process lives on and serves the next client.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  SockhopClient,
  SockhopError,
  SockhopServer,
  SockhopSession,
  TypedEmitter,
} from "../mod.ts";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import {
  denoCommand,
  isDeno,
  once,
  repoRoot,
  sleep,
  waitFor,
  withPair,
} from "./helpers/util.ts";
import { closed, rawConnect } from "./helpers/raw.ts";
import { watchCrashes } from "./helpers/crashes.ts";
import { type CommandResult, runCommand } from "./helpers/run_command.ts";

const MiB = 1024 * 1024;

/**
 * Runs a module body in a child process of this runtime (Deno on the
 * sources, Node on the npm build) with SockhopServer, SockhopClient,
 * SockhopError and process in scope.
 */
function runChild(body: string): Promise<CommandResult> {
  const lib = isDeno
    ? join(repoRoot(), "mod.ts")
    : join(repoRoot(), "npm", "esm", "mod.js");
  const code = `import process from "node:process";
import { SockhopClient, SockhopError, SockhopServer } from ${
    JSON.stringify(pathToFileURL(lib).href)
  };
${body}`;
  const [command, args] = isDeno
    ? [denoCommand(), ["eval", "--quiet", code]]
    : [process.execPath, ["--input-type=module", "-e", code]];
  return runCommand(command, args, { cwd: repoRoot(), timeout: 30_000 });
}

class Chat {
  constructor(public text = "") {}
}

/** Lets queued rejections and their reports run (a few macrotasks). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await sleep(0);
}

/**
 * Runs `fn` with crashes watched and asserts, once late rejections have
 * been reported, that none escaped; the watch stops whatever happens.
 */
async function withoutCrashes(fn: () => Promise<void>): Promise<void> {
  const crashes = watchCrashes();
  try {
    await fn();
    await settle();
    assert.deepEqual(crashes.escaped, []);
  } finally {
    crashes.stop();
  }
}

/** Starts `server`, runs `fn` {@linkcode withoutCrashes}, closes `server`. */
async function servesWithoutCrashes(
  server: SockhopServer,
  fn: () => Promise<void>,
): Promise<void> {
  await server.listen();
  try {
    await withoutCrashes(fn);
  } finally {
    await server.close();
  }
}

/**
 * The SockhopServer doc example's broadcasting chat, handler verbatim,
 * on a TCP port (the example uses a Unix socket path).
 */
function chatServer(opts: { max_pending_bytes?: number } = {}): SockhopServer {
  const server = new SockhopServer({ port: 0, ...opts });
  server.on("receive:Chat", async (chat: Chat, { session }) => {
    await server.sendall(new Chat(`${session.id}: ${chat.text}`));
  });
  return server;
}

/** A client that joins the chat, says something and hears it back. */
async function chatsAndHears(server: SockhopServer, text: string) {
  const client = new SockhopClient({ port: server.port });
  await client.connect();
  try {
    const heard = once<[Chat]>(client, "receive:Chat");
    await client.send(new Chat(text));
    const [chat] = await heard;
    assert.ok(chat.text.endsWith(`: ${text}`), chat.text);
  } finally {
    await client.disconnect();
  }
}

/**
 * Queues `n` messages of 1 MiB to a client that does not read, so that
 * what is sent to it next waits in its queue. Returns their outcomes.
 */
function backlog(server: SockhopServer, sock: unknown, n: number) {
  const text = "x".repeat(MiB);
  return Promise.allSettled(
    Array.from({ length: n }, () => server.send(sock as never, text)),
  );
}

describe("handlers of the README and doc comments, with no error listener", () => {
  it("README's streamed-request handler: a client asks for 100,000 parts and leaves after 50 ms", async () => {
    const server = new SockhopServer({ port: 0 });
    // README, "Streamed requests":
    server.on("request", async (req, res, { session }) => {
      console.log(`request ${req.uuid}: a ${req.type} from ${session.id}`);
      const { count } = req.data as { count: number };
      for (let i = 1; i <= count; i++) await res.write({ part: i });
      await res.send("done"); // the last packet
    });
    await servesWithoutCrashes(server, async () => {
      const greedy = new SockhopClient({ port: server.port });
      await greedy.connect();
      let parts = 0;
      const stream = await greedy.request({ count: 100_000 });
      stream.on("data", () => parts++);
      await sleep(50);
      const left = once(server, "disconnect");
      await greedy.disconnect();
      await left;
      await settle();
      assert.ok(parts < 100_000, `the client got all ${parts} parts`);

      // The process lives on and serves the next client.
      const next = new SockhopClient({ port: server.port });
      await next.connect();
      const packets = await (await next.request({ count: 3 })).all();
      assert.deepEqual(packets.map((p) => p.data), [
        { part: 1 },
        { part: 2 },
        { part: 3 },
        "done",
      ]);
      await next.disconnect();
    });
  });

  it("SockhopServer's chat example: a client resets while broadcasts to it are queued", async () => {
    const server = chatServer();
    await servesWithoutCrashes(server, async () => {
      const talker = new SockhopClient({ port: server.port });
      await talker.connect();
      await waitFor(() => server.sockets.length === 1, 5000, "the talker");
      const resetter = await rawConnect(server.port);
      resetter.pause(); // reads nothing: what is sent to it piles up
      await waitFor(() => server.sockets.length === 2, 5000, "two clients");
      const victim = server.sockets[1]; // registered after the talker
      const queued = backlog(server, victim, 16);
      const echoes = once(talker, "receive:Chat");
      await talker.send(new Chat("hello all"));
      await echoes; // the broadcast is also queued for the resetter
      resetter.resetAndDestroy();
      await closed(resetter);
      await waitFor(() => server.sockets.length === 1, 5000, "the reset");
      const outcomes = await queued;
      assert.ok(outcomes.some((o) => o.status === "rejected"));
      // More broadcasts go on while the reset is being noticed.
      for (let i = 0; i < 5; i++) {
        const echo = once(talker, "receive:Chat");
        await talker.send(new Chat(`again ${i}`));
        await echo;
      }
      await talker.disconnect();
      await settle();

      await chatsAndHears(server, "anyone there?");
    });
  });

  it("SockhopServer's chat example: one client stops reading (ERR_SEND_QUEUE_FULL)", async () => {
    const server = chatServer({ max_pending_bytes: MiB });
    await servesWithoutCrashes(server, async () => {
      const stalled = await rawConnect(server.port);
      stalled.pause();
      try {
        await waitFor(() => server.sockets.length === 1, 5000, "the client");
        const victim = server.sockets[0];
        // Fill its queue until sends to it are refused.
        let full: unknown;
        for (let i = 0; i < 200 && full === undefined; i++) {
          const [outcome] = await Promise.race([
            backlog(server, victim, 1),
            sleep(5).then(() => [{ status: "fulfilled" }] as const),
          ]);
          if (outcome.status === "rejected") full = outcome.reason;
        }
        assert.ok(full instanceof SockhopError, String(full));
        assert.equal(full.code, "ERR_SEND_QUEUE_FULL");

        // Every broadcast now fails for the stalled client.
        for (let i = 0; i < 3; i++) {
          await chatsAndHears(server, `chat ${i}`);
        }
        await settle();
        assert.equal(server.sockets.length, 1); // still connected, still stalled
      } finally {
        stalled.destroy();
      }
    });
  });

  it("README's echo handler returns the callback's promise: the asker resets before the answer is written", async () => {
    const server = new SockhopServer({ port: 0 });
    // README, "Unix domain sockets":
    server.on("receive", (data, meta) => meta.callback?.(`echo: ${data}`));
    await servesWithoutCrashes(server, async () => {
      const asker = await rawConnect(server.port);
      asker.pause();
      await waitFor(() => server.sockets.length === 1, 5000, "the asker");
      const queued = backlog(server, server.sockets[0], 16);
      const asked = once(server, "receive");
      asker.write('{"type":"String","data":"ping","id":"q1"}\n');
      await asked;
      asker.resetAndDestroy();
      await closed(asker);
      await waitFor(() => server.sockets.length === 0, 5000, "the reset");
      await queued;
      await settle();

      const next = new SockhopClient({ port: server.port });
      await next.connect();
      const answer = await new Promise((r) => next.send("ping", r));
      assert.equal(answer, "echo: ping");
      await next.disconnect();
    });
  });

  it("the doc comments' sync handlers that return values (score++, console.log) are unaffected", async () => {
    class Player extends SockhopSession {
      score = 0;
    }
    await withoutCrashes(() =>
      withPair({ session_type: Player }, async ({ server, client }) => {
        // SockhopSession's doc example:
        server.on(
          "receive",
          (_data, { session }) => (session as Player).score++,
        );
        server.on(
          "connect",
          (_sock, session) => console.log("joined:", session.id),
        );
        const got = once(server, "receive");
        await client.send("point");
        await got;
        assert.equal((server.sessions[0] as Player).score, 1);
      })
    );
  });
});

describe("an async listener's rejection is reported as a thrown error is", () => {
  it("client: an error event for a failing receive listener", async () => {
    await withPair(async ({ server, client }) => {
      const boom = new Error("receive failed");
      client.on("receive", async () => {
        await sleep(1);
        throw boom;
      });
      const reported = once<[Error]>(client, "error");
      await server.sendall("hi");
      assert.equal((await reported)[0], boom);
    });
  });

  it("server: an error event with the client's socket and session, for receive:<type>, request and connect listeners", async () => {
    const server = new SockhopServer({ port: 0 });
    const errors: [string, unknown, unknown][] = [];
    server.on(
      "error",
      (e, sock, session) => errors.push([e.message, sock, session]),
    );
    server.on("connect", async () => {
      await sleep(0);
      throw new Error("connect");
    });
    server.on("receive:Chat", async () => {
      await sleep(0);
      throw new Error("receive:Chat");
    });
    server.on("request", async (_req, res) => {
      await res.send("ok");
      throw new Error("request");
    });
    await server.listen();
    const client = new SockhopClient({ port: server.port });
    try {
      await client.connect();
      await client.send(new Chat("x"));
      await (await client.request("r")).all();
      await waitFor(() => errors.length === 3, 5000, "three error events");
      const [sock] = server.sockets;
      const [session] = server.sessions;
      assert.deepEqual(
        errors.map(([m]) => m).sort(),
        ["connect", "receive:Chat", "request"],
      );
      for (const [, s, sess] of errors) {
        assert.equal(s, sock);
        assert.equal(sess, session);
      }
    } finally {
      await client.disconnect();
      await server.close();
    }
  });

  it("response stream: a failing data listener reaches its client's error event", async () => {
    await withPair(async ({ server, client }) => {
      server.on("request", (_req, res) => res.send("only"));
      const boom = new Error("data failed");
      const reported = once<[Error]>(client, "error");
      const stream = await client.request("q");
      stream.on("data", async () => {
        await sleep(0);
        throw boom;
      });
      assert.equal((await reported)[0], boom);
    });
  });

  it("session: its own error event if it has one, else the server's", async () => {
    await withPair(async ({ server }) => {
      const session = server.sessions[0];
      const serverErrors: unknown[] = [];
      server.on("error", (e, _sock, s) => serverErrors.push([e, s]));
      const first = new Error("first");
      session.on("tick", async () => {
        await sleep(0);
        throw first;
      });
      session.emit("tick");
      await waitFor(() => serverErrors.length === 1, 5000, "server error");
      assert.deepEqual(serverErrors[0], [first, session]);

      const own: unknown[] = [];
      session.on("error", (e: unknown) => own.push(e));
      session.emit("tick");
      await waitFor(() => own.length === 1, 5000, "session error");
      assert.equal(own[0], first);
      assert.equal(serverErrors.length, 1);
    });
  });

  it("without an error listener: SockhopErrors are dropped, anything else escapes as an uncaught exception", async () => {
    const { code, stdout, stderr } = await runChild(`
      const server = new SockhopServer({ port: 0 });
      server.on("receive", async (data) => {
        await null;
        if (data === "sockhop") {
          throw new SockhopError("gone", "ERR_SOCKET_DESTROYED");
        }
        throw new TypeError("a bug in the handler");
      });
      await server.listen();
      const client = new SockhopClient({ port: server.port });
      await client.connect();
      await client.send("sockhop");
      await new Promise((r) => setTimeout(r, 100));
      console.log("alive after the SockhopError");
      await client.send("bug");
      setTimeout(() => {
        console.log("still alive after the TypeError");
        process.exit(0);
      }, 5000);
    `);
    assert.match(stdout, /alive after the SockhopError/);
    assert.doesNotMatch(stdout, /still alive/);
    assert.notEqual(code, 0);
    assert.match(stderr, /a bug in the handler/);
  });

  it("TypedEmitter: off(), once() and listeners() still work on the original functions", async () => {
    const bell = new TypedEmitter<{ ring: [n: number]; error: [e: Error] }>();
    const rings: number[] = [];
    const listener = (n: number) => void rings.push(n);
    bell.on("ring", listener);
    bell.once("ring", (n) => void rings.push(n * 10));
    assert.deepEqual(bell.listeners("ring")[0], listener);
    bell.emit("ring", 1);
    bell.emit("ring", 2);
    bell.off("ring", listener);
    bell.emit("ring", 3);
    assert.deepEqual(rings, [1, 10, 2]);
    assert.equal(bell.listenerCount("ring"), 0);

    const onceOff = () => rings.push(99);
    bell.once("ring", onceOff);
    bell.off("ring", onceOff);
    bell.emit("ring", 4);
    assert.deepEqual(rings, [1, 10, 2]);

    const errors: Error[] = [];
    bell.on("error", (e) => errors.push(e));
    bell.on("ring", async () => {
      await sleep(0);
      throw new Error("async ring");
    });
    bell.emit("ring", 5);
    await waitFor(() => errors.length === 1, 5000, "the error event");
    assert.equal(errors[0].message, "async ring");
  });
});
