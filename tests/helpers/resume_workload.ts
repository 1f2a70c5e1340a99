/**
 * The resume acceptance workload, one side per function, so that a peer
 * in another runtime (tests/fixtures/resume_peer.ts) runs the same code:
 * `count` numbered messages each way, every 50th with a remote callback,
 * and from the client a streamed request every 200 messages; each side
 * checks that what arrives comes exactly once and in order.
 */
import type {
  SockhopClient,
  SockhopServer,
  SockhopSession,
} from "../../mod.ts";

/** Sends per batch (each batch awaited: sends resolve once acknowledged). */
const BATCH = 250;

/** What one side saw. */
export interface SideReport {
  /** Messages received in order (a gap or a repeat stops the count). */
  inOrder: number;
  /** Messages received out of order or twice. */
  wrong: number;
  /** Remote-callback answers received (each once). */
  answers: number;
  /** Answers received twice or wrong. */
  badAnswers: number;
  /** Requests whose streams ended with every packet. */
  requests: number;
  /** Requests that failed. */
  badRequests: number;
}

function report(): SideReport {
  return {
    inOrder: 0,
    wrong: 0,
    answers: 0,
    badAnswers: 0,
    requests: 0,
    badRequests: 0,
  };
}

/** Counts a numbered message (and answers its callback). */
function receiver(rep: SideReport) {
  return (d: unknown, meta: { callback?: (r?: unknown) => unknown }) => {
    const n = (d as { n?: number })?.n;
    if (typeof n !== "number") return;
    if (n === rep.inOrder) rep.inOrder++;
    else rep.wrong++;
    if (meta.callback) void meta.callback({ answer: n });
  };
}

/** Sends `count` numbered messages through `send`, some with callbacks. */
async function sendAll(
  count: number,
  rep: SideReport,
  send: (o: unknown, cb?: (a: unknown) => void) => Promise<void>,
  request?: (n: number) => Promise<void>,
): Promise<void> {
  const answered = new Set<number>();
  const answer = (n: number) => (a: unknown) => {
    if ((a as { answer?: number })?.answer !== n || answered.has(n)) {
      rep.badAnswers++;
    } else {
      answered.add(n);
      rep.answers++;
    }
  };
  for (let at = 0; at < count; at += BATCH) {
    const batch: Promise<void>[] = [];
    for (let n = at; n < Math.min(count, at + BATCH); n++) {
      batch.push(send({ n }, n % 50 === 0 ? answer(n) : undefined));
      if (request && n % 200 === 0) batch.push(request(n));
    }
    await Promise.all(batch);
  }
}

/** The server's side: answers requests, counts and sends to `session`. */
export function serveWorkload(server: SockhopServer): SideReport {
  const rep = report();
  server.on("receive", receiver(rep));
  server.on("request", async (req, res) => {
    const n = (req.data as { n: number }).n;
    await res.write({ part: 1, n });
    await res.write({ part: 2, n });
    await res.end();
  });
  return rep;
}

/** The server sends its `count` messages to `session`. */
export function serverSends(
  session: SockhopSession,
  count: number,
  rep: SideReport,
): Promise<void> {
  return sendAll(count, rep, (o, cb) => session.send(o, cb));
}

/** The client's side: counts what arrives, sends its `count` messages. */
export function clientWorkload(
  client: SockhopClient,
  count: number,
): { report: SideReport; send: () => Promise<void> } {
  const rep = report();
  client.on("receive", receiver(rep));
  const request = async (n: number) => {
    const stream = await client.request({ n });
    const parts: unknown[] = [];
    for await (const { data } of stream) parts.push(data);
    // end() sends a last, empty packet.
    const ok = parts.length === 3 &&
      parts.slice(0, 2).every((p, i) =>
        (p as { part: number; n: number }).part === i + 1 &&
        (p as { n: number }).n === n
      );
    if (ok) rep.requests++;
    else rep.badRequests++;
  };
  const send = () =>
    sendAll(count, rep, (o, cb) => client.send(o, cb), request);
  return { report: rep, send };
}
