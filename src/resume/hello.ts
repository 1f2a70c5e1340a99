/**
 * The resume hello: how a client asks for a resumable session. It is a
 * Sockhop 2.x handshake with one more field, `resume`, which a 2.1 peer
 * and this library without `resume` ignore (they answer it as a plain
 * handshake). A server of this library with `resume` on answers with a
 * `resume` field of its own; from the line after that answer on, both
 * directions carry records (see `records.ts`). Pure code.
 * @module
 */

import {
  HANDSHAKE_TYPE,
  LIBRARY_VERSION,
  PROTOCOL_VERSION,
} from "../wire/handshake.ts";

/** What a client asks in its hello. */
export interface ResumeOffer {
  /** The token of the session to resume; absent for a new session. */
  token?: string;
  /** Stream bytes the client has received in that session. */
  received?: number;
}

/** What a server answers. */
export interface ResumeGrant {
  /** The session's token (new or resumed); absent when refused. */
  token?: string;
  /** Stream bytes the server has received in that session. */
  received?: number;
  /** The asked session is unknown (ended, or the server restarted). */
  lost?: boolean;
}

/** The hello's frame text, with the terminator. */
export function helloText(id: string, offer: ResumeOffer, tx: string): string {
  return JSON.stringify({
    type: HANDSHAKE_TYPE,
    data: {
      protocol_version: PROTOCOL_VERSION,
      library_version: LIBRARY_VERSION,
      request_binary_mode: false,
      streamed_requests: true,
      resume: offer,
    },
    id,
  }) + tx;
}

/** The answer's frame text, with the terminator. */
export function grantText(id: string, grant: ResumeGrant, tx: string): string {
  return JSON.stringify({
    type: "Object",
    data: { allow_binary_mode: false, resume: grant },
    callback_id: id,
  }) + tx;
}

function parse(line: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(line);
    return v !== null && typeof v === "object" && !Array.isArray(v)
      ? v
      : undefined;
  } catch {
    return undefined;
  }
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? v as Record<string, unknown>
    : undefined;
}

function count(v: unknown): number | undefined {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0
    ? v
    : undefined;
}

/** A hello's id and offer, if `line` is a resume hello. */
export function readHello(
  line: string,
): { id: string; offer: ResumeOffer } | undefined {
  const frame = parse(line);
  if (frame?.type !== HANDSHAKE_TYPE || typeof frame.id !== "string") {
    return undefined;
  }
  const resume = record(record(frame.data)?.resume);
  if (!resume) return undefined;
  const token = typeof resume.token === "string" ? resume.token : undefined;
  return { id: frame.id, offer: { token, received: count(resume.received) } };
}

/**
 * Whether `line` answers the hello `id`, and with what: a grant, or null
 * for an answer without one (a peer that does not resume).
 */
export function readGrant(
  line: string,
  id: string,
): ResumeGrant | null | undefined {
  const frame = parse(line);
  if (frame?.callback_id !== id) return undefined;
  const resume = record(record(frame.data)?.resume);
  if (!resume) return null;
  return {
    token: typeof resume.token === "string" ? resume.token : undefined,
    received: count(resume.received),
    lost: resume.lost === true,
  };
}

/** The id of a peer's handshake (a plain 2.x one), if `line` is one. */
export function handshakeId(line: string): string | undefined {
  const frame = parse(line);
  return frame?.type === HANDSHAKE_TYPE && typeof frame.id === "string"
    ? frame.id
    : undefined;
}

/**
 * The answer to a plain peer's handshake when our hello found no resume:
 * no binary mode (the channel then goes on in JSON, as a 1.x-style
 * connection).
 */
export function plainAnswerText(id: string, tx: string): string {
  return JSON.stringify({
    type: "Object",
    data: { allow_binary_mode: false },
    callback_id: id,
  }) + tx;
}
