/**
 * `deno task bench`: this project (Deno, and its npm build in Node) against
 * the original sockhop@1.8.4 and the raw-socket floors, in one run, over
 * loopback TCP and over a Unix socket path. Each contender runs in a fresh
 * process per measurement. The contenders take turns: round 1 runs each of
 * them once, then round 2, ... up to BENCH_RUNS rounds (default 3), and every
 * figure is the median of its rounds; within a round, each short measure is
 * the best of BENCH_REPEAT runs (default 5). Interleaving matters on a shared
 * machine: a burst of load from elsewhere then hits every contender alike
 * instead of skewing one column, so the ratios stay meaningful. Prints one
 * table per transport with ratios against the original, then the goals of
 * the performance issue. A benchmark, not a test: it never fails on speed.
 *
 * Then the bytes row (scripts/bench/bytes_row.ts): large and small
 * `Uint8Array`s in binary and in JSON mode, beside sockhop 2.1.0 and raw
 * floors writing the same bytes; `--bytes` runs only that row.
 *
 * The npm column is rebuilt first (`deno task build`) so that it measures
 * the current sources; `--no-build` skips that when npm/ is known fresh.
 * BENCH_IDLE sets how many idle connections the memory row opens (1000).
 *
 * @module
 */

import { buildUnlessAsked } from "./bench/build_first.ts";
import {
  BYTES_FLOORS,
  BYTES_LIBRARIES,
  type BytesFigures,
  bytesReport,
  type FloorFigures,
} from "./bench/bytes_row.ts";

const root = new URL("..", import.meta.url).pathname;

interface Suite {
  one_way: number;
  request_rt: number;
  callback_rt: number;
  /** Remote-callback round trips with a class and a schema (0: none). */
  callback_rt_typed: number;
  in_flight_64: number;
  fan_out: number;
  mib8_ms: number;
  mib32_ms: number;
}
interface Floor {
  one_way_single: number;
  one_way_batched: number;
  round_trip: number;
}
interface Idle {
  idle_kib: number;
}
type Transport = "tcp" | "unix";

const runs = Math.max(1, Number(Deno.env.get("BENCH_RUNS") ?? 3));
const deno = Deno.execPath();

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

/** Like run(), but a failure is reported and left out, not fatal. */
async function tryRun(cmd: string, args: string[]): Promise<unknown> {
  try {
    return await run(cmd, args);
  } catch (e) {
    console.error(`  (left out: ${(e as Error).message})`);
    return undefined;
  }
}

/** Per key, the median over rounds (of the rounds that measured it). */
function medians<T extends object>(rounds: T[]): T {
  const out: Record<string, number | null> = {};
  for (const key of Object.keys(rounds[0])) {
    const values = rounds.map((r) => (r as Record<string, number | null>)[key])
      .filter((v): v is number => typeof v === "number")
      .sort((x, y) => x - y);
    out[key] = values.length ? values[Math.floor(values.length / 2)] : null;
  }
  return out as T;
}

await buildUnlessAsked(root);

/** The three libraries: label and how to start one with a mode argument. */
const libraries: [string, string, string[]][] = [
  ["(a) this, Deno", deno, [
    "run",
    "-A",
    "--v8-flags=--expose-gc",
    "scripts/bench/run_library.mjs",
    "source",
  ]],
  ["(b) this, Node", "node", [
    "--expose-gc",
    "scripts/bench/run_library.mjs",
    "npm",
  ]],
  ["(c) original, Node", "node", [
    "--expose-gc",
    "scripts/bench/run_library.mjs",
    "original",
  ]],
];
const floors: [string, string, string[]][] = [
  ["raw Deno.connect", deno, ["run", "-A", "scripts/bench/raw_deno.ts"]],
  ["raw node:net", "node", ["scripts/bench/raw_node.mjs"]],
];
const transports: Transport[] = ["tcp", "unix"];

const suites = new Map<string, Suite[]>();
const floorRuns = new Map<string, Floor[]>();
const idleRuns = new Map<string, Idle[]>();
/** One-way and round trips with resumable sessions (`resume`) on. */
type Resumed = Pick<Suite, "one_way" | "request_rt" | "callback_rt">;
const resumeRuns = new Map<string, Resumed[]>();
const push = <T>(map: Map<string, T[]>, key: string, value: T) =>
  map.set(key, [...(map.get(key) ?? []), value]);

const bytesOnly = Deno.args.includes("--bytes");
const bytesRuns = new Map<string, BytesFigures[]>();
const bytesFloorRuns = new Map<string, FloorFigures[]>();

