/**
 * Two promise helpers every layer needs.
 * @module
 */

/** Does nothing: a callback or rejection handler that drops its input. */
export const noop = (): void => {};

/**
 * Marks a promise's rejection as handled while keeping it observable:
 * a send whose connection died must not crash a program that did not await
 * it, yet `await send()` still sees the error.
 */
export function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(noop);
  return p;
}
