/**
 * Checks the npm package the way its users get it:
 *
 *     deno task check:package            # builds first if npm/ is stale
 *     deno task check:package --rebuild  # always builds first
 *
 * Steps, each printed as PASS, FAIL or SKIP (when a step it needs failed):
 * build (if needed), `npm pack` of npm/, publint and attw on that tarball,
 * an offline install of the tarball into a scratch Node project in a temp
 * folder, the drop-in shape there (`require` and `import` of the package,
 * as tests/helpers/drop_in.ts defines it), README's drop-in install
 * (the tarball under the alias `sockhop`, running a 1.x program: see
 * tests/helpers/alias_program.ts), the JavaScript examples of
 * `scripts/npm_examples/` (README's examples for Node and Bun, and the
 * Widget one in CommonJS and ES modules) under Node and under Bun (each
 * must exit 0 by itself and print what it promises), the `sockhop` command
 * the package installs (`npx sockhop --help` and `bunx --bun sockhop
 * --help` there), and a TypeScript consumer in both module formats. Exits
 * 1 if any step failed; the temp folder is removed in every case.
 * @module
 */

import { build } from "./build_npm.ts";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { dropInScript, PACKAGE } from "../tests/helpers/drop_in.ts";
import { ALIAS_OUTPUT, ALIAS_PROGRAM } from "../tests/helpers/alias_program.ts";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const npmDir = join(root, "npm");
const bin = (name: string) => join(root, "node_modules", ".bin", name);

/** What a step reports: `ok`, plus text worth showing. */
interface Outcome {
  ok: boolean;
  note?: string;
  output?: string;
}

interface Run {
  code: number;
  out: string;
  timedOut: boolean;
}

/** Runs a command; output is stdout and stderr together. */
async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<Run> {
  const signal = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
  try {
    const { code, stdout, stderr } = await new Deno.Command(cmd, {
      args,
      cwd: opts.cwd ?? root,
      env: { NO_COLOR: "1", FORCE_COLOR: "0", ...opts.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal,
    }).output();
    const text = new TextDecoder();
    return {
      code,
      out: (text.decode(stdout) + text.decode(stderr)).trim(),
      timedOut: signal.aborted,
    };
  } catch (err) {
    return { code: -1, out: String(err), timedOut: false };
  }
}

/** An outcome from a finished command. */
function fromRun(r: Run, what: string, showOutput = false): Outcome {
  if (r.timedOut) {
    return { ok: false, note: `${what} did not exit by itself`, output: r.out };
  }
  const ok = r.code === 0;
  return {
    ok,
    note: ok ? undefined : `${what} exited with ${r.code}`,
    output: ok && !showOutput ? undefined : r.out,
  };
}

/** The newest modification time under `path` (a file or a folder). */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let max = stat.mtimeMs;
  for (const name of readdirSync(path)) {
    max = Math.max(max, newest(join(path, name)));
  }
  return max;
}

/** Whether npm/ is missing or older than what it is built from. */
function buildIsStale(): boolean {
  const marker = join(npmDir, "package.json");
  if (!existsSync(marker)) return true;
  const inputs = [
    "mod.ts",
    "cli.ts",
    "src",
    "cli",
    "scripts/build_npm.ts",
    "deno.json",
    "README.md",
    "LICENSE",
    "PROTOCOL.md",
  ];
  const built = statSync(marker).mtimeMs;
  return inputs.some((p) => newest(join(root, p)) > built);
}

// A TypeScript consumer in each module format (types resolved through
// `exports`: types/ for import, script/ for require).
const consumerCts = `import sockhop = require("${PACKAGE}");
const server: sockhop.SockhopServer = new sockhop.server({ port: 0 });
const same: typeof sockhop.SockhopClient = sockhop.client;
void server; void same;
`;
const consumerMts =
  `import { SockhopServer, server, type SockhopError } from "${PACKAGE}";
const s: SockhopServer = new server({ port: 0 });
const e: SockhopError | undefined = undefined;
void s; void e;
`;

/**
 * The JavaScript twins of README's examples (scripts/npm_examples/), each
 * with what its output must contain once whitespace is collapsed, double
 * quotes made single and trailing commas dropped (Node and Bun print
 * objects differently).
 */
