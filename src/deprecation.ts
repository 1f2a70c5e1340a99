/**
 * One-time deprecation warnings for the parts of the original's API kept
 * working for the programs that use them.
 * @module
 */

import { emitWarning } from "node:process";

const warned = new Set<string>();

/**
 * Warns once per process about a deprecated use, as Node's own
 * deprecations do (`process.emitWarning`, a `DeprecationWarning` that
 * `--no-deprecation` silences); `console.warn` where there is no such
 * function.
 * @param code names the deprecation, e.g. `"SOCKHOP_AUTO_RECONNECT_SETTER"`
 * @param message what to do instead
 */
export function deprecate(code: string, message: string): void {
  if (warned.has(code)) return;
  warned.add(code);
  if (typeof emitWarning === "function") {
    emitWarning(message, { type: "DeprecationWarning", code });
  } else {
    console.warn(`[${code}] DeprecationWarning: ${message}`);
  }
}
