/**
 * One connection attempt of a client: the transport's connect, raced
 * against `connect_timeout`, and ended early on demand.
 * @module
 */

import { SockhopError } from "./errors.ts";
import { transport } from "./transport/runtime.ts";
import type { Conn, ConnectOptions } from "./transport/types.ts";
import { noop } from "./util.ts";

/** An attempt under way. */
export interface ConnectAttempt {
  /** The connection, or why the attempt failed or was ended. */
  readonly conn: Promise<Conn>;
  /**
   * Ends the attempt now with `e` (abort, `disconnect()`), closing what it
   * made so far (a TLS handshake under way, say) at once.
   */
  end(e: Error): void;
}

/**
 * Starts connecting; the attempt fails with `ERR_CONNECT_TIMEOUT` after
 * `timeout` ms, and a connection made after the attempt ended is closed.
 * @param options where and how to connect
 * @param timeout ms the attempt may take
 */
export function connectAttempt(
  options: Omit<ConnectOptions, "signal">,
  timeout: number,
): ConnectAttempt {
  const stop = new AbortController();
  const made = transport.connect({ ...options, signal: stop.signal });
  let end!: (e: Error) => void;
  const ended = new Promise<never>((_, reject) => {
    end = (e) => {
      reject(e);
      stop.abort(e);
    };
  });
  const timer = setTimeout(
    () =>
      end(
        new SockhopError(
          "Timeout exceeded on connect()",
          "ERR_CONNECT_TIMEOUT",
        ),
      ),
    timeout,
  );
  const conn = Promise.race([made, ended]).catch((e) => {
    made.then((c) => c.close(), noop);
    throw e;
  }).finally(() => clearTimeout(timer));
  return { conn, end };
}
