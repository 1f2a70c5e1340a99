/**
 * The accept loop of a listener, apart from any runtime so that failures can
 * be injected in tests. Runtime-neutral: it only calls what it is given.
 * @module
 */

/** Error codes that mean the process, not one connection, is short of something. */
const EXHAUSTION = new Set(["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM"]);

/** How long to wait after a resource-exhaustion failure before accepting again. */
export const EXHAUSTION_PAUSE_MS = 50;

/** Error names that mean the listener itself is gone (Deno's classes). */
const LISTENER_GONE = new Set(["BadResource", "Interrupted"]);

/**
 * What an accept failure calls for: `"pause"` when the process ran out of
 * descriptors or memory (accepting again at once would spin), `"stop"` when
 * the listener itself is gone, `"skip"` when the failure belongs to one
 * connection (reset or aborted before it was accepted: the next one is
 * fine).
 * @param err what `accept()` threw
 */
export function acceptFailure(err: unknown): "pause" | "skip" | "stop" {
  const { code, name } = (err ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === "string" && EXHAUSTION.has(code)) return "pause";
  if (typeof name === "string" && LISTENER_GONE.has(name)) return "stop";
  return "skip";
}

/** What {@linkcode acceptLoop} works with. */
export interface AcceptLoopOptions<C> {
  /** Accepts the next connection (a listener's `accept`). */
  accept(): Promise<C>;
  /** Takes an accepted connection; must not throw. */
  handle(conn: C): void;
  /** Whether the listener was closed: the loop ends at its next turn. */
  isClosed(): boolean;
  /** Waits after an exhaustion failure (default: a timer of 50 ms). */
  pause?: () => Promise<void>;
}

/**
 * Accepts until the listener is closed. A failure of one connection is
 * skipped at once; only resource exhaustion pauses (see
 * {@linkcode acceptFailure}). Resolves when the listener is closed or gone.
 * @param opts the accept function, the handler and the closed check
 */
export async function acceptLoop<C>(opts: AcceptLoopOptions<C>): Promise<void> {
  const pause = opts.pause ??
    (() => new Promise<void>((r) => setTimeout(r, EXHAUSTION_PAUSE_MS)));
  while (!opts.isClosed()) {
    let conn: C;
    try {
      conn = await opts.accept();
    } catch (e) {
      if (opts.isClosed()) break;
      const action = acceptFailure(e);
      if (action === "stop") break;
      if (action === "pause") await pause();
      continue;
    }
    opts.handle(conn);
  }
}
