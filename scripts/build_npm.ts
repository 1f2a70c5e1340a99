/**
 * The Node build: turns this Deno module into the npm package in `npm/`.
 *
 *     deno task build
 *
 * It does what dnt (`jsr:@deno/dnt`) would do, with the TypeScript compiler
 * from npm because JSR is not reachable where this project is built: stage
 * the sources in a scratch folder with `mappings` applied (the Deno
 * transport replaced by the Node one), compile ES modules (`npm/esm`),
 * CommonJS (`npm/script`) and declarations (`npm/types`, plus `npm/script`
 * for `require`), write `npm/package.json`, copy README, LICENSE and
 * PROTOCOL.md. The tests are compiled too (`npm/esm/tests`, not published)
 * so that `deno task test:node` and `deno task test:bun` run them against
 * the compiled package.
 *
 * The options below keep dnt's names: where JSR is reachable, replacing this
 * file with a call to dnt's `build(options)` is the whole migration.
 * @module
 */

import ts from "typescript";
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const denoJson = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));

/** A command the package installs (dnt's `{ kind: "bin" }` entry point). */
interface BinEntryPoint {
  kind: "bin";
  /** The command's name. */
  name: string;
  /** Its source, compiled as an ES module with a `node` shebang. */
  path: string;
}

/** Build options, in dnt's shape. */
const options = {
  entryPoints: [
    "./mod.ts",
    { kind: "bin", name: "sockhop", path: "./cli.ts" },
  ] as (string | BinEntryPoint)[],
  /** Test files (`*_test.ts` in these folders) compiled for `node --test`. */
  testDirs: ["./tests"],
  outDir: "./npm",
  /** Source file to replace with another in the npm build. */
  mappings: {
    "./src/transport/deno.ts": "./src/transport/node.ts",
  } as Record<string, string>,
  /** Folders (besides the entry points) copied to the staging area. */
  sources: ["./src", "./cli", "./tests", "./scripts"],
  package: {
    name: "@sockhop/sockhop",
    version: denoJson.version as string,
    description:
      "Object-centric sockets: typed messages, remote callbacks, streamed requests and pings over TCP, Unix sockets and TLS. Wire-compatible with sockhop 1.x.",
    license: "MIT",
    repository: {
      type: "git",
      url: "git+https://github.com/DaxBot/sockhop.git",
    },
    keywords: ["socket", "tcp", "unix socket", "tls", "json", "rpc"],
    engines: { node: ">=20" },
    /** A scoped package is private on npm unless published as public. */
    publishConfig: { access: "public" },
  },
};

/** Compiler settings shared by the ES module and CommonJS outputs. */
const baseCompilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts"],
  types: ["node"],
  strict: true,
  noImplicitOverride: true,
  skipLibCheck: true,
  rewriteRelativeImportExtensions: true,
  allowImportingTsExtensions: false,
  newLine: ts.NewLineKind.LineFeed,
};

const out = (...parts: string[]) => join(root, options.outDir, ...parts);

/** The library's entry points (the first is the package's main). */
const libraryEntries = options.entryPoints.filter((e): e is string =>
  typeof e === "string"
);
/** The commands the package installs. */
const binEntries = options.entryPoints.filter((e): e is BinEntryPoint =>
  typeof e !== "string"
);
/** Where a bin's compiled ES module lands, relative to the package. */
const binOutput = (bin: BinEntryPoint) =>
  `esm/${bin.path.replace(/^\.\//, "").replace(/\.ts$/, ".js")}`;

/** Every file under `dir`, as paths relative to `dir`. */
function walk(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      for (const sub of walk(full)) found.push(join(name, sub));
    } else {
      found.push(name);
    }
  }
  return found;
}

/**
 * Rewrites one import specifier of the staged file `file` (a path relative
 * to the project root): mapped modules are swapped, and `npm:pkg@1/sub`
 * becomes the bare `pkg/sub` that Node resolves from node_modules.
 */
function rewriteSpecifier(file: string, spec: string): string {
  if (spec.startsWith("jsr:") || spec.startsWith("https:")) {
    throw new Error(`${file}: "${spec}" cannot be built for npm`);
  }
  if (spec.startsWith("npm:")) {
    const m = /^npm:\/?((?:@[^/]+\/)?[^@/]+)(?:@[^/]*)?(\/.*)?$/.exec(spec);
    if (!m) throw new Error(`${file}: cannot map "${spec}"`);
    return m[1] + (m[2] ?? "");
  }
  if (!spec.startsWith(".")) return spec;
  const target = join(dirname(file), spec);
  for (const [from, to] of Object.entries(options.mappings)) {
    if (join(from) === target) {
      let rel = relative(dirname(file), join(to)).split(sep).join("/");
      if (!rel.startsWith(".")) rel = "./" + rel;
      return rel;
    }
  }
  return spec;
}

