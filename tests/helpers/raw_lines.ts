/**
 * Raw `node:net` peers that see the wire as text lines, for tests that
 * compare exact bytes (key order included). Runtime-neutral: node:net
 * works in Deno and Node.
 * @module
 */

import net from "node:net";

/**
 * One raw connection, read as newline-terminated lines (terminator
 * removed) and written as text.
 */
export class RawLines {
  /** The socket. */
  readonly socket: net.Socket;
  /** Lines received and not yet taken by {@linkcode line}. */
  readonly lines: string[] = [];
  #text = "";
  #waiter: (() => void) | null = null;

  /** @param socket a connected socket */
  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding("utf8");
    socket.on("error", () => {}); // resets are fine when tests close
    socket.on("data", (chunk: string) => {
      this.#text += chunk;
      let i: number;
      while ((i = this.#text.indexOf("\n")) >= 0) {
        this.lines.push(this.#text.slice(0, i));
        this.#text = this.#text.slice(i + 1);
      }
      this.#waiter?.();
    });
  }

  /** The next line, or a rejection after `ms`. */
  async line(ms = 5000): Promise<string> {
    const end = Date.now() + ms;
    while (this.lines.length === 0) {
      const left = end - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a line");
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      this.#waiter = null;
    }
    return this.lines.shift()!;
  }

  /** Writes text as is (add the terminator yourself). */
  write(text: string): void {
    this.socket.write(text);
  }

  /** Destroys the socket. */
  close(): void {
    this.socket.destroy();
  }
}

/** A raw server on a loopback port picked by the OS. */
export interface RawServer {
  /** The bound port. */
  port: number;
  /** The next accepted connection, or a rejection after `ms`. */
  accepted(ms?: number): Promise<RawLines>;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a raw server on 127.0.0.1, port 0. */
export async function rawServer(): Promise<RawServer> {
  const peers: RawLines[] = [];
  const unclaimed: RawLines[] = [];
  let wake: (() => void) | null = null;
  const server = net.createServer((sock) => {
    const peer = new RawLines(sock);
    peers.push(peer);
    unclaimed.push(peer);
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    async accepted(ms = 5000) {
      const end = Date.now() + ms;
      while (unclaimed.length === 0) {
        const left = end - Date.now();
        if (left <= 0) throw new Error("timed out waiting for a connection");
        let timer: ReturnType<typeof setTimeout> | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, left);
        });
        clearTimeout(timer);
        wake = null;
      }
      return unclaimed.shift()!;
    },
    close() {
      for (const p of peers) p.close();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connects a raw client to a loopback port. */
export function rawClient(port: number): Promise<RawLines> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ port, host: "127.0.0.1" });
    sock.once("error", reject);
    sock.once("connect", () => {
      sock.off("error", reject);
      resolve(new RawLines(sock));
    });
  });
}
