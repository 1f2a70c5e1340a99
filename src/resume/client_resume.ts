/**
 * A client's side of resumable sessions: the hello on each new
 * connection, and, when a session's link drops, reconnecting (with
 * backoff) and presenting the session's token until the server takes the
 * link back or the window passes.
 * @module
 */

import type { Conn } from "../transport/types.ts";
import { messageId } from "../wire/ids.ts";
import {
  handshakeId,
  helloText,
  plainAnswerText,
  readGrant,
  type ResumeGrant,
} from "./hello.ts";
import { PassthroughConn } from "./passthrough_conn.ts";
import { LineTaker, Pump } from "./pump.ts";
import {
  ResumableConn,
  type ResumeLimits,
  resumeLimits,
  sessionLost,
} from "./resumable_conn.ts";
import type { ChannelOptions } from "../types.ts";

const encoder = new TextEncoder();
const noop = (): void => {};

/** How a client resumes. */
export interface ClientResumeOptions extends ResumeLimits {
  /** `[rx, tx]` terminators of the hello exchange. */
  terminator: [string, string];
  /** ms to wait for the hello's answer before treating the peer as plain. */
  answer_timeout: number;
  /** Opens a new physical connection to the server. */
  open(): Promise<Conn>;
  /** ms before the `n`-th reconnection attempt of one gap (from 1). */
  delay(n: number): number;
  /** A session resumed (the client emits `resume`). */
  resumed(): void;
}

interface Answer {
  grant: ResumeGrant | null;
  pump: Pump;
  taker: LineTaker;
  /** Lines read before the answer. */
  before: string[];
}

/** Sends the hello on `conn` and reads up to its answer. */
function exchange(
  conn: Conn,
  token: string | undefined,
  received: number,
  opts: ClientResumeOptions,
): Promise<Answer> {
  const id = messageId();
  const pump = new Pump(conn);
  const taker = new LineTaker(opts.terminator[0], opts.max_record_bytes);
  const before: string[] = [];
  return new Promise<Answer>((resolve, reject) => {
    const done = (grant: ResumeGrant | null) => {
      clearTimeout(timer);
      pump.onChunk = () => {};
      pump.onEnd = () => {};
      resolve({ grant, pump, taker, before });
    };
    const timer = setTimeout(() => done(null), opts.answer_timeout);
    pump.onEnd = () => {
      clearTimeout(timer);
      reject(new Error("the connection closed during the resume hello"));
    };
    pump.onChunk = (chunk) => {
      taker.add(chunk);
      for (let line = taker.next(); line; line = taker.next()) {
        const grant = readGrant(line, id);
        if (grant !== undefined) return done(grant);
        before.push(line);
      }
    };
    const offer = token === undefined ? {} : { token, received };
    conn.write(
      new TextEncoder().encode(helloText(id, offer, opts.terminator[1])),
    ).catch(() => {});
  });
}

/** One client's resumable sessions. */
export class ClientResume {
  readonly #opts: ClientResumeOptions;
  #session: ResumableConn | undefined;

  /** @param opts how to resume */
  constructor(opts: ClientResumeOptions) {
    this.#opts = opts;
  }

  /**
   * A new connection: asks for a session. Resolves to the stream its
   * channel reads: the session's, or the connection itself (with what was
   * read) when the server does not resume.
   */
  async open(conn: Conn): Promise<Conn> {
    const answer = await exchange(conn, undefined, 0, this.#opts);
    const { grant, pump, taker } = answer;
    if (!grant?.token) return this.#plain(answer);
    const session = this.#session = new ResumableConn(
      grant.token,
      this.#opts,
      pump,
    );
    session.onDrop = () => this.#reconnect(session);
    session.attach(pump, grant.received ?? 0, taker.rest());
    return session;
  }

  /**
   * The server does not resume: our hello counts as our handshake. Its
   * own handshake, if it sent one, is answered here without binary mode
   * (our channel never saw our hello, so it must not negotiate again);
   * anything else it sent goes to the channel.
   */
  #plain({ pump, taker, before }: Answer): Conn {
    const [rx, tx] = this.#opts.terminator;
    let kept = "";
    for (const line of before) {
      const id = handshakeId(line);
      if (id === undefined) kept += line + rx;
      else pump.conn.write(encoder.encode(plainAnswerText(id, tx))).catch(noop);
    }
    const rest = taker.rest();
    const head = encoder.encode(kept);
    const prefix = new Uint8Array(head.length + rest.length);
    prefix.set(head);
    prefix.set(rest, head.length);
    return new PassthroughConn(pump, prefix);
  }

  async #reconnect(session: ResumableConn): Promise<void> {
    const opts = this.#opts;
    for (let n = 1; !session.ended && !session.linked; n++) {
      await new Promise((r) => setTimeout(r, n === 1 ? 0 : opts.delay(n - 1)));
      if (session.ended || session.linked) return;
      let answer: Answer;
      try {
        const conn = await opts.open();
        if (session.ended) return conn.close();
        answer = await exchange(conn, session.token, session.received, opts);
      } catch {
        continue;
      }
      const { grant, pump, taker } = answer;
      if (session.ended) return pump.stop();
      if (!grant || grant.lost || grant.token !== session.token) {
        pump.stop();
        session.end(sessionLost("the server no longer knows the session"));
        return;
      }
      if (session.attach(pump, grant.received ?? 0, taker.rest())) {
        opts.resumed();
      }
      return;
    }
  }
}

/**
 * A client's resume side, or undefined when its `resume` option is off.
 * @param window the `resume` option
 * @param channel the client's channel options
 * @param port how to connect, back off and tell the application
 */
export function clientResume(
  window: number | undefined,
  channel: ChannelOptions,
  port: Pick<ClientResumeOptions, "open" | "delay" | "resumed">,
): ClientResume | undefined {
  if (!(window !== undefined && window > 0)) return undefined;
  return new ClientResume({
    ...resumeLimits(window, channel),
    terminator: channel.terminator as [string, string],
    answer_timeout: channel.negotiation?.handshake_timeout ?? 3000,
    ...port,
  });
}
