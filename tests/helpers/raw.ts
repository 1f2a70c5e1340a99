/**
 * Raw `node:net` peers for tests that see or craft the wire itself: exact
 * bytes, hand-made frames, peers that never answer, hostile byte streams.
 * Frames are newline-terminated JSON, as Sockhop's default framing; our
 * client or server can face such a peer ({@linkcode withRawServer},
 * {@linkcode withRawClient}). Runtime-neutral (node:net works in Deno and
 * Node).
 * @module
 */

import { EventEmitter } from "node:events";
import net from "node:net";
import { SockhopClient, SockhopServer } from "../../mod.ts";

/** Where a raw peer connects: a TCP port on 127.0.0.1, or a socket path. */
export type Target = number | string;

/** A parsed frame as it arrived. */
// deno-lint-ignore no-explicit-any
export type Frame = any;

/**
 * Opens a raw socket to a server; rejects on error or after `ms`. Later
 * socket errors (resets are expected here) are swallowed.
 */
export function rawConnect(target: Target, ms = 5000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = typeof target === "number"
      ? net.connect(target, "127.0.0.1")
      : net.connect(target);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error("raw connect timed out"));
    }, ms);
    const onError = (e: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(e);
    };
    sock.once("error", onError);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.off("error", onError);
      sock.on("error", () => {});
      resolve(sock);
    });
  });
}

/** Resolves once the socket has closed (or at once if it already has). */
export function closed(sock: net.Socket, ms = 5000): Promise<void> {
  if (sock.closed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("socket did not close")),
      ms,
    );
    sock.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Writes `chunk` again and again, honouring backpressure, until `total`
 * bytes are queued or the socket closes. Resolves to the bytes the runtime
 * accepted (each write's callback fired without error) and whether the
 * socket closed.
 */
export async function stream(
  sock: net.Socket,
  chunk: Uint8Array,
  total: number,
): Promise<{ accepted: number; closed: boolean }> {
  let accepted = 0;
  let isClosed = sock.closed;
  let wake: (() => void) | null = null;
  const onDrain = () => wake?.();
  const onClose = () => {
    isClosed = true;
    wake?.();
  };
  sock.on("drain", onDrain);
  sock.on("close", onClose);
  try {
    let queued = 0;
    while (!isClosed && queued < total) {
      queued += chunk.length;
      const more = sock.write(chunk, (err) => {
        if (!err) accepted += chunk.length;
      });
      if (!more && !isClosed) {
        await new Promise<void>((r) => (wake = r));
        wake = null;
      }
    }
  } finally {
    sock.off("drain", onDrain);
    sock.off("close", onClose);
  }
  return { accepted, closed: isClosed };
}

/** Resolves with what `take` finds once `emitter` emits `event`; rejects after `ms`. */
export function waitUntil<T>(
  emitter: EventEmitter,
  event: string,
  take: () => T | undefined,
  ms: number,
  what: string,
): Promise<T> {
  const found = take();
  if (found !== undefined) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, check);
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const check = () => {
      const found = take();
      if (found === undefined) return;
      clearTimeout(timer);
      emitter.off(event, check);
      resolve(found);
    };
    emitter.on(event, check);
  });
}

/**
 * One raw connection. Every line received (terminator removed) is queued
 * in `lines` for {@linkcode RawPeer.line}; lines that parse as JSON are also
 * kept in `frames` and emitted as `frame(obj)`, the rest in `garbage`.
 */
export class RawPeer extends EventEmitter {
  /** The socket. */
  readonly socket: net.Socket;
  /** Lines received and not yet taken by {@linkcode line}. */
  readonly lines: string[] = [];
  /** Every frame received, in order. */
  readonly frames: Frame[] = [];
  /** Lines that were not JSON (a TLS hello, say), in order. */
  readonly garbage: string[] = [];
  /** Settles once the socket is fully closed. */
  readonly closed: Promise<void>;
  /** Whether the peer ended or closed the connection. */
  ended = false;
  #text = "";

