// The load workload, runtime-neutral: many clients, each sending numbered
// messages (some asking for a remote callback) to one server, which checks
// that every message arrives exactly once, in order, on its connection.
// Used by scripts/load/run.mjs (Deno on the sources, Node on the npm build).

/**
 * Runs the workload against a library exposing SockhopServer/SockhopClient
 * and resolves to its counts.
 * @param {{ SockhopServer: any, SockhopClient: any }} lib
 * @param {{ clients?: number, messages?: number, callbackEvery?: number,
 *   window?: number, timeoutMs?: number }} opts
 */
export async function runLoad(lib, opts = {}) {
  const {
    clients = 500,
    messages = 1000,
    callbackEvery = 4,
    window = 100,
    timeoutMs = 60_000,
  } = opts;
  const { SockhopServer, SockhopClient } = lib;
  const expected = clients * messages;

  // Per sending client: arrivals per message number, the highest number
  // seen, and the connection its messages came on.
  const state = Array.from({ length: clients }, () => ({
    counts: new Uint16Array(messages),
    highest: -1,
    socket: null,
  }));
  const tally = {
    received: 0,
    reordered: 0,
    bogus: 0,
    crossed: 0,
    serverErrors: 0,
    answerFailures: 0,
  };

  const server = new SockhopServer({ port: 0 });
  server.on("error", () => tally.serverErrors++);
  server.on("receive", (data, meta) => {
    tally.received++;
    const c = data?.c;
    const i = data?.i;
    if (
      !Number.isInteger(c) || !Number.isInteger(i) || c < 0 ||
      c >= clients || i < 0 || i >= messages
    ) {
      tally.bogus++;
      return;
    }
    const st = state[c];
    if (st.socket === null) st.socket = meta.socket;
    else if (st.socket !== meta.socket) tally.crossed++;
    if (st.counts[i]++ === 0) {
      if (i < st.highest) tally.reordered++;
      else st.highest = i;
    }
    if (meta.callback) {
      meta.callback({ c, i }).catch(() => tally.answerFailures++);
    }
  });
  await server.listen();

  const started = performance.now();
  const peers = Array.from(
    { length: clients },
    () => new SockhopClient({ port: server.port }),
  );
  // Connect in groups, so the listen backlog never overflows.
  for (let k = 0; k < clients; k += 100) {
    await Promise.all(peers.slice(k, k + 100).map((p) => p.connect()));
  }
  const connectedMs = performance.now() - started;

  const cb = { asked: 0, answered: 0, wrong: 0, dropped: 0 };
  let sent = 0;
  let sendFailures = 0;
  await Promise.all(peers.map(async (peer, c) => {
    for (let start = 0; start < messages; start += window) {
      const batch = [];
      for (let i = start; i < Math.min(start + window, messages); i++) {
        if (i % callbackEvery === 0) {
          cb.asked++;
          batch.push(peer.send({ c, i }, (answer) => {
            if (answer?.c === c && answer?.i === i) cb.answered++;
            else cb.wrong++;
          }, { error_cb: () => cb.dropped++ }));
        } else {
          batch.push(peer.send({ c, i }));
        }
      }
      for (const r of await Promise.allSettled(batch)) {
        if (r.status === "fulfilled") sent++;
        else sendFailures++;
      }
    }
  }));
  const sentMs = performance.now() - started;

  // Wait (bounded) for the last messages and answers.
  const deadline = Date.now() + timeoutMs;
  while (
    (tally.received < expected || cb.answered + cb.wrong + cb.dropped <
        cb.asked) && Date.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const totalMs = performance.now() - started;

  let lost = 0;
  let duplicated = 0;
  for (const st of state) {
    for (const n of st.counts) {
      if (n === 0) lost++;
      else duplicated += n - 1;
    }
  }
  const serverSockets = server.sockets.length;
  await Promise.all(peers.map((p) => p.disconnect()));
  await server.close();

  return {
    clients,
    messages,
    sent,
    sendFailures,
    received: tally.received,
    lost,
    duplicated,
    reordered: tally.reordered,
    bogus: tally.bogus,
    crossed: tally.crossed,
    callbacks: {
      asked: cb.asked,
      answered: cb.answered,
      wrong: cb.wrong,
      unanswered: cb.asked - cb.answered - cb.wrong,
    },
    serverErrors: tally.serverErrors,
    answerFailures: tally.answerFailures,
    serverSockets,
    ms: {
      connect: Math.round(connectedMs),
      send: Math.round(sentMs),
      total: Math.round(totalMs),
    },
  };
}

/** Whether a result shows anything lost, doubled, reordered or unanswered. */
export function failed(r) {
  return r.sent !== r.clients * r.messages || r.sendFailures > 0 ||
    r.lost > 0 || r.duplicated > 0 || r.reordered > 0 || r.bogus > 0 ||
    r.crossed > 0 || r.callbacks.unanswered > 0 || r.callbacks.wrong > 0 ||
    r.serverSockets !== r.clients;
}
