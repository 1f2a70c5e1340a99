/**
 * `sockhop listen`: a server that prints what it receives and, with
 * `--echo`, answers remote callbacks and requests with the value received.
 * @module
 */

import process from "node:process";
import { SockhopServer } from "../mod.ts";
import type { CliArgs } from "./args.ts";
import { labelled, line } from "./format.ts";
import { serverOptions } from "./options.ts";
import type { Output } from "./output.ts";

/**
 * Listens until SIGINT or SIGTERM, then closes and resolves with exit
 * status 0. Where it listens goes to stderr, received values to stdout.
 */
export async function listen(args: CliArgs, out: Output): Promise<number> {
  const opts = serverOptions(args);
  const tls = opts.ssl || Object.keys(opts.ssl_options ?? {}).length > 0;
  const server = new SockhopServer(opts);
  server.on("receive", (data, meta) => {
    out.line(line(meta.type, data));
    if (args.echo && meta.callback) {
      meta.callback(labelled(data, meta.type)).catch((e) =>
        out.error(`cannot answer a callback: ${e.message}`)
      );
    }
  });
  server.on("request", (req, res) => {
    out.line(line(req.type, req.data));
    if (args.echo) {
      res.send(labelled(req.data, req.type)).catch((e) =>
        out.error(`cannot answer a request: ${e.message}`)
      );
    }
  });
  server.on("error", (e) => out.error(e.message));
  // Handled from before saying where it listens: whoever reads that line
  // may signal at once. A second signal, during close(), kills as usual.
  let stopped!: () => void;
  const stopping = new Promise<void>((resolve) => stopped = resolve);
  const stop = () => {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    stopped();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    await server.listen();
    const where = server.path ?? `${server.address}:${server.port}`;
    out.error(`listening on ${where}${tls ? " (TLS)" : ""}`);
    await stopping;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    await server.close();
  }
  return 0;
}
