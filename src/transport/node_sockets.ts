/**
 * Sockets made with the `node:net` and `node:tls` built-ins, shared by the
 * Node transport (`node.ts`, for everything) and the Deno transport
 * (`deno.ts`, for the TLS cases `Deno.*` cannot serve; it says which).
 * Deno runs this file with its own implementation of those modules.
 * @module
 */

import { Buffer } from "node:buffer";
import * as net from "node:net";
import * as tls from "node:tls";
import { setImmediate } from "node:timers";
import { AsyncQueue } from "../async_queue.ts";
import { SockhopError } from "../errors.ts";
import { noop } from "../util.ts";
import type {
  Addr,
  ChunkSink,
  Conn,
  ConnectOptions,
  Listener,
  ListenOptions,
  PeerCertificate,
} from "./types.ts";

/** A {@linkcode Conn} made with `node:net`/`node:tls`, with its raw socket. */
export interface NodeConn extends Conn {
  /** The wrapped socket (escape hatch; see `node.ts`). */
  readonly socket: net.Socket;
}

/** How long a TLS client may take to finish its handshake, by default. */
export const DEFAULT_HANDSHAKE_TIMEOUT = 10_000;

function tcpAddr(address: string | undefined, port: number | undefined): Addr {
  return { transport: "tcp", hostname: address ?? "", port: port ?? 0 };
}

/** Whether a socket error is a TLS failure the owner should hear about. */
function isTlsFailure(e: unknown): e is Error {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" && /^ERR_(SSL|TLS)_/.test(code);
}

/**
 * A chunk this large (Node reads 64 KiB at most, TLS records are up to
 * 16 KiB) means a peer that is streaming.
 */
const STREAMING_CHUNK = 16 * 1024;

/**
 * How long a socket whose chunks keep coming large may go on before
 * it is paused until the check phase, so that one peer streaming as fast as
 * it can does not keep the others waiting.
 */
const SLICE_MS = 4;

/** Bytes that may wait unread before the socket is paused. */
const READ_HIGH_WATER = 1024 * 1024;

/**
 * Incoming chunks, ending on end-of-stream, reset or destroy, and throwing
 * only for a TLS failure (a peer's alert, e.g. a refused client
 * certificate), which is news to the owner; a reset is just the end. Fed
 * by `data` events into a queue; the socket is paused while
 * more than {@linkcode READ_HIGH_WATER} bytes wait, so a slow consumer
 * still pushes back on the peer. The socket's own async iterator does the
 * same job with a `readable`/`read()` round and stream bookkeeping per
 * chunk, which cost CPU per message.
 */
function readChunks(socket: net.Socket): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      const queue: AsyncQueue<Uint8Array> = new AsyncQueue<Uint8Array>({
        size: (chunk) => chunk.length,
        highWater: READ_HIGH_WATER,
        // Hooks run on pushes, which come only after `flow` is set.
        onHigh: () => flow.pause(),
        onLow: () => flow.resume(),
        // Leaving the loop early ends the connection, as leaving a Node
        // stream's own iterator does; it ends without a failure.
        onReturn: () => {
          queue.end();
          queue.drain();
          socket.destroy();
        },
      });
      const flow = new ChunkPump(socket, {
        // Queued chunks must outlive the next read.
        chunk: (chunk) =>
          queue.push(
            chunk.buffer === sharedRead.buffer ? chunk.slice() : chunk,
          ),
        end: (failure) => queue.end(failure),
      });
      return queue[Symbol.asyncIterator]();
    },
  };
}

/** Where a socket's listeners below find the pump that owns it. */
const PUMP = Symbol("sockhop.pump");
type Pumped = net.Socket & { [PUMP]?: ChunkPump };

// One function of each kind for every socket (the emitter calls them with
// the socket as `this`), instead of a set of closures per connection.
function pumpData(this: Pumped, chunk: Uint8Array): void {
  this[PUMP]?.data(chunk);
}
function pumpError(this: Pumped, e: unknown): void {
  this[PUMP]?.error(e);
}
function pumpFinish(this: Pumped): void {
  this[PUMP]?.finish();
}
function pumpEndYield(pump: ChunkPump): void {
  pump.endYield();
}

