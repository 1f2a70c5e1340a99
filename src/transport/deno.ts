/**
 * The Deno implementation of the transport seam: `Deno.connect`,
 * `Deno.listen`, `Deno.connectTls` and `Deno.startTls`, over TCP and Unix
 * sockets. The npm build replaces this file with `node.ts`.
 *
 * Where `Deno.*` cannot do what Node does, this transport uses Deno's own
 * `node:tls`/`node:net` (through `node_sockets.ts`, shared with `node.ts`):
 *
 * - every TLS server: `Deno.listenTls` cannot ask for client certificates,
 *   and closing a `TlsConn` whose handshake is pending leaves its TCP
 *   socket open (Deno 2.9), so a client that never sends a ClientHello
 *   would hold a descriptor for as long as it likes;
 * - a TLS client over a Unix socket path, with `rejectUnauthorized:
 *   false`, or with a client certificate and a `servername` that is not
 *   the address: `Deno.connectTls`/`Deno.startTls` have no such options.
 * @module
 */

import { SockhopError } from "../errors.ts";
import { AsyncQueue } from "../async_queue.ts";
import { nodeStyleError, tlsReadFailure } from "./deno_errors.ts";
import * as nodeSockets from "./node_sockets.ts";
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
    } catch (e) {
      // A TLS alert is news for the owner; a reset or a local close is
      // just the end of the stream.
      const failure = tlsReadFailure(e);
      if (failure) throw failure;
      return;
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

const SERVER_TLS_KEYS = new Set([
  "cert",
  "key",
  "ca",
  "requestCert",
  "rejectUnauthorized",
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

/** Whether a TLS client needs `node:tls` (see the module docs). */
function needsNodeTls(options: ConnectOptions, tls: TlsOptions): boolean {
  const renamed = tls.servername !== undefined &&
    tls.servername !== options.hostname;
  return options.path !== undefined || tls.rejectUnauthorized === false ||
    (renamed && (tls.cert !== undefined || tls.key !== undefined));
}

async function connectTls(options: ConnectOptions): Promise<Deno.TlsConn> {
  const tls = options.tls ?? {};
  const caCerts = caList(tls.ca);
  let conn: Deno.TlsConn;
  if (tls.servername && tls.servername !== options.hostname) {
    // Connect to one address, verify another name: plain TCP, then upgrade.
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
  if (options.tls) {
    checkTlsOptions(options.tls, CLIENT_TLS_KEYS);
    if (needsNodeTls(options, options.tls)) {
      return await nodeSockets.connect(options);
    }
  }
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
    throw nodeStyleError(e, "connect", describe(options), options.hostname);
  }
  return wrapConn(conn);
}

/**
 * Accepts in the background and hands each connection out.
 */
async function acceptLoop(
  listener: Deno.Listener,
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
    queue.push(wrapConn(conn));
  }
  queue.end();
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
  acceptLoop(listener, queue, () => closed);
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
