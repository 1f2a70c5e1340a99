/**
 * A connection between this process (our client or server) and a peer in
 * a child process (tests/helpers/peer_process.ts), over TCP, a Unix socket
 * or TLS, opened either way round. The interop tests run their checks
 * (tests/helpers/link_checks.ts) on it.
 * @module
 */

import type { EventEmitter } from "node:events";
import { join } from "node:path";
import {
  type RemoteCallback,
  SockhopClient,
  type SockhopClientOptions,
  type SockhopResponseReadableStream,
  SockhopServer,
  type SockhopServerOptions,
  type SockhopSocket,
} from "../../mod.ts";
import type { TestCerts } from "./certs.ts";
import {
  type PeerLibrary,
  PeerProcess,
  type PeerRuntime,
} from "./peer_process.ts";
import { tempDir, waitFor } from "./util.ts";

/** How the two ends are connected. */
export type Transport = "tcp" | "unix" | "tls";

/** Which end runs here: "server" (the peer connects) or "client". */
export type Side = "server" | "client";

/** Our end, connected to a peer in a child process. */
export interface Link {
  /** The peer, in its child process. */
  peer: PeerProcess;
  /** Our client or server. */
  ours: SockhopClient | SockhopServer;
  /** Sends to the peer. */
  send(v: unknown, cb?: RemoteCallback): Promise<void>;
  /** Requests from the peer. */
  request(v: unknown): Promise<SockhopResponseReadableStream>;
  /** Pings the peer every `ms` (0 stops). */
  ping(ms: number): void;
  /** Whether our end still holds the connection. */
  connected(): boolean;
  /** Closes our end, ends the peer and removes temporary files. */
  close(): Promise<void>;
}

/** What to open. */
export interface LinkSpec {
  /** The peer's library. */
  library: PeerLibrary;
  /** The peer's runtime for "npm" and "original" (default Node). */
  runtime?: PeerRuntime;
  /** Which end runs in this process. */
  side: Side;
  transport: Transport;
  /** Required for "tls": the server certificate and the CA. */
  certs?: TestCerts;
  /** TLS client options without `ssl: true` (peer client only). */
  flagless?: boolean;
}

/** A short description of a spec, for test names. */
export function describeSpec(spec: LinkSpec): string {
  const runtime = spec.runtime === "Bun" ? " (Bun)" : "";
  const peer = `${spec.library}${runtime} ${
    spec.side === "server" ? "client" : "server"
  }`;
  return `our ${spec.side} with the ${peer} over ${spec.transport}` +
    (spec.flagless ? " (ssl_options only)" : "");
}

/**
 * Opens a link: starts the peer, connects the two ends and waits until
 * both saw the connection. On failure everything opened is closed.
 */
export async function openLink(spec: LinkSpec): Promise<Link> {
  const certs = spec.certs;
  if (spec.transport === "tls" && !certs) throw new Error("tls needs certs");
  const peer = PeerProcess.start(spec.library, spec.runtime);
  const temp = spec.transport === "unix" ? tempDir() : null;
  const path = temp ? join(temp.dir, "peer.sock") : undefined;
  const tls = spec.transport === "tls" ? certs!.dir : undefined;
  let ours: SockhopClient | SockhopServer | null = null;
  const closeOurs = async () => {
    if (ours instanceof SockhopClient) await ours.disconnect();
    else if (ours) await ours.close();
  };
  const close = async () => {
    try {
      await closeOurs();
    } finally {
      await peer.close();
      temp?.cleanup();
    }
  };
  try {
    if (spec.side === "server") {
      const opts: SockhopServerOptions = path ? { path } : { port: 0 };
      if (tls) {
        opts.ssl = true;
        opts.ssl_options = { cert: certs!.cert, key: certs!.key };
      }
      const server = ours = new SockhopServer(opts);
      await server.listen();
      await peer.call(
        "connect",
        { port: server.port, path, tls, flagless: spec.flagless },
        15000,
      );
      // Registered (and "connect" emitted) once its session has started.
      await waitFor(() => server.sockets.length > 0, 15000, "the peer");
      const sock: SockhopSocket = server.sockets[0];
      await peer.event("connect", 15000);
      return {
        peer,
        ours: server,
        send: (v, cb) => server.send(sock, v, cb),
        request: (v) => server.request(sock, v),
        ping: (ms) => server.ping(ms),
        connected: () => server.sockets.includes(sock),
        close,
      };
    }
    const { port } = await peer.call("listen", { path, tls }, 15000);
    const opts: SockhopClientOptions = path ? { path } : { port };
    if (tls) {
      opts.ssl = true;
      opts.ssl_options = { ca: certs!.ca, servername: "localhost" };
    }
    const client = ours = new SockhopClient(opts);
    await client.connect();
    await peer.event("connect", 15000);
    return {
      peer,
      ours: client,
      send: (v, cb) => client.send(v, cb),
      request: (v) => client.request(v),
      ping: (ms) => client.ping(ms),
      connected: () => client.connected,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Opens a link, runs `check` on it, and closes it whatever happens. */
export async function withLink(
  spec: LinkSpec,
  check: (link: Link) => Promise<void>,
): Promise<void> {
  const link = await openLink(spec);
  try {
    await check(link);
  } finally {
    await link.close();
  }
}

/** The emitter behind `link.ours`, for waiting on its events. */
export function emitter(link: Link): EventEmitter {
  return link.ours as unknown as EventEmitter;
}
