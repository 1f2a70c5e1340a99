/**
 * Library options from the command line: where to connect or listen, the
 * peer type, and TLS material read from the files the flags name.
 * @module
 */

import { readFileSync } from "node:fs";
import type {
  SockhopClientOptions,
  SockhopServerOptions,
  TlsOptions,
} from "../mod.ts";
import type { CliArgs } from "./args.ts";
import { UsageError } from "./errors.ts";

function pem(flag: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`--${flag} ${file}: ${(e as Error).message}`);
  }
}

function common(args: CliArgs): SockhopServerOptions {
  return {
    address: args.address,
    port: args.port,
    path: args.path,
    ssl: args.tls,
    // A poke tool prints whatever comes: non-JSON lines become strings.
    ...(args.json ? { peer_type: "json", allow_non_objects: true } : {}),
    ...(args.timeout ? { response_timeout: args.timeout } : {}),
  };
}

/** Options of the `listen` command's server. */
export function serverOptions(args: CliArgs): SockhopServerOptions {
  const ssl: TlsOptions = {};
  if (args.cert !== undefined) ssl.cert = pem("cert", args.cert);
  if (args.key !== undefined) ssl.key = pem("key", args.key);
  if ((args.tls || ssl.cert || ssl.key) && !(ssl.cert && ssl.key)) {
    throw new UsageError("a TLS listener needs both --cert and --key");
  }
  return { ...common(args), ssl_options: ssl };
}

/** Options of the `send` and `request` commands' client. */
export function clientOptions(args: CliArgs): SockhopClientOptions {
  const ssl: TlsOptions = {};
  if (args.ca.length > 0) ssl.ca = args.ca.map((f) => pem("ca", f));
  if (args.cert !== undefined) ssl.cert = pem("cert", args.cert);
  if (args.key !== undefined) ssl.key = pem("key", args.key);
  if (args.servername !== undefined) ssl.servername = args.servername;
  if (args.insecure) ssl.rejectUnauthorized = false;
  return { ...common(args), ssl_options: ssl };
}
