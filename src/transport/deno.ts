/**
 * The Deno implementation of the transport seam: `Deno.connect`,
 * `Deno.listen`, `Deno.connectTls`, `Deno.startTls` and `Deno.listenTls`,
 * over TCP and Unix sockets. The npm build replaces this file with
 * `node.ts`.
 * @module
 */

import { SockhopError } from "../errors.ts";
import { AsyncQueue } from "../async_queue.ts";
import { acceptLoop } from "./accept_loop.ts";
import { listenReclaiming } from "./unix_path.ts";
import type {
  Addr,
  Conn,
  ConnectOptions,
  Listener,
  ListenOptions,
  TlsOptions,
  Transport,
} from "./types.ts";

/**
 * How long a connection whose reads keep finding plenty of data waiting
 * may go on before it lets the event loop turn. Such reads complete
 * without returning to the event loop, so a peer that streams as fast as
 * it can would otherwise starve timers and every other connection.
 */
const SLICE_MS = 4;

/** A read this large (or filling the buffer) comes from a streaming peer. */
const STREAMING_READ = 16 * 1024;

/** A read that took this long waited for data: the peer is not ahead. */
const WAITED_MS = 1;

/**
 * Resolves from a timer. `setImmediate` and `queueMicrotask` do not let
 * Deno notice other sockets' readiness; a timer does.
 */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The read buffer of a quiet connection. */
const READ_MIN = 512;
/** The largest read buffer, for a peer that streams. */
const READ_MAX = 128 * 1024;

/** Node-style error codes for the Deno error classes users may match on. */
const ERROR_CODES: [new (...args: never[]) => Error, string][] = [
  [Deno.errors.ConnectionRefused, "ECONNREFUSED"],
  [Deno.errors.ConnectionReset, "ECONNRESET"],
  [Deno.errors.NotFound, "ENOENT"],
  [Deno.errors.AddrInUse, "EADDRINUSE"],
  [Deno.errors.PermissionDenied, "EACCES"],
  [Deno.errors.TimedOut, "ETIMEDOUT"],
];

/**
 * Rephrases a Deno error the way Node phrases it ("connect ECONNREFUSED
 * 127.0.0.1:50000"), because users of the original match on that text.
 */
function nodeStyleError(e: unknown, syscall: string, where: string): Error {
  if (!(e instanceof Error)) return new Error(String(e));
  const code = ERROR_CODES.find(([cls]) => e instanceof cls)?.[1];
  if (!code) return e;
  const err = new Error(`${syscall} ${code} ${where}`, { cause: e });
  Object.assign(err, { code, syscall });
  return err;
}

function describe(options: ConnectOptions | ListenOptions): string {
  return options.path ?? `${options.hostname}:${options.port}`;
}

function toAddr(addr: Deno.Addr): Addr {
  if (addr.transport === "unix" || addr.transport === "unixpacket") {
    return { transport: "unix", path: addr.path };
  }
  const net = addr as Deno.NetAddr;
  return { transport: "tcp", hostname: net.hostname, port: net.port };
}

/**
 * Incoming chunks of one connection, read into a buffer sized to the
 * traffic: an idle connection waits with a small one (most of a server's
 * connections are idle, and a pending read holds its buffer), a read that
 * fills it makes the next one four times larger, up to `READ_MAX`, and a
 * short read (the peer is not streaming) goes back to `READ_MIN`. A run
 * of reads that find plenty waiting yields to the event loop every
 * `SLICE_MS`. A chunk is a view of the buffer, valid until the next is
 * asked for (see `Conn.readable`): the channel decodes it at once.
 */
