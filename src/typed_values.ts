/**
 * The registry of types (the `types` option): which labels are revived
 * into instances of a class, validated with a Standard Schema, or both;
 * and what a registry makes each label's value type.
 * @module
 */

import { SockhopError } from "./errors.ts";
import type {
  StandardIssue,
  StandardResult,
  StandardSchemaV1,
} from "./standard_schema.ts";
import { typeName } from "./wire/envelope.ts";

/**
 * A class whose instances travel: received values with its label become
 * instances again. With a static `fromJSON(data)`, that makes the
 * instance; otherwise the instance is made without running the
 * constructor (`Object.create(Class.prototype)`) and given the received
 * fields.
 */
// deno-lint-ignore no-explicit-any
export type TypeClass<T = unknown> = abstract new (...args: any[]) => T;

/** A class and a schema: the value is validated, then revived. */
export interface ClassAndSchema<
  C extends TypeClass = TypeClass,
  S extends StandardSchemaV1 = StandardSchemaV1,
> {
  /** The class the validated value is revived as. */
  class: C;
  /** The schema received values must pass first. */
  schema: S;
}

/** One registry entry: a class, a Standard Schema, or both. */
export type TypeEntry = TypeClass | StandardSchemaV1 | ClassAndSchema;

/**
 * The `types` option: labels mapped to entries
 * (`{ Widget, Order: orderSchema, Point: { class: Point, schema } }`), or
 * classes alone (`[Widget, Order]`), labelled by their names.
 */
export type TypeRegistry =
  | { readonly [label: string]: TypeEntry }
  | readonly TypeClass[];

/** The registry of an endpoint that has none. */
export type NoTypes = Record<never, never>;

/** The value a class entry gives: what `fromJSON` returns, or an instance. */
export type ClassValue<C> = C extends { fromJSON(data: never): infer R } ? R
  : C extends TypeClass<infer T> ? T
  : never;

/** The value an entry gives a listener. */
export type EntryValue<E> = E extends { class: infer C } ? ClassValue<C>
  : E extends StandardSchemaV1<infer _I, infer O> ? O
  : ClassValue<E>;

/** What values of the labels every peer sends are, registry or not. */
export interface BuiltinValues {
  /** A string. */
  String: string;
  /** A number. */
  Number: number;
  /** A boolean. */
  Boolean: boolean;
  /** An array. */
  Array: unknown[];
  /** A plain object. */
  Object: Record<string, unknown>;
  /** Bytes (a `Buffer` in Node and Bun). */
  Buffer: Uint8Array;
}

/** Value types by label, when nothing is known: any label, any value. */
// deno-lint-ignore no-explicit-any
export type UntypedValues = Record<string, any>;

/**
 * Value types by label as a registry makes them known: its labels' and
 * the built-in ones ({@linkcode BuiltinValues}). A registry given as an
 * array of classes names no labels the compiler can see: untyped.
 */
export type ValuesOf<R> = R extends readonly unknown[] ? UntypedValues
  : NoTypes extends R ? UntypedValues
  :
    & Omit<BuiltinValues, keyof R>
    & { -readonly [K in keyof R & string]: EntryValue<R[K]> };

/**
 * A {@linkcode SockhopError} with code `ERR_INVALID_VALUE`: a value that
 * failed its schema (or could not be revived as its class), received or
 * about to be sent.
 *
 * @example
 * ```ts
 * import { SockhopInvalidValueError, SockhopServer } from "@sockhop/sockhop";
 *
 * const server = new SockhopServer({ port: 0 });
 * server.on("error", (e) => {
 *   if (e instanceof SockhopInvalidValueError) {
 *     console.log(e.label, e.issues.map((i) => i.message));
 *   }
 * });
 * ```
 */
export class SockhopInvalidValueError extends SockhopError {
  /** The value's type label. */
  readonly label: string;
  /** Why it failed, as the schema said. */
  readonly issues: readonly StandardIssue[];

  /**
   * Makes the error.
   * @param label the value's type label
   * @param issues why it failed
   * @param cause what was thrown, if anything was
   */
  constructor(
    label: string,
    issues: readonly StandardIssue[],
    cause?: unknown,
  ) {
    const said = issues.slice(0, 3).map((i) => i.message).join("; ");
    super(
      `Invalid ${label}: ${said}${issues.length > 3 ? "; ..." : ""}`,
      "ERR_INVALID_VALUE",
      cause === undefined ? undefined : { cause },
    );
    this.name = "SockhopInvalidValueError";
    this.label = label;
    this.issues = issues;
  }
}

/** A check's outcome: the value to deliver, or why not. */
export type Checked =
  | { value: unknown; error?: undefined }
  | { error: SockhopInvalidValueError };

type Revivable = TypeClass & { fromJSON?: (data: unknown) => unknown };

/** One registered label, compiled. */
interface Entry {
  label: string;
  cls: Revivable | undefined;
  validate: StandardSchemaV1["~standard"]["validate"] | undefined;
}

/** Keys never copied onto a revived instance. */
const HOSTILE = new Set(["__proto__", "constructor", "prototype"]);

/** Labels the protocol itself uses: a registry cannot take them. */
const RESERVED = new Set([
  "SockhopPing",
  "SockhopPong",
  "SockhopRequest",
  "SockhopResponsePacket",
]);

