/**
 * The Node implementation of the transport seam, over `node:net` and
 * `node:tls`: TCP and Unix sockets, with or without TLS. The npm build
 * puts this file where `deno.ts` was (dnt's `mappings`); nothing above the
 * transport knows which one it got.
 *
 * Escape hatch: every {@linkcode Conn} this transport makes also carries the
 * Node socket it wraps as `socket` (a `net.Socket`, or a `tls.TLSSocket`
 * when TLS is on), for what Sockhop does not cover (keep-alive, peer
 * certificates, ...). Reading from it or ending it behind Sockhop's back
 * is not supported.
 *
 * TLS options are Node's own (`cert`, `key`, `ca`, `rejectUnauthorized`,
 * `servername`, and any other `tls.connect`/`tls.createServer` option) and
 * are passed through unchanged. TLS over a Unix socket path works too.
 * @module
 */

import { Buffer } from "node:buffer";
import * as net from "node:net";
import * as tls from "node:tls";
import { SockhopError } from "../errors.ts";
import { noop } from "../util.ts";
import { AsyncQueue } from "../async_queue.ts";
import { listenReclaiming } from "./unix_path.ts";
import type {
  Addr,
  Conn,
  ConnectOptions,
  Listener,
  ListenOptions,
  Transport,
} from "./types.ts";

/** A {@linkcode Conn} made by the Node transport, with its raw socket. */
export interface NodeConn extends Conn {
  /** The wrapped Node socket (escape hatch; see the module docs). */
  readonly socket: net.Socket;
}

/** How long a TLS client may take to finish its handshake (as in Deno). */
const HANDSHAKE_TIMEOUT = 10_000;

function tcpAddr(address: string | undefined, port: number | undefined): Addr {
  return { transport: "tcp", hostname: address ?? "", port: port ?? 0 };
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
 * Incoming chunks, ending (never throwing) on end-of-stream, reset or
 * destroy. Fed by `data` events into a queue; the socket is paused while
 * more than {@linkcode READ_HIGH_WATER} bytes wait, so a slow consumer
 * still pushes back on the peer. The socket's own async iterator does the
 * same job with a `readable`/`read()` round and stream bookkeeping per
 * chunk, which cost CPU per message.
 */
function readChunks(socket: net.Socket): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
      let done = false;
      /** Paused because more than READ_HIGH_WATER waits unread. */
      let full = false;
      /** Paused to let the event loop turn (see SLICE_MS). */
      let yielding = false;
      /** When the current run of large chunks began; -1: none. */
      let busySince = -1;
      const resume = () => {
        if (!full && !yielding && !done) socket.resume();
      };
      const endYield = () => {
        yielding = false;
        resume();
      };
      const onData = (chunk: Buffer) => {
        queue.push(chunk);
        // Node reads on from a socket with more waiting, up to 32 chunks,
        // before it serves any other socket.
        if (chunk.length < STREAMING_CHUNK) {
          busySince = -1;
          return;
        }
        const now = performance.now();
        if (busySince < 0) busySince = now;
        else if (now - busySince >= SLICE_MS && !yielding) {
          busySince = -1;
          yielding = true;
          socket.pause();
          setImmediate(endYield);
        }
      };
      const onEnd = () => {
        if (done) return;
        done = true;
        socket.off("data", onData);
        queue.end();
      };
      const queue: AsyncQueue<Uint8Array> = new AsyncQueue<Uint8Array>({
        size: (chunk) => chunk.length,
        highWater: READ_HIGH_WATER,
        onHigh: () => {
          full = true;
          socket.pause();
        },
        onLow: () => {
          full = false;
          resume();
        },
        // Leaving the loop early ends the connection, as leaving a Node
        // stream's own iterator does.
        onReturn: () => {
          onEnd();
          queue.drain();
          socket.destroy();
        },
      });
      socket.on("data", onData);
      socket.once("end", onEnd);
      socket.once("close", onEnd);
      if (socket.destroyed) onEnd();
      return queue[Symbol.asyncIterator]();
    },
  };
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

