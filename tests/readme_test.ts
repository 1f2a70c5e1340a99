// README's TypeScript examples run as written (in Deno, with
// "@sockhop/sockhop" mapped to mod.ts) and print what they say they print;
// its openssl commands make the files its TLS examples read, and its
// command-line TLS commands work with them. Every in-page link names a
// heading. (The JavaScript twins of the examples run under Node and Bun in
// `deno task check:package`.)
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { type CommandResult, runCommand } from "./helpers/run_command.ts";
import {
  anchors,
  type CodeBlock,
  codeBlocks,
  readme,
} from "./helpers/readme_blocks.ts";
import { denoCommand, repoRoot, tempDir } from "./helpers/util.ts";

/**
 * What each example must print, keyed by "<heading> #<n>" (its n-th ts
 * block under that heading), as Deno prints it once whitespace runs are
 * collapsed to one space. An example not listed must still exit 0.
 */
const PRINTS: Record<string, string[]> = {
  "Quick start #1": ['Widget { name: "sprocket", teeth: 12 }'],
  "Sending values: type labels #1": ["5\n", "Buffer Uint8Array(3) [ 1, 2, 3 ]"],
  "Per-type and typed events #1": ["order for 10 bolts", "cancel bolts"],
  "Remote callbacks #1": ['[ "Object", { total: 5 } ]'],
  "Streamed requests #1": [
    "Object { part: 1 }\nObject { part: 2 }\nObject { part: 3 }\nString done",
    "\n3\n",
    '{ data: { part: 1 }, type: "Object" }',
  ],
  "Pings #1": ["1 false"],
  "Typed values #1": ["an Order? true 30", "receipt for bolts: 30"],
  "Typed values #2": [
    "greenhouse: 21.5 °C",
    "refused: ERR_INVALID_VALUE Reading celsius",
  ],
  "Sockhop 2.x and binary mode #1": ["Buffer 1048576", "image/png 3"],
  "Resumable sessions #1": ["server got { order: 1 }"],
  "Connecting, `start()` and reconnects #1": [
    "server got: sent before connect() resolved",
  ],
  "Connecting, `start()` and reconnects #2": [
    "not yet: connect ECONNREFUSED",
    "server got: sent before any server exists",
    "dropped",
    "reconnected",
  ],
  "Reconnect backoff #1": ["attempt 1: connect ECONNREFUSED"],
  "The server: sessions, sockets, broadcasting #1": [
    "hello alice",
    "1 1",
    "alice left",
  ],
  "Unix domain sockets #1": ["/tmp/sockhop-example.sock", "echo: ping"],
  "TLS #1": ['Object { secret: "over TLS" }'],
  'Talking to programs that are not Sockhop: `peer_type: "json"` #1': [
    "Object { temp: 21.5 }",
    '{"ack":true}',
  ],
  "Cancelling with `AbortSignal` #1": ["stopped: enough"],
  "Reading messages with `for await` #1": [
    "true Object { n: 1 }",
    "true Object { n: 2 }",
    "true String done",
  ],
  "Closing with `await using` #1": ['{ echo: "hi" }'],
  "Observability: `stats()` #1": [
    "messages_out: 2",
    "1 2 {}",
    "left: 2 messages",
  ],
  "Errors #1": ["not connected yet"],
};

const key = (b: CodeBlock) => `${b.heading} #${b.nth}`;

/** Collapses whitespace runs (keeping line breaks) for comparison. */
function normalize(out: string): string {
  return out.replace(/[ \t]*\n[ \t\n]*/g, "\n").replace(/[ \t]+/g, " ")
    .replace(/\n(?=[ }\]])|(?<=[{[,])\n/g, " ").replace(/ +/g, " ");
}

/** Runs a TypeScript example in `dir`, where deno.json maps the package. */
function runExample(dir: string, code: string): Promise<CommandResult> {
  writeFileSync(join(dir, "example.ts"), code);
  return runCommand(
    denoCommand(),
    ["run", "--allow-all", "--quiet", "--no-lock", "example.ts"],
    { cwd: dir, timeout: 30_000 },
  );
}