function isSchema(v: unknown): v is StandardSchemaV1 {
  const props = (v as { "~standard"?: { validate?: unknown } } | null)?.[
    "~standard"
  ];
  return typeof props?.validate === "function";
}

function compile(label: string, entry: unknown): Entry {
  if (RESERVED.has(label)) {
    throw new TypeError(`types: "${label}" is a label of the protocol itself`);
  }
  if (typeof entry === "function") {
    return { label, cls: entry as Revivable, validate: undefined };
  }
  if (isSchema(entry)) {
    return { label, cls: undefined, validate: entry["~standard"].validate };
  }
  const pair = entry as Partial<ClassAndSchema> | null;
  if (typeof pair?.class === "function" && isSchema(pair.schema)) {
    return {
      label,
      cls: pair.class as Revivable,
      validate: pair.schema["~standard"].validate,
    };
  }
  throw new TypeError(
    `types.${label}: expected a class, a Standard Schema or { class, schema }`,
  );
}

const refusal = (
  label: string,
  message: string,
  cause?: unknown,
): Checked => ({
  error: new SockhopInvalidValueError(label, [{ message }], cause),
});

/**
 * An instance of `cls` for received data: `fromJSON(data)` when the class
 * has one; otherwise a fresh object on the class's prototype (no
 * constructor runs) given the data's own fields as data properties (so no
 * setter runs either), leaving out `__proto__`, `constructor` and
 * `prototype`. Nested values stay as they arrived.
 */
function revive(entry: Entry, cls: Revivable, data: unknown): Checked {
  if (typeof cls.fromJSON === "function") {
    try {
      return { value: cls.fromJSON(data) };
    } catch (e) {
      return refusal(entry.label, `fromJSON failed: ${String(e)}`, e);
    }
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    return refusal(entry.label, `expected an object, got ${typeName(data)}`);
  }
  const proto = cls.prototype;
  const instance = Object.create(proto);
  for (const key of Object.keys(data)) {
    if (HOSTILE.has(key)) continue;
    const value = (data as Record<string, unknown>)[key];
    // A plain assignment is several times faster, and safe unless the
    // prototype chain has the name (where a setter might run).
    if (!(key in proto)) instance[key] = value;
    else {
      Object.defineProperty(instance, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }
  return { value: instance };
}

/**
 * A compiled registry, shared by every connection of a client or server:
 * looks labels up and checks, then revives, received values.
 */
export class TypeBook {
  /** A Map, not an object: labels come from the peer. */
  readonly #entries = new Map<string, Entry>();

  /**
   * Compiles a registry; throws a `TypeError` for an entry that is neither
   * a class, a schema nor `{ class, schema }`, or for a protocol label.
   * @param types the `types` option
   */
  constructor(types: TypeRegistry) {
    const pairs: [string, unknown][] = Array.isArray(types)
      ? types.map((cls) => [(cls as { name: string }).name, cls])
      : Object.entries(types);
    for (const [label, entry] of pairs) {
      this.#entries.set(label, compile(label, entry));
    }
  }

  /** How many labels are registered. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Whether values with this label are checked.
   * @param label a type label
   */
  has(label: string): boolean {
    return this.#entries.has(label);
  }

  /**
   * Checks a received value of a registered label: validated by its
   * schema, then revived as its class. A promise only when the schema
   * answers with one.
   * @param label the value's (registered) label
   * @param data the received value
   */
  check(label: string, data: unknown): Checked | Promise<Checked> {
    const entry = this.#entries.get(label)!;
    if (entry.validate === undefined) return revive(entry, entry.cls!, data);
    let result;
    try {
      result = entry.validate(data);
    } catch (e) {
      return refusal(label, `the schema threw: ${String(e)}`, e);
    }
    if (result instanceof Promise) {
      return result.then(
        (r) => this.#validated(entry, r),
        (e) => refusal(label, `the schema threw: ${String(e)}`, e),
      );
    }
    return this.#validated(entry, result);
  }

  #validated(entry: Entry, result: StandardResult<unknown>): Checked {
    if (result.issues) {
      return {
        error: new SockhopInvalidValueError(entry.label, result.issues),
      };
    }
    return entry.cls === undefined
      ? { value: result.value }
      : revive(entry, entry.cls, result.value);
  }

  /**
   * Why a value may not be sent (`validate_outgoing`): its label's schema
   * refuses it, or answers asynchronously (outgoing checks are
   * synchronous, so that sends keep their order). Undefined when it may.
   * @param value the value about to be sent
   */
  refuses(value: unknown): SockhopInvalidValueError | undefined {
    const label = typeName(value);
    const validate = this.#entries.get(label)?.validate;
    if (validate === undefined) return undefined;
    let result;
    try {
      result = validate(value);
    } catch (e) {
      return new SockhopInvalidValueError(label, [{
        message: `the schema threw: ${String(e)}`,
      }], e);
    }
    if (result instanceof Promise) {
      result.catch(() => {});
      return new SockhopInvalidValueError(label, [{
        message:
          "the schema is asynchronous: validate_outgoing needs synchronous schemas",
      }]);
    }
    return result.issues
      ? new SockhopInvalidValueError(label, result.issues)
      : undefined;
  }
}
