/**
 * Small helpers shared by the tests. Runtime-neutral: the same files run
 * under `deno test` and, after the npm build, under `node --test`.
 * @module
 */

import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import process from "node:process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { EventEmitter } from "node:events";
import { SockhopClient, SockhopError, SockhopServer } from "../../mod.ts";
import type { SockhopClientOptions, SockhopServerOptions } from "../../mod.ts";

/** Whether the tests run in Deno (else Node or Bun, from the npm build). */
export const isDeno: boolean = "Deno" in globalThis;

/** A runtime the tests run in, or a peer runs in. */
export type Runtime = "Deno" | "Node" | "Bun";

/** The runtime running the tests. */
export const runtime: Runtime = isDeno
  ? "Deno"
  : "Bun" in globalThis
  ? "Bun"
  : "Node";

/**
 * The repository root (the folder holding deno.json), found from this file
 * whether it runs from tests/ in Deno or from the npm build's copy in Node.
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "deno.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("deno.json not found above the tests");
    dir = up;
  }
  return dir;
}

/**
 * The command that runs Deno: this process in Deno; in Node, `DENO_BIN`
 * (set by `deno task test:node`), else `deno` from PATH.
 */
export function denoCommand(): string {
  if (isDeno) {
    return (globalThis as unknown as { Deno: { execPath(): string } }).Deno
      .execPath();
  }
  return process.env.DENO_BIN || "deno";
}

/** The command that runs Node: this process in Node, else `node` from PATH. */
export function nodeCommand(): string {
  return runtime === "Node" ? process.execPath : "node";
}

/**
 * The command that runs Bun: this process in Bun; else `BUN_BIN`, else the
 * Bun that `npm ci` installed in node_modules/.bin, else `bun` from PATH.
 */
export function bunCommand(): string {
  if (runtime === "Bun") return process.execPath;
  if (process.env.BUN_BIN) return process.env.BUN_BIN;
  const local = join(repoRoot(), "node_modules", ".bin", "bun");
  return existsSync(local) ? local : "bun";
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Resolves with the arguments of the next `event`, or rejects after
 * `ms` milliseconds so a broken test fails instead of hanging.
 */
export function once<T extends unknown[] = unknown[]>(
  emitter: EventEmitter,
  event: string,
  ms = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`timed out waiting for "${event}"`));
    }, ms);
    const handler = (...args: unknown[]) => {
      clearTimeout(timer);
      resolve(args as T);
    };
    emitter.once(event, handler);
  });
}

/** Collects the first `n` emissions of `event` (each as its argument list). */
export function collect<T extends unknown[] = unknown[]>(
  emitter: EventEmitter,
  event: string,
  n: number,
  ms = 5000,
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const got: T[] = [];
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`got ${got.length} of ${n} "${event}" events`));
    }, ms);
    const handler = (...args: unknown[]) => {
      got.push(args as T);
      if (got.length === n) {
        clearTimeout(timer);
        emitter.off(event, handler);
        resolve(got);
      }
    };
    emitter.on(event, handler);
  });
}

