/**
 * The Sockhop envelope: how a value is labelled with its type on the wire,
 * and how a received frame is classified. Pure code, no I/O.
 * @module
 */

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

/** Whether a received payload is the JSON form of bytes. */
export function isBufferJSON(value: unknown): value is BufferJSON {
  if (value === null || typeof value !== "object") return false;
  const v = value as { type?: unknown; data?: unknown };
  return v.type === "Buffer" && Array.isArray(v.data);
}

/** What a received frame turned out to be. */
export type Incoming =
  | { kind: "ping"; data: Record<string, unknown> }
  | { kind: "pong"; data: Record<string, unknown> }
  | { kind: "request"; data: Record<string, unknown> }
  | { kind: "response"; data: Record<string, unknown> }
  | { kind: "answer"; type: string; data: unknown; callback_id: string }
  | { kind: "message"; type: string; data: unknown; id?: string }
  | { kind: "invalid"; value: unknown; reason: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Classifies a parsed frame from a Sockhop peer, checking the fields each
 * kind needs so that hostile input cannot reach code that trusts it.
 */
export function classify(frame: unknown): Incoming {
  if (!isRecord(frame) || typeof frame.type !== "string") {
    return { kind: "invalid", value: frame, reason: "not a Sockhop envelope" };
  }
  const { type, data } = frame;
  switch (type) {
    case "SockhopPing":
    case "SockhopPong":
      if (!isRecord(data) || typeof data._id !== "string") {
        return { kind: "invalid", value: frame, reason: `${type} without _id` };
      }
      return { kind: type === "SockhopPing" ? "ping" : "pong", data };
    case "SockhopRequest":
    case "SockhopResponsePacket":
      if (!isRecord(data) || typeof data.uuid !== "string") {
        return {
          kind: "invalid",
          value: frame,
          reason: `${type} without uuid`,
        };
      }
      return { kind: type === "SockhopRequest" ? "request" : "response", data };
  }
  if (frame.callback_id !== undefined) {
    if (typeof frame.callback_id !== "string") {
      return {
        kind: "invalid",
        value: frame,
        reason: "callback_id not a string",
      };
    }
    return { kind: "answer", type, data, callback_id: frame.callback_id };
  }
  if (frame.id !== undefined) {
    if (typeof frame.id !== "string") {
      return { kind: "invalid", value: frame, reason: "id not a string" };
    }
    return { kind: "message", type, data, id: frame.id };
  }
  return { kind: "message", type, data };
}
