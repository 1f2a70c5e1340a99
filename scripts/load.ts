/**
 * Load check: 500 concurrent clients × 1,000 messages each (every 4th asks
 * for a remote callback) against one server, in Deno (on the sources) and
 * in Node (on the npm build, built first if missing or stale). Checks that
 * every message arrives exactly once and in order on its connection and
 * that every callback is answered; prints the counts and times per runtime
 * and exits non-zero if anything went wrong.
 *
 *     deno task load
 *
 * Environment: LOAD_CLIENTS, LOAD_MESSAGES, LOAD_CALLBACK_EVERY (defaults
 * 500, 1000, 4). Each process holds two descriptors per client (both ends
 * of every connection), so `ulimit -n` must allow that.
 * @module
 */

import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { failed } from "./load/workload.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const clients = Number(Deno.env.get("LOAD_CLIENTS") ?? 500);

async function sh(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed`);
  return new TextDecoder().decode(out.stdout);
}

/** Newest modification time of the files under `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

// Descriptors: both ends of every connection live in one process.
const limit = Number((await sh("sh", ["-c", "ulimit -n"])).trim());
const need = 2 * clients + 64;
if (Number.isFinite(limit) && limit < need) {
  console.error(
    `ulimit -n is ${limit}; ${clients} clients need about ${need} ` +
      `descriptors per process. Raise it (ulimit -n ${need}) and retry.`,
  );
  Deno.exit(2);
}

const built = join(root, "npm/esm/mod.js");
const sourcesTime = Math.max(
  newest(join(root, "src")),
  statSync(join(root, "mod.ts")).mtimeMs,
);
if (!existsSync(built) || statSync(built).mtimeMs < sourcesTime) {
  console.log("npm build missing or older than the sources: building it");
  await sh(Deno.execPath(), ["task", "build"]);
}

// deno-lint-ignore no-explicit-any
type Result = any;

const runs: [string, string, string[]][] = [
  ["Deno " + Deno.version.deno, Deno.execPath(), [
    "run",
    "--allow-all",
    "scripts/load/run.mjs",
    "source",
  ]],
  ["Node " + (await sh("node", ["--version"])).trim(), "node", [
    "scripts/load/run.mjs",
    "npm",
  ]],
];

let bad = false;
const rows: [string, Result][] = [];
for (const [name, cmd, args] of runs) {
  console.log(`${name}: running...`);
  let result: Result;
  try {
    const lines = (await sh(cmd, args)).trim().split("\n");
    result = JSON.parse(lines[lines.length - 1]);
  } catch (e) {
    console.error(`${name}: ${(e as Error).message}`);
    bad = true;
    continue;
  }
  rows.push([name, result]);
  if (failed(result)) bad = true;
}

const r0 = rows[0]?.[1];
if (r0) {
  console.log(
    `\n${r0.clients} clients x ${r0.messages} messages, every ` +
      `${Deno.env.get("LOAD_CALLBACK_EVERY") ?? 4}th asking for a callback\n`,
  );
}
console.table(Object.fromEntries(rows.map(([name, r]) => [name, {
  sent: r.sent,
  received: r.received,
  lost: r.lost,
  duplicated: r.duplicated,
  reordered: r.reordered,
  "callbacks asked": r.callbacks.asked,
  "callbacks answered": r.callbacks.answered,
  "send failures": r.sendFailures,
  "connect s": (r.ms.connect / 1000).toFixed(2),
  "total s": (r.ms.total / 1000).toFixed(2),
  "msg/s": Math.round(r.received / (r.ms.total / 1000)),
}])));
for (const [name, r] of rows) {
  if (failed(r)) console.error(`${name}: FAILED`, JSON.stringify(r));
}
console.log(bad ? "\nLOAD CHECK FAILED" : "\nload check passed");
Deno.exit(bad ? 1 : 0);