/** Polls `check` until true, failing after `ms`. */
export async function waitFor(
  check: () => boolean,
  ms = 5000,
  what = "condition",
): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Resolves with `p`, or rejects after `ms` so a broken test fails fast. */
export function within<T>(
  p: Promise<T>,
  ms = 5000,
  what = "promise",
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A predicate for `assert.rejects`: a SockhopError with this code. */
export const isCode = (code: string) => (e: unknown): boolean =>
  e instanceof SockhopError && e.code === code;

/** A loopback port nobody listens on (just freed by the OS). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "sockhop-test-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A server and a client of it, and a function that closes both. */
export interface Pair {
  /** A server listening on an OS-picked port (or the given path). */
  server: SockhopServer;
  /** A client with the server's port (or path). */
  client: SockhopClient;
  /** Disconnects the client and closes the server. */
  close: () => Promise<void>;
}

/** A listening server and a client of it that has not connected yet. */
export async function unconnectedPair(
  serverOpts: SockhopServerOptions = {},
  clientOpts: SockhopClientOptions = {},
): Promise<Pair> {
  const server = new SockhopServer({ port: 0, ...serverOpts });
  await server.listen();
  const client = new SockhopClient({
    port: server.port,
    path: serverOpts.path,
    ...clientOpts,
  });
  const close = async () => {
    await client.disconnect();
    await server.close();
  };
  return { server, client, close };
}

/** A started server on an OS-picked port and a connected client. */
export async function pair(
  serverOpts: SockhopServerOptions = {},
  clientOpts: SockhopClientOptions = {},
): Promise<Pair> {
  const p = await unconnectedPair(serverOpts, clientOpts);
  try {
    const connected = once(p.server, "connect");
    await p.client.connect();
    await connected;
  } catch (e) {
    await p.close(); // a failed pair leaves nothing open
    throw e;
  }
  return p;
}

/**
 * Runs `fn` on a fresh pair and closes the pair afterwards, whatever `fn`
 * does. Server and client options, if any, come before `fn`.
 */
export interface WithPair {
  <T>(fn: (p: Pair) => Promise<T>): Promise<T>;
  <T>(
    serverOpts: SockhopServerOptions,
    fn: (p: Pair) => Promise<T>,
  ): Promise<T>;
  <T>(
    serverOpts: SockhopServerOptions,
    clientOpts: SockhopClientOptions,
    fn: (p: Pair) => Promise<T>,
  ): Promise<T>;
}

function runOn(make: typeof pair): WithPair {
  return (async (...args: unknown[]) => {
    const fn = args.pop() as (p: Pair) => Promise<unknown>;
    const p = await make(
      ...args as [SockhopServerOptions?, SockhopClientOptions?],
    );
    try {
      return await fn(p);
    } finally {
      await p.close();
    }
  }) as WithPair;
}

/** {@linkcode WithPair} on a connected {@linkcode pair}. */
export const withPair: WithPair = runOn(pair);

/** {@linkcode WithPair} on an {@linkcode unconnectedPair}. */
export const withUnconnectedPair: WithPair = runOn(unconnectedPair);

/** A user class whose name travels as the type label "Widget". */
export class Widget {
  constructor(public name = "gear", public teeth = 12) {}
}

/**
 * Values of every kind go from client to server with their type labels:
 * JSON values, a class instance, and bytes (a Uint8Array on arrival).
 */
export async function assertValuesDelivered(
  server: SockhopServer,
  client: SockhopClient,
): Promise<void> {
  const got = collect(server, "receive", 7);
  await client.send({ a: 1 });
  await client.send([1, "two"]);
  await client.send("text ✓");
  await client.send(42);
  await client.send(true);
  await client.send(new Widget());
  await client.send(new Uint8Array([0, 1, 255]));
  const received = (await got).map(([data, meta]) => [
    (meta as { type: string }).type,
    data,
  ]);
  assert.deepEqual(received.slice(0, 6), [
    ["Object", { a: 1 }],
    ["Array", [1, "two"]],
    ["String", "text ✓"],
    ["Number", 42],
    ["Boolean", true],
    ["Widget", { name: "gear", teeth: 12 }],
  ]);
  const [type, bytes] = received[6] as [string, Uint8Array];
  assert.equal(type, "Buffer");
  assert.ok(bytes instanceof Uint8Array);
  assert.deepEqual([...bytes], [0, 1, 255]);
}

/**
 * Remote callbacks both ways over a connected pair: the server answers the
 * client's send, then the client answers the server's (with a class
 * instance, labelled by its class name).
 */
export async function assertCallbacksBothWays(
  server: SockhopServer,
  client: SockhopClient,
): Promise<void> {
  server.on("receive", (data, meta) => meta.callback?.({ echo: data }));
  const reply = await new Promise((resolve) =>
    client.send("ping?", (answer, meta) => resolve([answer, meta.type]))
  );
  assert.deepEqual(reply, [{ echo: "ping?" }, "Object"]);

  client.on("receive", (_data, meta) => meta.callback?.(new Widget("w", 1)));
  const back = await new Promise((resolve) =>
    server.send(
      server.sockets[0],
      "hello",
      (answer, meta) => resolve([answer, meta.type]),
    )
  );
  assert.deepEqual(back, [{ name: "w", teeth: 1 }, "Widget"]);
}
