/**
 * Node's codes for the failures Deno reports: errno-like error classes,
 * and TLS and DNS failures that Deno only describes in text (rustls and
 * the resolver's wording). Users of the original match on Node's `code`
 * and wording, so the Deno transport gives both.
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
  // A TLS server closing mid-handshake (refusing a client certificate).
  [Deno.errors.UnexpectedEof, "ECONNRESET"],
  [Deno.errors.BrokenPipe, "EPIPE"],
];

/**
 * Node's verification codes for rustls' certificate errors. A CA
 * certificate used as the server's own has no Node code (OpenSSL accepts
 * it), so it gets one of its own.
 */
const CERT_CODES: [RegExp, string][] = [
  [/UnknownIssuer/, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"],
  [/not valid for name|NotValidForName/, "ERR_TLS_CERT_ALTNAME_INVALID"],
  [/Expired/, "CERT_HAS_EXPIRED"],
  [/NotValidYet/, "CERT_NOT_YET_VALID"],
  [/Revoked/, "CERT_REVOKED"],
  [/BadSignature/, "CERT_SIGNATURE_FAILURE"],
  [/InvalidPurpose/, "INVALID_PURPOSE"],
  [/CaUsedAsEndEntity/, "ERR_TLS_CA_USED_AS_END_ENTITY"],
];

/** Node's codes for the TLS alerts a peer may send (rustls' names). */
const ALERT_CODES: Record<string, string> = {
  CertificateRequired: "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
  BadCertificate: "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE",
  CertificateUnknown: "ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN",
  UnknownCA: "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
  HandshakeFailure: "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
  ProtocolVersion: "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
  AccessDenied: "ERR_SSL_TLSV1_ALERT_ACCESS_DENIED",
  DecryptError: "ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR",
  CertificateExpired: "ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED",
};

/** Node's code for a TLS failure Deno describes in text, if it is one. */
function tlsCode(message: string): string | undefined {
  if (message.startsWith("invalid peer certificate")) {
    return CERT_CODES.find(([re]) => re.test(message))?.[1] ??
      "ERR_TLS_CERT_INVALID";
  }
  const alert = /received fatal alert: (\w+)/.exec(message);
  if (alert) return ALERT_CODES[alert[1]] ?? "ERR_TLS_ALERT";
  return undefined;
}

/** Node's code for a failed name lookup Deno describes in text. */
function dnsCode(message: string): string | undefined {
  if (!message.startsWith("failed to lookup address")) return undefined;
  return /temporary failure/i.test(message) ? "EAI_AGAIN" : "ENOTFOUND";
}

/**
 * Rephrases a Deno error the way Node phrases it ("connect ECONNREFUSED
 * 127.0.0.1:50000", "getaddrinfo ENOTFOUND example.invalid") and gives TLS
 * failures Node's `code`, because users of the original match on those.
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
  const tls = tlsCode(e.message);
  if (tls) return Object.assign(e, { code: tls });
  const code = ERROR_CODES.find(([cls]) => e instanceof cls)?.[1];
  if (!code) return e;
  const err = new Error(`${syscall} ${code} ${where}`, { cause: e });
  Object.assign(err, { code, syscall });
  return err;
}

/**
 * The error to end a read with when a TLS connection failed (the peer's
 * alert, e.g. a refused client certificate), with Node's code; undefined
 * for any other read failure, which just ends the stream.
 */
export function tlsReadFailure(e: unknown): Error | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = tlsCode(e.message);
  return code ? Object.assign(e, { code }) : undefined;
}
