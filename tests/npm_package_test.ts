/**
 * The npm package is a drop-in for the original `sockhop`: `require` gives
 * the named classes plus the original's `server`, `client`, `session` and
 * `error`, identical to them, and ES module imports give the same names.
 * Runs `node` on the built package (npm/, resolved by name through its
 * `exports`) in Deno and in Node alike. In Deno, a missing npm/ is built
 * first (`deno task test` runs the Deno tests before the Node build).
 * @module
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { denoCommand, isDeno, repoRoot } from "./helpers/util.ts";

const npmDir = join(repoRoot(), "npm");
const nodeBin = isDeno ? "node" : process.execPath;

const CLASSES = [
  "ObjectBuffer",
  "SockhopClient",
  "SockhopError",
  "SockhopPing",
  "SockhopPong",
  "SockhopRequest",
  "SockhopResponsePacket",
  "SockhopResponseReadableStream",
  "SockhopResponseWriteableStream",
  "SockhopServer",
  "SockhopSession",
  "TimedMap",
];
const ALIASES = {
  server: "SockhopServer",
  client: "SockhopClient",
  session: "SockhopSession",
  error: "SockhopError",
};

/** What the package looks like from Node, as JSON (the probe's output). */
interface Shape {
  functions: string[];
  aliases: Record<string, boolean>;
  frameIsBuffer: boolean;
}

// `m` is the package, loaded by the line before this.
const probe = `
const { Buffer } = globalThis;
const shape = {
  functions: Object.keys(m).filter((k) => typeof m[k] === "function"),
  aliases: Object.fromEntries(Object.entries(${JSON.stringify(ALIASES)})
    .map(([alias, name]) => [alias, m[alias] === m[name]])),
  frameIsBuffer: Buffer.isBuffer(new m.ObjectBuffer().obj2buf({ a: 1 })),
};
console.log(JSON.stringify(shape));
`;

function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeout: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout }, (error, stdout, stderr) =>
      resolve({
        code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
        stdout,
        stderr: String(error?.message ?? "") + stderr,
      }));
  });
}

let building: Promise<void> | undefined;

/** Builds npm/ if it is missing (only in Deno: Node runs from inside it). */
function ensureBuilt(): Promise<void> {
  if (existsSync(join(npmDir, "package.json"))) return Promise.resolve();
  assert.ok(isDeno, `${npmDir} is missing: run \`deno task build\` first`);
  building ??= run(
    denoCommand(),
    ["run", "--allow-all", "scripts/build_npm.ts"],
    repoRoot(),
    180_000,
  ).then((r) =>
    assert.equal(
      r.code,
      0,
      `npm/ is missing and \`deno task build\` failed:\n${r.stderr}`,
    )
  );
  return building;
}

async function shapeOf(format: "commonjs" | "module"): Promise<Shape> {
  await ensureBuilt();
  const load = format === "commonjs"
    ? `const m = require("@sockhop/sockhop");`
    : `import * as m from "@sockhop/sockhop";`;
  const r = await run(
    nodeBin,
    [`--input-type=${format}`, "-e", load + probe],
    npmDir,
    30_000,
  );
  assert.equal(r.code, 0, `node could not load the package:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

function assertDropIn(shape: Shape): void {
  for (const name of CLASSES) {
    assert.ok(shape.functions.includes(name), `${name} is not exported`);
  }
  assert.deepEqual(shape.aliases, {
    server: true,
    client: true,
    session: true,
    error: true,
  });
  assert.equal(shape.frameIsBuffer, true, "bytes must be Buffers in Node");
}

describe("npm package: drop-in shape", () => {
  it("require() gives the classes and the original's aliases", async () => {
    assertDropIn(await shapeOf("commonjs"));
  });

  it("import gives the same names", async () => {
    assertDropIn(await shapeOf("module"));
  });
});
