/**
 * Runs the REAL sockhop 2.1.0 (`shared/peers/sockhop-2.1.0` beside the
 * repository) in a child process, driven through tests/fixtures/peer2.mjs
 * over JSON lines: in Node, or in Bun when the tests run in Bun. The same
 * calls and events as {@linkcode PeerProcess} (peer_process.ts); the
 * commands are listed at the top of peer2.mjs. Runtime-neutral.
 * @module
 */

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { PeerProcess, type PeerRuntime } from "./peer_process.ts";
import { sockhop2Dir } from "./peers_dir.ts";
import { bunCommand, nodeCommand, repoRoot, runtime } from "./util.ts";

/** The driver: the repository's copy, also for the npm build's tests. */
export function driver2Path(): string {
  return join(repoRoot(), "tests", "fixtures", "peer2.mjs");
}

/** A running sockhop 2.1.0 peer. */
export class Peer2Process extends PeerProcess {
  /**
   * Starts peer2.mjs with the real sockhop 2.1.0.
   * @param on the runtime: Bun when the tests run in Bun, else Node
   */
  static launch(
    on: PeerRuntime = runtime === "Bun" ? "Bun" : "Node",
  ): Peer2Process {
    const command = on === "Bun" ? bunCommand() : nodeCommand();
    const child = spawn(command, [driver2Path(), sockhop2Dir()], {
      cwd: repoRoot(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.on("error", () => {}); // reported by the calls that time out
    child.stdin!.on("error", () => {});
    return new Peer2Process(child, "sockhop2");
  }
}

/**
 * Runs `fn` with a fresh 2.1 peer, and ends the peer afterwards whatever
 * `fn` does (asked to quit, killed after 2 s).
 */
export async function withPeer2<T>(
  fn: (peer: Peer2Process) => Promise<T>,
  on?: PeerRuntime,
): Promise<T> {
  const peer = Peer2Process.launch(on);
  try {
    return await fn(peer);
  } finally {
    await peer.close();
  }
}

/** `n` bytes counting up from 0 (mod 256): what peer2.mjs's `pattern` sends. */
export function patternBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = i & 0xff;
  return b;
}

/** The SHA-256 of bytes, in hex: how peer2.mjs describes what it received. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
