/**
 * An EventEmitter whose event names and listener arguments are checked by
 * the compiler. Runtime behaviour is Node's `EventEmitter`, unchanged.
 * @module
 */

import { EventEmitter } from "node:events";

/** Maps each event name to its listener's argument list. */
export type EventMap = Record<string, unknown[]>;

/** A listener for the event `K` of the map `E`. */
export type EventListener<E extends EventMap, K extends keyof E> = (
  ...args: E[K]
) => void;

/**
 * `EventEmitter` with typed `on`, `once`, `off`, `emit` and friends.
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
    return super.on(event, listener as (...args: unknown[]) => void);
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
    return super.addListener(event, listener as (...args: unknown[]) => void);
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
    return super.once(event, listener as (...args: unknown[]) => void);
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
      listener as (...args: unknown[]) => void,
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
    return super.prependOnceListener(
      event,
      listener as (...args: unknown[]) => void,
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
    return super.off(event, listener as (...args: unknown[]) => void);
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
    return super.removeListener(
      event,
      listener as (...args: unknown[]) => void,
    );
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
}
