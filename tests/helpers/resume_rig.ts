/**
 * The client half of the resume acceptance test: a client with `resume`
 * runs the workload (tests/helpers/resume_workload.ts) against a server at
 * `port` through the fault proxy, whose first `faults` links are cut at
 * random offsets or black-holed; the server half runs in this process or
 * in a peer of another runtime.
 */
import assert from "node:assert/strict";
import { SockhopClient } from "../../mod.ts";
import { withFaultProxy } from "./fault_proxy.ts";
import { clientWorkload, type SideReport } from "./resume_workload.ts";
import { waitFor } from "./util.ts";

/** Hang guard of the whole run. */
export const GUARD = 60_000;

/** What a fault run saw on the client's side. */
export interface ClientRun {
  report: SideReport;
  events: { connect: number; disconnect: number; resume: number };
  links: number;
  faulty: number;
  /** The proxy's account (seed, links), for failure messages. */
  why: string;
}

/** The report of a side that saw everything exactly once. */
export function perfect(count: number, requests: number): SideReport {
  return {
    inOrder: count,
    wrong: 0,
    answers: count / 50,
    badAnswers: 0,
    requests,
    badRequests: 0,
  };
}

/**
 * Runs the client half; `serverDone` resolves once the server half has
 * sent and received everything.
 */
export async function clientThroughFaults(opts: {
  port: number;
  window: number;
  count: number;
  fault: "cut" | "black hole";
  faults: number;
  serverDone: () => Promise<void>;
  /** Called once everything arrived, before the client disconnects. */
  atEnd?: () => void;
}): Promise<ClientRun> {
  const { count, fault, faults } = opts;
  return await withFaultProxy(opts.port, {}, async (proxy) => {
    let faulty = 0;
    proxy.onLink((link) => {
      if (faulty >= faults) return;
      faulty++;
      // From byte 400 on: the first link's hello and answer get through.
      if (fault === "cut") link.cutAtRandom("either", 6000, 400);
      else link.blackHoleAtRandom("either", 30_000, 1000);
    });
    const client = new SockhopClient({
      port: proxy.port,
      resume: opts.window,
      auto_reconnect_interval: 5,
    });
    const events = { connect: 0, disconnect: 0, resume: 0 };
    client.on("connect", () => events.connect++);
    client.on("disconnect", () => events.disconnect++);
    client.on("resume", () => events.resume++);
    try {
      // Pings find a black-holed link (only its link is replaced).
      if (fault === "black hole") client.ping(40);
      const mine = clientWorkload(client, count);
      await client.connect();
      await Promise.all([mine.send(), opts.serverDone()]);
      const { report } = mine;
      await waitFor(
        () => report.inOrder + report.wrong >= count,
        GUARD,
        "every message",
      );
      const why = `${proxy.describe()} seed ${proxy.seed}`;
      assert.equal(faulty, faults, why);
      opts.atEnd?.();
      return {
        report: { ...report },
        events: { ...events },
        links: proxy.links.length,
        faulty,
        why,
      };
    } finally {
      client.ping(0);
      await client.disconnect();
    }
  });
}
