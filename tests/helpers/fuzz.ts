/**
 * Generators of hostile input for the hardening tests: byte soup, values
 * shaped like Sockhop envelopes (right and wrong), text mutations that add
 * `__proto__` keys, truncation or deep nesting. Runtime-neutral.
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";

const encoder = new TextEncoder();

/** Cuts `bytes` at the given offsets (taken modulo its length + 1). */
export function cut(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))]
    .sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const p of points) {
    out.push(bytes.subarray(start, p));
    start = p;
  }
  out.push(bytes.subarray(start));
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Byte soup: random bytes with terminators, braces and quotes mixed in. */
export const soup = fc.array(
  fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(
      ...'\n{}[]":,\\'.split("").map((c) => encoder.encode(c)),
      encoder.encode("\r\n"),
      encoder.encode("\u00e9\u{1F600}"),
      new Uint8Array([0xf0, 0x9f]), // half an emoji
      new Uint8Array([0xff, 0xfe, 0x00]),
    ),
  ),
  { maxLength: 30 },
).map(concat);

/** Values in the shape of envelopes, right and wrong. */
export function envelope() {
  const any = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constant(null),
    fc.constant(undefined),
  );
  const type = fc.oneof(
    fc.constantFrom(
      "SockhopPing",
      "SockhopPong",
      "SockhopRequest",
      "SockhopResponsePacket",
      "Buffer",
      "Object",
      "String",
      "__proto__",
      "constructor",
      "error",
    ),
    any,
  );
  const id = fc.oneof(fc.constantFrom("$REQ", "$CB"), fc.uuid(), any);
  const bytes = fc.record({
    type: fc.constant("Buffer"),
    data: fc.oneof(fc.array(fc.oneof(fc.integer(), any)), any),
  });
  const inner = fc.record({
    uuid: id,
    _id: id,
    _created: any,
    _returned: any,
    type,
    data: fc.oneof(any, bytes),
    last: any,
  }, { requiredKeys: [] });
  return fc.record({
    type,
    data: fc.oneof(any, inner, bytes),
    id,
    callback_id: id,
  }, { requiredKeys: [] });
}

/** Mutations that turn a JSON text into hostile text. */
export function hostile(text: string, how: number): string {
  switch (how % 6) {
    case 0:
      return text;
    case 1: // a __proto__ key at the top
      return text.startsWith("{")
        ? `{"__proto__":{"polluted":"yes"},${text.slice(1)}`
        : text;
    case 2: // __proto__ / constructor keys inside data
      return text.replace(
        /"data":\{/,
        '"data":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},',
      );
    case 3: // truncated
      return text.slice(0, Math.max(0, text.length - 3));
    case 4: // deep nesting
      return `{"type":"Object","data":${"[".repeat(2000)}${"]".repeat(2000)}}`;
    default: // duplicate keys: the last one wins in JSON.parse
      return text.startsWith("{")
        ? `{"type":"SockhopRequest",${text.slice(1)}`
        : text;
  }
}

export function assertNotPolluted(): void {
  const probe = {} as Record<string, unknown>;
  assert.equal(probe.polluted, undefined);
  assert.equal(
    Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"),
    false,
  );
  assert.equal(([] as unknown as Record<string, unknown>).polluted, undefined);
}
