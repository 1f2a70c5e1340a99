/**
 * The layering of src/, checked from the sources themselves (the .ts files
 * at the repository root, in both runtimes, so that type-only imports
 * count): no import cycles, src/wire/ imports only itself and errors.ts,
 * and only src/transport/ touches runtime I/O. The command-line tool
 * (cli.ts, cli/) reaches the library only through mod.ts.
 */

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { repoRoot } from "./helpers/util.ts";

const root = repoRoot();
const src = join(root, "src");

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (entry.name.endsWith(".ts")) files.push(path);
  }
  return files.sort();
}

/** Source text without comments (doc examples import the package). */
function code(path: string): string {
  return readFileSync(path, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
}

/** Every module specifier a file imports or re-exports, types included. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*)"([^"]+)"/g;
  for (const m of text.matchAll(re)) found.push(m[1]);
  return found;
}

/** src-relative path -> src-relative paths it imports, and other imports. */
const graph = new Map<string, { local: string[]; external: string[] }>();
for (const file of sourceFiles(src)) {
  const local: string[] = [];
  const external: string[] = [];
  for (const spec of specifiers(code(file))) {
    if (spec.startsWith(".")) {
      local.push(relative(src, resolve(dirname(file), spec)));
    } else {
      external.push(spec);
    }
  }
  graph.set(relative(src, file), { local, external });
}

function findCycle(): string[] | null {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === "done") return null;
    if (state.get(node) === "open") {
      return [...stack.slice(stack.indexOf(node)), node];
    }
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node)?.local ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

/** Built-ins of runtime I/O; ones both runtimes share (node:events) are not. */
const RUNTIME_MODULE = /^node:(net|tls|fs|fs\/promises|child_process|dgram)$/;

describe("architecture of src/", () => {
  it("reads the sources", () => {
    assert.ok(graph.has("channel.ts"));
    assert.ok(graph.has(join("transport", "deno.ts")));
    assert.ok(graph.size >= 10);
  });

  it("has no import cycle, counting type-only imports", () => {
    for (const [file, { local }] of graph) {
      for (const target of local) {
        assert.ok(graph.has(target), `${file} imports missing ${target}`);
      }
    }
    assert.equal(findCycle()?.join(" -> ") ?? null, null);
  });

  it("keeps src/wire/ to itself and errors.ts", () => {
    for (const [file, { local, external }] of graph) {
      if (dirname(file) !== "wire") continue;
      for (const target of local) {
        assert.ok(
          dirname(target) === "wire" || target === "errors.ts",
          `${file} imports ${target}`,
        );
      }
      assert.deepEqual(
        external.filter((e) => e !== "node:events"),
        [],
        `${file} imports outside the wire layer`,
      );
    }
  });

  it("touches runtime I/O only in src/transport/", () => {
    for (const [file, { external }] of graph) {
      if (dirname(file) === "transport") continue;
      for (const spec of external) {
        assert.ok(
          !RUNTIME_MODULE.test(spec),
          `${file} imports ${spec}`,
        );
      }
      assert.ok(
        !/\bDeno\./.test(code(join(src, file))),
        `${file} uses Deno.*`,
      );
    }
  });
});

describe("architecture of the command-line tool", () => {
  it("imports the library only through mod.ts", () => {
    const cli = join(root, "cli");
    const files = [join(root, "cli.ts"), ...sourceFiles(cli)];
    assert.ok(files.length >= 3);
    for (const file of files) {
      for (const spec of specifiers(code(file))) {
        if (!spec.startsWith(".")) continue;
        const target = resolve(dirname(file), spec);
        assert.ok(
          target === join(root, "mod.ts") || dirname(target) === cli,
          `${relative(root, file)} imports ${spec}`,
        );
      }
    }
  });
});
