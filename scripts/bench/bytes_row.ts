/**
 * The bytes row of `deno task bench`: who runs (this project in Deno and in
 * Node, in binary mode and in JSON mode; the real sockhop 2.1.0 in Node;
 * the raw-socket floors writing the same bytes), and the table and goals
 * made of their figures. The measuring happens in bytes_suite.mjs and the
 * raw_bytes_* floors, each in a fresh process.
 * @module
 */

/** One contender: its label, and how to start it. */
export type Contender = [label: string, command: string, args: string[]];

/** What a library contender reports (ms, or buffers per second). */
export interface BytesFigures {
  mib8_up_ms: number;
  mib8_down_ms: number;
  mib64_up_ms: number | null;
  mib64_down_ms: number | null;
  kib1_rate: number;
}

/** What a floor reports: one direction (both ends are alike). */
export interface FloorFigures {
  mib8_ms: number;
  mib64_ms: number;
  kib1_rate: number;
}

const deno = Deno.execPath();
const run = "scripts/bench/run_bytes.mjs";

/** The library contenders, in column order. */
export const BYTES_LIBRARIES: Contender[] = [
  ["(a) Deno, binary", deno, ["run", "-A", run, "source", "binary"]],
  ["(a) Deno, JSON", deno, ["run", "-A", run, "source", "json"]],
  ["(b) Node, binary", "node", [run, "npm", "binary"]],
  ["(b) Node, JSON", "node", [run, "npm", "json"]],
  ["(d) sockhop 2.1, Node", "node", [run, "sockhop2"]],
];

/** The floors, in column order. */
export const BYTES_FLOORS: Contender[] = [
  ["raw Deno.connect", deno, ["run", "-A", "scripts/bench/raw_bytes_deno.ts"]],
  ["raw node:net", "node", ["scripts/bench/raw_bytes_node.mjs"]],
];

const MIB = 1024 * 1024;

function time(ms: number | null | undefined, mib: number): string {
  if (ms === null || ms === undefined) return "–";
  return `${ms.toFixed(0)} ms (${(mib / (ms / 1000)).toFixed(0)} MiB/s)`;
}

function rate(perSecond: number | undefined): string {
  if (perSecond === undefined) return "–";
  const mibs = (perSecond * 1024) / MIB;
  return `${Math.round(perSecond).toLocaleString("en-US")}/s (${
    mibs.toFixed(0)
  } MiB/s)`;
}

/**
 * The table, then the goals of the bytes issue: a large buffer at half the
 * raw floor of its runtime or better (the slower direction counts), and 1
 * KiB buffers at least as fast as small objects (when the suite ran).
 * @param libs each library's median figures (undefined: it failed)
 * @param floors each floor's median figures
 * @param objects small objects per second one way, (a) and (b), if known
 */
export function bytesReport(
  libs: (BytesFigures | undefined)[],
  floors: (FloorFigures | undefined)[],
  objects?: [number, number],
): string {
  const head = [...BYTES_LIBRARIES, ...BYTES_FLOORS].map(([l]) => l);
  const lines = [
    "### Bytes, loopback TCP",
    "",
    `| bytes | ${head.join(" | ")} |`,
    `| --- |${" ---: |".repeat(head.length)}`,
  ];
  const row = (
    label: string,
    lib: (f: BytesFigures) => string,
    floor: (f: FloorFigures) => string,
  ) =>
    lines.push(
      `| ${label} | ${
        [
          ...libs.map((f) => (f ? lib(f) : "failed")),
          ...floors.map((f) => (f ? floor(f) : "failed")),
        ].join(" | ")
      } |`,
    );
  row(
    "one 8 MiB Uint8Array, client → server",
    (f) => time(f.mib8_up_ms, 8),
    (f) => time(f.mib8_ms, 8),
  );
  row(
    "one 8 MiB Uint8Array, server → client",
    (f) => time(f.mib8_down_ms, 8),
    () => "(same)",
  );
  row(
    "one 64 MiB Uint8Array, client → server",
    (f) => time(f.mib64_up_ms, 64),
    (f) => time(f.mib64_ms, 64),
  );
  row(
    "one 64 MiB Uint8Array, server → client",
    (f) => time(f.mib64_down_ms, 64),
    () => "(same)",
  );
  row(
    "100,000 × 1 KiB, client → server",
    (f) => rate(f.kib1_rate),
    (f) => rate(f.kib1_rate),
  );
  lines.push(
    "",
    "JSON mode (today's only mode) carries 1 KiB buffers 10,000 at a time and no 64 MiB ones; sockhop 2.1 no 64 MiB ones either (it joins every read onto what it holds: one took over 200 s). A floor measures one direction.",
    "",
    "| bytes goal | measured | target | holds |",
    "| --- | ---: | ---: | --- |",
  );
  const [a, , b] = libs;
  const [fd, fn] = floors;
  const goal = (label: string, value: number | undefined, target: number) => {
    if (value === undefined || !Number.isFinite(value)) {
      lines.push(`| ${label} | – | ≥ ${target}× | no |`);
      return;
    }
    lines.push(
      `| ${label} | ${value.toFixed(2)}× | ≥ ${target}× | ${
        value >= target ? "yes" : "no"
      } |`,
    );
  };
  const slower = (f: BytesFigures | undefined) =>
    f && f.mib64_up_ms !== null && f.mib64_down_ms !== null
      ? Math.max(f.mib64_up_ms, f.mib64_down_ms)
      : undefined;
  const vsFloor = (f: BytesFigures | undefined, floor?: FloorFigures) => {
    const ms = slower(f);
    return ms === undefined || !floor ? undefined : floor.mib64_ms / ms;
  };
  goal("(a) 64 MiB, binary, vs the Deno.connect floor", vsFloor(a, fd), 0.5);
  goal("(b) 64 MiB, binary, vs the node:net floor", vsFloor(b, fn), 0.5);
  if (objects) {
    goal(
      "(a) 1 KiB buffers vs small objects, one way",
      a && a.kib1_rate / objects[0],
      1,
    );
    goal(
      "(b) 1 KiB buffers vs small objects, one way",
      b && b.kib1_rate / objects[1],
      1,
    );
  }
  return lines.join("\n") + "\n";
}