const EXAMPLES: Record<string, string[]> = {
  "quick_start.mjs": ["Widget { name: 'sprocket', teeth: 12 }"],
  "type_labels.mjs": ["5 Buffer <Buffer 01 02 03>"],
  "typed_events.mjs": ["order for 10 bolts", "cancel bolts"],
  "remote_callbacks.mjs": ["[ 'Object', { total: 5 } ]"],
  "streamed_requests.mjs": [
    "Object { part: 1 } Object { part: 2 } Object { part: 3 } String done",
    " 3 request ",
    "{ data: { part: 1 }, type: 'Object' }",
  ],
  "pings.mjs": ["1 false"],
  "connecting.mjs": ["server got: sent before connect() resolved"],
  "reconnects.mjs": [
    "not yet: connect ECONNREFUSED",
    "server got: sent before any server exists dropped reconnected",
  ],
  "sessions.mjs": ["hello alice 1 1 alice left"],
  "unix_socket.mjs": ["/tmp/sockhop-example.sock echo: ping"],
  "tls.mjs": ["Object { secret: 'over TLS' }"],
  "json_peer.mjs": [`Object { temp: 21.5 } {'ack':true}`],
  "errors.mjs": ["not connected yet"],
  "abort.mjs": ["stopped: enough"],
  "messages.mjs": [
    "true Object { n: 1 }",
    "true Object { n: 2 }",
    "true String done",
  ],
  "dispose.mjs": ["{ echo: 'hi' }"],
  "typed_class.mjs": ["an Order? true 30", "receipt for bolts: 30"],
  "typed_schema.mjs": [
    "greenhouse: 21.5 °C",
    "refused: ERR_INVALID_VALUE Reading celsius",
  ],
  "widget.mjs": [
    "server got a Widget: { name: 'sprocket', teeth: 12 }",
    "client got the callback: { thanks: 'for the sprocket' }",
  ],
  "widget.cjs": [
    "server got a Widget: { name: 'sprocket', teeth: 12 }",
    "client got the callback: { thanks: 'for the sprocket' }",
  ],
};

/**
 * Packages the examples import besides this one (the README's schema
 * example uses Zod), copied from this project's dev dependencies into the
 * scratch project, which installs offline.
 */
const EXAMPLE_DEPENDENCIES = ["zod"];

