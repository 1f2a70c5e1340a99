/**
 * What clients and servers both do around their channels: emit a received
 * value (and its per-type event), report errors, run the ping timer, name
 * a bound address and refuse sends without a connection.
 * @module
 */

import type { EventEmitter } from "node:events";
import { SockhopError } from "./errors.ts";
import type { Addr } from "./transport/types.ts";
import type { ReceiveMeta } from "./types.ts";
import { quiet } from "./util.ts";

const typedEvents = new Map<string, `receive:${string}`>();

/**
 * The name of the per-type event for a type label, `receive:<type>`. Cached:
 * a fresh concatenated name per message must be flattened and hashed for
 * every listener lookup. The cache is bounded so that a peer inventing type
 * names cannot grow it without limit.
 */
export function typedEvent(type: string): `receive:${string}` {
  let name = typedEvents.get(type);
  if (name === undefined) {
    name = `receive:${type}`;
    if (typedEvents.size < 1024) typedEvents.set(type, name);
  }
  return name;
}

/**
 * Emits `receive`, then `receive:<type>` when anyone listens for it.
 * @param emitter the client or server
 * @param data the received value
 * @param meta its metadata (`type` names the per-type event)
 */
export function emitReceive(
  emitter: EventEmitter,
  data: unknown,
  meta: ReceiveMeta,
): void {
  emitter.emit("receive", data, meta);
  const typed = typedEvent(meta.type);
  if (emitter.listenerCount(typed) > 0) emitter.emit(typed, data, meta);
}

/**
 * Errors caused by the peer become `error` events; with no listener they
 * are dropped, so a peer can never crash the process. Errors thrown by
 * user handlers are rethrown when nobody listens, as EventEmitter would.
 * @param emitter the client or server
 * @param e the error
 * @param args the `error` event's further arguments
 */
export function reportError(
  emitter: EventEmitter,
  e: Error,
  ...args: unknown[]
): void {
  if (emitter.listenerCount("error") > 0) {
    emitter.emit("error", e, ...args);
  } else if (!(e instanceof SockhopError)) {
    queueMicrotask(() => {
      throw e;
    });
  }
}

/**
 * The IP address of a TCP address, or the path of a Unix one.
 * @param addr the address, if any
 */
export function addressOf(addr: Addr | undefined): string | undefined {
  if (!addr) return undefined;
  return addr.transport === "tcp" ? addr.hostname : addr.path;
}

/**
 * A handled `ERR_SOCKET_DESTROYED` rejection, for a send with no
 * connection to go to.
 * @param message the error's message
 */
export function destroyedRejection<T>(message: string): Promise<T> {
  return quiet(
    Promise.reject(new SockhopError(message, "ERR_SOCKET_DESTROYED")),
  );
}

/** The ping interval of a client or server. */
export class PingTimer {
  #timer: ReturnType<typeof setInterval> | null = null;

  /**
   * Stops the current interval, then calls `tick` every `delay` ms
   * (0: stays stopped).
   * @param delay interval in ms
   * @param tick one round of pings
   */
  every(delay: number, tick: () => void): void {
    if (this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    if (delay) this.#timer = setInterval(tick, delay);
  }
}
