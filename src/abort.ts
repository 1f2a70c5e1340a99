/**
 * AbortSignal plumbing shared by connects, sends and requests.
 * @module
 */

import { SockhopError } from "./errors.ts";

/**
 * The error an aborted operation rejects or ends with.
 * @param signal the aborted signal; its reason becomes the `cause`
 */
export function abortedError(signal: AbortSignal): SockhopError {
  return new SockhopError("The operation was aborted", "ERR_ABORTED", {
    cause: signal.reason,
  });
}

/**
 * Calls `fn` once when `signal` aborts; returns what stops listening, so
 * that a finished operation leaves no listener on a long-lived signal.
 * @param signal the signal
 * @param fn what aborting does
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  signal.addEventListener("abort", fn, { once: true });
  return () => signal.removeEventListener("abort", fn);
}