  /** @param socket a connected socket */
  constructor(socket: net.Socket) {
    super();
    this.socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      this.#text += chunk;
      let i: number;
      while ((i = this.#text.indexOf("\n")) >= 0) {
        const line = this.#text.slice(0, i);
        this.#text = this.#text.slice(i + 1);
        this.lines.push(line);
        let frame: Frame;
        try {
          frame = JSON.parse(line);
        } catch {
          this.garbage.push(line);
          this.emit("line");
          continue;
        }
        this.frames.push(frame);
        this.emit("frame", frame);
        this.emit("line");
      }
    });
    socket.on("error", () => {}); // resets are expected when peers drop us
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.ended = true;
        resolve();
      })
    );
  }

  /** Takes the next line from `lines`; rejects after `ms`. */
  line(ms = 5000): Promise<string> {
    return waitUntil(this, "line", () => this.lines.shift(), ms, "a line");
  }

  /** Writes one value as a JSON line. */
  write(value: unknown): void {
    this.socket.write(JSON.stringify(value) + "\n");
  }

  /** Writes text as is (add the terminator yourself). */
  writeText(text: string): void {
    this.socket.write(text);
  }

  /** The frames of one envelope type received so far. */
  ofType(type: string): Frame[] {
    return this.frames.filter((f) => f?.type === type);
  }

  /**
   * Resolves with the first frame (already received or still to come)
   * matching `pred`; rejects after `ms`.
   */
  until(pred: (f: Frame) => boolean, ms = 5000): Promise<Frame> {
    return waitUntil(
      this,
      "frame",
      () => this.frames.find(pred),
      ms,
      "a frame",
    );
  }

  /** Resolves once the connection is closed; rejects after `ms`. */
  waitClosed(ms = 5000): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error("timed out waiting for close")),
          ms,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Destroys the socket and waits until it is closed. */
  async close(): Promise<void> {
    this.socket.destroy();
    await this.closed;
  }
}

/** Connects a raw peer to a server. */
export async function rawClient(target: Target): Promise<RawPeer> {
  return new RawPeer(await rawConnect(target));
}

/** A raw loopback TCP server that records its peers and never answers. */
export class RawServer extends EventEmitter {
  /** The bound port, once listening. */
  port = 0;
  /** Every accepted peer. */
  readonly peers: RawPeer[] = [];
  readonly #server: net.Server;

  /**
   * @param options.reading false: every peer is paused as it is accepted,
   * so what is sent to it piles up (a server that stopped reading)
   */
  constructor({ reading = true }: { reading?: boolean } = {}) {
    super();
    this.#server = net.createServer((socket) => {
      this.peers.push(new RawPeer(socket));
      if (!reading) socket.pause();
      this.emit("peer");
    });
  }

  /** Binds 127.0.0.1 on an OS-picked port. */
  listen(): Promise<this> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(0, "127.0.0.1", () => {
        this.#server.off("error", reject);
        this.port = (this.#server.address() as net.AddressInfo).port;
        resolve(this);
      });
    });
  }

  /** Resolves with the `n`th accepted peer (0-based); rejects after `ms`. */
  peer(n = 0, ms = 5000): Promise<RawPeer> {
    return waitUntil(this, "peer", () => this.peers[n], ms, `peer ${n}`);
  }

  /** Destroys every peer and stops listening. */
  async close(): Promise<void> {
    await Promise.all(this.peers.map((p) => p.close()));
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/**
 * Runs `fn` on our client connected to a raw server and on the raw peer it
 * reached, then disconnects the client and closes the raw server.
 */
export async function withRawServer(
  fn: (t: { client: SockhopClient; peer: RawPeer }) => Promise<void>,
): Promise<void> {
  const raw = await new RawServer().listen();
  const client = new SockhopClient({ port: raw.port });
  try {
    await client.connect();
    await fn({ client, peer: await raw.peer() });
  } finally {
    await client.disconnect();
    await raw.close();
  }
}

/**
 * Runs `fn` on our listening server and a raw client connected to it (not
 * necessarily registered yet), then closes both.
 */
export async function withRawClient(
  fn: (t: { server: SockhopServer; raw: RawPeer }) => Promise<void>,
): Promise<void> {
  const server = new SockhopServer({ port: 0 });
  await server.listen();
  const raw = await rawClient(server.port);
  try {
    await fn({ server, raw });
  } finally {
    await raw.close();
    await server.close();
  }
}
