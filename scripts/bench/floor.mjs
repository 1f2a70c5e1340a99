// Shared pieces of the raw-socket floors: the message and a receiver that
// does the least any library must do (split lines, JSON.parse each).

/** The same envelope Sockhop sends for the one-way benchmark's objects. */
export function line(seq) {
  return JSON.stringify({
    type: "Object",
    data: { seq, name: "widget", ok: true },
  }) + "\n";
}

/** Counts parsed lines; calls `done` after `count`. */
export function lineCounter(count, done) {
  const decoder = new TextDecoder();
  let pending = "";
  let got = 0;
  return (chunk) => {
    const text = pending + decoder.decode(chunk, { stream: true });
    let start = 0;
    let end = text.indexOf("\n");
    while (end !== -1) {
      JSON.parse(text.slice(start, end));
      got++;
      start = end + 1;
      end = text.indexOf("\n", start);
    }
    pending = text.slice(start);
    if (got === count) done();
  };
}
