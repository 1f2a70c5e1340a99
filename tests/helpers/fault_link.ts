/**
 * One proxied connection of a {@linkcode FaultProxy}: the client's socket,
 * the proxy's socket to the server, and a {@linkcode FaultPipe} each way,
 * with the faults a test asks for. Runtime-neutral (`node:net`).
 * @module
 */

import net from "node:net";
import { FaultPipe, type Mark } from "./fault_pipe.ts";
import { SeededRandom } from "./seeded_random.ts";
import type { Target } from "./raw.ts";

/** A direction of a link: client→server or server→client. */
export type Direction = "toServer" | "toClient";

/** Both directions. */
export const DIRECTIONS: readonly Direction[] = ["toServer", "toClient"];

/**
 * Why a link closed: cut at an offset, reset by the test, closed by the
 * client or the server (a FIN or a reset from it), the server was
 * unreachable, or the proxy was closed.
 */
export type CloseCause =
  | "cut"
  | "reset"
  | "client"
  | "server"
  | "unreachable"
  | "proxy";

/** Bytes per direction. */
export type ByteCounts = Record<Direction, number>;

/** Faults every new link starts with. */
export interface LinkDefaults {
  /** Milliseconds each chunk waits, both ways (0: none). */
  delay?: number;
  /** Split every write into pieces of 1..split bytes, both ways (0: no). */
  split?: number;
}

/**
 * A proxied connection. Faults are set per direction (or both when the
 * direction is left out) and can be set at any time, also before the
 * first byte (from {@linkcode FaultProxy.onLink}).
 */
export class FaultLink {
  /** The link's index in its proxy (0 for the first accepted). */
  readonly id: number;
  /** The accepted socket, from the client. */
  readonly client: net.Socket;
  /** The proxy's socket to the server. */
  readonly server: net.Socket;
  /** Draws this link's random offsets (seeded from the proxy's seed). */
  readonly random: SeededRandom;
  /** Why the link closed; null while it is open. */
  cause: CloseCause | null = null;
  /** Settles once both sockets are closed. */
  readonly whenClosed: Promise<void>;
  readonly #pipes: Record<Direction, FaultPipe>;
  #open = 2;

  /**
   * @param id index in the proxy
   * @param client the accepted socket
   * @param target where the server listens
   * @param seed the proxy's seed
   * @param defaults faults to start with
   */
  constructor(
    id: number,
    client: net.Socket,
    target: Target,
    seed: number,
    defaults: LinkDefaults,
  ) {
    this.id = id;
    this.client = client;
    this.random = new SeededRandom(seed, 3 * id);
    this.server = typeof target === "number"
      ? net.connect({ port: target, host: "127.0.0.1", allowHalfOpen: true })
      : net.connect({ path: target, allowHalfOpen: true });
    const pipe = (from: net.Socket, to: net.Socket, dir: Direction) =>
      new FaultPipe(
        from,
        to,
        new SeededRandom(seed, 3 * id + (dir === "toServer" ? 1 : 2)),
        (mark) => this.#onMark(dir, mark),
      );
    this.#pipes = {
      toServer: pipe(client, this.server, "toServer"),
      toClient: pipe(this.server, client, "toClient"),
    };
    for (const dir of DIRECTIONS) {
      this.#pipes[dir].delay = defaults.delay ?? 0;
      this.#pipes[dir].split = defaults.split ?? 0;
    }
    let connected = false;
    let closed!: () => void;
    this.whenClosed = new Promise((resolve) => (closed = resolve));
    for (const sock of [client, this.server]) {
      sock.setNoDelay(true);
      sock.on("error", () => {}); // resets are what this is for
      sock.once("close", () => {
        // Before the server answered, the pipes (which pass closes on)
        // have not started: either side's close ends the link.
        if (!connected) {
          this.#teardown(sock === client ? "client" : "unreachable");
        }
        if (--this.#open > 0) return;
        this.cause ??= sock === client ? "client" : "server";
        for (const dir of DIRECTIONS) this.#pipes[dir].close();
        closed();
      });
    }
    this.server.once("connect", () => {
      connected = true;
      for (const dir of DIRECTIONS) this.#pipes[dir].start();
    });
  }

  /** Bytes forwarded so far in each direction. */
  get bytes(): ByteCounts {
    return {
      toServer: this.#pipes.toServer.forwarded,
      toClient: this.#pipes.toClient.forwarded,
    };
  }