class Chunks implements AsyncIterable<Uint8Array>, AsyncIterator<Uint8Array> {
  readonly #conn: Deno.Conn;
  #buf = new Uint8Array(READ_MIN);
  #done = false;
  /** When the current run of streaming reads began; -1: none. */
  #busySince = -1;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this;
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.#done) return { value: undefined, done: true };
    if (
      this.#busySince >= 0 && performance.now() - this.#busySince >= SLICE_MS
    ) {
      await nextTurn();
      this.#busySince = -1;
    }
    const buf = this.#buf;
    const asked = performance.now();
    let n: number | null;
    try {
      n = await this.#conn.read(buf);
    } catch {
      n = null; // reset, closed locally, TLS failure: the stream is over
    }
    if (n === null) return this.return();
    // A large read that did not wait means the peer streams faster than we
    // read: the next read will not wait either.
    const streaming = (n === buf.length || n >= STREAMING_READ) &&
      performance.now() - asked < WAITED_MS;
    if (!streaming) this.#busySince = -1;
    else if (this.#busySince < 0) this.#busySince = asked;
    if (n === buf.length) {
      if (buf.length < READ_MAX) this.#buf = new Uint8Array(buf.length * 4);
    } else if (n < READ_MIN && buf.length > READ_MIN) {
      this.#buf = new Uint8Array(READ_MIN); // the large one goes with the view
    }
    return { value: buf.subarray(0, n), done: false };
  }

  return(): Promise<IteratorResult<Uint8Array>> {
    this.#done = true;
    this.#buf = new Uint8Array(0);
    return Promise.resolve({ value: undefined, done: true });
  }
}

/** A {@linkcode Conn} over a `Deno.Conn`. */
class DenoConn implements Conn {
  readonly localAddr: Addr;
  readonly remoteAddr: Addr;
  readonly readable: AsyncIterable<Uint8Array>;
  readonly #conn: Deno.Conn;
  #closed = false;

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
    this.localAddr = toAddr(conn.localAddr);
    this.remoteAddr = toAddr(conn.remoteAddr);
    this.readable = new Chunks(conn);
  }

  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      offset += await this.#conn.write(bytes.subarray(offset));
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed by the runtime
    }
  }
}

function wrapConn(conn: Deno.Conn): Conn {
  return new DenoConn(conn);
}

function caList(ca: TlsOptions["ca"]): string[] | undefined {
  if (ca === undefined) return undefined;
  return Array.isArray(ca) ? ca : [ca];
}

const CLIENT_TLS_KEYS = new Set([
  "cert",
  "key",
  "ca",
  "rejectUnauthorized",
  "servername",
]);

function checkTlsOptions(tls: TlsOptions, allowed: Set<string>): void {
  for (const [name, value] of Object.entries(tls)) {
    if (value === undefined) continue;
    if (!allowed.has(name)) {
      throw new SockhopError(
        `TLS option "${name}" is not supported by the Deno transport`,
        "ERR_TLS_OPTION",
      );
    }
  }
  if (tls.rejectUnauthorized === false) {
    throw new SockhopError(
      "TLS option rejectUnauthorized: false cannot be honoured in Deno " +
        "(it always verifies certificates); pass the CA with `ca` instead",
      "ERR_TLS_OPTION",
    );
  }
}

async function connectTls(options: ConnectOptions): Promise<Deno.TlsConn> {
  const tls = options.tls ?? {};
  checkTlsOptions(tls, CLIENT_TLS_KEYS);
  if (options.path) {
    throw new SockhopError(
      "TLS over Unix sockets is not supported by the Deno transport",
      "ERR_TLS_OPTION",
    );
  }
  const caCerts = caList(tls.ca);
  let conn: Deno.TlsConn;
  if (tls.servername && tls.servername !== options.hostname) {
    // Connect to one address, verify another name: plain TCP, then upgrade.
    if (tls.cert || tls.key) {
      throw new SockhopError(
        "TLS client certificates cannot be combined with servername in Deno",
        "ERR_TLS_OPTION",
      );
    }
    const tcp = await Deno.connect({
      hostname: options.hostname,
      port: options.port,
    });
    conn = await Deno.startTls(tcp, { hostname: tls.servername, caCerts });
  } else if (tls.cert && tls.key) {
    conn = await Deno.connectTls({
      hostname: options.hostname,
      port: options.port,
      caCerts,
      cert: tls.cert,
      key: tls.key,
    });
  } else {
    conn = await Deno.connectTls({
      hostname: options.hostname,
      port: options.port,
      caCerts,
    });
  }
  try {
    await conn.handshake();
  } catch (e) {
    conn.close();
    throw e;
  }
  return conn;
}

