/**
 * The socket seam: the only interfaces Sockhop's shared code needs from a
 * runtime. `deno.ts` implements them with `Deno.*`, `node.ts` with
 * `node:net`/`node:tls`; everything above this folder is runtime-neutral.
 * @module
 */

/** Where a TCP (or TLS over TCP) socket is bound or connected. */
export interface NetAddr {
  /** Always `"tcp"` for TCP and TLS sockets. */
  transport: "tcp";
  /** The IP address, e.g. `"127.0.0.1"` or `"::1"`. */
  hostname: string;
  /** The port number. */
  port: number;
}

/** Where a Unix domain socket lives. */
export interface UnixAddr {
  /** Always `"unix"`. */
  transport: "unix";
  /** The socket file's path. */
  path: string;
}

/** The address of either end of a connection. */
export type Addr = NetAddr | UnixAddr;

/**
 * TLS settings in the shape users of Node's `tls` module already pass.
 * Each runtime maps them to its own API and rejects, with
 * `ERR_TLS_OPTION`, an option it cannot honour.
 *
 * - Node: every `tls.connect` / `tls.createServer` option is passed through
 *   unchanged.
 * - Deno: a server takes `key`, `cert`, `ca`, `requestCert`,
 *   `rejectUnauthorized`, `minVersion` and `maxVersion`; a client takes `cert`, `key`, `ca`, `servername`
 *   and `rejectUnauthorized`. Any other option is refused.
 *
 * In both, TLS works over TCP and over Unix socket paths, a server asks
 * for client certificates with `requestCert: true` (and trusts the issuers
 * in `ca`), and `rejectUnauthorized: false` turns verification off.
 *
 * @example
 * ```ts
 * import { SockhopClient, type TlsOptions } from "@sockhop/sockhop";
 *
 * const ssl_options: TlsOptions = {
 *   ca: "-----BEGIN CERTIFICATE-----\n...", // a private CA, PEM
 *   servername: "localhost", // the name the server's certificate carries
 * };
 * const client = new SockhopClient({ port: 8443, ssl_options });
 * ```
 */
export interface TlsOptions {
  /** PEM certificate chain (server: required; client: for client auth). */
  cert?: string;
  /** PEM private key matching `cert`. */
  key?: string;
  /**
   * PEM CA certificate(s) to trust: in Node instead of the default CAs, in
   * Deno in addition to them.
   */
  ca?: string | string[];
  /**
   * Verify the peer's certificate (default `true`). On a server with
   * `requestCert`, `false` accepts clients without a valid certificate.
   */
  rejectUnauthorized?: boolean;
  /**
   * Server only: ask each client for a certificate, verified against `ca`
   * (default `false`). With `rejectUnauthorized` left on, a client without
   * a valid certificate is refused.
   */
  requestCert?: boolean;
  /** Host name to verify the server certificate against (client only). */
  servername?: string;
  /** Any other option: each transport says whether it can honour it. */
  [option: string]: unknown;
}

/** Where and how to connect. `path` wins over `hostname`/`port`. */
export interface ConnectOptions {
  /** IP address or host name of the server. */
  hostname: string;
  /** TCP port of the server. */
  port: number;
  /** Unix domain socket path; overrides `hostname` and `port`. */
  path?: string;
  /** Turns TLS on when present. */
  tls?: TlsOptions;
  /**
   * Aborting closes a connection not yet handed out (one whose TLS
   * handshake is under way, say) and rejects.
   */
  signal?: AbortSignal;
}

/** Where and how to listen. `path` wins over `hostname`/`port`. */
export interface ListenOptions {
  /**
   * TLS only: ms a client may take to finish its handshake before its
   * connection is closed (default 10000).
   */
  handshakeTimeout?: number;
  /**
   * TLS only: told about each connection closed before it was handed out
   * (a handshake that failed, was refused or stalled), with a `code`.
   */
  onRefused?: (err: Error & { code: string }) => void;
  /** Interface to bind. */
  hostname: string;
  /** TCP port; 0 lets the OS pick. */
  port: number;
  /** Unix domain socket path; overrides `hostname` and `port`. */
  path?: string;
  /** Turns TLS on when present; needs `cert` and `key`. */
  tls?: TlsOptions;
}

/**
 * The certificate a TLS peer presented, as Node's
 * `tlsSocket.getPeerCertificate()` describes it.
 */
