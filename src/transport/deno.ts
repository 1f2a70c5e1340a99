/**
 * The Deno implementation of the transport seam: `Deno.connect`,
 * `Deno.listen`, `Deno.connectTls`, `Deno.startTls` and `Deno.listenTls`,
 * over TCP and Unix sockets. The npm build replaces this file with
 * `node.ts`.
 * @module
 */

import { SockhopError } from "../errors.ts";
import { AsyncQueue } from "../async_queue.ts";
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

const READ_SIZE = 128 * 1024;

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

async function* readChunks(conn: Deno.Conn): AsyncGenerator<Uint8Array> {
  const buf = new Uint8Array(READ_SIZE);
  while (true) {
    let n: number | null;
    try {
      n = await conn.read(buf);
    } catch {
      return; // reset, closed locally, TLS failure: the stream is over
    }
    if (n === null) return;
    // A view, valid until the consumer asks for the next chunk (see
    // `Conn.readable`): the channel decodes it at once, so a copy per read
    // would be one allocation per message for nothing.
    yield buf.subarray(0, n);
  }
}

function wrapConn(conn: Deno.Conn): Conn {
  let closed = false;
  if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
  return {
    localAddr: toAddr(conn.localAddr),
    remoteAddr: toAddr(conn.remoteAddr),
    readable: readChunks(conn),
    async write(bytes: Uint8Array): Promise<void> {
      let offset = 0;
      while (offset < bytes.length) {
        offset += await conn.write(bytes.subarray(offset));
      }
    },
    close(): void {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch {
        // already closed by the runtime
      }
    },
  };
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
 * Accepts in the background. TLS connections are handed out only once their
 * handshake succeeds, and each handshake runs on its own so that one slow or
 * plaintext client cannot stall the others.
 */
async function acceptLoop(
  listener: Deno.Listener,
  tls: boolean,
  queue: AsyncQueue<Conn>,
  isClosed: () => boolean,
): Promise<void> {
  while (!isClosed()) {
    let conn: Deno.Conn;
    try {
      conn = await listener.accept();
    } catch {
      if (isClosed()) break;
      // A transient failure (e.g. out of file descriptors): pause, not spin.
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    if (!tls) {
      queue.push(wrapConn(conn));
      continue;
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
  queue.end();
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
  acceptLoop(listener, !!options.tls, queue, () => closed);
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
