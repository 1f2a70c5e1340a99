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

/** Labels longer than this are never cached: a peer names them. */
const CACHED_LABEL_CHARS = 64;
/** Entries before the cache starts over: under 70 KB of strings in all. */
const CACHED_LABELS = 256;
const typedEvents = new Map<string, `receive:${string}`>();

/**
 * The name of the per-type event for a type label, `receive:<type>`. Cached:
 * a fresh concatenated name per message must be flattened and hashed for
 * every listener lookup. Only short labels are kept, and the cache starts
 * over when full, so labels a peer invents cost at most a small, fixed
 * amount of memory: nothing else outlives the handling of a message.
 */
export function typedEvent(type: string): `receive:${string}` {
  let name = typedEvents.get(type);
  if (name === undefined) {
    name = `receive:${type}`;
    if (type.length <= CACHED_LABEL_CHARS) {
      if (typedEvents.size >= CACHED_LABELS) typedEvents.clear();
      typedEvents.set(type, name);
    }
  }
  return name;
}

/** What the label cache holds: entries and UTF-16 code units of labels. */
export function typedEventCache(): { entries: number; chars: number } {
  let chars = 0;
  for (const type of typedEvents.keys()) chars += type.length;
  return { entries: typedEvents.size, chars };
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
 * Like {@linkcode reportError}, for an error that is the peer's or the
 * network's doing whatever its class (a refused TLS handshake, the peer's
 * TLS alert): without a listener it is dropped, never rethrown.
 * @param emitter the client or server
 * @param e the error
 * @param args the `error` event's further arguments
 */
export function reportPeerError(
  emitter: EventEmitter,
  e: Error,
  ...args: unknown[]
): void {
  if (emitter.listenerCount("error") > 0) emitter.emit("error", e, ...args);
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