async function connect(options: ConnectOptions): Promise<Conn> {
  let conn: Deno.Conn;
  try {
    if (options.tls) {
      conn = await connectTls(options);
    } else if (options.path) {
      conn = await Deno.connect({ transport: "unix", path: options.path });
    } else {
      conn = await Deno.connect({
        hostname: options.hostname,
        port: options.port,
      });
    }
  } catch (e) {
    if (e instanceof SockhopError) throw e;
    throw nodeStyleError(e, "connect", describe(options));
  }
  return wrapConn(conn);
}

/** How long a TLS client may take to finish its handshake. */
const HANDSHAKE_TIMEOUT = 10_000;

/**
 * Takes one accepted connection. TLS connections are handed out only once
 * their handshake succeeds, and each handshake runs on its own so that one
 * slow or plaintext client cannot stall the others.
 */
function handOut(
  conn: Deno.Conn,
  tls: boolean,
  queue: AsyncQueue<Conn>,
  isClosed: () => boolean,
): void {
  if (!tls) {
    queue.push(wrapConn(conn));
    return;
  }
  const pending = conn as Deno.TlsConn;
  let timer: ReturnType<typeof setTimeout> | undefined;
  Promise.race([
    pending.handshake(),
    new Promise((_, reject) => {
      timer = setTimeout(reject, HANDSHAKE_TIMEOUT);
    }),
  ]).then(
    () => isClosed() ? pending.close() : queue.push(wrapConn(pending)),
    () => {
      try {
        pending.close();
      } catch { /* already closed */ }
    },
  ).finally(() => clearTimeout(timer));
}

function listen(options: ListenOptions): Promise<Listener> {
  let listener: Deno.Listener;
  try {
    if (options.tls) {
      const tls = options.tls;
      checkTlsOptions(tls, new Set(["cert", "key"]));
      if (options.path) {
        throw new SockhopError(
          "TLS over Unix sockets is not supported by the Deno transport",
          "ERR_TLS_OPTION",
        );
      }
      if (!tls.cert || !tls.key) {
        throw new SockhopError(
          "A TLS server needs both `cert` and `key` (PEM strings)",
          "ERR_TLS_OPTION",
        );
      }
      listener = Deno.listenTls({
        hostname: options.hostname,
        port: options.port,
        cert: tls.cert,
        key: tls.key,
      });
    } else if (options.path) {
      listener = Deno.listen({ transport: "unix", path: options.path });
    } else {
      listener = Deno.listen({
        hostname: options.hostname,
        port: options.port,
      });
    }
  } catch (e) {
    if (e instanceof SockhopError) return Promise.reject(e);
    return Promise.reject(nodeStyleError(e, "listen", describe(options)));
  }
  let closed = false;
  const queue = new AsyncQueue<Conn>();
  const isClosed = () => closed;
  const tls = !!options.tls;
  acceptLoop({
    accept: () => listener.accept(),
    handle: (conn) => handOut(conn, tls, queue, isClosed),
    isClosed,
  }).finally(() => queue.end());
  return Promise.resolve({
    addr: toAddr(listener.addr),
    connections: queue,
    close(): void {
      if (closed) return;
      closed = true;
      queue.end();
      for (const conn of queue.drain()) conn.close();
      try {
        listener.close();
      } catch {
        // already closed
      }
    },
  });
}

/** The Deno transport. */
export const transport: Transport = {
  connect,
  listen: (options: ListenOptions): Promise<Listener> =>
    listenReclaiming(listen, connect, options),
  userBytes: (bytes: Uint8Array): Uint8Array => bytes,
};
