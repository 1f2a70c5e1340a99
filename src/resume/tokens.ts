/**
 * Session tokens: 256 random bits, of which the first 64 index a server's
 * table and the whole token is compared in constant time, so a wrong or
 * stale token never attaches to a session, nor tells how close it was.
 * @module
 */

const TOKEN_BYTES = 32;
const INDEX_CHARS = 16;

/** A fresh token, hex. */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES));
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** Whether two strings are equal, in time that depends only on their length. */
export function sameToken(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** One server's live sessions by token. */
export class TokenStore<T> {
  readonly #byIndex = new Map<string, { token: string; value: T }>();

  /** Keeps what `make` builds for a new token, and returns it. */
  add(make: (token: string) => T): T {
    let token = newToken();
    while (this.#byIndex.has(token.slice(0, INDEX_CHARS))) token = newToken();
    const value = make(token);
    this.#byIndex.set(token.slice(0, INDEX_CHARS), { token, value });
    return value;
  }

  /** The value kept under `token`, if any. */
  find(token: unknown): T | undefined {
    if (typeof token !== "string" || token.length !== TOKEN_BYTES * 2) {
      return undefined;
    }
    const entry = this.#byIndex.get(token.slice(0, INDEX_CHARS));
    return entry && sameToken(entry.token, token) ? entry.value : undefined;
  }

  /** Forgets `token`. */
  delete(token: string): void {
    this.#byIndex.delete(token.slice(0, INDEX_CHARS));
  }

  /** How many tokens are kept. */
  get size(): number {
    return this.#byIndex.size;
  }
}
