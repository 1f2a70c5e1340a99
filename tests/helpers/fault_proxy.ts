/**
 * A fault-injecting loopback TCP proxy for tests: clients connect to
 * `proxy.port`, each connection (a {@linkcode FaultLink}) is forwarded to
 * the target, and a test can, per link and direction, cut it at a chosen
 * or seeded-random byte offset, black-hole it (then heal or reset it),
 * delay it, or split its writes into pieces of a few bytes. Random choices
 * come from `proxy.seed`: put it in failure messages, and set
 * `FAULT_PROXY_SEED` (or the `seed` option) to replay a run.
 * Runtime-neutral (`node:net`: Deno, Node and Bun).
 *
 * @example Cut every link at a random offset of the server's replies
 * ```ts ignore
 * const proxy = await FaultProxy.start(server.port);
 * proxy.onLink((link) => link.cutAtRandom("toClient", 4096));
 * const client = new SockhopClient({ port: proxy.port });
 * // ... then, whatever happened:
 * await proxy.close();
 * ```
 * @module
 */

import { EventEmitter } from "node:events";
import net from "node:net";
import {
  type ByteCounts,
  DIRECTIONS,
  FaultLink,
  type LinkDefaults,
} from "./fault_link.ts";
import { type Target, waitUntil } from "./raw.ts";
import { pickSeed } from "./seeded_random.ts";

export { type CloseCause, type Direction, FaultLink } from "./fault_link.ts";
export type { ByteCounts, Target };

/** Options of {@linkcode FaultProxy.start}. */
export interface FaultProxyOptions extends LinkDefaults {
  /** Seed of every random choice (default: `FAULT_PROXY_SEED`, else random). */
  seed?: number;
}

/** A loopback TCP proxy in front of a target, with faults on demand. */
export class FaultProxy {
  /** The seed of this proxy's random choices. */
  readonly seed: number;
  /** Every link accepted, open or closed, in order. */
  readonly links: FaultLink[] = [];
  /** The port clients connect to (127.0.0.1). */
  port = 0;
  readonly #server: net.Server;
  readonly #events = new EventEmitter();

  private constructor(target: Target, options: FaultProxyOptions) {
    this.seed = options.seed ?? pickSeed();
    this.#server = net.createServer({ allowHalfOpen: true }, (client) => {
      const link = new FaultLink(
        this.links.length,
        client,
        target,
        this.seed,
        options,
      );
      this.links.push(link);
      // Listeners run before the first byte moves: faults set there apply
      // from offset 0.
      this.#events.emit("link", link);
    });
  }

  /**
   * Starts a proxy in front of `target` (a port on 127.0.0.1, or a socket
   * path), listening on an OS-picked loopback port.
   */
  static start(
    target: Target,
    options: FaultProxyOptions = {},
  ): Promise<FaultProxy> {
    const proxy = new FaultProxy(target, options);
    const server = proxy.#server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        server.off("error", reject);
        proxy.port = (server.address() as net.AddressInfo).port;
        resolve(proxy);
      });
    });
  }

  /** Links accepted so far. */
  get opened(): number {
    return this.links.length;
  }

  /** Links whose both sockets have closed. */
  get closed(): number {
    return this.links.filter((l) => l.closed).length;
  }

  /** Bytes forwarded per direction, over all links. */
  get bytes(): ByteCounts {
    const total: ByteCounts = { toServer: 0, toClient: 0 };
    for (const link of this.links) {
      for (const dir of DIRECTIONS) total[dir] += link.bytes[dir];
    }
    return total;
  }

  /**
   * Calls `fn` with every new link, before any of its bytes moves.
   * @returns a function that stops the calls
   */
  onLink(fn: (link: FaultLink) => void): () => void {
    this.#events.on("link", fn);
    return () => this.#events.off("link", fn);
  }

  /**
   * Resolves with link `n` (0-based; by default the next one to be
   * accepted) once it is accepted; rejects after `ms`.
   */
  link(n: number = this.links.length, ms = 5000): Promise<FaultLink> {
    return waitUntil(
      this.#events,
      "link",
      () => this.links[n],
      ms,
      `link ${n}`,
    );
  }

  /** One line per link, and the seed: for failure messages. */
  describe(): string {
    return [
      `fault proxy seed ${this.seed} (FAULT_PROXY_SEED=${this.seed} replays)`,
      ...this.links.map((l) => l.describe()),
    ].join("\n");
  }

  /** Stops listening and destroys every link; leaves no socket or timer. */
  async close(): Promise<void> {
    const listening = new Promise<void>((resolve) =>
      this.#server.close(() => resolve())
    );
    await Promise.all(this.links.map((l) => l._closeForProxy()));
    await listening;
    this.#events.removeAllListeners();
  }
}

/**
 * Runs `fn` with a proxy in front of `target`, then closes the proxy. A
 * failure's message gets the seed and the links' accounts appended, so
 * that the run can be replayed.
 */
export async function withFaultProxy<T>(
  target: Target,
  options: FaultProxyOptions,
  fn: (proxy: FaultProxy) => Promise<T>,
): Promise<T> {
  const proxy = await FaultProxy.start(target, options);
  try {
    return await fn(proxy);
  } catch (e) {
    if (e instanceof Error) e.message += `\n${proxy.describe()}`;
    throw e;
  } finally {
    await proxy.close();
  }
}
