/**
 * Raw `node:net` sockets for tests that push bytes a Sockhop peer would
 * never send. Runtime-neutral (node:net works in Deno and Node).
 * @module
 */

import net from "node:net";

/** Connects a raw TCP socket to a loopback port. */
export function rawConnect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection({ port, host: "127.0.0.1" });
    sock.on("error", () => {}); // resets are expected when servers drop us
    sock.once("error", reject);
    sock.once("connect", () => {
      sock.off("error", reject);
      resolve(sock);
    });
  });
}

function isClosed(sock: net.Socket): boolean {
  return sock.destroyed || sock.readyState === "closed";
}

/**
 * Writes `chunk` again and again, honouring backpressure, until `total`
 * bytes were handed to the socket or the peer closed the connection.
 * Resolves with how many bytes the socket accepted and whether it closed.
 */
export async function stream(
  sock: net.Socket,
  chunk: Uint8Array,
  total: number,
): Promise<{ accepted: number; closed: boolean }> {
  let sent = 0;
  let gone = isClosed(sock);
  const onClose = () => (gone = true);
  sock.once("close", onClose);
  try {
    while (!gone && sent < total) {
      const more = sock.write(chunk);
      sent += chunk.length;
      if (!more) {
        await new Promise<void>((resolve) => {
          const done = () => {
            sock.off("drain", done);
            sock.off("close", done);
            resolve();
          };
          sock.once("drain", done);
          sock.once("close", done);
        });
      }
    }
  } finally {
    sock.off("close", onClose);
  }
  return { accepted: sock.bytesWritten, closed: gone || isClosed(sock) };
}

/** Resolves once the socket is closed; rejects after `ms`. */
export function closed(sock: net.Socket, ms = 5000): Promise<void> {
  if (isClosed(sock)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sock.off("close", onClose);
      reject(new Error("timed out waiting for the socket to close"));
    }, ms);
    const onClose = () => {
      clearTimeout(timer);
      resolve();
    };
    sock.once("close", onClose);
  });
}
