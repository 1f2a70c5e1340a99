/**
 * Hostile raw peers for the hardening tests (they speak bytes, not
 * Sockhop), and a watch for crashes that would otherwise escape a test.
 * Runtime-neutral: `node:net` works the same in Deno and Node.
 * @module
 */

import net from "node:net";
import process from "node:process";
import { isDeno } from "./util.ts";

/** Where a raw peer connects: a TCP port on 127.0.0.1, or a socket path. */
export type Target = number | string;

/**
 * Opens a raw socket to a server; rejects on error or after `ms`. Later
 * socket errors (resets are expected here) are swallowed.
 * @param target a TCP port on 127.0.0.1, or a Unix socket path
 */
export function rawConnect(target: Target, ms = 5000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = typeof target === "number"
      ? net.connect(target, "127.0.0.1")
      : net.connect(target);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error("raw connect timed out"));
    }, ms);
    const onError = (e: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(e);
    };
    sock.once("error", onError);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.off("error", onError);
      sock.on("error", () => {});
      resolve(sock);
    });
  });
}

/** Resolves once the socket has closed (or at once if it already has). */
export function closed(sock: net.Socket, ms = 5000): Promise<void> {
  if (sock.closed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("socket did not close")),
      ms,
    );
    sock.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Writes `chunk` again and again, honouring backpressure, until `total`
 * bytes are queued or the socket closes. Resolves to the bytes the runtime
 * accepted (each write's callback fired without error) and whether the
 * socket closed.
 */
export async function stream(
  sock: net.Socket,
  chunk: Uint8Array,
  total: number,
): Promise<{ accepted: number; closed: boolean }> {
  let accepted = 0;
  let isClosed = sock.closed;
  let wake: (() => void) | null = null;
  const onDrain = () => wake?.();
  const onClose = () => {
    isClosed = true;
    wake?.();
  };
  sock.on("drain", onDrain);
  sock.on("close", onClose);
  try {
    let queued = 0;
    while (!isClosed && queued < total) {
      queued += chunk.length;
      const more = sock.write(chunk, (err) => {
        if (!err) accepted += chunk.length;
      });
      if (!more && !isClosed) {
        await new Promise<void>((r) => (wake = r));
        wake = null;
      }
    }
  } finally {
    sock.off("drain", onDrain);
    sock.off("close", onClose);
  }
  return { accepted, closed: isClosed };
}

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

/** How many timers this process has pending (`getActiveResourcesInfo`). */
export function activeTimers(): number {
  const info = (process as { getActiveResourcesInfo?: () => string[] })
    .getActiveResourcesInfo?.() ?? [];
  return info.filter((r) => r === "Timeout").length;
}
