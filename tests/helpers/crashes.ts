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
  if (isDeno) {
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
    return {
      escaped,
      stop() {
        globalThis.removeEventListener("unhandledrejection", onRejection);
        globalThis.removeEventListener("error", onError);
      },
    };
  }
  const onRejection = (reason: unknown) => escaped.push(reason);
  const onException = (err: unknown) => escaped.push(err);
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onException);
  return {
    escaped,
    stop() {
      process.off("unhandledRejection", onRejection);
      process.off("uncaughtException", onException);
    },
  };
}
