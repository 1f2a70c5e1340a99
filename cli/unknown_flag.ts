/**
 * The message for a flag the command does not take, naming the nearest
 * one it does when the flag looks misspelt.
 * @module
 */

/** Edits (insert, delete, substitute) that turn `a` into `b`. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const same = a[i - 1] === b[j - 1] ? 0 : 1;
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + same);
    }
    row = next;
  }
  return row[b.length];
}

/**
 * `unknown flag --prot for send; did you mean --port?`: `flag` as typed,
 * `known` the command's flag names (without dashes).
 */
export function unknownFlag(
  flag: string,
  command: string,
  known: string[],
): string {
  const name = flag.replace(/^-+/, "").split("=")[0];
  const near = known
    .map((k) => [k, distance(name, k)] as const)
    .filter(([, d]) => d <= 2 && d < name.length)
    .sort((x, y) => x[1] - y[1])[0];
  const hint = near ? `; did you mean --${near[0]}?` : "";
  return `unknown flag ${flag} for ${command}${hint}`;
}
