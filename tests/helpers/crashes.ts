/**
 * A watch for crashes that would otherwise escape a test. Runtime-neutral:
 * the same code in Deno and Node.
 * @module
 */

import process from "node:process";
import { isDeno } from "./util.ts";

/** What escaped: unhandled rejections and uncaught exceptions. */
export interface CrashWatch {
  /** Everything caught so far. */
  readonly escaped: unknown[];
  /** Stops watching. */
  stop(): void;
}

/**
 * Records unhandled promise rejections and uncaught exceptions until
 * `stop()`, in Deno (global events) and in Node (process events), so a test
 * can assert that none happened instead of crashing the runner.
 */
export function watchCrashes(): CrashWatch {
  const escaped: unknown[] = [];
  const stop = isDeno ? watchGlobalEvents(escaped) : watchProcess(escaped);
  return { escaped, stop };
}

/**
 * Deno: the global `unhandledrejection` and `error` events, each kept from
 * ending the run. Returns the function that stops watching.
 */
function watchGlobalEvents(escaped: unknown[]): () => void {
  const onRejection = (e: Event) => {
    e.preventDefault();
    escaped.push((e as PromiseRejectionEvent).reason);
  };
  const onError = (e: Event) => {
    e.preventDefault();
    escaped.push((e as ErrorEvent).error);
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  globalThis.addEventListener("error", onError);
  return () => {
    globalThis.removeEventListener("unhandledrejection", onRejection);
    globalThis.removeEventListener("error", onError);
  };
}

/**
 * Node and Bun: the process's `unhandledRejection` and `uncaughtException`
 * events. Returns the function that stops watching.
 */
function watchProcess(escaped: unknown[]): () => void {
  const keep = (reason: unknown) => void escaped.push(reason);
  process.on("unhandledRejection", keep);
  process.on("uncaughtException", keep);
  return () => {
    process.off("unhandledRejection", keep);
    process.off("uncaughtException", keep);
  };
}