const started = performance.now();
for (let round = 1; round <= runs; round++) {
  for (const [label, cmd, args] of [...BYTES_LIBRARIES, ...BYTES_FLOORS]) {
    console.error(`round ${round}/${runs}, bytes: ${label} ...`);
    const result = await tryRun(cmd, args);
    const into = BYTES_FLOORS.some(([l]) => l === label)
      ? bytesFloorRuns as Map<string, unknown[]>
      : bytesRuns as Map<string, unknown[]>;
    if (result !== undefined) push(into, label, result);
  }
  if (bytesOnly) continue;
  for (const t of transports) {
    for (const [label, cmd, args] of libraries) {
      console.error(`round ${round}/${runs}, ${t}: ${label} ...`);
      push(suites, `${label} ${t}`, await run(cmd, [...args, t]) as Suite);
    }
    for (const [label, cmd, args] of floors) {
      console.error(`round ${round}/${runs}, ${t}: ${label} ...`);
      push(floorRuns, `${label} ${t}`, await run(cmd, [...args, t]) as Floor);
    }
  }
  for (const [label, cmd, args] of libraries) {
    console.error(`round ${round}/${runs}: ${label}, idle connections ...`);
    push(idleRuns, label, await run(cmd, [...args, "idle"]) as Idle);
  }
  for (const [label, cmd, args] of libraries.slice(0, 2)) {
    console.error(`round ${round}/${runs}: ${label}, resume on ...`);
    push(resumeRuns, label, await run(cmd, [...args, "resume"]) as Resumed);
  }
}

const bytesMedians = <T extends object>(
  map: Map<string, T[]>,
  list: [string, string, string[]][],
) =>
  list.map(([label]) => {
    const rounds = map.get(label);
    return rounds ? medians(rounds) : undefined;
  });
const bytesLibs = bytesMedians(bytesRuns, BYTES_LIBRARIES);
const bytesFloors = bytesMedians(bytesFloorRuns, BYTES_FLOORS);
if (bytesOnly) {
  console.log(bytesReport(bytesLibs, bytesFloors));
  console.log(
    `Median of ${runs} interleaved rounds, each in fresh processes; ${
      ((performance.now() - started) / 1000).toFixed(0)
    } s.`,
  );
  Deno.exit(0);
}

const rate = (v: number) => `${Math.round(v).toLocaleString("en-US")}/s`;
const x = (v: number) => `${v.toFixed(2)}×`;
const idleCount = Number(Deno.env.get("BENCH_IDLE") ?? 1000);

/** Rows: label, key, unit; for times and memory, less is better. */
const rows: [string, keyof Suite, "rate" | "ms"][] = [
  ["one-way, 100,000 small objects", "one_way", "rate"],
  ["sequential request/response round trips", "request_rt", "rate"],
  ["sequential remote-callback round trips", "callback_rt", "rate"],
  [
    "the same with `types` (class + schema, checked both ways)",
    "callback_rt_typed",
    "rate",
  ],
  ["64 requests in flight", "in_flight_64", "rate"],
  ["fan-out: `sendall` to 100 clients (deliveries)", "fan_out", "rate"],
  ["one 8 MiB string", "mib8_ms", "ms"],
  ["one 32 MiB string", "mib32_ms", "ms"],
];

const [la, lb, lc] = libraries.map(([label]) => label);
const idle = libraries.map(([label]) => medians(idleRuns.get(label)!));
const goals: [string, number, number][] = [];
/** time(32 MiB) / time(8 MiB): 4 is linear in the size. */
const linear: [string, number][] = [];