export interface PeerCertificate {
  /** Who it names, e.g. `{ CN: "alice", O: "Example" }`. */
  subject: Record<string, string | string[]>;
  /** Who signed it, in the same shape. */
  issuer: Record<string, string | string[]>;
  /** Start of validity, e.g. `"Dec  2 16:00:00 2026 GMT"`. */
  valid_from: string;
  /** End of validity, in the same format. */
  valid_to: string;
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint256: string;
  /** Serial number, hex. */
  serialNumber: string;
}

/** Where {@linkcode Conn.receive} pushes a connection's bytes. */
export interface ChunkSink {
  /** One incoming chunk, valid only during the call. */
  chunk(chunk: Uint8Array): void;
  /** The stream is over; `error` is a TLS failure, if that ended it. */
  end(error?: Error): void;
}

/**
 * One open byte stream. Sockhop hands these to users as the "socket" in
 * server events; treat them as opaque handles plus the addresses below.
 */
export interface Conn {
  /** This end's address. */
  readonly localAddr: Addr;
  /** The peer's address. */
  readonly remoteAddr: Addr;
  /**
   * On a server's TLS connection: the certificate the client presented
   * (servers ask for one with `requestCert`). Absent otherwise.
   */
  readonly peerCertificate?: PeerCertificate;
  /**
   * Incoming bytes, in order. A chunk is valid only until the next one is
   * asked for (the Deno transport reads into one reused buffer): a consumer
   * that keeps bytes must copy them. Iteration
   * ends on end-of-stream, on `close()`, or on a socket error (swallowed:
   * the owner only needs to know the stream is over), except that a TLS
   * failure after the handshake (the peer's alert, e.g. a refused client
   * certificate) is thrown, with Node's `code`.
   */
  readonly readable: AsyncIterable<Uint8Array>;
  /**
   * Optional, instead of `readable`: calls `sink.chunk` with each incoming
   * chunk, in order (valid only during the call), and `sink.end` once when
   * the stream is over, with the error `readable` would throw, if any. Call
   * at most once, and never together with reading `readable`. A runtime
   * whose sockets push data (Node's `data` events) saves a promise and a
   * result object per chunk. Returns how to stop and restart the chunks
   * (flow control).
   */
  receive?(sink: ChunkSink): { pause(): void; resume(): void };
  /** Writes every byte, resolving once the runtime has accepted them all. */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Optional: writes text as UTF-8 and calls `done` once, with the error if
   * the write failed, once the runtime has accepted every byte. A runtime
   * that encodes natively (Node's `socket.write(string)`) saves the encoding
   * in JavaScript and a promise per write; without it, text is encoded and
   * passed to `write`. Returns how many bytes the text takes as UTF-8 (a
   * native count, several times faster than counting in JavaScript).
   */
  writeText?(text: string, done: (err?: Error) => void): number;
  /** Closes both directions now. Safe to call more than once. */
  close(): void;
  /**
   * Optional: ends our direction once what was written has gone (a TCP
   * FIN; TLS sends close_notify first), reading going on until the peer
   * closes. A graceful close uses it: closing at once while unread bytes
   * wait here makes the kernel reset the connection, and the peer then
   * drops what it has not read yet.
   */
  endWrite?(): void;
  /** Optional: turns Nagle's algorithm off (true) or on. */
  setNoDelay?(noDelay: boolean): void;
  /**
   * Optional: turns TCP keep-alive on or off; `initialDelay` (ms) where the
   * runtime can set it.
   */
  setKeepAlive?(enable: boolean, initialDelay: number): void;
}

/** A bound server socket. */
export interface Listener {
  /** The bound address (with the real port when 0 was asked for). */
  readonly addr: Addr;
  /** Accepted connections, until `close()`. */
  readonly connections: AsyncIterable<Conn>;
  /** Stops accepting (a Unix socket file is removed). Idempotent. */
  close(): void;
}

/** What a runtime provides to Sockhop. */
export interface Transport {
  /** Opens a connection; rejects like Node does (`code` `ECONNREFUSED`, ...). */
  connect(options: ConnectOptions): Promise<Conn>;
  /**
   * Binds and starts listening. A Unix socket path left by a dead process
   * is reclaimed; a live one, or a file that is not a socket, fails with
   * `ERR_ADDRESS_IN_USE`.
   */
  listen(options: ListenOptions): Promise<Listener>;
  /**
   * Wraps bytes handed to users: a Node `Buffer` in Node (as the original
   * library gave), the plain `Uint8Array` in Deno.
   */
  userBytes(bytes: Uint8Array): Uint8Array;
}
