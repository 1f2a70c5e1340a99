/**
 * Where the third-party peers live: `shared/peers/` beside the repository
 * (as CI clones it), or beside a folder above it (a worktree kept in a
 * subfolder of the checkout's parent). Runtime-neutral.
 * @module
 */

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { repoRoot } from "./util.ts";

/**
 * The folder of a peer in `shared/peers/`, found in the repository's parent
 * or the nearest folder above it that has one.
 * @param name the peer's folder name, e.g. "sockhop-2.1.0"
 * @throws if no folder above the repository has `shared/peers/<name>`
 */
export function sharedPeer(name: string): string {
  let dir = dirname(repoRoot());
  while (true) {
    const candidate = join(dir, "shared", "peers", name);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) {
      throw new Error(
        `shared/peers/${name} not found beside the repository or above it`,
      );
    }
    dir = up;
  }
}

/** The real sockhop 2.1.0 (with obj2buf in its node_modules). */
export function sockhop2Dir(): string {
  return sharedPeer("sockhop-2.1.0");
}
