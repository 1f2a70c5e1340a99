/**
 * Resume between runtimes: the client half of the acceptance test here
 * (Deno with mod.ts, or Node with the npm build), the server half in a
 * child of the other runtime (tests/fixtures/resume_peer.mjs: Node with the
 * npm build, or Deno with mod.ts; run `deno task build` first). Links are
 * cut at random offsets through the fault proxy.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { clientThroughFaults, GUARD, perfect } from "./helpers/resume_rig.ts";
import {
  denoCommand,
  nodeCommand,
  repoRoot,
  runtime,
  within,
} from "./helpers/util.ts";

const COUNT = 10_000;
const WINDOW = 10_000;

// Under Bun this file has no pairing of its own to add: the Deno client /
// Node server and Node client / Deno server runs happen under deno test and
// node --test. The skip says so in Bun's output.
const skip = runtime === "Bun"
  ? "Deno↔Node pairs run under deno test and node --test"
  : false;

describe("resume across runtimes", { skip }, () => {
  const there = runtime === "Deno" ? "Node" : "Deno";
  it(`${COUNT} messages each way between a ${runtime} client and a ${there} server survive 50 cuts`, async () => {
    const script = join(repoRoot(), "tests", "fixtures", "resume_peer.mjs");
    const args = [String(COUNT), String(WINDOW)];
    const child = there === "Node"
      ? spawn(nodeCommand(), [script, "npm", ...args])
      : spawn(denoCommand(), ["run", "-A", script, "source", ...args]);
    child.stderr.on("data", (d) => process.stderr.write(d));
    const lines = createInterface({ input: child.stdout });
    const next = (() => {
      const queue: string[] = [];
      const waiting: ((l: string) => void)[] = [];
      lines.on("line", (l) => {
        const w = waiting.shift();
        if (w) w(l);
        else queue.push(l);
      });
      return () =>
        within(
          new Promise<string>((r) => {
            const l = queue.shift();
            if (l !== undefined) r(l);
            else waiting.push(r);
          }),
          GUARD,
          "the peer",
        ).then((l) => JSON.parse(l));
    })();
    try {
      const { port } = await next();
      let peer: Record<string, unknown> | undefined;
      const run = await clientThroughFaults({
        port,
        window: WINDOW,
        count: COUNT,
        fault: "cut",
        faults: 50,
        serverDone: async () => {
          peer = await next();
        },
      });
      assert.deepEqual(run.report, perfect(COUNT, COUNT / 200), run.why);
      assert.deepEqual(peer, {
        report: perfect(COUNT, 0),
        sessions: 1,
        gone: 0,
        resumed: run.events.resume,
      }, run.why);
      assert.equal(run.events.connect, 1);
      assert.equal(run.events.disconnect, 0);
      console.log(
        `resume ${runtime} client, ${there} server: ${COUNT} each way, ${run.links} links, ${run.events.resume} resumes`,
      );
    } finally {
      child.stdin.end();
      if (child.exitCode === null) {
        await new Promise((r) => child.once("exit", r));
      }
    }
  });
});