for (const t of transports) {
  const [a, b, c] = [la, lb, lc].map((l) => medians(suites.get(`${l} ${t}`)!));
  const [fd, fn] = floors.map(([l]) => medians(floorRuns.get(`${l} ${t}`)!));
  const lines = [
    `### ${t === "tcp" ? "Loopback TCP" : "Unix socket path"}`,
    "",
    "| path | (a) this, Deno | (b) this, Node | (c) original, Node | (a) vs (c) | (b) vs (c) |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const [label, key, unit] of rows) {
    const cells = [a[key], b[key], c[key]].map((v) =>
      v === 0 ? "-" : unit === "ms" ? `${v.toFixed(0)} ms` : rate(v)
    );
    const ratios = unit === "ms"
      ? [c[key] / a[key], c[key] / b[key]]
      : [a[key] / c[key], b[key] / c[key]];
    // The typed row compares with the same round trip without `types`.
    const compared = key === "callback_rt_typed"
      ? [a, b].map((r) => `${x(r[key] / r.callback_rt)} of untyped`)
      : ratios.map(x);
    lines.push(`| ${label} | ${cells.join(" | ")} | ${compared.join(" | ")} |`);
  }
  if (t === "tcp") {
    const [ia, ib, ic] = idle.map((i) => i.idle_kib);
    lines.push(
      `| RSS per idle connection (${
        idleCount.toLocaleString("en-US")
      } open) | ${
        [ia, ib, ic].map((v) => `${v.toFixed(1)} KiB`).join(" | ")
      } | ${x(ic / ia)} | ${x(ic / ib)} |`,
    );
  }
  lines.push(
    `| raw round-trip floor (Deno.connect / node:net) | ${
      rate(fd.round_trip)
    } | ${rate(fn.round_trip)} | | | |`,
    `| raw one-way floor, 1 / 100 messages per write (Deno.connect) | ${
      rate(fd.one_way_single)
    } / ${rate(fd.one_way_batched)} | | | | |`,
    `| raw one-way floor, 1 / 100 messages per write (node:net) | | ${
      rate(fn.one_way_single)
    } / ${rate(fn.one_way_batched)} | | | |`,
  );
  console.log(lines.join("\n") + "\n");

  const tag = t === "tcp" ? "" : ", unix";
  goals.push(
    [`(a) one-way vs original${tag}`, a.one_way / c.one_way, 2.5],
    [`(b) one-way vs original${tag}`, b.one_way / c.one_way, 2],
    [`(a) requests vs original${tag}`, a.request_rt / c.request_rt, 1.3],
    [`(b) requests vs original${tag}`, b.request_rt / c.request_rt, 1.2],
    [`(a) callbacks vs original${tag}`, a.callback_rt / c.callback_rt, 1.3],
    [`(b) callbacks vs original${tag}`, b.callback_rt / c.callback_rt, 1.2],
    // Issue 24: a registry (class + schema) costs under 20% of a round trip.
    [
      `(a) callbacks with types vs without${tag}`,
      a.callback_rt_typed / a.callback_rt,
      0.8,
    ],
    [
      `(b) callbacks with types vs without${tag}`,
      b.callback_rt_typed / b.callback_rt,
      0.8,
    ],
    [`(a) requests vs Deno floor${tag}`, a.request_rt / fd.round_trip, 0.9],
    [`(b) requests vs node:net floor${tag}`, b.request_rt / fn.round_trip, 0.9],
    [`(a) callbacks vs Deno floor${tag}`, a.callback_rt / fd.round_trip, 0.9],
    [
      `(b) callbacks vs node:net floor${tag}`,
      b.callback_rt / fn.round_trip,
      0.9,
    ],
    [
      `(a) 64 in flight vs original${tag}`,
      a.in_flight_64 / c.in_flight_64,
      2.5,
    ],
    [
      `(b) 64 in flight vs original${tag}`,
      b.in_flight_64 / c.in_flight_64,
      2.5,
    ],
    [`(a) fan-out vs original${tag}`, a.fan_out / c.fan_out, 3],
    [`(b) fan-out vs original${tag}`, b.fan_out / c.fan_out, 3],
    [`(a) 32 MiB vs original${tag}`, c.mib32_ms / a.mib32_ms, 20],
    [`(b) 32 MiB vs original${tag}`, c.mib32_ms / b.mib32_ms, 20],
  );
  for (const [label, r] of [["(a)", a], ["(b)", b], ["(c)", c]] as const) {
    linear.push([
      `${label} time(32 MiB) / time(8 MiB)${tag}`,
      r.mib32_ms / r.mib8_ms,
    ]);
  }
}

{
  const lines = [
    "### Resumable sessions (`resume` on both ends), loopback TCP",
    "",
    "| path | (a) off | (a) on | on / off | (b) off | (b) on | on / off |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const [offA, offB] = [la, lb].map((l) => medians(suites.get(`${l} tcp`)!));
  const [onA, onB] = [la, lb].map((l) => medians(resumeRuns.get(l)!));
  for (const [label, key] of rows.slice(0, 3)) {
    const pair = (off: Suite, on: Resumed) => {
      const k = key as keyof Resumed;
      return `${rate(off[k])} | ${rate(on[k])} | ${x(on[k] / off[k])}`;
    };
    lines.push(`| ${label} | ${pair(offA, onA)} | ${pair(offB, onB)} |`);
  }
  console.log(lines.join("\n") + "\n");
  goals.push(
    ["(a) one-way with resume vs without", onA.one_way / offA.one_way, 0.7],
    ["(b) one-way with resume vs without", onB.one_way / offB.one_way, 0.7],
  );
}

{
  const tcp = [la, lb].map((l) => medians(suites.get(`${l} tcp`)!).one_way);
  console.log(bytesReport(bytesLibs, bytesFloors, tcp as [number, number]));
}

console.log(
  "| goal | measured | target | holds |\n| --- | ---: | ---: | --- |",
);
for (const [label, value, target] of goals) {
  console.log(
    `| ${label} | ${x(value)} | ≥ ${target}× | ${
      value >= target ? "yes" : "no"
    } |`,
  );
}
for (const [label, value] of linear) {
  const ours = !label.startsWith("(c)");
  console.log(
    `| ${label} | ${value.toFixed(2)} | ${
      ours ? "≤ 5 (4 = linear)" : "(4 = linear)"
    } | ${ours ? (value <= 5 ? "yes" : "no") : "-"} |`,
  );
}
const node = new TextDecoder().decode(
  (await new Deno.Command("node", { args: ["--version"] }).output()).stdout,
).trim();
console.log(
  `\nMedian of ${runs} interleaved rounds, each in fresh processes; ${navigator.hardwareConcurrency} cores; Deno ${Deno.version.deno}; Node ${node}; ${
    ((performance.now() - started) / 1000).toFixed(0)
  } s. Figures vary between runs and machines; compare ratios within one run.`,
);
