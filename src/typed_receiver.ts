/**
 * The receiving side of the `types` option, one per connection: before a
 * frame is handled, the value it carries under a registered label is
 * validated and revived in place. A value that fails never reaches a
 * handler. Schemas that answer with a promise hold the frames after theirs
 * back, so that values are handled in the order they arrived.
 * @module
 */

import { SockhopError } from "./errors.ts";
import type { Checked, TypeBook } from "./typed_values.ts";
import { classify, type Envelope, typeName } from "./wire/envelope.ts";

/** What the receiver needs of its connection (the channel). */
export interface TypedHost {
  /** Handles a frame whose value passed (or needed no check). */
  handle(frame: unknown): void;
  /** Reports a problem as an `error` event. */
  report(e: Error): void;
  /**
   * Drops what waits on our side for the refused frame: the remote
   * callback or the response stream with this id.
   */
  refuse(id: string, e: SockhopError): void;
  /** Whether the connection is gone (held frames are then dropped). */
  closed(): boolean;
}

/** Where a frame carries a value to check. */
interface Slot {
  /** The object whose `data` is the value. */
  holder: Record<string, unknown>;
  label: string;
  /** The remote callback's or request's id, for an answer or a response. */
  id: string | undefined;
}

/**
 * Frames that may wait behind async validations of one connection; past
 * this the peer sends faster than its values can be checked, and the
 * connection is closed rather than memory growing.
 */
export const MAX_HELD_FRAMES = 10_000;

/** A request's or response packet's label, as SockhopRequest reads it. */
function innerLabel(holder: Record<string, unknown>): string {
  const type = holder.type;
  return typeof type === "string" && type !== "" ? type : typeName(holder.data);
}

/** Checks one connection's received values against a {@linkcode TypeBook}. */
export class TypedReceiver {
  readonly #book: TypeBook;
  readonly #host: TypedHost;
  /** Frames behind an async validation, in arrival order. */
  #held: unknown[] | undefined;
  #onOverflow: () => void;

  /**
   * @param book the registry
   * @param host the connection
   * @param onOverflow closes the connection (past {@linkcode MAX_HELD_FRAMES})
   */
  constructor(book: TypeBook, host: TypedHost, onOverflow: () => void) {
    this.#book = book;
    this.#host = host;
    this.#onOverflow = onOverflow;
  }

  /**
   * A frame arrived: handled now (its value checked first, synchronously),
   * or held behind an async validation.
   * @param frame the parsed frame
   */
  take(frame: unknown): void {
    const held = this.#held;
    if (held === undefined) return this.#run(frame);
    if (held.length >= MAX_HELD_FRAMES) {
      this.#held = [];
      this.#host.report(
        new SockhopError(
          `More than ${MAX_HELD_FRAMES} values wait for validation`,
          "ERR_BAD_DATA",
        ),
      );
      this.#onOverflow();
      return;
    }
    held.push(frame);
  }

  /** Which value of a frame the registry checks, if any. */
  #slot(frame: unknown): Slot | undefined {
    const kind = classify(frame);
    if (kind === "message" || kind === "answer") {
      const env = frame as Envelope;
      if (!this.#book.has(env.type)) return undefined;
      const holder = frame as Record<string, unknown>;
      return { holder, label: env.type, id: env.callback_id };
    }
    if (kind === "request" || kind === "response") {
      const holder = (frame as Envelope).data as Record<string, unknown>;
      const label = innerLabel(holder);
      if (!this.#book.has(label)) return undefined;
      const id = kind === "response" ? holder.uuid as string : undefined;
      return { holder, label, id };
    }
    return undefined;
  }

  #run(frame: unknown): void {
    const slot = this.#slot(frame);
    if (slot === undefined) return this.#host.handle(frame);
    const checked = this.#book.check(slot.label, slot.holder.data);
    if (!(checked instanceof Promise)) {
      return this.#settle(frame, slot, checked);
    }
    this.#held = [];
    checked.then((c) => {
      try {
        if (!this.#host.closed()) this.#settle(frame, slot, c);
      } catch (e) {
        this.#host.report(e as Error); // a handler threw
      }
      this.#release();
    });
  }

  /** Delivers a checked frame, or refuses it. */
  #settle(frame: unknown, slot: Slot, checked: Checked): void {
    if (checked.error === undefined) {
      slot.holder.data = checked.value;
      this.#host.handle(frame);
      return;
    }
    if (slot.id !== undefined) this.#host.refuse(slot.id, checked.error);
    this.#host.report(checked.error);
  }

  /** Runs the held frames, until one waits for validation again. */
  #release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (let i = 0; i < held.length; i++) {
      if (this.#host.closed()) return;
      try {
        this.#run(held[i]);
      } catch (e) {
        this.#host.report(e as Error);
      }
      if (this.#held !== undefined) {
        // Another async validation: the rest wait behind it, in order.
        (this.#held as unknown[]).push(...held.slice(i + 1));
        return;
      }
    }
  }
}
