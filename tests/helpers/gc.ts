/**
 * A full garbage collection on demand, in Deno, Node and Bun alike, for
 * tests that measure what memory is retained.
 * @module
 */

import v8 from "node:v8";
import vm from "node:vm";

/** Returns a function that runs a full garbage collection. */
export function collector(): () => void {
  const bun = (globalThis as { Bun?: { gc(sync: boolean): void } }).Bun;
  if (bun) return () => bun.gc(true);
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc");
}
