/**
 * The Sockhop 2.x names: `Client` and `Server` with 2.1's defaults (a
 * handshake on every connection, binary mode when the peer agrees) and
 * 2.1's client lifecycle (`start()` resolves after the handshake;
 * `auto_reconnect` and `auto_rehandshake` as options). The 1.x names
 * (`SockhopClient`, `client`, ...) keep 1.8.5's defaults.
 * @module
 */

import {
  type ConnectCallOptions,
  SockhopClient,
  type SockhopClientOptions,
} from "./client.ts";
import { SockhopError } from "./errors.ts";
import { SockhopServer, type SockhopServerOptions } from "./server.ts";

/** Options of the 2.x {@linkcode Client}. */
export interface ClientOptions extends SockhopClientOptions {
  /**
   * Reconnect after a drop, every `auto_reconnect_interval` ms, once a
   * connection was made; each new connection handshakes again.
   * @default {false}
   */
  auto_reconnect?: boolean;
  /**
   * After a successful `start()`, every `auto_rehandshake_interval` ms:
   * reconnect if disconnected, and drop that connection again if its
   * handshake fails. Overrides `auto_reconnect`; `connect()` then rejects
   * with `ERR_AUTO_REHANDSHAKE_CONNECT` (use `start()`).
   * @default {false}
   */
  auto_rehandshake?: boolean;
  /**
   * ms between the attempts of `auto_rehandshake`.
   * @default {5000}
   */
  auto_rehandshake_interval?: number;
}

/**
 * A Sockhop 2.x client: `handshake` is on by default, and `start()`
 * resolves once the handshake is done (rejecting, and disconnecting, when
 * it fails, e.g. with `ERR_HANDSHAKE_TIMEOUT` from a 1.x server).
 *
 * @example
 * ```ts
 * import { Client, Server } from "@sockhop/sockhop";
 *
 * const server = new Server({ port: 0 });
 * server.on("receive:buffer", (bytes, meta) => console.log(meta.type, bytes.length));
 * await server.listen();
 * const client = new Client({ port: server.port });
 * await client.start(); // after the handshake
 * await new Promise((r) => client.once("binary_mode:rx", r));
 * console.log(client.binary_mode); // { rx: true, tx: true }
 * await client.send_typed_buffer("Image", new Uint8Array(1024));
 * await client.disconnect();
 * await server.close();
 * ```
 */
export class Client extends SockhopClient {
  readonly #compatible: boolean;
  readonly #reconnect: boolean;
  /** ms between re-handshake attempts; 0: off. */
  readonly #rehandshake: number;
  #rehandshakeTimer: ReturnType<typeof setInterval> | undefined;

  /**
   * Makes a client; nothing happens on the network until `start()` (or
   * `connect()`).
   * @param opts where to connect, and the 2.x options
   */
  constructor(opts: ClientOptions = {}) {
    super({ handshake: true, ...opts });
    this.#compatible = opts.compatibility_mode === true;
    this.#rehandshake = opts.auto_rehandshake
      ? opts.auto_rehandshake_interval || 5000
      : 0;
    this.#reconnect = opts.auto_reconnect === true && this.#rehandshake === 0;
  }

  /**
   * Connects once, without waiting for the handshake (see `start()`).
   * Rejects with `ERR_AUTO_REHANDSHAKE_CONNECT` with `auto_rehandshake`.
   * @param options auto_reconnect (default: the option's) and signal
   */
  override connect(options: ConnectCallOptions = {}): Promise<this> {
    if (this.#rehandshake > 0) {
      return Promise.reject(
        new SockhopError(
          "auto_rehandshake is set: use start(), not connect()",
          "ERR_AUTO_REHANDSHAKE_CONNECT",
        ),
      );
    }
    return super.connect({ auto_reconnect: this.#reconnect, ...options });
  }

  /**
   * Connects and resolves once the handshake is done; rejects (and
   * disconnects) when either fails. Throws
   * `ERR_HANDSHAKE_COMPATIBILITY_MODE` in compatibility mode.
   * @param options signal: aborting stops connecting
   */
  override async start(
    options: { signal?: AbortSignal } = {},
  ): Promise<this> {
    if (this.#compatible) {
      throw new SockhopError(
        "You cannot wait for a handshake in compatibility mode",
        "ERR_HANDSHAKE_COMPATIBILITY_MODE",
      );
    }
    try {
      await this.#shake(options.signal);
    } catch (e) {
      await this.disconnect().catch(() => {});
      throw e;
    }
    clearInterval(this.#rehandshakeTimer);
    if (this.#rehandshake > 0) {
      this.#rehandshakeTimer = setInterval(() => {
        if (this.connected) return;
        // A failed handshake drops that connection again (as 2.1 does).
        this.#shake().catch(() => this.socket?.destroy());
      }, this.#rehandshake);
    }
    return this;
  }

  /** Stops reconnecting and re-handshaking, and disconnects. */
  override disconnect(): Promise<void> {
    clearInterval(this.#rehandshakeTimer);
    this.#rehandshakeTimer = undefined;
    return super.disconnect();
  }

  /** Connects once and waits for that connection's handshake. */
  async #shake(signal?: AbortSignal): Promise<void> {
    let settle: (ok: boolean, e?: Error) => void = () => {};
    const shaken = new Promise<void>((resolve, reject) => {
      settle = (ok, e) => ok ? resolve() : reject(e);
    });
    shaken.catch(() => {});
    this.once("handshake", settle);
    try {
      await super.connect({ auto_reconnect: this.#reconnect, signal });
    } catch (e) {
      this.off("handshake", settle);
      throw e;
    }
    await shaken;
  }
}

/**
 * A Sockhop 2.x server: `handshake` is on by default (every client is sent
 * a handshake, and binary mode follows when it agrees).
 *
 * @example
 * ```ts
 * import { Server } from "@sockhop/sockhop";
 *
 * const server = new Server({ port: 0 });
 * server.on("handshake", (_sock, session, ok) => {
 *   if (ok) console.log(session.binary_mode);
 * });
 * await server.listen();
 * await server.close();
 * ```
 */
export class Server extends SockhopServer {
  /**
   * Makes a server; call `listen()` to start accepting.
   * @param opts where to listen, and the 2.x options
   */
  constructor(opts: SockhopServerOptions = {}) {
    super({ handshake: true, ...opts });
  }
}
