/**
 * `deno task bench`: this project (Deno, and its npm build in Node) against
 * the original sockhop@1.8.4 and the raw-socket floors, in one run. Each
 * contender runs in its own process. The contenders take turns: round 1 runs
 * each of them once, then round 2, ... up to BENCH_RUNS rounds (default 3),
 * and every figure is the median of its rounds. Interleaving matters on a
 * shared machine: a burst of load from elsewhere then hits every contender
 * alike instead of skewing one column, so the ratios stay meaningful.
 * Prints a table and the ratios the performance issue asks for. A
 * benchmark, not a test: it never fails on speed.
 *
 * The npm column is rebuilt first (`deno task build`) so that it measures
 * the current sources; `--no-build` skips that when npm/ is known fresh.
 *
 * @module
 */

const root = new URL("..", import.meta.url).pathname;

interface Suite {
  one_way: number;
  request_rt: number;
  callback_rt: number;
  mib2_ms: number;
  mib8_ms: number;
  mib32_ms: number;
}
interface Floor {
  one_way_single: number;
  one_way_batched: number;
  round_trip: number;
}

const runs = Math.max(1, Number(Deno.env.get("BENCH_RUNS") ?? 3));

/** Runs one contender once (BENCH_RUNS=1 inside); returns its JSON line. */
async function run(cmd: string, args: string[]): Promise<unknown> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: root,
    env: { BENCH_RUNS: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

/** Per key, the median over rounds. */
function medians<T extends object>(rounds: T[]): T {
  const out: Record<string, number> = {};
  for (const key of Object.keys(rounds[0])) {
    const values = rounds.map((r) => (r as Record<string, number>)[key])
      .sort((x, y) => x - y);
    out[key] = values[Math.floor(values.length / 2)];
  }
  return out as T;
}

const deno = Deno.execPath();
if (!Deno.args.includes("--no-build")) {
  console.error("building npm/ from the current sources ...");
  const built = await new Deno.Command(deno, {
    args: ["task", "build"],
    cwd: root,
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (!built.success) throw new Error("deno task build failed");
}

const contenders: [string, string, string[]][] = [
  ["this project in Deno", deno, [
    "run",
    "-A",
    "scripts/bench/run_library.mjs",
    "source",
  ]],
  ["this project's npm build in Node", "node", [
    "scripts/bench/run_library.mjs",
    "npm",
  ]],
  ["original sockhop@1.8.4 in Node", "node", [
    "scripts/bench/run_library.mjs",
    "original",
  ]],
  ["raw Deno.connect floor", deno, ["run", "-A", "scripts/bench/raw_deno.ts"]],
  ["raw node:net floor", "node", ["scripts/bench/raw_node.mjs"]],
];
const results: unknown[][] = contenders.map(() => []);
for (let round = 1; round <= runs; round++) {
  for (const [i, [label, cmd, args]] of contenders.entries()) {
    console.error(`round ${round}/${runs}: ${label} ...`);
    results[i].push(await run(cmd, args));
  }
}
const [a, b, c] = results.slice(0, 3).map((r) => medians(r as Suite[]));
const [floorDeno, floorNode] = results.slice(3).map((r) =>
  medians(r as Floor[])
);

const fmt = (v: number, unit: string) =>
  unit === "ms"
    ? `${v.toFixed(0)} ms`
    : `${Math.round(v).toLocaleString("en-US")}/s`;
const rows: [string, keyof Suite, string][] = [
  ["one-way, 100,000 small objects", "one_way", "/s"],
  ["request/response round trips", "request_rt", "/s"],
  ["remote-callback round trips", "callback_rt", "/s"],
  ["one 2 MiB string", "mib2_ms", "ms"],
  ["one 8 MiB string", "mib8_ms", "ms"],
  ["one 32 MiB string", "mib32_ms", "ms"],
];
const table = [
  "| measure | (a) this, Deno | (b) this, Node | (c) original, Node |",
  "| --- | ---: | ---: | ---: |",
  ...rows.map(([label, key, unit]) =>
    `| ${label} | ${fmt(a[key], unit)} | ${fmt(b[key], unit)} | ${
      fmt(c[key], unit)
    } |`
  ),
  "",
  "| raw floor | one-way, one write per message | one-way, 100 messages per write | round trips |",
  "| --- | ---: | ---: | ---: |",
  `| Deno.connect | ${fmt(floorDeno.one_way_single, "/s")} | ${
    fmt(floorDeno.one_way_batched, "/s")
  } | ${fmt(floorDeno.round_trip, "/s")} |`,
  `| node:net | ${fmt(floorNode.one_way_single, "/s")} | ${
    fmt(floorNode.one_way_batched, "/s")
  } | ${fmt(floorNode.round_trip, "/s")} |`,
];

const ratio = (x: number) => `${x.toFixed(2)}x`;
const checks: [string, number, number][] = [
  ["(a) one-way vs original", a.one_way / c.one_way, 2],
  ["(b) one-way vs original", b.one_way / c.one_way, 1.5],
  ["(a) request round trips vs original", a.request_rt / c.request_rt, 1.5],
  ["(b) request round trips vs original", b.request_rt / c.request_rt, 1.5],
  ["(a) callback round trips vs original", a.callback_rt / c.callback_rt, 1.5],
  ["(b) callback round trips vs original", b.callback_rt / c.callback_rt, 1.5],
  [
    "(a) one-way vs Deno batched floor",
    a.one_way / floorDeno.one_way_batched,
    0.5,
  ],
  [
    "(b) one-way vs node:net batched floor",
    b.one_way / floorNode.one_way_batched,
    0.5,
  ],
  ["(a) 32 MiB speed-up vs original", c.mib32_ms / a.mib32_ms, 10],
  ["(b) 32 MiB speed-up vs original", c.mib32_ms / b.mib32_ms, 10],
];
/** Context, not targets: how close each one gets to a raw socket. */
const context: [string, number][] = [
  [
    "(a) request round trips vs Deno raw round trips",
    a.request_rt / floorDeno.round_trip,
  ],
  [
    "(b) request round trips vs node:net raw round trips",
    b.request_rt / floorNode.round_trip,
  ],
  [
    "(c) request round trips vs node:net raw round trips",
    c.request_rt / floorNode.round_trip,
  ],
  [
    "(c) callback round trips vs node:net raw round trips",
    c.callback_rt / floorNode.round_trip,
  ],
];
const linear: [string, number][] = [
  ["(a) time(32 MiB) / time(8 MiB)", a.mib32_ms / a.mib8_ms],
  ["(b) time(32 MiB) / time(8 MiB)", b.mib32_ms / b.mib8_ms],
  ["(c) time(32 MiB) / time(8 MiB)", c.mib32_ms / c.mib8_ms],
];

console.log(table.join("\n"));
console.log(
  "\n| ratio | measured | target | holds |\n| --- | ---: | ---: | --- |",
);
for (const [label, value, target] of checks) {
  console.log(
    `| ${label} | ${ratio(value)} | >= ${target}x | ${
      value >= target ? "yes" : "no"
    } |`,
  );
}
for (const [label, value] of linear) {
  const isOurs = !label.startsWith("(c)");
  console.log(
    `| ${label} | ${value.toFixed(2)} | ${isOurs ? "<= 5" : "(4 = linear)"} | ${
      isOurs ? (value <= 5 ? "yes" : "no") : "-"
    } |`,
  );
}
for (const [label, value] of context) {
  console.log(`| ${label} | ${ratio(value)} | (context) | - |`);
}
console.log(
  `\nmedian of ${runs} interleaved rounds; ${navigator.hardwareConcurrency} cores; Deno ${Deno.version.deno}; ${
    new TextDecoder().decode(
      (await new Deno.Command("node", { args: ["--version"] }).output()).stdout,
    ).trim()
  }. Figures vary between runs and machines.`,
);
