/**
 * Runs a Sockhop peer in a child process (tests/fixtures/peer.mjs) and talks
 * to it over JSON lines: the ORIGINAL sockhop@1.8.4 or this project's npm
 * build in Node or Bun, or this project's sources in Deno.
 * Runtime-neutral: works from `deno test` and from the npm build's tests.
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  bunCommand,
  denoCommand,
  nodeCommand,
  repoRoot,
  type Runtime,
} from "./util.ts";

/**
 * The driver's path: the one in the repository's tests/fixtures/, also when
 * these tests run from the npm build (the build's copy of it sits at another
 * depth, where its relative imports of the library do not resolve).
 */
export function driverPath(): string {
  return join(repoRoot(), "tests", "fixtures", "peer.mjs");
}

/**
 * Which library the peer runs: `"original"` (sockhop@1.8.4, Node), `"npm"`
 * (this project's build in npm/, Node) or `"source"` (mod.ts, Deno).
 */
export type PeerLibrary = "original" | "npm" | "source";

/**
 * The runtime a peer runs in: Deno for "source"; Node (the default) or Bun
 * for "npm" and "original".
 */
export type PeerRuntime = Exclude<Runtime, "Deno">;

/** An event the peer's library emitted (`ev` names it), or a command's reply. */
// deno-lint-ignore no-explicit-any
export type PeerMessage = { ev?: string; id?: number; [k: string]: any };

/** A running peer. */
export class PeerProcess {
  /** Every event received so far, in order. */
  readonly events: PeerMessage[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #replies = new Map<number, (m: PeerMessage) => void>();
  #eventWaiters: (() => void)[] = [];
  #nextId = 1;
  #stderr = "";
  /** Set when the child ended (or could not start): calls fail at once. */
  #gone: string | null = null;

  /** The library the peer runs ("sockhop2": the real 2.1.0, see peer2_process.ts). */
  readonly library: PeerLibrary | "sockhop2";

  /**
   * Takes over a started driver process (see {@linkcode PeerProcess.start}).
   * @param child the driver, with its stdio piped
   * @param library what it runs, for messages
   */
  protected constructor(
    child: ChildProcess,
    library: PeerLibrary | "sockhop2",
  ) {
    this.#child = child;
    this.library = library;
    this.#exited = new Promise((resolve) => {
      child.once("close", (code, signal) => {
        this.#end(`exited (${signal ?? code})`);
        resolve();
      });
      child.once("error", (e) => {
        this.#end(`could not run: ${e.message}`);
        if (child.pid === undefined) resolve(); // never started: no "close"
      });
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (s: string) => {
      this.#stderr = (this.#stderr + s).slice(-4000);
    });
    let text = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => {
      text += chunk;
      let i: number;
      while ((i = text.indexOf("\n")) >= 0) {
        const line = text.slice(0, i);
        text = text.slice(i + 1);
        this.#take(line);
      }
    });
  }

  /**
   * Starts `tests/fixtures/peer.mjs` with `library`: in Deno for "source"
   * (`denoCommand()`), else in `runtime` (Node unless told otherwise).
   * @throws if "npm" is asked for and the npm build is missing
   */
  static start(
    library: PeerLibrary,
    runtime: PeerRuntime = "Node",
  ): PeerProcess {
    const driver = driverPath();
    if (library === "npm") {
      const built = join(repoRoot(), "npm", "esm", "mod.js");
      if (!existsSync(built)) {
        throw new Error(
          `${built} is missing: run \`deno task build\` before these tests`,
        );
      }
    }
    const [command, args] = library === "source"
      ? [denoCommand(), ["run", "--allow-all", "--quiet", driver, library]]
      : [runtime === "Bun" ? bunCommand() : nodeCommand(), [driver, library]];
    const child = spawn(command, args, {
      cwd: repoRoot(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.on("error", () => {}); // reported by the calls that time out
    child.stdin!.on("error", () => {});
    return new PeerProcess(child, library);
  }

  /** What the child wrote to stderr lately (for failure messages). */
  get stderr(): string {
    return this.#stderr;
  }

  /**
   * Runs a command; resolves with its reply, rejects if it failed or did
   * not answer within `ms`.
   */
  call(
    cmd: string,
    args: Record<string, unknown> = {},
    ms = 10000,
  ): Promise<PeerMessage> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#gone) {
        reject(new Error(`${this.#gone}: cannot ${cmd}. ${this.#stderr}`));
        return;
      }
      const timer = setTimeout(() => {
        this.#replies.delete(id);
        reject(
          new Error(
            `${this.library} peer: no reply to ${cmd}. ${this.#stderr}`,
          ),
        );
      }, ms);
      this.#replies.set(id, (m) => {
        clearTimeout(timer);
        if (m.ok) resolve(m);
        else {
          reject(
            Object.assign(
              new Error(`${this.library} peer: ${cmd}: ${m.error}`),
              {
                code: m.code,
              },
            ),
          );
        }
      });
      this.#child.stdin!.write(JSON.stringify({ id, cmd, ...args }) + "\n");
    });
  }

  /**
   * The next event named `ev` not yet taken by an earlier call, or a
   * rejection after `ms`.
   */
  async event(ev: string, ms = 10000): Promise<PeerMessage> {
    const end = Date.now() + ms;
    while (true) {
      const i = this.events.findIndex((e) => e.ev === ev);
      if (i >= 0) {
        // Taken in order per kind: mark this one consumed.
        const found = this.events[i];
        this.events[i] = { ...found, ev: `${ev}:taken` };
        return found;
      }
      const left = end - Date.now();
      if (left <= 0 || this.#gone) {
        throw new Error(
          `${
            this.#gone ?? `${this.library} peer`
          }: no "${ev}" event. ${this.#stderr}`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#eventWaiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  /** Events named `ev` received so far (taken or not). */
  count(ev: string): number {
    return this.events.filter((e) => e.ev === ev || e.ev === `${ev}:taken`)
      .length;
  }

  /** Asks the peer to quit, and kills it if it does not within 2 s. */
  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      try {
        this.#child.stdin!.write('{"cmd":"quit"}\n');
      } catch { /* already gone */ }
      const timer = setTimeout(() => this.#child.kill("SIGKILL"), 2000);
      await this.#exited;
      clearTimeout(timer);
    } else {
      await this.#exited;
    }
  }

  /** Fails the calls and waits under way: the child is gone. */
  #end(why: string): void {
    this.#gone ??= `${this.library} peer ${why}`;
    for (const [id, done] of this.#replies) {
      this.#replies.delete(id);
      done({ ok: false, error: this.#gone });
    }
    const waiters = this.#eventWaiters;
    this.#eventWaiters = [];
    for (const w of waiters) w();
  }

  #take(line: string): void {
    let m: PeerMessage;
    try {
      m = JSON.parse(line);
    } catch {
      this.#stderr += `\n(stdout) ${line}`;
      return;
    }
    if (typeof m.id === "number" && this.#replies.has(m.id)) {
      const done = this.#replies.get(m.id)!;
      this.#replies.delete(m.id);
      done(m);
      return;
    }
    if (m.ev) {
      this.events.push(m);
      const waiters = this.#eventWaiters;
      this.#eventWaiters = [];
      for (const w of waiters) w();
    }
  }
}
