/**
 * A small seeded pseudo-random generator for tests whose random choices
 * must be replayable: the same seed (and stream) gives the same numbers in
 * every runtime. Not for anything secret.
 * @module
 */

/** A 32-bit seed for {@linkcode SeededRandom}: one at random, or `FAULT_PROXY_SEED`. */
export function pickSeed(): number {
  const fromEnv = envSeed();
  if (fromEnv !== undefined) return fromEnv;
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}

/** `FAULT_PROXY_SEED` from the environment, if set and readable. */
function envSeed(): number | undefined {
  try {
    const text = (globalThis as { process?: { env: Record<string, string> } })
      .process?.env.FAULT_PROXY_SEED;
    if (!text) return undefined;
    const n = Number(text);
    return Number.isInteger(n) ? n >>> 0 : undefined;
  } catch {
    return undefined; // no permission to read the environment
  }
}

/**
 * Numbers from a seed. A Weyl sequence (a constant added per step) passed
 * through a 32-bit integer hash mixer; `stream` gives independent sequences
 * from one seed (one per link and direction, say), so that the draws of one
 * do not shift the draws of another.
 */
export class SeededRandom {
  #state: number;

  /**
   * @param seed any 32-bit integer
   * @param stream which of the seed's independent sequences
   */
  constructor(readonly seed: number, stream = 0) {
    this.#state = mix((seed >>> 0) ^ mix(stream + 0x51ed270b));
  }

  /** The next number in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x9e3779b9) | 0;
    return mix(this.#state) / 2 ** 32;
  }

  /** The next integer from `min` to `max`, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

/** A 32-bit integer hash with good avalanche; the result is unsigned. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}
