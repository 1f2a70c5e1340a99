/**
 * Resumable sessions (`resume`) through the fault proxy: thousands of
 * messages each way, with remote callbacks and requests, while links are
 * cut at random offsets or black-holed; then a server that forgot the
 * session. Waits are hang guards, never pass/fail timings.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SockhopClient, SockhopServer, type SockhopSession } from "../mod.ts";
import { withFaultProxy } from "./helpers/fault_proxy.ts";
import { once, waitFor } from "./helpers/util.ts";
import {
  clientWorkload,
  serverSends,
  serveWorkload,
} from "./helpers/resume_workload.ts";

const COUNT = 10_000;
const GUARD = 60_000;
const WINDOW = 10_000;

describe("resume", () => {
  for (const fault of ["cut", "black hole"] as const) {
    const faults = fault === "cut" ? 50 : 10;
    it(`${COUNT} messages each way survive ${faults} links ${fault}`, async () => {
      const server = new SockhopServer({ port: 0, resume: WINDOW });
      const work = serveWorkload(server);
      const sessions: SockhopSession[] = [];
      let gone = 0;
      let resumed = 0;
      server.on("connect", (_s, session) => {
        sessions.push(session);
        session.on("resume", () => resumed++);
      });
      server.on("disconnect", () => gone++);
      await server.listen();
      try {
        await withFaultProxy(server.port, {}, async (proxy) => {
          let faulty = 0;
          proxy.onLink((link) => {
            if (faulty >= faults) return;
            faulty++;
            if (fault === "cut") link.cutAtRandom("either", 6000, 400);
            else link.blackHoleAtRandom("either", 30_000, 1000);
          });
          const client = new SockhopClient({
            port: proxy.port,
            resume: WINDOW,
            auto_reconnect_interval: 5,
          });
          const events = { connect: 0, disconnect: 0, resume: 0 };
          client.on("connect", () => events.connect++);
          client.on("disconnect", () => events.disconnect++);
          client.on("resume", () => events.resume++);
          try {
            if (fault === "black hole") client.ping(40);
            const mine = clientWorkload(client, COUNT);
            await client.connect();
            await waitFor(() => sessions.length === 1, GUARD, "the session");
            await Promise.all([
              mine.send(),
              serverSends(sessions[0], COUNT, work),
            ]);
            await waitFor(
              () =>
                mine.report.inOrder + mine.report.wrong >= COUNT &&
                work.inOrder + work.wrong >= COUNT,
              GUARD,
              "every message",
            );
            const why = `${proxy.describe()} seed ${proxy.seed}`;
            assert.equal(faulty, faults, why);
            assert.deepEqual(mine.report, {
              inOrder: COUNT,
              wrong: 0,
              answers: COUNT / 50,
              badAnswers: 0,
              requests: COUNT / 200,
              badRequests: 0,
            }, why);
            assert.deepEqual(work, {
              inOrder: COUNT,
              wrong: 0,
              answers: COUNT / 50,
              badAnswers: 0,
              requests: 0,
              badRequests: 0,
            }, why);
            assert.equal(sessions.length, 1, why);
            assert.equal(gone, 0, why);
            assert.equal(events.connect, 1);
            assert.equal(events.disconnect, 0);
            // A cut during a reconnection's hello costs a link, not a resume.
            assert.ok(proxy.links.length > faults, why);
            assert.ok(events.resume > faults / 2, `${events.resume} resumes`);
            assert.equal(resumed, events.resume);
            console.log(
              `resume (${fault}): ${COUNT} each way, ${proxy.links.length} links, ${events.resume} resumes, ${
                COUNT / 50
              } callbacks and ${COUNT / 200} requests answered`,
            );
          } finally {
            client.ping(0);
            await client.disconnect();
          }
        });
      } finally {
        await server.close();
      }
    });
  }
});
