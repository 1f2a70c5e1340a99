/**
 * `deno task bench:idle`: memory per idle connection. For each server (this
 * project in Deno, its npm build in Node, the original sockhop@1.8.4 in
 * Node), a client process opens IDLE_CONNECTIONS (default 10,000) loopback
 * connections that each send one small envelope and then stay quiet; the
 * server's RSS growth divided by the count is printed in one table. Each
 * server runs in its own process, after a full garbage collection at both
 * readings. The open-files limit of each child is raised to the hard limit,
 * which must allow the count. A benchmark, not a test: it never fails on
 * size.
 *
 * `--no-build` skips rebuilding npm/ first.
 * @module
 */

import { buildUnlessAsked } from "./bench/build_first.ts";

const root = new URL("..", import.meta.url).pathname;
const count = Number(Deno.env.get("IDLE_CONNECTIONS") ?? 10_000);
const deno = Deno.execPath();

/** A child process speaking JSON lines, with its open-files limit raised. */
class Child {
  readonly #process: Deno.ChildProcess;
  readonly #lines: AsyncIterator<string>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;

  constructor(cmd: string, args: string[]) {
    this.#process = new Deno.Command("bash", {
      args: [
        "-c",
        'ulimit -n "$(ulimit -Hn)" && exec "$@"',
        "bash",
        cmd,
        ...args,
      ],
      cwd: root,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#stdin = this.#process.stdin.getWriter();
    this.#lines = lines(this.#process.stdout);
  }

  /** The next JSON line the child prints. */
  async next(): Promise<Record<string, number>> {
    const line = await this.#lines.next();
    if (line.done) throw new Error("the child process ended early");
    return JSON.parse(line.value);
  }

  /** Writes a line to the child's stdin. */
  async ask(): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode("\n"));
  }

  /** Ends stdin (the child then exits) and waits for it. */
  async end(): Promise<void> {
    await this.#stdin.close();
    await this.#process.status;
  }
}

async function* lines(stream: ReadableStream<Uint8Array>) {
  let rest = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + text).split("\n");
    rest = parts.pop()!;
    yield* parts.filter((l) => l.startsWith("{"));
  }
}

await buildUnlessAsked(root);

const servers: [string, string, string[]][] = [
  ["floor: a bare Deno.listen server", deno, [
    "run",
    "-A",
    "--v8-flags=--expose-gc",
    "scripts/bench/idle_server.mjs",
    "raw",
  ]],
  ["floor: a bare node:net server", "node", [
    "--expose-gc",
    "scripts/bench/idle_server.mjs",
    "raw",
  ]],
  ["this project in Deno", deno, [
    "run",
    "-A",
    "--v8-flags=--expose-gc",
    "scripts/bench/idle_server.mjs",
    "source",
  ]],
  ["this project's npm build in Node", "node", [
    "--expose-gc",
    "scripts/bench/idle_server.mjs",
    "npm",
  ]],
  ["original sockhop@1.8.4 in Node", "node", [
    "--expose-gc",
    "scripts/bench/idle_server.mjs",
    "original",
  ]],
];

const rows: string[] = [];
for (const [label, cmd, args] of servers) {
  console.error(`${label}: ${count} idle connections ...`);
  const server = new Child(cmd, [...args, String(count)]);
  const { port, rss: before, heap: heapBefore } = await server.next();
  const clients = new Child("node", [
    "tests/fixtures/idle_clients.mjs",
    String(port),
    String(count),
  ]);
  await clients.next(); // all connected and written
  await server.next(); // every envelope received
  await new Promise((r) => setTimeout(r, 1000)); // let reads settle
  await server.ask();
  const { rss: after, heap: heapAfter } = await server.next();
  await clients.end();
  await server.end();
  const kib = (after - before) / count / 1024;
  const heapKib = (heapAfter - heapBefore) / count / 1024;
  const mib = (v: number) => (v / 1024 / 1024).toFixed(1);
  rows.push(
    `| ${label} | ${mib(before)} MiB | ${mib(after)} MiB | ${
      kib.toFixed(1)
    } KiB | ${heapKib.toFixed(1)} KiB |`,
  );
}

console.log(
  `\n${count.toLocaleString("en-US")} idle connections, ` +
    "each sent one small envelope:\n",
);
console.log(
  "| server | RSS listening | RSS with the connections | RSS per connection | of which JS heap |",
);
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const row of rows) console.log(row);
