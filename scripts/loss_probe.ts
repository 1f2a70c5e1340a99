/**
 * Loss probe: how many `send()` calls had resolved ("handed to the OS")
 * but whose message never reached the server when the link is cut at a
 * random offset (tests/helpers/loss_probe.ts, through the fault proxy).
 * Delivery is at most once by design today: this prints the figure and
 * fails only if an invariant breaks (a message twice or out of order, a
 * rejected send delivered, a loss on a connection that was not cut).
 *
 *     deno run --allow-all scripts/loss_probe.ts [cuts] [in-flight] [runtime]
 *
 * `cuts` (default 20): links cut, one per connection. `in-flight` (default
 * 1): sends made per turn of the event loop, each batch awaited; 1 is a
 * producer that awaits every send, 20 a burst. `runtime`: `deno` (default)
 * or `node`/`bun`, which run the npm build's copy (`deno task build`
 * first). `FAULT_PROXY_SEED` replays a run's cut offsets.
 *
 * Before resumable sessions (one run each, 20 cuts, 2-core loopback box),
 * resolved sends lost per cut, mean (min-max): Deno 22-30 (3-59) with 1 in
 * flight, ~780 (360-1190) with 20; Node and Bun 2 (1-2) and ~11 (1-21).
 * What is lost is what was in flight when the link died, so the figure
 * grows with how far the sender runs ahead of the reader: a Deno sender
 * here runs far ahead of the proxy that shares its process.
 * @module
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { formatLossReport, probeLoss } from "../tests/helpers/loss_probe.ts";

const cuts = Number(Deno.args[0] ?? 20);
const inFlight = Number(Deno.args[1] ?? 1);
const runtime = Deno.args[2] ?? "deno";
if (!(cuts > 0 && inFlight > 0) || !["deno", "node", "bun"].includes(runtime)) {
  console.error("usage: loss_probe.ts [cuts] [in-flight] [deno|node|bun]");
  Deno.exit(2);
}

if (runtime === "deno") {
  const report = await probeLoss({ cuts, inFlight });
  console.log(formatLossReport(report, `Deno ${Deno.version.deno}`));
  Deno.exit(report.broken.length > 0 ? 1 : 0);
}

const root = fileURLToPath(new URL("..", import.meta.url));
const compiled = join(root, "npm/esm/tests/helpers/loss_probe.js");
if (!existsSync(compiled)) {
  console.error(`${compiled} is missing: run \`deno task build\` first`);
  Deno.exit(2);
}
const command = runtime === "node"
  ? "node"
  : (existsSync(join(root, "node_modules/.bin/bun"))
    ? join(root, "node_modules/.bin/bun")
    : "bun");
const dir = mkdtempSync(join(tmpdir(), "loss-probe-"));
let status: number | null = 1;
try {
  const script = join(dir, "probe.mjs");
  writeFileSync(
    script,
    `import { formatLossReport, probeLoss } from ${
      JSON.stringify(new URL(`file://${compiled}`).href)
    };
const report = await probeLoss({ cuts: ${cuts}, inFlight: ${inFlight} });
const bun = globalThis.Bun?.version;
console.log(formatLossReport(report, bun ? "Bun " + bun : "Node " + process.version));
process.exit(report.broken.length > 0 ? 1 : 0);
`,
  );
  ({ status } = spawnSync(command, [script], { stdio: "inherit" }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
Deno.exit(status ?? 1);
