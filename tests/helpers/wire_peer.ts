/**
 * Raw `node:net` peers for tests that must see or craft the wire itself:
 * a peer that never answers pings, one that writes hand-made packets.
 * Frames are newline-terminated JSON, as Sockhop's default framing.
 * Runtime-neutral (node:net works in Deno and Node).
 * @module
 */

import { EventEmitter } from "node:events";
import net from "node:net";

/** A parsed frame as it arrived. */
// deno-lint-ignore no-explicit-any
export type Frame = any;

/**
 * One raw connection. Emits `frame(obj)` for every JSON line received and
 * keeps them all in `frames`.
 */
export class RawPeer extends EventEmitter {
  /** The socket. */
  readonly socket: net.Socket;
  /** Every frame received, in order. */
  readonly frames: Frame[] = [];
  /** Lines that were not JSON, in order. */
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
        let frame: Frame;
        try {
          frame = JSON.parse(line);
        } catch {
          // Not Sockhop (a TLS hello, say): kept aside, never thrown.
          this.garbage.push(line);
          continue;
        }
        this.frames.push(frame);
        this.emit("frame", frame);
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

  /** Writes one value as a JSON line. */
  write(value: unknown): void {
    this.socket.write(JSON.stringify(value) + "\n");
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
    const found = this.frames.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("frame", onFrame);
        reject(new Error("timed out waiting for a frame"));
      }, ms);
      const onFrame = (f: Frame) => {
        if (!pred(f)) return;
        clearTimeout(timer);
        this.off("frame", onFrame);
        resolve(f);
      };
      this.on("frame", onFrame);
    });
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

/** Connects a raw peer to a loopback TCP port. */
export function rawClient(port: number): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ port, host: "127.0.0.1" });
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(new RawPeer(socket));
    });
  });
}

/** A raw loopback TCP server that records its peers and never answers. */
export class RawServer extends EventEmitter {
  /** The bound port, once listening. */
  port = 0;
  /** Every accepted peer. */
  readonly peers: RawPeer[] = [];
  readonly #server: net.Server;

  constructor() {
    super();
    this.#server = net.createServer((socket) => {
      const peer = new RawPeer(socket);
      this.peers.push(peer);
      this.emit("peer", peer);
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
    if (this.peers[n]) return Promise.resolve(this.peers[n]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("peer", onPeer);
        reject(new Error(`timed out waiting for peer ${n}`));
      }, ms);
      const onPeer = () => {
        if (!this.peers[n]) return;
        clearTimeout(timer);
        this.off("peer", onPeer);
        resolve(this.peers[n]);
      };
      this.on("peer", onPeer);
    });
  }

  /** Destroys every peer and stops listening. */
  async close(): Promise<void> {
    await Promise.all(this.peers.map((p) => p.close()));
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
