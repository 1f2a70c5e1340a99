/**
 * Sockhop: object-centric sockets for Deno, Node and Bun.
 *
 * Put a string, an object or a `Widget` into one end and it comes out of
 * the other, labelled with its type, over TCP, Unix domain sockets or TLS,
 * with remote callbacks, streamed request/response, pings that detect dead
 * peers, and auto-reconnect. The wire format is the original Node
 * `sockhop`'s, so peers running it interoperate.
 *
 * Where to start:
 *
 * - {@linkcode SockhopServer} listens; each client gets a
 *   {@linkcode SockhopSession} (subclass it for per-client state).
 * - {@linkcode SockhopClient} connects, once (`connect()`) or for good
 *   (`start()`, with reconnects).
 * - Both `send()` values (with an optional remote callback) and
 *   `request()` streamed responses, read from a
 *   {@linkcode SockhopResponseReadableStream} and written through a
 *   {@linkcode SockhopResponseWriteableStream}.
 * - Options: {@linkcode SockhopClientOptions},
 *   {@linkcode SockhopServerOptions}; events:
 *   {@linkcode SockhopClientEvents}, {@linkcode SockhopServerEvents}.
 * - Every failure is a {@linkcode SockhopError} with a
 *   {@linkcode SockhopErrorCode}.
 * - Building blocks, usable alone: {@linkcode ObjectBuffer} (framing),
 *   {@linkcode TimedMap}, {@linkcode TypedEmitter}.
 *
 * This module uses Deno's socket APIs; Node and Bun get the same API from
 * the npm package `@sockhop/sockhop`, built from these sources. Deno needs
 * `--allow-net` (and `--allow-read --allow-write` for Unix sockets).
 *
 * @example
 * ```ts
 * import { SockhopClient, SockhopServer } from "@sockhop/sockhop";
 *
 * class Widget {
 *   constructor(public name: string) {}
 * }
 *
 * const server = new SockhopServer({ port: 0 });
 * server.on("receive", (data, meta) => {
 *   console.log(meta.type, data); // Widget { name: "sprocket" }
 *   meta.callback?.({ received: true });
 * });
 * await server.listen();
 *
 * const client = new SockhopClient({ port: server.port });
 * await client.connect();
 * await new Promise((done) =>
 *   client.send(new Widget("sprocket"), (reply) => done(reply))
 * );
 * await client.disconnect();
 * await server.close();
 * ```
 *
 * @module
 */

import { SockhopClient } from "./src/client.ts";
import { SockhopServer } from "./src/server.ts";
import { SockhopSession } from "./src/session.ts";
import { SockhopError } from "./src/errors.ts";
import { SockhopSocket } from "./src/socket_handle.ts";
import {
  SockhopRequest,
  SockhopResponsePacket,
  SockhopResponseReadableStream,
  SockhopResponseWriteableStream,
} from "./src/response_stream.ts";
import { TimedMap } from "./src/timed_map.ts";
import { ObjectBuffer } from "./src/object_buffer.ts";
import { SockhopPing, SockhopPong } from "./src/wire/ping.ts";
import { Client, Server } from "./src/sockhop2.ts";

export {
  type ConnectCallOptions,
  SockhopClient,
  type SockhopClientOptions,
} from "./src/client.ts";
export { SockhopServer, type SockhopServerOptions } from "./src/server.ts";
export {
  type SessionClass,
  type SessionHost,
  SockhopSession,
  type SockhopSessionEvents,
} from "./src/session.ts";
export { SockhopError, type SockhopErrorCode } from "./src/errors.ts";
export { SockhopSocket, type SockhopSocketState } from "./src/socket_handle.ts";
export {
  type BuiltinValues,
  type ClassAndSchema,
  type ClassValue,
  type EntryValue,
  type NoTypes,
  SockhopInvalidValueError,
  type TypeClass,
  type TypeEntry,
  type TypeRegistry,
  type UntypedValues,
  type ValuesOf,
} from "./src/typed_values.ts";
export type {
  StandardIssue,
  StandardOutput,
  StandardResult,
  StandardSchemaProps,
  StandardSchemaV1,
  StandardTypes,
} from "./src/standard_schema.ts";
export type {
  ReceiveArgs,
  TypedReceiveEvents,
  UnregisteredLabel,
  WithReceiveEvents,
} from "./src/receive_events.ts";
export type { CommonOptions } from "./src/options.ts";
export type {
  SockhopClientStats,
  SockhopServerStats,
  SockhopStats,
} from "./src/stats.ts";
export type { MessagesOptions } from "./src/messages.ts";
export type {
  Payload,
  ReceiveMeta,
  RemoteCallback,
  RequestOptions,
  SendOptions,
} from "./src/types.ts";
export {
  type ResponsePayload,
  type ResponseSender,
  SockhopRequest,
  SockhopResponsePacket,
  SockhopResponseReadableStream,
  type SockhopResponseStreamEvents,
  SockhopResponseWriteableStream,
} from "./src/response_stream.ts";
export {
  TimedMap,
  type TimedMapCallback,
  type TimedMapReason,
} from "./src/timed_map.ts";
export { ObjectBuffer, type ObjectBufferOptions } from "./src/object_buffer.ts";
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  type Terminator,
} from "./src/wire/framing.ts";
export { SockhopPing, SockhopPong } from "./src/wire/ping.ts";
export {
  type EventListener,
  type EventMap,
  TypedEmitter,
} from "./src/typed_emitter.ts";
export type {
  ConnectErrorInfo,
  ServerReceiveMeta,
  ServerRequestMeta,
  SockhopClientEvents,
  SockhopClientOwnEvents,
  SockhopEventError,
  SockhopServerEvents,
  SockhopServerOwnEvents,
} from "./src/events.ts";
export {
  DEFAULT_MAX_PENDING_BYTES,
  DEFAULT_WRITE_TIMEOUT,
} from "./src/write_queue.ts";
export type {
  Addr,
  ChunkSink,
  Conn,
  Listener,
  NetAddr,
  PeerCertificate,
  TlsOptions,
  UnixAddr,
} from "./src/transport/types.ts";

