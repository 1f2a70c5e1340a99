/**
 * `deno task bench`: this project (Deno, and its npm build in Node) against
 * the original sockhop@1.8.4 and the raw-socket floors, in one run. Each
 * contender runs in its own process, one after another; every figure is the
 * median of BENCH_RUNS runs (default 3). Prints a table and the ratios the
 * performance issue asks for. A benchmark, not a test: it never fails on
 * speed.
 *
 * Needs `deno task build` first for the npm column (it runs it when npm/ is
 * missing).
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
}

async function run(cmd: string, args: string[]): Promise<unknown> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: root,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return JSON.parse(lines[lines.length - 1]);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

if (!(await exists(`${root}npm/esm/mod.js`))) {
  console.error("npm/ is missing: building it first");
  await run(Deno.execPath(), ["task", "build"]).catch(() => {});
}

const deno = Deno.execPath();
console.error("running: this project in Deno ...");
const a = await run(deno, [
  "run",
  "-A",
  "scripts/bench/run_library.mjs",
  "source",
]) as Suite;
console.error("running: this project's npm build in Node ...");
const b = await run("node", ["scripts/bench/run_library.mjs", "npm"]) as Suite;
console.error("running: original sockhop@1.8.4 in Node ...");
const c = await run("node", [
  "scripts/bench/run_library.mjs",
  "original",
]) as Suite;
console.error("running: raw floors ...");
const floorDeno = await run(deno, [
  "run",
  "-A",
  "scripts/bench/raw_deno.ts",
]) as Floor;
const floorNode = await run("node", ["scripts/bench/raw_node.mjs"]) as Floor;

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
  "| raw floor, one-way | one write per message | 100 messages per write |",
  "| --- | ---: | ---: |",
  `| Deno.connect | ${fmt(floorDeno.one_way_single, "/s")} | ${
    fmt(floorDeno.one_way_batched, "/s")
  } |`,
  `| node:net | ${fmt(floorNode.one_way_single, "/s")} | ${
    fmt(floorNode.one_way_batched, "/s")
  } |`,
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
console.log(
  `\nmedian of ${
    Deno.env.get("BENCH_RUNS") ?? 3
  } runs each; ${navigator.hardwareConcurrency} cores; Deno ${Deno.version.deno}; ${
    new TextDecoder().decode(
      (await new Deno.Command("node", { args: ["--version"] }).output()).stdout,
    ).trim()
  }. Figures vary between runs and machines.`,
);
