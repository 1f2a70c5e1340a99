/**
 * Resumable sessions (`resume`) through the fault proxy: thousands of
 * messages each way, with remote callbacks and requests, while links are
 * cut at random offsets or black-holed; then a server that forgot the
 * session. Waits are hang guards, never pass/fail timings.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopClient, SockhopServer, type SockhopSession } from "../mod.ts";
import { type FaultProxy, withFaultProxy } from "./helpers/fault_proxy.ts";
import net from "node:net";
import { isCode, once, waitFor } from "./helpers/util.ts";
import { grantText } from "../src/resume/hello.ts";
import { serverSends, serveWorkload } from "./helpers/resume_workload.ts";
import { clientThroughFaults, GUARD, perfect } from "./helpers/resume_rig.ts";

const COUNT = 10_000;
const WINDOW = 10_000;

describe("resume", () => {
  for (const fault of ["cut", "black hole"] as const) {
    const faults = fault === "cut" ? 50 : 10;
    it(`${COUNT} messages each way survive ${faults} links ${fault}`, async () => {
      const server = new SockhopServer({ port: 0, resume: WINDOW });
      const work = serveWorkload(server);
      const sessions: SockhopSession[] = [];
      let gone = 0;
      let goneAtEnd = -1;
      let resumed = 0;
      server.on("connect", (_s, session) => {
        sessions.push(session);
        session.on("resume", () => resumed++);
      });
      server.on("disconnect", () => gone++);
      await server.listen();
      try {
        const run = await clientThroughFaults({
          port: server.port,
          window: WINDOW,
          count: COUNT,
          fault,
          faults,
          serverDone: async () => {
            await waitFor(() => sessions.length > 0, GUARD, "the session");
            await serverSends(sessions[0], COUNT, work);
            await waitFor(
              () => work.inOrder + work.wrong >= COUNT,
              GUARD,
              "every message at the server",
            );
          },
          atEnd: () => (goneAtEnd = gone),
        });
        const { why, events } = run;
        assert.deepEqual(run.report, perfect(COUNT, COUNT / 200), why);
        assert.deepEqual(work, perfect(COUNT, 0), why);
        assert.equal(sessions.length, 1, why);
        assert.equal(goneAtEnd, 0, why);
        assert.equal(events.connect, 1, why);
        assert.equal(events.disconnect, 0, why);
        // A cut during a reconnection's hello costs a link, not a resume.
        assert.ok(run.links > faults, why);
        assert.ok(events.resume > faults / 2, `${events.resume} resumes`);
        assert.equal(resumed, events.resume);
        console.log(
          `resume (${fault}): ${COUNT} each way, ${run.links} links, ${events.resume} resumes, ${
            COUNT / 50
          } callbacks each way and ${COUNT / 200} requests answered`,
        );
      } finally {
        await server.close();
      }
    });
  }
});

/** Listens, retrying while the port is still held by the old server's sockets. */
async function listenRetrying(server: SockhopServer): Promise<void> {
  for (let n = 0;; n++) {
    try {
      return void await server.listen();
    } catch (e) {
      if (n > 200) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/**
 * A client with `resume` through `proxy`, whose link (link 0) is
 * black-holed after one acknowledged send, and `count` sends made into
 * the black hole: how each settles ("resolved" or its code).
 */
async function strandedSends(proxy: FaultProxy, window: number, count: number) {
  const client = new SockhopClient({
    port: proxy.port,
    resume: window,
    auto_reconnect_interval: 5,
  });
  await client.connect();
  await client.send({ before: true }); // acknowledged
  const first = await proxy.link(0);
  first.blackHole();
  const outcomes: string[] = [];
  const settled = Promise.all(
    Array.from({ length: count }, (_, n) =>
      client.send({ n }).then(
        () => outcomes.push("resolved"),
        (e) => outcomes.push(e.code),
      )),
  );
  return { client, first, outcomes, settled };
}

describe("resume: lost sessions and bounds", () => {
  it("a restarted server does not know the session: unacknowledged sends reject with ERR_SESSION_LOST", async () => {
    let server = new SockhopServer({ port: 0, resume: WINDOW });
    await server.listen();
    const port = server.port;
    try {
      await withFaultProxy(port, {}, async (proxy) => {
        const stranded = await strandedSends(proxy, WINDOW, 20);
        const { client, first, outcomes } = stranded;
        try {
          await server.close(); // its goodbye is lost in the black hole
          await first.reset();
          server = new SockhopServer({ port, resume: WINDOW });
          await listenRetrying(server);
          await once(client, "disconnect", GUARD);
          await stranded.settled;
          assert.deepEqual(
            outcomes,
            Array(20).fill("ERR_SESSION_LOST"),
            proxy.describe(),
          );
        } finally {
          await client.disconnect();
        }
      });
    } finally {
      await server.close();
    }
  });

  it("when the window passes, both sides end the session and unacknowledged sends reject with ERR_SESSION_LOST", async () => {
    const window = 300;
    const server = new SockhopServer({ port: 0, resume: window });
    const gone = new Promise((r) => server.once("disconnect", r));
    await server.listen();
    try {
      await withFaultProxy(server.port, {}, async (proxy) => {
        const stranded = await strandedSends(proxy, window, 5);
        const { client, outcomes } = stranded;
        try {
          const dropped = once(client, "disconnect", GUARD);
          await proxy.close(); // resets the link; no new link can be made
          await dropped;
          await stranded.settled;
          assert.deepEqual(outcomes, Array(5).fill("ERR_SESSION_LOST"));
          await gone;
        } finally {
          await client.disconnect();
        }
      });
    } finally {
      await server.close();
    }
  });

  it("a peer that never acknowledges stops the sender at max_pending_bytes", async () => {
    const limit = 20_000;
    const sockets = new Set<net.Socket>();
    const raw = net.createServer((sock) => {
      sockets.add(sock);
      let text = "";
      sock.on("data", (chunk) => {
        if (text === undefined) return; // records from now on: never acked
        text += chunk.toString("latin1");
        const line = text.split("\n")[0];
        if (!text.includes("\n")) return;
        const { id } = JSON.parse(line);
        sock.write(grantText(id, { token: "t".repeat(64), received: 0 }, "\n"));
        text = undefined as unknown as string;
      });
      sock.on("error", () => {});
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    const client = new SockhopClient({
      port: (raw.address() as net.AddressInfo).port,
      resume: WINDOW,
      max_pending_bytes: limit,
    });
    try {
      await client.connect();
      const big = "x".repeat(1000);
      let resolved = 0;
      let accepted = 0;
      let full: unknown;
      const sends: Promise<unknown>[] = [];
      for (let n = 0; n < 1000 && full === undefined; n++) {
        sends.push(
          client.send({ big }).then(() => resolved++, (e) => (full ??= e)),
        );
        accepted++;
        await new Promise((r) => setTimeout(r, 0));
      }
      assert.ok(isCode("ERR_SEND_QUEUE_FULL")(full), `${full}`);
      assert.equal(resolved, 0);
      // The retransmit buffer holds max_pending_bytes, the write queue as
      // much again: nothing more is taken.
      assert.ok(accepted * 1000 < 3 * limit, `${accepted} sends taken`);
      await client.disconnect();
      await Promise.all(sends);
    } finally {
      await client.disconnect();
      for (const s of sockets) s.destroy();
      await new Promise((r) => raw.close(r));
    }
  });
});
