/**
 * Node's codes for the failures Deno's plain sockets report: errno-like
 * error classes, and DNS failures that Deno only describes in text (the
 * resolver's wording). Users of the original match on Node's `code` and
 * wording, so the Deno transport gives both. (TLS runs on `node:tls`,
 * which has Node's codes already.)
 * @module
 */

/** Node-style error codes for the Deno error classes users may match on. */
const ERROR_CODES: [new (...args: never[]) => Error, string][] = [
  [Deno.errors.ConnectionRefused, "ECONNREFUSED"],
  [Deno.errors.ConnectionReset, "ECONNRESET"],
  [Deno.errors.NotFound, "ENOENT"],
  [Deno.errors.AddrInUse, "EADDRINUSE"],
  [Deno.errors.PermissionDenied, "EACCES"],
  [Deno.errors.TimedOut, "ETIMEDOUT"],
  [Deno.errors.UnexpectedEof, "ECONNRESET"],
  [Deno.errors.BrokenPipe, "EPIPE"],
];

/** Node's code for a failed name lookup Deno describes in text. */
function dnsCode(message: string): string | undefined {
  if (!message.startsWith("failed to lookup address")) return undefined;
  return /temporary failure/i.test(message) ? "EAI_AGAIN" : "ENOTFOUND";
}

/**
 * Rephrases a Deno error the way Node phrases it ("connect ECONNREFUSED
 * 127.0.0.1:50000", "getaddrinfo ENOTFOUND example.invalid"), because
 * users of the original match on those.
 * @param e what Deno threw
 * @param syscall Node's name for the call ("connect", "listen")
 * @param where the address, as Node prints it
 * @param hostname the host name looked up, for DNS failures
 */
export function nodeStyleError(
  e: unknown,
  syscall: string,
  where: string,
  hostname?: string,
): Error {
  if (!(e instanceof Error)) return new Error(String(e));
  const dns = dnsCode(e.message);
  if (dns) {
    const err = new Error(`getaddrinfo ${dns} ${hostname ?? where}`, {
      cause: e,
    });
    return Object.assign(err, { code: dns, syscall: "getaddrinfo", hostname });
  }
  const code = ERROR_CODES.find(([cls]) => e instanceof cls)?.[1];
  if (!code) return e;
  const err = new Error(`${syscall} ${code} ${where}`, { cause: e });
  Object.assign(err, { code, syscall });
  return err;
}
