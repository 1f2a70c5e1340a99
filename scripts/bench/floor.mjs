// Shared pieces of the raw-socket floors: the message and a receiver that
// does the least any library must do (split lines, JSON.parse each).

/** Round trips in the floors: how many, as in the suite. */
export const ROUND_TRIPS = 5_000;

/** The same envelope Sockhop sends for the one-way benchmark's objects. */
export function line(seq) {
  return JSON.stringify({
    type: "Object",
    data: { seq, name: "widget", ok: true },
  }) + "\n";
}

/** Splits chunks into lines and calls `onValue` with each parsed line. */
export function lineParser(onValue) {
  const decoder = new TextDecoder();
  let pending = "";
  return (chunk) => {
    const text = pending + decoder.decode(chunk, { stream: true });
    let start = 0;
    let end = text.indexOf("\n");
    while (end !== -1) {
      onValue(JSON.parse(text.slice(start, end)));
      start = end + 1;
      end = text.indexOf("\n", start);
    }
    pending = text.slice(start);
  };
}

/** Counts parsed lines; calls `done` after `count`. */
export function lineCounter(count, done) {
  let got = 0;
  return lineParser(() => {
    if (++got === count) done();
  });
}

/** The answer the round-trip floors send back for a request line. */
export function answer(value) {
  return JSON.stringify({
    type: "Object",
    data: { echo: value.data.seq },
    callback_id: value.id,
  }) + "\n";
}

/** A request line for the round-trip floors (envelope with an id). */
export function request(seq) {
  return JSON.stringify({
    type: "Object",
    data: { seq },
    id: "00000000-0000-4000-8000-000000000000",
  }) + "\n";
}