function wrapSocket(socket: net.Socket, unixPath?: string): NodeConn {
  // An error must never go unhandled; readers learn of it by the stream ending.
  socket.on("error", noop);
  socket.setNoDelay(true);
  const unix: Addr | undefined = unixPath === undefined
    ? undefined
    : { transport: "unix", path: unixPath };
  return {
    socket,
    localAddr: unix ?? tcpAddr(socket.localAddress, socket.localPort),
    remoteAddr: unix ?? tcpAddr(socket.remoteAddress, socket.remotePort),
    readable: readChunks(socket),
    receive(
      onChunk: (chunk: Uint8Array) => void,
      onEnd: () => void,
    ): { pause(): void; resume(): void } {
      let done = false;
      /** Paused by the consumer (its flow control). */
      let held = false;
      /** Paused to let the event loop turn (see SLICE_MS). */
      let yielding = false;
      /** When the current run of large chunks began; -1: none. */
      let busySince = -1;
      const resume = () => {
        if (!held && !yielding && !done) socket.resume();
      };
      const endYield = () => {
        yielding = false;
        resume();
      };
      const onData = (chunk: Buffer) => {
        onChunk(chunk);
        // As in readChunks: a peer streaming large chunks is paused until
        // the check phase every SLICE_MS, so the others get their turn.
        if (chunk.length < STREAMING_CHUNK) {
          busySince = -1;
          return;
        }
        const now = performance.now();
        if (busySince < 0) busySince = now;
        else if (now - busySince >= SLICE_MS && !yielding) {
          busySince = -1;
          yielding = true;
          socket.pause();
          setImmediate(endYield);
        }
      };
      const finish = () => {
        if (done) return;
        done = true;
        socket.off("data", onData);
        onEnd();
      };
      socket.on("data", onData);
      socket.once("end", finish);
      socket.once("close", finish);
      if (socket.destroyed) finish();
      return {
        pause: () => {
          held = true;
          socket.pause();
        },
        resume: () => {
          held = false;
          resume();
        },
      };
    },
    write(bytes: Uint8Array): Promise<void> {
      return new Promise((resolve, reject) => {
        if (socket.destroyed || !socket.writable) {
          reject(closedError());
          return;
        }
        socket.write(bytes, (err) => (err ? reject(err) : settle(resolve)));
      });
    },
    writeText(text: string, done: (err?: Error) => void): void {
      if (socket.destroyed || !socket.writable) {
        queueMicrotask(() => done(closedError()));
        return;
      }
      socket.write(text, (err) => (err ? done(err) : settle(done)));
    },
    close(): void {
      socket.destroy();
    },
  };
}

function connect(options: ConnectOptions): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const where: net.NetConnectOpts = options.path !== undefined
      ? { path: options.path }
      : { host: options.hostname, port: options.port };
    const secure = options.tls !== undefined;
    const socket: net.Socket = secure
      ? tls.connect({ ...options.tls, ...where } as tls.ConnectionOptions)
      : net.connect(where);
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once("error", fail);
    socket.once(secure ? "secureConnect" : "connect", () => {
      socket.off("error", fail);
      resolve(wrapSocket(socket, options.path));
    });
  });
}

function listen(options: ListenOptions): Promise<Listener> {
  const queue = new AsyncQueue<Conn>();
  const path = options.path;
  let closed = false;
  const hand = (socket: net.Socket) => {
    if (closed) socket.destroy();
    else queue.push(wrapSocket(socket, path));
  };
  let server: net.Server;
  /** TLS sockets still handshaking: closing the listener destroys them. */
  const handshaking = new Set<net.Socket>();
  let canDropPending = true;
  if (options.tls) {
    const t = options.tls;
    // Without a certificate Node would listen and then fail every
    // handshake ("no shared cipher"); fail now, as the Deno transport does.
    if (!(t.cert && t.key) && !t.pfx && !t.SNICallback && !t.secureContext) {
      return Promise.reject(
        new SockhopError(
          "A TLS server needs both `cert` and `key` (or `pfx`)",
          "ERR_TLS_OPTION",
        ),
      );
    }
    const secure = tls.createServer({
      handshakeTimeout: HANDSHAKE_TIMEOUT,
      ...options.tls,
    } as tls.TlsOptions);
    secure.on("connection", (raw: net.Socket) => {
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
      hand(socket);
    });
    secure.on("tlsClientError", noop);
    server = secure;
  } else {
    server = net.createServer(hand);
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

/** The Node transport. */
export const transport: Transport = {
  connect,
  listen: (options: ListenOptions): Promise<Listener> =>
    listenReclaiming(listen, connect, options),
  userBytes: (bytes: Uint8Array): Uint8Array =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
};