// The original `require("sockhop")` returned { server, client, session,
// error }; these aliases keep code written that way working.
export { SockhopClient as client } from "./src/client.ts";
export { SockhopError as error } from "./src/errors.ts";
export { SockhopServer as server } from "./src/server.ts";
export { SockhopSession as session } from "./src/session.ts";

// Sockhop 2.x renamed the exports to { Server, Client, Session, Error }:
// `Client` and `Server` bring 2.1's defaults (see src/sockhop2.ts).
export { Client, type ClientOptions, Server } from "./src/sockhop2.ts";
export { SockhopError as Error } from "./src/errors.ts";
export { SockhopSession as Session } from "./src/session.ts";

/**
 * The whole library as one object, for `import Sockhop from
 * "@sockhop/sockhop"`: the original's `require("sockhop")` shape (`server`,
 * `client`, `session`, `error`) plus every class by its own name. CommonJS
 * `require()` gives the same names on the module itself.
 *
 * @example
 * ```ts
 * import Sockhop from "@sockhop/sockhop";
 *
 * const server = new Sockhop.server({ port: 0 });
 * await server.listen();
 * const client = new Sockhop.client({ port: server.port });
 * await client.connect();
 * await client.disconnect();
 * await server.close();
 * ```
 */
const sockhop: {
  /** {@linkcode SockhopServer}, by the original's name. */
  readonly server: typeof SockhopServer;
  /** {@linkcode SockhopClient}, by the original's name. */
  readonly client: typeof SockhopClient;
  /** {@linkcode SockhopSession}, by the original's name. */
  readonly session: typeof SockhopSession;
  /** {@linkcode SockhopError}, by the original's name. */
  readonly error: typeof SockhopError;
  /** The server class. */
  readonly SockhopServer: typeof SockhopServer;
  /** The client class. */
  readonly SockhopClient: typeof SockhopClient;
  /** The session class. */
  readonly SockhopSession: typeof SockhopSession;
  /** The error class. */
  readonly SockhopError: typeof SockhopError;
  /** The connection handle class. */
  readonly SockhopSocket: typeof SockhopSocket;
  /** A request's envelope. */
  readonly SockhopRequest: typeof SockhopRequest;
  /** One packet of a response stream. */
  readonly SockhopResponsePacket: typeof SockhopResponsePacket;
  /** The requester's end of a response stream. */
  readonly SockhopResponseReadableStream: typeof SockhopResponseReadableStream;
  /** The answering end of a response stream. */
  readonly SockhopResponseWriteableStream:
    typeof SockhopResponseWriteableStream;
  /** A ping. */
  readonly SockhopPing: typeof SockhopPing;
  /** A ping's answer. */
  readonly SockhopPong: typeof SockhopPong;
  /** The map whose entries expire. */
  readonly TimedMap: typeof TimedMap;
  /** The framing codec. */
  readonly ObjectBuffer: typeof ObjectBuffer;
  /** Sockhop 2.x: the client with 2.1's defaults. */
  readonly Client: typeof Client;
  /** Sockhop 2.x: the server with 2.1's defaults. */
  readonly Server: typeof Server;
  /** Sockhop 2.x: {@linkcode SockhopSession}, by 2.x's name. */
  readonly Session: typeof SockhopSession;
  /** Sockhop 2.x: {@linkcode SockhopError}, by 2.x's name. */
  readonly Error: typeof SockhopError;
} = {
  server: SockhopServer,
  client: SockhopClient,
  session: SockhopSession,
  error: SockhopError,
  SockhopServer,
  SockhopClient,
  SockhopSession,
  SockhopError,
  SockhopSocket,
  SockhopRequest,
  SockhopResponsePacket,
  SockhopResponseReadableStream,
  SockhopResponseWriteableStream,
  SockhopPing,
  SockhopPong,
  TimedMap,
  ObjectBuffer,
  Client,
  Server,
  Session: SockhopSession,
  Error: SockhopError,
};
export default sockhop;
