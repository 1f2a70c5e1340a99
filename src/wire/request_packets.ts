/**
 * The shapes of requests and streamed response packets (§3-4 of
 * PROTOCOL.md, at the package root).
 * Pure data, no I/O.
 * @module
 */

import { SockhopError } from "../errors.ts";
import { payload, typeName } from "./envelope.ts";
import { messageId } from "./ids.ts";

/**
 * A request as it travels: `{"uuid":U,"data":V,"type":T}`. The responder
 * receives one in its `request` event.
 */
export class SockhopRequest<T = unknown> {
  /** Identifies the request and its response stream. */
  uuid: string;
  /** The payload. */
  data: T;
  /** The payload's type label. */
  type: string;

  /**
   * Makes a request.
   * @param o uuid (generated if absent), data and type (derived if absent)
   */
  constructor(o: { uuid?: string; data?: T; type?: string } = {}) {
    if (o.data === null) {
      throw new SockhopError("a request needs data, not null", "ERR_BAD_DATA");
    }
    this.uuid = o.uuid ?? messageId();
    this.data = (o.data === undefined ? {} : o.data) as T;
    this.type = o.type || typeName(this.data);
  }

  /**
   * Rebuilds a request from its received JSON.
   * @param obj the `data` of a received SockhopRequest envelope
   */
  static parse(obj: Record<string, unknown>): SockhopRequest {
    return new SockhopRequest({
      uuid: obj.uuid as string,
      data: obj.data === null ? undefined : obj.data,
      type: typeof obj.type === "string" ? obj.type : undefined,
    });
  }

  /**
   * Makes a new request carrying `data`.
   * @param data the payload
   */
  static from_data<T>(data: T): SockhopRequest<T> {
    return new SockhopRequest({ data });
  }

  /** JSON form, with bytes encoded as Node encodes a Buffer. */
  toJSON(): { uuid: string; data: unknown; type: string } {
    return { uuid: this.uuid, data: payload(this.data), type: this.type };
  }
}

/**
 * One packet of a streamed response:
 * `{"uuid":U,"type":T,"data":V,"last":B}`.
 */
export class SockhopResponsePacket<T = unknown> {
  /** The request's uuid. */
  uuid: string;
  /** The payload's type label. */
  type: string;
  /** The payload. */
  data: T;
  /** Whether this packet ends the stream. */
  last: boolean;

  /**
   * Makes a packet.
   * @param o uuid, data, type (derived if absent) and last
   */
  constructor(
    o: { uuid?: string; data?: T; type?: string | null; last?: boolean },
  ) {
    this.uuid = o.uuid ?? messageId();
    this.data = (o.data === undefined ? {} : o.data) as T;
    this.type = o.type || typeName(this.data);
    this.last = o.last === true;
  }

  /**
   * Rebuilds a packet from its received JSON (a missing `last` means more
   * packets follow).
   * @param obj the `data` of a received SockhopResponsePacket envelope
   */
  static parse(obj: Record<string, unknown>): SockhopResponsePacket {
    return new SockhopResponsePacket({
      uuid: obj.uuid as string,
      data: obj.data,
      type: typeof obj.type === "string" ? obj.type : undefined,
      last: obj.last === true,
    });
  }

  /**
   * Makes a packet for a request's stream.
   * @param data the payload
   * @param uuid the request's uuid
   * @param last whether it ends the stream
   */
  static for_data<T>(
    data: T,
    uuid: string,
    last = false,
  ): SockhopResponsePacket<T> {
    return new SockhopResponsePacket({ uuid, data, last });
  }

  /** JSON form, in the original's key order. */
  toJSON(): { uuid: string; type: string; data: unknown; last: boolean } {
    return {
      uuid: this.uuid,
      type: this.type,
      data: payload(this.data),
      last: this.last,
    };
  }
}
