/**
 * A server's side of resumable sessions: each new connection's first line
 * tells whether it asks for a session (a resume hello); a new session gets
 * a token, a known token gets its session's stream back, an unknown one is
 * told the session is lost. Connections that do not ask go on as plain
 * ones, their bytes intact.
 * @module
 */

import type { Conn } from "../transport/types.ts";
import { grantText, readHello } from "./hello.ts";
import { PassthroughConn } from "./passthrough_conn.ts";
import { LineTaker, Pump } from "./pump.ts";
import {
  ResumableConn,
  type ResumeLimits,
  resumeLimits,
} from "./resumable_conn.ts";
import type { ChannelOptions } from "../types.ts";
import { TokenStore } from "./tokens.ts";

/**
 * ms a server with `resume` on waits for a new connection's first line
 * before treating it as a plain client that waits to be spoken to.
 */
export const HELLO_WAIT = 500;

/** How a server resumes. */
export interface ServerResumeOptions extends ResumeLimits {
  /** `[rx, tx]` terminators of the hello exchange. */
  terminator: [string, string];
}

/** One server's resumable sessions, by token. */
export class ServerResume {
  readonly #opts: ServerResumeOptions;
  readonly #tokens = new TokenStore<ResumableConn>();

  /** @param opts how to resume */
  constructor(opts: ServerResumeOptions) {
    this.#opts = opts;
  }

  /** Sessions kept (live or waiting for their client). */
  get size(): number {
    return this.#tokens.size;
  }

  /**
   * A new connection. Resolves to the stream a new channel reads (a new
   * session's, or the plain connection), or undefined when the connection
   * was handed to an existing session, refused, or closed before its
   * first line.
   */
  accept(conn: Conn): Promise<Conn | undefined> {
    const pump = new Pump(conn);
    const taker = new LineTaker(this.#opts.terminator[0], 64 * 1024);
    return new Promise((resolve) => {
      const plain = () => {
        clearTimeout(timer);
        resolve(new PassthroughConn(pump, taker.bytes));
      };
      const timer = setTimeout(plain, HELLO_WAIT);
      // Gone before its first line: nobody to make a session for.
      pump.onEnd = () => {
        clearTimeout(timer);
        resolve(undefined);
      };
      pump.onChunk = (chunk) => {
        taker.add(chunk);
        const line = taker.next();
        if (line === undefined) return;
        const hello = line === null ? undefined : readHello(line);
        if (!hello) return plain();
        clearTimeout(timer);
        pump.onChunk = () => {};
        pump.onEnd = () => {};
        resolve(this.#hello(pump, hello.id, hello.offer, taker.rest()));
      };
    });
  }

  #hello(
    pump: Pump,
    id: string,
    offer: { token?: string; received?: number },
    rest: Uint8Array,
  ): ResumableConn | undefined {
    const tx = this.#opts.terminator[1];
    const answer = (text: string) =>
      pump.conn.write(new TextEncoder().encode(text)).catch(() => {});
    if (offer.token === undefined) {
      const session = this.#tokens.add((token) =>
        new ResumableConn(token, this.#opts, pump)
      );
      session.onEnd = () => this.#tokens.delete(session.token);
      answer(grantText(id, { token: session.token, received: 0 }, tx));
      session.attach(pump, 0, rest);
      return session;
    }
    const session = this.#tokens.find(offer.token);
    if (!session || session.ended) {
      answer(grantText(id, { lost: true }, tx)).finally(() => pump.stop());
      return undefined;
    }
    answer(
      grantText(id, { token: session.token, received: session.received }, tx),
    );
    if (session.attach(pump, offer.received ?? 0, rest)) session.onResume();
    return undefined;
  }
}

/**
 * A server's resume side, or undefined when its `resume` option is off.
 * @param window the `resume` option
 * @param channel the server's channel options
 */
export function serverResume(
  window: number | undefined,
  channel: ChannelOptions,
): ServerResume | undefined {
  if (!(window !== undefined && window > 0)) return undefined;
  return new ServerResume({
    ...resumeLimits(window, channel),
    terminator: channel.terminator as [string, string],
  });
}