/**
 * The buffer every plain (not TLS) client socket reads into, through
 * Node's `onread` option: no Buffer, no stream bookkeeping and no `data`
 * event per read. Chunks are views of it, valid only while they are
 * handled, as `Conn.receive` allows; `readChunks` copies them. One buffer
 * serves every such socket: reads are handled one at a time.
 */
const sharedRead = new Uint8Array(64 * 1024);

/**
 * The `onread` option for a new client socket; its callback takes the
 * socket as an argument (Bun calls it without a `this`).
 */
function readingInto(socket: () => Pumped): net.OnReadOpts {
  return {
    buffer: sharedRead,
    callback: (n: number, buf: Uint8Array): boolean => {
      socket()[PUMP]?.data(buf.subarray(0, n));
      return true;
    },
  };
}

/**
 * Chunks pushed to a sink straight from `data` events (see
 * `Conn.receive`, and under {@linkcode readChunks}), with turn-taking: a
 * socket whose large chunks keep coming pauses for a turn of the event
 * loop every SLICE_MS; a TLS failure is passed to `sink.end`.
 */
class ChunkPump {
  readonly #socket: Pumped;
  readonly #sink: ChunkSink;
  #done = false;
  /** Paused by the consumer (its flow control). */
  #held = false;
  /** Paused to let the event loop turn (see SLICE_MS). */
  #yielding = false;
  /** When the current run of large chunks began; -1: none. */
  #busySince = -1;
  /** A TLS failure to end the stream with. */
  #failure: Error | undefined;

  constructor(socket: net.Socket, sink: ChunkSink) {
    this.#socket = socket;
    this.#sink = sink;
    this.#socket[PUMP] = this;
    socket.on("error", pumpError);
    socket.on("data", pumpData);
    socket.on("end", pumpFinish);
    socket.on("close", pumpFinish);
    if (socket.destroyed) this.finish();
    // A socket reading through `onread` has no `data` listener to start it.
    else socket.resume();
  }