/** A folder set up as README's Install says, for Deno. */
function exampleFolder(): { dir: string; cleanup: () => void } {
  const folder = tempDir();
  const mod = pathToFileURL(join(repoRoot(), "mod.ts")).href;
  writeFileSync(
    join(folder.dir, "deno.json"),
    // Zod, for the schema example, from this checkout's dev dependencies.
    JSON.stringify({
      imports: {
        "@sockhop/sockhop": mod,
        zod: pathToFileURL(join(repoRoot(), "node_modules/zod/index.js")).href,
      },
    }),
  );
  return folder;
}

/** README's sh block that contains `text`. */
function shBlock(text: string): string {
  const block = codeBlocks().find((b) =>
    b.lang === "sh" && b.code.includes(text)
  );
  assert.ok(block, `README has no sh block with ${text}`);
  return block.code;
}

/** Runs a shell command line in `dir`, with this Deno first on the PATH. */
function shell(dir: string, line: string) {
  return spawn("sh", ["-c", `exec ${line}`], {
    cwd: dir,
    env: {
      ...process.env,
      PATH: `${dirname(denoCommand())}${delimiter}${process.env.PATH}`,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Runs `line` to the end: its exit code and output. */
function shellRun(dir: string, line: string): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = shell(dir, line);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => stdout += d);
    child.stderr.on("data", (d) => stderr += d);
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

describe("README", () => {
  it("every TypeScript example exits 0 and prints what it says", async () => {
    const folder = exampleFolder();
    try {
      // The TLS examples read the files README's openssl commands make.
      const certs = await shellRun(folder.dir, shBlock("openssl req -x509"));
      assert.equal(certs.code, 0, certs.stderr);
      const blocks = codeBlocks().filter((b) => b.lang === "ts");
      for (const name of Object.keys(PRINTS)) {
        assert.ok(blocks.some((b) => key(b) === name), `no example "${name}"`);
      }
      const failures: string[] = [];
      for (const block of blocks) {
        const r = await runExample(folder.dir, block.code);
        const out = normalize(r.stdout);
        const missing = (PRINTS[key(block)] ?? []).filter((s) =>
          !out.includes(s)
        );
        if (r.code !== 0 || missing.length > 0) {
          failures.push(
            `README line ${block.line} ("${key(block)}"): exit ${r.code}` +
              (missing.length
                ? `, output lacks ${JSON.stringify(missing)}`
                : "") +
              `\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
          );
        }
      }
      assert.deepEqual(failures, []);
    } finally {
      folder.cleanup();
    }
  });

  it("the command-line TLS commands work with the files the openssl commands make", async () => {
    const folder = tempDir();
    const cli = join(repoRoot(), "cli.ts");
    try {
      const certs = await shellRun(folder.dir, shBlock("openssl req -x509"));
      assert.equal(certs.code, 0, certs.stderr);
      const [listen, send] = shBlock("cli.ts listen --port 8443 --cert")
        .trim().split("\n").map((l) => l.replace(" cli.ts ", ` ${cli} `));
      const listener = shell(folder.dir, listen);
      const exited = new Promise((r) => listener.once("close", r));
      try {
        let err = "";
        await new Promise<void>((resolve, reject) => {
          listener.stderr.on("data", (d) => {
            err += d;
            if (err.includes("listening on")) resolve();
          });
          listener.once("close", () => reject(new Error(`listen: ${err}`)));
        });
        const r = await shellRun(folder.dir, send);
        assert.deepEqual(r, {
          code: 0,
          stdout: 'Object {"hi":1}\n',
          stderr: "",
        });
      } finally {
        listener.kill("SIGTERM");
        await exited;
      }
    } finally {
      folder.cleanup();
    }
  });

  it("every in-page link names a heading", () => {
    const text = readme();
    const known = anchors(text);
    const links = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    assert.ok(links.length > 20);
    assert.deepEqual(links.filter((l) => !known.has(l)), []);
  });
});
