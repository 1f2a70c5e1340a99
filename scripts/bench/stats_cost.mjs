// What stats() counting costs: one-way throughput with the counters on and
// off (an internal switch, not part of the API), in interleaved rounds
// whose order alternates, so that load from elsewhere hits both alike.
// Prints the median of each and the cost, 1 - on/off. A benchmark, not a
// test: it never fails on speed.
//   deno task bench:stats                          (this project, Deno)
//   deno task build && node scripts/bench/stats_cost.mjs npm   (Node)
// STATS_RUNS rounds (default 9) of STATS_COUNT messages (default 100000).
import { oneWay } from "./suite.mjs";

const which = process.argv[2] ?? globalThis.Deno?.args?.[0] ?? "source";
const runs = Number(process.env.STATS_RUNS ?? 9);
const count = Number(process.env.STATS_COUNT ?? 100_000);

const [lib, { counting }] = which === "npm"
  ? await Promise.all([
    import("../../npm/esm/mod.js"),
    import("../../npm/esm/src/stats.js"),
  ])
  : await Promise.all([
    import("../../mod.ts"),
    import("../../src/stats.ts"),
  ]);

async function measure(on) {
  counting.on = on;
  try {
    return await oneWay(lib, count);
  } finally {
    counting.on = true;
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await measure(true); // warm up
await measure(false);
const on = [];
const off = [];
for (let i = 0; i < runs; i++) {
  if (i % 2 === 0) {
    on.push(await measure(true));
    off.push(await measure(false));
  } else {
    off.push(await measure(false));
    on.push(await measure(true));
  }
}
const ratios = on.map((x, i) => x / off[i]);
const result = {
  runtime: globalThis.Deno ? "Deno" : `Node ${process.versions.node}`,
  messages: count,
  rounds: runs,
  counting_on_msgs_per_s: Math.round(median(on)),
  counting_off_msgs_per_s: Math.round(median(off)),
  median_ratio_on_over_off: Number(median(ratios).toFixed(4)),
  cost_percent: Number(((1 - median(ratios)) * 100).toFixed(2)),
};
console.log(JSON.stringify(result, null, 2));
process.exit(0);
