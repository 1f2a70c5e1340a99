/**
 * Listening on a Unix socket path that a dead process left behind: the
 * file is reclaimed only when it is a socket nobody answers on. Shared by
 * both transports (`node:fs/promises` exists in Deno and Node).
 * @module
 */

import { lstat, unlink } from "node:fs/promises";
import { SockhopError } from "../errors.ts";
import type { Conn, ConnectOptions, Listener, ListenOptions } from "./types.ts";

/**
 * Listens with `listen`; when a Unix socket path is taken (`EADDRINUSE`),
 * probes it with `connect` and reclaims it if nothing answers. A live
 * server's socket, a file that is not a socket, or a socket that cannot be
 * probed fails with `ERR_ADDRESS_IN_USE` and is left alone.
 * @param listen the transport's own listen
 * @param connect the transport's own connect, for the probe
 * @param options where and how to listen
 */
export async function listenReclaiming(
  listen: (options: ListenOptions) => Promise<Listener>,
  connect: (options: ConnectOptions) => Promise<Conn>,
  options: ListenOptions,
): Promise<Listener> {
  const path = options.path;
  try {
    return await listen(options);
  } catch (e) {
    if (!path || (e as { code?: string }).code !== "EADDRINUSE") throw e;
  }
  // The path exists. Reclaim it only if it is a socket nobody answers on:
  // never remove a regular file, or a socket we cannot probe.
  const info = await lstat(path).catch(() => null);
  if (info === null) return await listen(options); // just left
  if (!info.isSocket()) {
    throw new SockhopError(
      `Cannot listen on ${path}: it exists and is not a socket`,
      "ERR_ADDRESS_IN_USE",
    );
  }
  try {
    const probe = await connect({
      hostname: options.hostname,
      port: 0,
      path,
    });
    probe.close();
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ECONNREFUSED" || code === "ENOENT") {
      await unlink(path).catch(() => {});
      return await listen(options);
    }
    throw new SockhopError(
      `Cannot tell whether ${path} is in use (${
        code ?? (e as Error).message
      }); leaving it in place`,
      "ERR_ADDRESS_IN_USE",
    );
  }
  throw new SockhopError(
    `Another server is listening on ${path}`,
    "ERR_ADDRESS_IN_USE",
  );
}
