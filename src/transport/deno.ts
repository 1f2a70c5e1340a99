/**
 * The Deno implementation of the transport seam: `Deno.connect` and
 * `Deno.listen`, over TCP and Unix sockets. The npm build replaces this
 * file with `node.ts`.
 *
 * TLS, servers and clients alike, runs on Deno's own `node:tls` (through
 * `node_sockets.ts`, shared with `node.ts`): `Deno.listenTls` cannot ask
 * for client certificates, `Deno.connectTls`/`Deno.startTls` cannot
 * connect over a Unix socket path, skip verification or present a client
 * certificate under another `servername`, and closing a `TlsConn` whose
 * handshake is pending leaves its TCP socket open (Deno 2.9): a server
 * would hold a descriptor for a client that never sends a ClientHello for
 * as long as it likes, and a client could not end an attempt (abort,
 * `disconnect()`, `connect_timeout`) against a server that never answers.
 * @module
 */

import { SockhopError } from "../errors.ts";
import { AsyncQueue } from "../async_queue.ts";
import { nodeStyleError } from "./deno_errors.ts";
import * as nodeSockets from "./node_sockets.ts";
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
 * it can would otherwise starve timers and every other connection. The
 * turn is a timer, which takes about 2 ms in Deno 2.9 however short it is
 * asked to be: with 4 ms slices a streaming connection spent a third of
 * its time waiting. 20 ms is also what Node's writes allow themselves
 * (`MAX_TURN_MS` in `node_sockets.ts`).
 */
const SLICE_MS = 20;

/** A read this large (or filling the buffer) comes from a streaming peer. */
const STREAMING_READ = 16 * 1024;

/** A read that took this long waited for data: the peer is not ahead. */
const WAITED_MS = 1;

/**
 * Resolves from a timer. `setImmediate` and `queueMicrotask` do not let
 * Deno notice other sockets' readiness, or not reliably (with
 * `setImmediate` the fairness test failed under CPU load); a timer does.
 */
const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The read buffer of a quiet connection. */
const READ_MIN = 512;
/** The largest read buffer, for a peer that streams. */
const READ_MAX = 128 * 1024;

function describe(options: ConnectOptions | ListenOptions): string {
  return options.path ?? `${options.hostname}:${options.port}`;
}

function toAddr(addr: Deno.Addr): Addr {
  if (addr.transport === "unix" || addr.transport === "unixpacket") {
    return { transport: "unix", path: addr.path };
  }
  // Deno's own `{ transport: "tcp", hostname, port }` is an Addr already:
  // shared rather than copied (two per connection).
  return addr as Deno.NetAddr as Addr;
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
      n = null; // a reset or a local close is just the end of the stream
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

  write(bytes: Uint8Array): Promise<void> {
    // Most writes are taken whole: no async frame or view unless partial.
    return this.#conn.write(bytes).then((n) =>
      n < bytes.length ? this.#writeRest(bytes, n) : undefined
    );
  }

  async #writeRest(bytes: Uint8Array, offset: number): Promise<void> {
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

  endWrite(): void {
    if (this.#closed) return;
    // A connection closed meanwhile rejects; close() follows either way.
    this.#conn.closeWrite().catch(() => {});
  }

  setNoDelay(noDelay: boolean): void {
    this.#tcpOption((tcp) => tcp.setNoDelay?.(noDelay));
  }

  /** Deno sets no initial delay: the system's applies. */
  setKeepAlive(enable: boolean): void {
    this.#tcpOption((tcp) => tcp.setKeepAlive?.(enable));
  }

  /** Sets a TCP option; a connection the runtime already closed ignores it. */
  #tcpOption(set: (tcp: Partial<Deno.TcpConn>) => void): void {
    if (this.#closed) return;
    try {
      set(this.#conn as Partial<Deno.TcpConn>);
    } catch {
      // closed by the peer meanwhile, as net.Socket ignores it then
    }
  }
}

function wrapConn(conn: Deno.Conn): Conn {
  return new DenoConn(conn);
}

const CLIENT_TLS_KEYS = new Set([
  "cert",
  "key",
  "ca",
  "rejectUnauthorized",
  "servername",
]);

const SERVER_TLS_KEYS = new Set([
  "cert",
  "key",
  "ca",
  "requestCert",
  "rejectUnauthorized",
  // Deno's node:tls serves these (a requestCert server defaults to TLS 1.2).
  "minVersion",
  "maxVersion",
]);

/** Refuses an option this transport cannot honour, by name. */
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
}

async function connect(options: ConnectOptions): Promise<Conn> {
  if (options.tls) {
    checkTlsOptions(options.tls, CLIENT_TLS_KEYS);
    return await nodeSockets.connect(options);
  }
  let conn: Deno.Conn;
  try {
    if (options.path) {
      conn = await Deno.connect({ transport: "unix", path: options.path });
    } else {
      conn = await Deno.connect({
        hostname: options.hostname,
        port: options.port,
      });
    }
  } catch (e) {
    if (e instanceof SockhopError) throw e;
    throw nodeStyleError(e, "connect", describe(options), options.hostname);
  }
  return wrapConn(conn);
}

function listen(options: ListenOptions): Promise<Listener> {
  if (options.tls) {
    try {
      checkTlsOptions(options.tls, SERVER_TLS_KEYS);
    } catch (e) {
      return Promise.reject(e);
    }
    return nodeSockets.listen(options);
  }
  let listener: Deno.Listener;
  try {
    if (options.path) {
      listener = Deno.listen({ transport: "unix", path: options.path });
    } else {
      listener = Deno.listen({
        hostname: options.hostname,
        port: options.port,
      });
    }
  } catch (e) {
    return Promise.reject(nodeStyleError(e, "listen", describe(options)));
  }
  let closed = false;
  const queue = new AsyncQueue<Conn>();
  const isClosed = () => closed;
  acceptLoop({
    accept: () => listener.accept(),
    handle: (conn) => queue.push(wrapConn(conn)),
    isClosed,
    // Deno lets go of the listening socket a turn after the accept that
    // failed: the connections end then, so that a server's close() resolves
    // once the port refuses connections (not resets them).
  }).finally(() => setTimeout(() => queue.end(), 0));
  return Promise.resolve({
    addr: toAddr(listener.addr),
    connections: queue,
    close(): void {
      if (closed) return;
      closed = true;
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
