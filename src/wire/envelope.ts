/**
 * The Sockhop envelope: how a value is labelled with its type on the wire,
 * and how a received frame is classified. Pure code, no I/O.
 * @module
 */

import { SockhopError } from "../errors.ts";
import { fromBase64 } from "./base64.ts";

/**
 * The label a value travels with: its constructor's name ("Object",
 * "Array", "String", "Widget", ...). Any `Uint8Array` is labelled "Buffer",
 * as a Node `Buffer` is, so both runtimes put the same bytes on the wire.
 * Objects without a prototype are labelled "Object".
 */
export function typeName(value: unknown): string {
  if (value instanceof Uint8Array) return "Buffer";
  if (value === null || value === undefined) return String(value);
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === "string" ? ctor.name : "Object";
}

/** JSON form of bytes, identical to what Node's `Buffer.toJSON()` gives. */
export interface BufferJSON {
  /** Always "Buffer". */
  type: "Buffer";
  /** The bytes, one number each. */
  data: number[];
}

/** The JSON-ready form of a payload: bytes become {@linkcode BufferJSON}. */
export function payload(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    return { type: "Buffer", data: Array.from(value) } satisfies BufferJSON;
  }
  return value;
}

/**
 * The `ERR_BAD_DATA` error for a value JSON would silently drop (a function
 * or a symbol), which would arrive as a type label without data; undefined
 * for anything else.
 */
export function unsendable(value: unknown): SockhopError | undefined {
  const kind = typeof value;
  if (kind !== "function" && kind !== "symbol") return undefined;
  return new SockhopError(
    `Cannot send a ${kind}: JSON cannot represent it`,
    "ERR_BAD_DATA",
  );
}

/**
 * The inverse of {@linkcode payload}: bytes that travelled as Node's Buffer
 * JSON, as base64 (Sockhop 2.x) or in a binary frame become bytes again,
 * wrapped by `userBytes` (a `Buffer` in Node).
 * @param type the value's type label
 * @param data the received payload
 * @param userBytes wraps bytes handed to users
 */
export function revive(
  type: string,
  data: unknown,
  userBytes: (bytes: Uint8Array) => Uint8Array,
): unknown {
  if (type !== "Buffer") return data;
  if (isBufferJSON(data)) return userBytes(Uint8Array.from(data.data));
  // A binary frame's bytes, or base64 from a Sockhop 2.x peer in JSON mode.
  if (data instanceof Uint8Array) return userBytes(data);
  if (typeof data === "string") {
    const bytes = fromBase64(data);
    if (bytes !== undefined) return userBytes(bytes);
  }
  return data;
}

/** Whether a received payload is the JSON form of bytes. */
export function isBufferJSON(value: unknown): value is BufferJSON {
  if (value === null || typeof value !== "object") return false;
  const v = value as { type?: unknown; data?: unknown };
  return v.type === "Buffer" && Array.isArray(v.data);
}

/**
 * What a received frame turned out to be. Classification returns only this
 * label, and the caller reads the fields it needs from the frame itself,
 * so that classifying allocates nothing per message.
 */
export type Kind =
  | "ping"
  | "pong"
  | "request"
  | "response"
  | "answer"
  | "message"
  | "handshake"
  | "transition"
  | "invalid";

/** A frame that passed {@linkcode classify}: the fields its kind needs. */
export interface Envelope {
  /** The type label. */
  type: string;
  /** The payload (an object with `_id` or `uuid` for internal kinds). */
  data: unknown;
  /** Present on a send that wants a remote callback ("message"). */
  id?: string;
  /** Present on a remote callback's answer ("answer"). */
  callback_id?: string;
}

function isMissing(v: unknown): boolean {
  return v === undefined || v === null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Classifies a parsed frame from a Sockhop peer, checking the fields each
 * kind needs so that hostile input cannot reach code that trusts it: a
 * frame, request or response packet whose `data` is missing or null is
 * "invalid" (a Sockhop peer never sends one). For
 * any kind but "invalid" the frame is an {@linkcode Envelope} whose `data`
 * is a record for "ping", "pong", "request" and "response", and whose
 * `callback_id` (for "answer") or `id` (for "message", when present) is a
 * string.
 */
export function classify(frame: unknown): Kind {
  if (!isRecord(frame)) return "invalid";
  const type = frame.type;
  if (typeof type !== "string") return "invalid";
  switch (type) {
    case "SockhopPing":
    case "SockhopPong": {
      const data = frame.data;
      if (!isRecord(data) || typeof data._id !== "string") return "invalid";
      return type === "SockhopPing" ? "ping" : "pong";
    }
    case "SockhopRequest":
    case "SockhopResponsePacket": {
      const data = frame.data;
      if (!isRecord(data) || typeof data.uuid !== "string") return "invalid";
      if (isMissing(data.data)) return "invalid";
      return type === "SockhopRequest" ? "request" : "response";
    }
    case "SockhopHandshake":
      if (!isRecord(frame.data)) return "invalid";
      return frame.id === undefined || typeof frame.id === "string"
        ? "handshake"
        : "invalid";
    case "SockhopBinaryModeTransition":
      return "transition";
  }
  // A Sockhop peer never sends null or undefined (it refuses to).
  if (isMissing(frame.data)) return "invalid";
  const callbackId = frame.callback_id;
  if (callbackId !== undefined) {
    return typeof callbackId === "string" ? "answer" : "invalid";
  }
  const id = frame.id;
  if (id !== undefined && typeof id !== "string") return "invalid";
  return "message";
}

/** Why {@linkcode classify} called a frame "invalid", for the error event. */
export function whyInvalid(frame: unknown): string {
  if (!isRecord(frame) || typeof frame.type !== "string") {
    return "not a Sockhop envelope";
  }
  const type = frame.type;
  switch (type) {
    case "SockhopPing":
    case "SockhopPong":
      return `${type} without _id`;
    case "SockhopHandshake":
      return isRecord(frame.data)
        ? "id not a string"
        : "SockhopHandshake without an object payload";
    case "SockhopRequest":
    case "SockhopResponsePacket": {
      const data = frame.data;
      return isRecord(data) && typeof data.uuid === "string"
        ? `${type} without data`
        : `${type} without uuid`;
    }
  }
  if (isMissing(frame.data)) return `${type} without data`;
  return frame.callback_id !== undefined
    ? "callback_id not a string"
    : "id not a string";
}