/** The source text with its import specifiers rewritten. */
function rewriteImports(file: string, text: string): string {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  let result = "";
  let last = 0;
  for (const ref of importedFiles) {
    // `pos` is the opening quote's offset; the specifier follows it.
    const start = ref.pos + 1;
    if (text.slice(start, start + ref.fileName.length) !== ref.fileName) {
      throw new Error(`${file}: cannot locate import "${ref.fileName}"`);
    }
    result += text.slice(last, start) + rewriteSpecifier(file, ref.fileName);
    last = start + ref.fileName.length;
  }
  return result + text.slice(last);
}

/** Copies the sources to `stage`, applying `mappings` and npm specifiers. */
function stage(stageDir: string): void {
  const mapped = new Set(Object.keys(options.mappings).map((p) => join(p)));
  const files = [
    ...libraryEntries,
    ...binEntries.map((bin) => bin.path),
    ...options.sources.flatMap((dir) =>
      walk(join(root, dir)).map((f) => join(dir, f))
    ),
  ].map((p) => join(p));
  for (const file of files) {
    if (mapped.has(file)) continue; // replaced, not shipped
    const dest = join(stageDir, file);
    mkdirSync(dirname(dest), { recursive: true });
    if (/\.[mc]?ts$/.test(file)) {
      const text = readFileSync(join(root, file), "utf8");
      writeFileSync(dest, rewriteImports(file, text));
    } else {
      cpSync(join(root, file), dest);
    }
  }
}

/**
 * Compiles `rootNames`; `keep` filters outputs. Fails on any diagnostic in
 * package code; test code (type-checked by `deno check`, with Deno's own
 * globals) only has to parse.
 */
function compile(
  rootNames: string[],
  compilerOptions: ts.CompilerOptions,
  keep: (fileName: string) => boolean,
  oldProgram?: ts.Program,
): ts.Program {
  const host = ts.createCompilerHost(compilerOptions);
  const program = ts.createProgram({
    rootNames,
    options: compilerOptions,
    host,
    oldProgram,
  });
  const base = compilerOptions.rootDir!;
  const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) =>
    !d.file || d.category !== ts.DiagnosticCategory.Error ||
    isPackageFile(base, d.file.fileName) ||
    (program.getSyntacticDiagnostics(d.file) as readonly ts.Diagnostic[])
      .includes(d)
  );
  const emitted = program.emit(undefined, (fileName, text) => {
    if (!keep(fileName)) return;
    mkdirSync(dirname(fileName), { recursive: true });
    writeFileSync(fileName, text);
  });
  const all = [...diagnostics, ...emitted.diagnostics];
  if (all.length > 0) {
    throw new Error(
      "TypeScript reported problems:\n" +
        ts.formatDiagnostics(all, {
          getCanonicalFileName: (f) => f,
          getCurrentDirectory: () => root,
          getNewLine: () => "\n",
        }),
    );
  }
  return program;
}

/** Whether an output path belongs to the published package. */
function isPackageFile(outBase: string, fileName: string): boolean {
  const rel = relative(outBase, fileName).split(sep)[0];
  return !options.testDirs.map((d) => join(d)).includes(rel) &&
    rel !== "scripts";
}

/** Relative specifiers still ending in `.ts` are made `.js` (d.ts files). */
function fixDeclarationSpecifiers(dir: string): void {
  for (const file of walk(dir)) {
    if (!file.endsWith(".d.ts")) continue;
    const full = join(dir, file);
    const text = readFileSync(full, "utf8");
    const fixed = text.replace(
      /((?:from|import)\s*\(?\s*["'])(\.{1,2}\/[^"']+)\.ts(["'])/g,
      "$1$2.js$3",
    );
    if (fixed !== text) writeFileSync(full, fixed);
  }
}

/** Whether code (not its comments or strings) touches `Deno.`. */
function usesDeno(text: string): boolean {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true);
  scanner.setText(text);
  let previous = ts.SyntaxKind.Unknown;
  let previousText = "";
  for (
    let kind = scanner.scan();
    kind !== ts.SyntaxKind.EndOfFileToken;
    kind = scanner.scan()
  ) {
    if (
      kind === ts.SyntaxKind.DotToken &&
      previous === ts.SyntaxKind.Identifier && previousText === "Deno"
    ) return true;
    previous = kind;
    previousText = scanner.getTokenText();
  }
  return false;
}

