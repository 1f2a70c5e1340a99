/**
 * The `receive` events' types as a registry of types makes them: one
 * `receive:<label>` event per known label, with that label's value type,
 * and `receive` with every known label's value. Types only.
 * @module
 */

import type { EventMap } from "./typed_emitter.ts";
import type { Payload } from "./types.ts";

/**
 * The label of a value the registry does not know (a class the peer sent
 * that is not registered). A string, branded so that comparing `meta.type`
 * with a known label leaves it out.
 */
export type UnregisteredLabel = string & {
  /** Type-level brand only: no string has it. */
  readonly "~unregistered": true;
};

/**
 * `receive` listener arguments: one `[data, meta]` pair per known label,
 * `meta.type` being that label, and one for values of labels the registry
 * does not know. With nothing known, `[data: any, meta]` as before.
 */
export type ReceiveArgs<M, Meta> = string extends keyof M
  ? [data: Payload, meta: Meta]
  :
    | { [K in keyof M & string]: [data: M[K], meta: Meta & { type: K }] }[
      keyof M & string
    ]
    | [data: NonNullable<unknown>, meta: Meta & { type: UnregisteredLabel }];

/** `receive:<label>` events for the labels of `M`. */
export type TypedReceiveEvents<M, Meta> = string extends keyof M ? {
    /** A value of one type arrived, e.g. `receive:Widget`. */
    [typed: `receive:${string}`]: [data: Payload, meta: Meta];
  }
  : {
    [K in keyof M & string as `receive:${K}`]: [
      data: M[K],
      meta: Meta & { type: K },
    ];
  };

/**
 * An endpoint's events: `Base`'s and the receive events for the value
 * types `M`, as one mapped type so that the compiler resolves `Base`'s
 * events even where `M` is generic.
 */
export type WithReceiveEvents<Base extends EventMap, M, Meta> = {
  [K in keyof Base | "receive" | keyof TypedReceiveEvents<M, Meta>]: Extract<
    K extends keyof Base ? Base[K]
      : K extends "receive" ? ReceiveArgs<M, Meta>
      : TypedReceiveEvents<M, Meta>[K & keyof TypedReceiveEvents<M, Meta>],
    unknown[]
  >;
};
