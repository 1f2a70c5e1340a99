/**
 * An EventEmitter whose event names and listener arguments are checked by
 * the compiler, and which catches the promise an async listener returns.
 * Otherwise its behaviour is Node's `EventEmitter`.
 * @module
 */

import { EventEmitter } from "node:events";

/** Maps each event name to its listener's argument list. */
export type EventMap = Record<string, unknown[]>;

/**
 * A listener for the event `K` of the map `E`. It may be async: the promise
 * it returns is watched (see {@linkcode TypedEmitter}).
 */
export type EventListener<E extends EventMap, K extends keyof E> = (
  ...args: E[K]
) => unknown;

type Listener = (...args: unknown[]) => unknown;

/** A listener as registered: calls the user's and watches its result. */
type Guard = Listener & { listener: Listener };

/**
 * Wraps a listener so that a rejection of the promise it returns reaches
 * `emitter._listener_rejected`. The wrapper carries the user's function
 * as `listener`, which is how Node's `off()`, `listeners()` and
 * `listenerCount()` find the original behind a wrapper (as for `once`).
 */
function guard(
  emitter: TypedEmitter<EventMap>,
  event: string,
  listener: Listener,
  once: boolean,
): Guard {
  let fired = false;
  const wrapped = function (this: unknown): unknown {
    if (once) {
      if (fired) return;
      fired = true;
      emitter.removeListener(event, wrapped);
    }
    const result = Reflect.apply(listener, this, arguments);
    // Cheap for sync listeners: only objects are asked for a `then`.
    if (
      typeof result === "object" && result !== null &&
      typeof (result as PromiseLike<unknown>).then === "function"
    ) {
      // Copied only if it rejects (strict mode: `arguments` is a plain list).
      const args = arguments;
      (result as PromiseLike<unknown>).then(undefined, (e: unknown) => {
        emitter._listener_rejected(e, event, Array.prototype.slice.call(args));
      });
    }
    return result;
  } as Guard;
  wrapped.listener = listener;
  return wrapped;
}

/** Rethrows outside any promise, as an uncaught exception. */
export function rethrow(e: unknown): void {
  queueMicrotask(() => {
    throw e;
  });
}

/**
 * `EventEmitter` with typed `on`, `once`, `off`, `emit` and friends.
 *
 * Listeners may be async. When the promise a listener returns rejects, the
 * rejection is reported as a thrown error would be: by default an `error`
 * event when someone listens to `error`, else it is rethrown as an uncaught
 * exception (Node's `EventEmitter` would leave an unhandled rejection).
 * Sockhop's clients, servers, sessions and response streams report it
 * through their own `error` rules (see {@linkcode SockhopClient} and the
 * README's "Errors" section). Only a returned object with a `then` method
 * is watched, so sync listeners cost nothing extra.
 *
 * @example
 * ```ts
 * import { TypedEmitter } from "@sockhop/sockhop";
 *
 * const bell = new TypedEmitter<{ ring: [times: number] }>();
 * bell.on("ring", (times) => console.log(times.toFixed()));
 * bell.emit("ring", 3);
 * ```
 */
export class TypedEmitter<E extends EventMap> extends EventEmitter {
  /**
   * Adds a listener.
   * @param event the event name
   * @param listener called with the event's arguments
   */
  override on<K extends keyof E & string>(
    event: K,
    listener: EventListener<E, K>,
  ): this {
    return super.on(event, guard(this, event, listener as Listener, false));
  }

  /**
   * Adds a listener (same as `on`).
   * @param event the event name
   * @param listener called with the event's arguments
   */
  override addListener<K extends keyof E & string>(
    event: K,
    listener: EventListener<E, K>,
  ): this {
    return super.addListener(
      event,
      guard(this, event, listener as Listener, false),
    );
  }

  /**
   * Adds a listener called at most once.
   * @param event the event name
   * @param listener called with the event's arguments
   */
  override once<K extends keyof E & string>(
    event: K,
    listener: EventListener<E, K>,
  ): this {
    return super.on(event, guard(this, event, listener as Listener, true));
  }

  /**
   * Adds a listener in front of the others.
   * @param event the event name
   * @param listener called with the event's arguments
   */
  override prependListener<K extends keyof E & string>(
    event: K,
    listener: EventListener<E, K>,
  ): this {
    return super.prependListener(
      event,
      guard(this, event, listener as Listener, false),
    );
  }

  /**
   * Adds a one-time listener in front of the others.
   * @param event the event name
   * @param listener called with the event's arguments
   */
  override prependOnceListener<K extends keyof E & string>(
    event: K,
    listener: EventListener<E, K>,
  ): this {
    return super.prependListener(
      event,
      guard(this, event, listener as Listener, true),
    );
  }

  /**
   * Removes a listener.
   * @param event the event name
   * @param listener the listener to remove
   */
  override off<K extends keyof E & string>(
    event: K,
    listener: EventListener<E, K>,
  ): this {
    return super.off(event, listener as Listener);
  }

  /**
   * Removes a listener (same as `off`).
   * @param event the event name
   * @param listener the listener to remove
   */
  override removeListener<K extends keyof E & string>(
    event: K,
    listener: EventListener<E, K>,
  ): this {
    return super.removeListener(event, listener as Listener);
  }

  /**
   * Calls the event's listeners with the arguments.
   * @param event the event name
   * @param args the event's arguments
   * @returns whether there were listeners
   */
  override emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    return super.emit(event, ...args);
  }

  /**
   * Called when the promise returned by a listener of `event` rejects.
   * Default: an `error` event if `error` has listeners (and the failed
   * listener was not one of them), else rethrown as an uncaught exception.
   * Subclasses route it to their own error reporting.
   * @param error the rejection reason
   * @param event the event whose listener failed
   * @param _args the arguments the listener was called with
   */
  _listener_rejected(error: unknown, event: string, _args: unknown[]): void {
    if (event !== "error" && this.listenerCount("error") > 0) {
      super.emit("error", error);
    } else {
      rethrow(error);
    }
  }
}
