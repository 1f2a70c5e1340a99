/**
 * A shared switch that holds back reading: while any holder keeps it
 * paused, channels stop pulling bytes from their connections, so the
 * kernel's buffers (and TCP's flow control) push back on the peers.
 * @module
 */

/** Pauses reading while at least one `hold()` is not yet released. */
export class ReadPause {
  #holds = 0;
  #resumed: Promise<void> | null = null;
  #wake: (() => void) | null = null;

  /** Whether reading should wait. */
  get paused(): boolean {
    return this.#holds > 0;
  }

  /** Asks readers to wait until the matching `release()`. */
  hold(): void {
    if (this.#holds++ > 0) return;
    this.#resumed = new Promise((wake) => (this.#wake = wake));
  }

  /** Undoes one `hold()`; reading resumes once none is left. */
  release(): void {
    if (this.#holds === 0) return;
    if (--this.#holds > 0) return;
    const wake = this.#wake;
    this.#resumed = this.#wake = null;
    wake?.();
  }

  /** Resolves once reading may go on (at once when not paused). */
  wait(): Promise<void> {
    return this.#resumed ?? Promise.resolve();
  }
}
