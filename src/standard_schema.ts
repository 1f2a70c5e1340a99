/**
 * The Standard Schema interface (version 1), written out as types only:
 * Zod, Valibot, ArkType and other validators put it on their schemas under
 * the `~standard` key, so Sockhop can validate with any of them without
 * depending on one.
 * @module
 */

/**
 * A schema any Standard Schema validator makes: `~standard.validate(value)`
 * answers with the (possibly transformed) value, or with issues.
 *
 * @example A hand-written schema (a validator library makes these for you)
 * ```ts
 * import type { StandardSchemaV1 } from "@sockhop/sockhop";
 *
 * const positive: StandardSchemaV1<number> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) =>
 *       typeof value === "number" && value > 0
 *         ? { value }
 *         : { issues: [{ message: "expected a positive number" }] },
 *   },
 * };
 * console.log(positive["~standard"].validate(-1)); // { issues: [...] }
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The validator's side of the interface. */
  readonly "~standard": StandardSchemaProps<Input, Output>;
}

/** What a schema's `~standard` key holds. */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  /** The version of the interface: 1. */
  readonly version: 1;
  /** The validator's name ("zod", "valibot", "arktype", ...). */
  readonly vendor: string;
  /**
   * Checks a value: a result, or a promise of one for async schemas.
   * @param value what to check
   */
  readonly validate: (
    value: unknown,
  ) => StandardResult<Output> | Promise<StandardResult<Output>>;
  /** Types only: what the schema takes and gives. */
  readonly types?: StandardTypes<Input, Output> | undefined;
}

/** A schema's input and output types (never present at run time). */
export interface StandardTypes<Input, Output> {
  /** What the schema accepts. */
  readonly input: Input;
  /** What validation gives. */
  readonly output: Output;
}

/** A validation's answer: the value, or why it failed. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };

/** One reason a value failed validation. */
export interface StandardIssue {
  /** What is wrong, for people. */
  readonly message: string;
  /** Where in the value: keys, or segments carrying a key. */
  readonly path?:
    | ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>
    | undefined;
}

/** The output type of a schema. */
export type StandardOutput<S extends StandardSchemaV1> = NonNullable<
  S["~standard"]["types"]
>["output"];