  data(chunk: Uint8Array): void {
    this.#sink.chunk(chunk);
    if (chunk.length < STREAMING_CHUNK) {
      this.#busySince = -1;
      return;
    }
    const now = performance.now();
    if (this.#busySince < 0) this.#busySince = now;
    else if (now - this.#busySince >= SLICE_MS && !this.#yielding) {
      this.#busySince = -1;
      this.#yielding = true;
      this.#socket.pause();
      setImmediate(pumpEndYield, this);
    }
  }

  error(e: unknown): void {
    if (this.#failure === undefined && isTlsFailure(e)) this.#failure = e;
  }

  finish(): void {
    if (this.#done) return;
    this.#done = true;
    const socket = this.#socket;
    socket.off("data", pumpData);
    socket.off("error", pumpError);
    socket.off("end", pumpFinish);
    socket.off("close", pumpFinish);
    this.#sink.end(this.#failure);
  }

  endYield(): void {
    this.#yielding = false;
    this.#flow();
  }

  #flow(): void {
    if (!this.#held && !this.#yielding && !this.#done) this.#socket.resume();
  }

  /** Stops the chunks (the consumer's flow control). */
  pause(): void {
    this.#held = true;
    this.#socket.pause();
  }

  /** Restarts them. */
  resume(): void {
    this.#held = false;
    this.#flow();
  }
}

/** When the current turn of awaited writes began (see `settle`). */
let turnStart = 0;
/** Whether the turn ran over and its end is scheduled. */
let overdue = false;
/** Writes settled since the clock was last read. */
let unchecked = 0;
/** The longest a run of awaited writes may keep the event loop, in ms. */
const MAX_TURN_MS = 20;
/** The clock is read once per this many writes, not on every one. */
const CHECK_EVERY = 32;

/**
 * Resolves a write. Node calls a write back from `process.nextTick` when
 * the kernel took the bytes at once, so a loop of awaited sends would never
 * return to the event loop and starve timers, pings and reads for seconds.
 * Once writes have kept the loop for `MAX_TURN_MS`, they resolve from the
 * check phase (about what a Deno write costs), where the next turn starts.
 */
function settle(resolve: () => void): void {
  if (!overdue) {
    if (++unchecked < CHECK_EVERY) {
      resolve();
      return;
    }
    unchecked = 0;
    if (performance.now() - turnStart < MAX_TURN_MS) {
      resolve();
      return;
    }
    overdue = true;
    setImmediate(() => {
      overdue = false;
      turnStart = performance.now();
    });
  }
  setImmediate(resolve);
}

function closedError(): Error {
  return Object.assign(new Error("This socket has been closed"), {
    code: "ERR_STREAM_DESTROYED",
  });
}

/** The certificate a TLS peer presented, or undefined if none. */
function peerCertificateOf(socket: tls.TLSSocket): PeerCertificate | undefined {
  const c = socket.getPeerCertificate?.();
  if (!c?.subject || Object.keys(c.subject).length === 0) return undefined;
  return {
    subject: { ...c.subject },
    issuer: { ...(c.issuer ?? {}) },
    valid_from: c.valid_from ?? "",
    valid_to: c.valid_to ?? "",
    fingerprint256: c.fingerprint256 ?? "",
    serialNumber: c.serialNumber ?? "",
  };
}

/**
 * A connected socket as a {@linkcode NodeConn}. Methods live on the
 * prototype, not in closures: a server holds one of these per idle
 * connection. Addresses are read at once, while the socket still has them.
 */
class SocketConn implements NodeConn {
  readonly socket: net.Socket;
  readonly localAddr: Addr;
  readonly remoteAddr: Addr;
  readonly peerCertificate?: PeerCertificate;
  #readable: AsyncIterable<Uint8Array> | undefined;

  constructor(socket: net.Socket, unixPath?: string, peer?: PeerCertificate) {
    this.socket = socket;
    const unix: Addr | undefined = unixPath === undefined
      ? undefined
      : { transport: "unix", path: unixPath };
    this.localAddr = unix ?? tcpAddr(socket.localAddress, socket.localPort);
    this.remoteAddr = unix ?? tcpAddr(socket.remoteAddress, socket.remotePort);
    if (peer) this.peerCertificate = peer;
  }

  get readable(): AsyncIterable<Uint8Array> {
    return this.#readable ??= readChunks(this.socket);
  }

  receive(sink: ChunkSink): { pause(): void; resume(): void } {
    return new ChunkPump(this.socket, sink);
  }

  write(bytes: Uint8Array): Promise<void> {
    const socket = this.socket;
    return new Promise((resolve, reject) => {
      if (socket.destroyed || !socket.writable) {
        reject(closedError());
        return;
      }
      socket.write(bytes, (err) => (err ? reject(err) : settle(resolve)));
    });
  }

  writeText(text: string, done: (err?: Error) => void): number {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) {
      queueMicrotask(() => done(closedError()));
      return 0;
    }
    socket.write(text, (err) => (err ? done(err) : settle(done)));
    return Buffer.byteLength(text);
  }

  close(): void {
    this.socket.destroy();
  }

  endWrite(): void {
    this.socket.end();
  }

  setNoDelay(noDelay: boolean): void {
    this.socket.setNoDelay(noDelay);
  }

  setKeepAlive(enable: boolean, initialDelay: number): void {
    this.socket.setKeepAlive(enable, initialDelay);
  }
}

/**
 * Wraps a connected socket.
 * @param socket a `net.Socket`, or a `tls.TLSSocket` past its handshake
 * @param unixPath the socket path, for Unix sockets
 * @param peer the client certificate (server side, TLS)
 */
export function wrapSocket(
  socket: net.Socket,
  unixPath?: string,
  peer?: PeerCertificate,
): NodeConn {
  // An error must never go unhandled; readers learn of it by the stream ending.
  socket.on("error", noop);
  socket.setNoDelay(true);
  return new SocketConn(socket, unixPath, peer);
}

/**
 * Opens a TCP or Unix socket connection, with TLS when `options.tls` is
 * set (every `tls.connect` option passes through); rejects with the
 * runtime's error (`code` `ECONNREFUSED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`,
 * ...).
 */
export function connect(options: ConnectOptions): Promise<NodeConn> {
  return new Promise((resolve, reject) => {
    const where: net.NetConnectOpts = options.path !== undefined
      ? { path: options.path }
      : { host: options.hostname, port: options.port };
    const secure = options.tls !== undefined;
    const socket: net.Socket = secure
      ? tls.connect({ ...options.tls, ...where } as tls.ConnectionOptions)
      : net.connect({ ...where, onread: readingInto(() => socket) });
    // Nothing is read before a pump takes the chunks (an `onread` socket
    // would start reading, and handing out bytes, once connected).
    if (!secure) socket.pause();
    const signal = options.signal;
    const fail = (err: Error) => {
      signal?.removeEventListener("abort", aborted);
      socket.destroy();
      reject(err);
    };
    const aborted = () => fail(abortReason(signal!));
    if (signal?.aborted) return aborted();
    signal?.addEventListener("abort", aborted, { once: true });
    socket.once("error", fail);
    socket.once(secure ? "secureConnect" : "connect", () => {
      signal?.removeEventListener("abort", aborted);
      socket.off("error", fail);
      resolve(wrapSocket(socket, options.path));
    });
  });
}

/** Why a connection attempt was aborted, as an Error. */
function abortReason(signal: AbortSignal): Error {
  const reason = signal.reason;
  return reason instanceof Error
    ? reason
    : new Error("The attempt was aborted");
}

/**
 * The error a server reports for a TLS handshake it gave up on, with a
 * code: Node's, the refused certificate's verification code, or
 * `ERR_TLS_HANDSHAKE_TIMEOUT` (Deno's `node:tls` reports a timeout without
 * one).
 */
function handshakeError(
  err: Error & { code?: string },
  socket: tls.TLSSocket,
  who: string,
  timeout: number,
): Error & { code: string } {
  const refused = socket.authorizationError;
  if (refused) {
    const code = String((refused as { code?: string }).code ?? refused);
    return Object.assign(
      new Error(`Refused the TLS client certificate of ${who}: ${code}`, {
        cause: err,
      }),
      { code },
    );
  }
  const timedOut = err.code === "ERR_TLS_HANDSHAKE_TIMEOUT" ||
    (!err.code && /handshake time/i.test(err.message));
  if (timedOut) {
    return Object.assign(
      new Error(`TLS handshake with ${who} not done within ${timeout} ms`, {
        cause: err,
      }),
      { code: "ERR_TLS_HANDSHAKE_TIMEOUT" },
    );
  }
  const code = err.code ?? "ERR_TLS_HANDSHAKE_FAILED";
  return Object.assign(
    new Error(`TLS handshake with ${who} failed: ${err.message}`, {
      cause: err,
    }),
    { code },
  );
}

/**
 * TLS 1.2 for a server that refuses client certificates, unless
 * `maxVersion` says otherwise. Node's TLS server (and Deno's `node:tls`)
 * judges a client certificate after OpenSSL's handshake and refuses an
 * untrusted one by closing, with no alert. In TLS 1.3 the client's
 * handshake is over by then, so it sees only an ordinary close; in TLS 1.2
 * the server's last flight waits for the verdict, so the client's
 * handshake fails and `connect()` rejects.
 */
function refusalsInHandshake(
  t: Record<string, unknown>,
): { maxVersion?: string } {
  const refuses = t.requestCert === true && t.rejectUnauthorized !== false;
  return refuses && t.maxVersion === undefined ? { maxVersion: "TLSv1.2" } : {};
}

/**
 * Listens on TCP or a Unix socket path, with TLS when `options.tls` is set
 * (every `tls.createServer` option passes through). A TLS connection is
 * handed out once its handshake succeeds; one that fails or stalls for
 * `options.handshakeTimeout` ms is closed and reported to
 * `options.onRefused`.
 */
export function listen(options: ListenOptions): Promise<Listener> {
  const queue = new AsyncQueue<Conn>();
  const path = options.path;
  let closed = false;
  const hand = (socket: net.Socket, peer?: PeerCertificate) => {
    if (closed) socket.destroy();
    else queue.push(wrapSocket(socket, path, peer));
  };
  let server: net.Server;
  /** TLS sockets still handshaking: closing the listener destroys them. */
  const handshaking = new Set<net.Socket>();
  let canDropPending = true;
  if (options.tls) {
    const t = options.tls;
    // Without a certificate Node would listen and then fail every
    // handshake ("no shared cipher"); fail now instead.
    if (!(t.cert && t.key) && !t.pfx && !t.SNICallback && !t.secureContext) {
      return Promise.reject(
        new SockhopError(
          "A TLS server needs both `cert` and `key` (or `pfx`)",
          "ERR_TLS_OPTION",
        ),
      );
    }
    const timeout = options.handshakeTimeout ??
      (t.handshakeTimeout as number | undefined) ?? DEFAULT_HANDSHAKE_TIMEOUT;
    const secure = tls.createServer({
      ...t,
      ...refusalsInHandshake(t),
      handshakeTimeout: timeout,
    } as tls.TlsOptions);
    /** Where each client came from, for error messages after it left. */
    const origins = new WeakMap<net.Socket, string>();
    secure.on("connection", (raw: net.Socket) => {
      origins.set(raw, `${raw.remoteAddress}:${raw.remotePort}`);
      handshaking.add(raw);
      raw.on("error", noop);
      raw.once("close", () => handshaking.delete(raw));
    });
    // Only handshaken sockets are handed out; failed handshakes are dropped.
    secure.on("secureConnection", (socket: tls.TLSSocket) => {
      // Node keeps the wrapped plain socket as `_parent` (not public API):
      // without it, pending handshakes cannot be told apart, so they are
      // left to time out rather than risk destroying a live connection.
      const raw = (socket as unknown as { _parent?: unknown })._parent;
      if (raw instanceof net.Socket) handshaking.delete(raw);
      else canDropPending = false;
      hand(socket, peerCertificateOf(socket));
    });
    secure.on("tlsClientError", (err: Error, socket: tls.TLSSocket) => {
      const raw = (socket as unknown as { _parent?: unknown })._parent;
      const who = path ??
        (raw instanceof net.Socket ? origins.get(raw) : undefined) ??
        "a client";
      // Node only reports a stalled handshake and leaves the socket open.
      socket.destroy();
      if (!closed) {
        options.onRefused?.(handshakeError(err, socket, who, timeout));
      }
    });
    server = secure;
  } else {
    server = net.createServer((socket) => hand(socket));
  }
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const where: net.ListenOptions = path !== undefined
      ? { path }
      : { host: options.hostname, port: options.port };
    server.listen(where, () => {
      server.off("error", reject);
      server.on("error", noop);
      const bound = server.address();
      const addr: Addr = typeof bound === "string" || bound === null
        ? { transport: "unix", path: bound ?? path ?? "" }
        : tcpAddr(bound.address, bound.port);
      resolve({
        addr,
        connections: queue,
        close(): void {
          if (closed) return;
          closed = true;
          queue.end();
          for (const conn of queue.drain()) conn.close();
          if (canDropPending) { for (const raw of handshaking) raw.destroy(); }
          // Stops listening now (and removes a Unix socket file); handed-out
          // connections stay open for their owners to close.
          server.close(noop);
        },
      });
    });
  });
}
