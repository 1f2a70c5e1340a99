/**
 * How the command-line tool prints values and labels the ones it sends.
 * @module
 */

/** The label the library gives a value: its constructor's name. */
export function labelOf(value: unknown): string {
  if (value instanceof Uint8Array) return "Buffer";
  if (value === null || value === undefined) return String(value);
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === "string" ? ctor.name : "Object";
}

/**
 * `value` as something the library sends labelled `label`: the value itself
 * when it already has that label, else a stand-in whose constructor is
 * named `label` and whose JSON is the value's. This is the ordinary
 * `send()` path, so remote callbacks and requests work with any label.
 */
export function labelled(value: unknown, label: string): unknown {
  if (labelOf(value) === label) return value;
  const Labelled = { [label]: class {} }[label];
  return Object.assign(new Labelled(), { toJSON: () => value });
}

/** JSON text of a received value; bytes print as Node prints a Buffer. */
function json(value: unknown): string {
  if (value instanceof Uint8Array) {
    return JSON.stringify({ type: "Buffer", data: Array.from(value) });
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * One output line: the type label, a space, the value's JSON. A label
 * that is not a plain word (a peer may send any string) is printed as a
 * JSON string, so that one value is always one line.
 */
export function line(label: string, value: unknown): string {
  const shown = /^[\w$.:-]+$/.test(label) ? label : JSON.stringify(label);
  return `${shown} ${json(value)}`;
}