/** Output as EXAMPLES compares it. */
function normalize(out: string): string {
  return out.replace(/"/g, "'").replace(/,\s*([}\]])/g, " $1")
    .replace(/\s+/g, " ");
}

/**
 * Runs every example in the scratch project with `runtime` (Node from
 * PATH, Bun from node_modules), one after the other: some share a port or
 * a socket path. Each must exit 0 by itself and print what EXAMPLES says.
 */
async function runExamples(runtime: "node" | "bun"): Promise<Outcome> {
  const command = runtime === "node" ? "node" : bin("bun");
  const failures: string[] = [];
  // Examples that use a validator find it as an installed dependency.
  for (const dep of EXAMPLE_DEPENDENCIES) {
    const dest = join(project, "node_modules", dep);
    if (!existsSync(dest)) {
      cpSync(join(root, "node_modules", dep), dest, { recursive: true });
    }
  }
  for (const [file, expected] of Object.entries(EXAMPLES)) {
    copyFileSync(
      join(root, "scripts", "npm_examples", file),
      join(project, file),
    );
    const r = await run(command, [file], { cwd: project, timeoutMs: 20_000 });
    const outcome = fromRun(r, file);
    const out = normalize(r.out);
    const missing = expected.filter((text) => !out.includes(text));
    if (!outcome.ok || missing.length > 0) {
      const why = outcome.note ?? `output lacks ${JSON.stringify(missing)}`;
      failures.push(`${file}: ${why}\n${r.out}`);
    }
  }
  return failures.length === 0 ? { ok: true } : {
    ok: false,
    note: `${failures.length} failed`,
    output: failures.join("\n"),
  };
}

/** A TCP port nobody listens on now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * README's drop-in install for a checkout: the tarball installed under the
 * alias `sockhop`, offline, into a project of its own; then a program
 * written for sockhop 1.x (`require("sockhop")`) under Node and Bun, and
 * the same program against the original sockhop@1.8.4 (found through
 * NODE_PATH in a folder without node_modules): all must print ALIAS_OUTPUT.
 */
async function aliasInstall(): Promise<Outcome> {
  const aliased = join(temp!, "alias-project");
  const original = join(temp!, "original-project");
  mkdirSync(aliased);
  mkdirSync(original);
  writeFileSync(
    join(aliased, "package.json"),
    JSON.stringify({ name: "legacy-app", private: true }, null, 2),
  );
  const install = await run("npm", [
    "install",
    `sockhop@file:${tarball}`,
    "--offline",
    "--no-audit",
    "--no-fund",
    "--cache",
    join(temp!, "npm-cache"),
  ], { cwd: aliased, timeoutMs: 60_000 });
  if (install.code !== 0) return fromRun(install, "npm install sockhop@file:");
  const runs: [string, string, string, Record<string, string>][] = [
    ["Node, alias", "node", aliased, {}],
    ["Bun, alias", bin("bun"), aliased, {}],
    ["Node, sockhop@1.8.4", "node", original, {
      NODE_PATH: join(root, "node_modules"),
    }],
  ];
  const failures: string[] = [];
  for (const [what, cmd, cwd, env] of runs) {
    writeFileSync(join(cwd, "legacy.cjs"), ALIAS_PROGRAM);
    const r = await run(cmd, ["legacy.cjs", String(freePort())], {
      cwd,
      env,
      timeoutMs: 20_000,
    });
    if (r.code !== 0 || r.out !== ALIAS_OUTPUT.trim()) {
      failures.push(`${what}: exit ${r.code}\n${r.out}`);
    }
  }
  return failures.length === 0
    ? { ok: true, note: "the same output under Node, Bun and the original" }
    : { ok: false, output: failures.join("\n") };
}

interface Step {
  name: string;
  needs?: string[];
  fn: () => Promise<Outcome> | Outcome;
}

let temp: string | undefined;
function cleanup(): void {
  if (temp) rmSync(temp, { recursive: true, force: true });
  temp = undefined;
}
const onSignal = () => {
  cleanup();
  Deno.exit(130);
};
Deno.addSignalListener("SIGINT", onSignal);

temp = mkdtempSync(join(tmpdir(), "sockhop-check-package-"));
const project = join(temp, "project");
let tarball = "";

const steps: Step[] = [
  {
    name: "build",
    fn: () => {
      if (!Deno.args.includes("--rebuild") && !buildIsStale()) {
        return { ok: true, note: "npm/ is up to date" };
      }
      try {
        const ms = build();
        return { ok: true, note: `built in ${(ms / 1000).toFixed(1)} s` };
      } catch (err) {
        return { ok: false, output: String(err) };
      }
    },
  },
  {
    name: "npm pack",
    needs: ["build"],
    fn: async () => {
      const r = await run("npm", [
        "pack",
        npmDir,
        "--pack-destination",
        temp!,
        "--json",
      ]);
      if (r.code !== 0) return fromRun(r, "npm pack");
      const [info] = JSON.parse(r.out.slice(r.out.indexOf("[")));
      tarball = join(temp!, info.filename);
      return {
        ok: existsSync(tarball),
        note: `${info.filename}: ${info.entryCount} files, ${
          (info.size / 1024).toFixed(1)
        } kB`,
      };
    },
  },
  {
    name: "publint",
    needs: ["npm pack"],
    fn: async () =>
      fromRun(
        await run("node", [bin("publint"), "run", tarball, "--strict"]),
        "publint",
        true,
      ),
  },
  {
    name: "attw",
    needs: ["npm pack"],
    fn: async () =>
      fromRun(
        await run("node", [
          bin("attw"),
          tarball,
          "--profile",
          "strict",
          "--no-definitely-typed",
          "--no-color",
        ]),
        "attw",
        true,
      ),
  },
  {
    name: "install the tarball offline",
    needs: ["npm pack"],
    fn: async () => {
      mkdirSync(project);
      writeFileSync(
        join(project, "package.json"),
        JSON.stringify({ name: "scratch", private: true }, null, 2),
      );
      return fromRun(
        await run("npm", [
          "install",
          tarball,
          "--offline",
          "--no-audit",
          "--no-fund",
          "--cache",
          join(temp!, "npm-cache"),
        ], { cwd: project, timeoutMs: 60_000 }),
        "npm install",
      );
    },
  },
  {
    name: "drop-in shape (require)",
    needs: ["install the tarball offline"],
    fn: async () => {
      writeFileSync(join(project, "shape.cjs"), dropInScript("commonjs"));
      return fromRun(
        await run("node", ["shape.cjs"], { cwd: project, timeoutMs: 15_000 }),
        "shape.cjs",
        true,
      );
    },
  },
  {
    name: "drop-in shape (import)",
    needs: ["install the tarball offline"],
    fn: async () => {
      writeFileSync(join(project, "shape.mjs"), dropInScript("module"));
      return fromRun(
        await run("node", ["shape.mjs"], { cwd: project, timeoutMs: 15_000 }),
        "shape.mjs",
        true,
      );
    },
  },
  {
    name: "drop-in install under the alias sockhop (a 1.x program)",
    needs: ["npm pack"],
    fn: aliasInstall,
  },
  ...(["node", "bun"] as const).map((runtime): Step => ({
    name: `examples under ${runtime} (${Object.keys(EXAMPLES).length} files)`,
    needs: ["install the tarball offline"],
    fn: () => runExamples(runtime),
  })),
  ...([
    ["npx", ["--no-install", "sockhop", "--help"]],
    [bin("bunx"), ["--bun", "sockhop", "--help"]],
  ] as const).map(([cmd, args]): Step => ({
    name: `bin (${cmd === "npx" ? "npx" : "bunx --bun"} sockhop --help)`,
    needs: ["install the tarball offline"],
    fn: async () => {
      const r = await run(cmd, [...args], { cwd: project, timeoutMs: 15_000 });
      const outcome = fromRun(r, "sockhop --help");
      const expected = ["sockhop listen", "sockhop send", "sockhop request"];
      const missing = expected.filter((s) => !r.out.includes(s));
      if (outcome.ok && missing.length > 0) {
        return {
          ok: false,
          note: `help lacks ${missing.join(", ")}`,
          output: r.out,
        };
      }
      return outcome;
    },
  })),
  {
    name: "TypeScript consumers (.cts, .mts)",
    needs: ["install the tarball offline"],
    fn: async () => {
      writeFileSync(join(project, "consumer.cts"), consumerCts);
      writeFileSync(join(project, "consumer.mts"), consumerMts);
      return fromRun(
        await run("node", [
          bin("tsc"),
          "--noEmit",
          "--strict",
          // node16, not nodenext: TypeScript 5.9's nodenext lets a .cts
          // require ES module types, which would hide CJS/ESM mix-ups.
          "--module",
          "node16",
          "--moduleResolution",
          "node16",
          // Checking all of @types/node takes 10-20 s; the package's own
          // declarations come from strictly checked sources, and what is
          // checked here is how a consumer sees them.
          "--skipLibCheck",
          "--target",
          "es2022",
          "--types",
          "node",
          "--typeRoots",
          join(root, "node_modules", "@types"),
          "consumer.cts",
          "consumer.mts",
        ], { cwd: project }),
        "tsc",
      );
    },
  },
];

/** Indents command output under its step. */
function indent(text: string): string {
  return text.split("\n").map((line) => "     | " + line).join("\n");
}

const results = new Map<string, boolean>();
const started = performance.now();
try {
  for (const step of steps) {
    const blocked = (step.needs ?? []).filter((n) => results.get(n) !== true);
    if (blocked.length > 0) {
      results.set(step.name, false);
      console.log(`SKIP ${step.name} (needs: ${blocked.join(", ")})`);
      continue;
    }
    const t0 = performance.now();
    let outcome: Outcome;
    try {
      outcome = await step.fn();
    } catch (err) {
      outcome = { ok: false, output: String(err) };
    }
    results.set(step.name, outcome.ok);
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(
      `${outcome.ok ? "PASS" : "FAIL"} ${step.name} (${secs} s)${
        outcome.note ? ": " + outcome.note : ""
      }`,
    );
    if (outcome.output) console.log(indent(outcome.output));
  }
} finally {
  cleanup();
  Deno.removeSignalListener("SIGINT", onSignal);
}

const failed = [...results].filter(([, ok]) => !ok).map(([name]) => name);
const total = ((performance.now() - started) / 1000).toFixed(1);
if (failed.length > 0) {
  console.log(`\ncheck:package FAILED in ${total} s: ${failed.join("; ")}`);
  Deno.exit(1);
}
console.log(`\ncheck:package passed: ${steps.length} steps in ${total} s`);