  /** Write calls made in each direction (more than chunks when split). */
  get writes(): ByteCounts {
    return {
      toServer: this.#pipes.toServer.writes,
      toClient: this.#pipes.toClient.writes,
    };
  }

  /** Whether both sockets are closed. */
  get closed(): boolean {
    return this.#open === 0;
  }

  /**
   * Cuts the link once byte `offset` of `dir` is reached: exactly `offset`
   * bytes of that direction are delivered, then both sockets are destroyed
   * (the other direction forwards until then). An offset already passed
   * cuts at once.
   */
  cutAt(dir: Direction, offset: number): this {
    this.#pipes[dir].markAt(offset, "cut");
    return this;
  }

  /**
   * {@linkcode cutAt} an offset drawn from this link's seeded random, from
   * `min` to `max` bytes (both included), in `dir` or, for `"either"`, in
   * a direction drawn too.
   * @returns the direction and offset
   */
  cutAtRandom(
    dir: Direction | "either",
    max: number,
    min = 0,
  ): { dir: Direction; offset: number } {
    return this.#atRandom("cut", dir, max, min);
  }

  /**
   * Black-holes the link (both ways) once byte `offset` of `dir` is
   * reached: the bytes before it are delivered, then nothing moves.
   */
  blackHoleAt(dir: Direction, offset: number): this {
    this.#pipes[dir].markAt(offset, "hold");
    return this;
  }

  /** {@linkcode blackHoleAt} a seeded-random place, as {@linkcode cutAtRandom}. */
  blackHoleAtRandom(
    dir: Direction | "either",
    max: number,
    min = 0,
  ): { dir: Direction; offset: number } {
    return this.#atRandom("hold", dir, max, min);
  }

  /**
   * Black-holes `dir` (both when left out) now: nothing is read or
   * written, no end or reset is passed on, and both sockets stay open
   * until {@linkcode reset} or {@linkcode heal}.
   */
  blackHole(dir?: Direction): this {
    for (const d of dir ? [dir] : DIRECTIONS) this.#pipes[d].hold(true);
    return this;
  }

  /** Ends a black hole: what waited is forwarded, in order. */
  heal(dir?: Direction): this {
    for (const d of dir ? [dir] : DIRECTIONS) this.#pipes[d].hold(false);
    return this;
  }

  /** Every chunk read from now on waits `ms` before it is forwarded. */
  delay(ms: number, dir?: Direction): this {
    for (const d of dir ? [dir] : DIRECTIONS) this.#pipes[d].delay = ms;
    return this;
  }

  /** Writes pieces of 1..`max` bytes, one per event-loop turn (0: whole). */
  split(max: number, dir?: Direction): this {
    for (const d of dir ? [dir] : DIRECTIONS) this.#pipes[d].split = max;
    return this;
  }

  /** Destroys both sockets now; resolves once they are closed. */
  reset(): Promise<void> {
    this.#teardown("reset");
    return this.whenClosed;
  }

  /** Closes the link because its proxy closes. */
  _closeForProxy(): Promise<void> {
    this.#teardown("proxy");
    return this.whenClosed;
  }

  /** A one-line account of the link, for failure messages. */
  describe(): string {
    const { toServer, toClient } = this.bytes;
    return `link ${this.id}: ${toServer} B to server, ${toClient} B to client, ${
      this.cause ?? "open"
    }`;
  }

  #atRandom(
    mark: "cut" | "hold",
    either: Direction | "either",
    max: number,
    min: number,
  ): { dir: Direction; offset: number } {
    const dir = either === "either"
      ? DIRECTIONS[this.random.int(0, 1)]
      : either;
    const offset = this.random.int(min, max);
    this.#pipes[dir].markAt(offset, mark);
    return { dir, offset };
  }

  #onMark(dir: Direction, mark: Mark): void {
    const to = dir === "toServer" ? this.server : this.client;
    if (mark === "end") {
      this.cause ??= dir === "toServer" ? "client" : "server";
      if (!to.destroyed) to.end();
    } else if (mark === "abort") {
      this.#teardown(dir === "toServer" ? "client" : "server");
    } else if (mark === "cut") {
      this.#teardown("cut");
    } else {
      this.blackHole();
    }
  }

  #teardown(cause: CloseCause): void {
    this.cause ??= cause;
    for (const dir of DIRECTIONS) this.#pipes[dir].close();
    this.client.destroy();
    this.server.destroy();
  }
}
