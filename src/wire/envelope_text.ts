/**
 * Envelope frames written as text from their parts, byte for byte what
 * `JSON.stringify` of the envelope object gives (same keys, same order).
 * Only the payload goes through `JSON.stringify`: stringifying the whole
 * envelope walks its fixed keys and calls the packets' `toJSON`, which
 * costs several times more than stringifying a small payload alone. Pure
 * code, no I/O.
 * @module
 */

import { payload } from "./envelope.ts";

/** Quoted type labels: a handful of names recur on every message. */
const quoted = new Map<string, string>();

/** A string as JSON; type labels are cached (bounded: peers name types). */
function quote(label: string): string {
  let q = quoted.get(label);
  if (q === undefined) {
    q = JSON.stringify(label);
    if (quoted.size < 1024) quoted.set(label, q);
  }
  return q;
}

/**
 * JSON of a payload (bytes as Node's Buffer JSON), or `undefined` when JSON
 * cannot represent it. Throws what `JSON.stringify` throws (cycles, BigInt).
 */
export function payloadJSON(data: unknown): string | undefined {
  return JSON.stringify(payload(data));
}

/**
 * `{"type":T,"data":D}`, plus `"id"` or `"callback_id"` when given.
 * @param type the type label
 * @param data JSON of the payload (from {@linkcode payloadJSON})
 * @param key the id field, if any
 * @param id its value
 */
export function envelopeText(
  type: string,
  data: string,
  key?: "id" | "callback_id",
  id?: string,
): string {
  const head = `{"type":${quote(type)},"data":${data}`;
  return key === undefined
    ? head + "}"
    : `${head},"${key}":${JSON.stringify(id)}}`;
}

/**
 * A request envelope: `{"type":"SockhopRequest","data":{"uuid":U,"data":D,"type":T}}`.
 * @param uuid the request's uuid
 * @param data JSON of the payload
 * @param type the payload's type label
 */
export function requestText(uuid: string, data: string, type: string): string {
  return `{"type":"SockhopRequest","data":{"uuid":${
    JSON.stringify(uuid)
  },"data":${data},"type":${quote(type)}}}`;
}

/**
 * A response packet envelope:
 * `{"type":"SockhopResponsePacket","data":{"uuid":U,"type":T,"data":D,"last":L}}`.
 * @param uuid the request's uuid
 * @param type the payload's type label
 * @param data JSON of the payload
 * @param last whether the packet ends the stream
 */
export function responseText(
  uuid: string,
  type: string,
  data: string,
  last: boolean,
): string {
  return `{"type":"SockhopResponsePacket","data":{"uuid":${
    JSON.stringify(uuid)
  },"type":${quote(type)},"data":${data},"last":${last}}}`;
}