/** The package's own outputs must be free of the Deno namespace. */
function verify(): void {
  const problems: string[] = [];
  for (const dir of ["esm", "script", "types"]) {
    for (const file of walk(out(dir))) {
      const full = out(dir, file);
      if (!isPackageFile(out(dir), full)) continue;
      if (/[\\/]deno\.(js|d\.ts)$/.test(file)) {
        problems.push(`${dir}/${file}: the Deno transport was shipped`);
      }
      if (/\.[mc]?[jt]s$/.test(file) && usesDeno(readFileSync(full, "utf8"))) {
        problems.push(`${dir}/${file}: uses Deno.*`);
      }
    }
  }
  for (const dir of ["esm", "script"]) {
    const runtime = readFileSync(
      out(dir, "src/transport/runtime.js"),
      "utf8",
    );
    if (!runtime.includes("./node.js")) {
      problems.push(`${dir}/src/transport/runtime.js does not use node.js`);
    }
  }
  if (problems.length > 0) {
    throw new Error("The npm build is wrong:\n" + problems.join("\n"));
  }
}

function writePackageJson(): void {
  const entry = libraryEntries[0].replace(/^\.\//, "").replace(
    /\.ts$/,
    "",
  );
  const pkg = {
    ...options.package,
    type: "module",
    main: `./script/${entry}.js`,
    bin: Object.fromEntries(
      binEntries.map((bin) => [bin.name, `./${binOutput(bin)}`]),
    ),
    module: `./esm/${entry}.js`,
    // Read only by resolvers that ignore `exports` (TypeScript's node10),
    // whose consumers load `main`: the CommonJS declarations match it.
    types: `./script/${entry}.d.ts`,
    exports: {
      ".": {
        import: {
          types: `./types/${entry}.d.ts`,
          default: `./esm/${entry}.js`,
        },
        require: {
          types: `./script/${entry}.d.ts`,
          default: `./script/${entry}.js`,
        },
      },
      "./package.json": "./package.json",
    },
    sideEffects: false,
    files: [
      "esm/",
      ...options.testDirs.map((d) => `!esm/${join(d)}/`),
      "!esm/scripts/",
      "script/",
      "types/",
      "PROTOCOL.md",
    ],
  };
  writeFileSync(out("package.json"), JSON.stringify(pkg, null, 2) + "\n");
  // Declarations in types/ are read as ES modules (the package is "type":
  // "module"); script/ holds CommonJS code and its own declarations.
  writeFileSync(
    out("script", "package.json"),
    JSON.stringify({ type: "commonjs" }, null, 2) + "\n",
  );
}

/** Runs the build; returns the time it took in ms. */
export function build(): number {
  const started = performance.now();
  rmSync(out(), { recursive: true, force: true });
  mkdirSync(out(), { recursive: true });
  // Staged inside npm/ so that bare imports (test dependencies) resolve from
  // the project's node_modules, as they will when Node runs the output.
  const stageDir = mkdtempSync(out(".stage-"));
  try {
    stage(stageDir);
    const entries = libraryEntries.map((p) => join(stageDir, p));
    const bins = binEntries.map((bin) => join(stageDir, bin.path));
    const tests = options.testDirs.flatMap((dir) =>
      readdirSync(join(stageDir, dir))
        .filter((f) => f.endsWith("_test.ts"))
        .map((f) => join(stageDir, dir, f))
    );
    const esm = compile(
      [...entries, ...bins, ...tests],
      {
        ...baseCompilerOptions,
        module: ts.ModuleKind.ES2022,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        rootDir: stageDir,
        outDir: out("esm"),
        declaration: true,
        declarationDir: out("types"),
      },
      (f) => !f.endsWith(".d.ts") || isPackageFile(out("types"), f),
    );
    compile(
      entries,
      {
        ...baseCompilerOptions,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        rootDir: stageDir,
        outDir: out("script"),
        declaration: true,
      },
      () => true,
      esm,
    );
    // Files the tests read at run time (fixtures) go next to the tests.
    for (const dir of options.testDirs) {
      for (const file of walk(join(stageDir, dir))) {
        if (/\.[mc]?ts$/.test(file)) continue;
        const dest = out("esm", dir, file);
        mkdirSync(dirname(dest), { recursive: true });
        cpSync(join(stageDir, dir, file), dest);
      }
    }
  } finally {
    rmSync(stageDir, { recursive: true, force: true });
  }
  fixDeclarationSpecifiers(out("types"));
  fixDeclarationSpecifiers(out("script"));
  for (const bin of binEntries) {
    const file = out(binOutput(bin));
    writeFileSync(file, "#!/usr/bin/env node\n" + readFileSync(file, "utf8"));
    chmodSync(file, 0o755);
  }
  writePackageJson();
  for (const file of ["README.md", "LICENSE", "PROTOCOL.md"]) {
    cpSync(join(root, file), out(file));
  }
  verify();
  return performance.now() - started;
}

if (import.meta.main) {
  const ms = build();
  console.log(
    `built ${options.package.name}@${options.package.version} into ${options.outDir}/ in ${
      (ms / 1000).toFixed(1)
    } s`,
  );
}
