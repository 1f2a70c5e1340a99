// A listener for the raw Deno floors (raw_deno.ts, raw_bytes_deno.ts): a
// fresh loopback port (connections without Nagle's delay) or, for "unix",
// a socket path in a fresh temporary folder.

/** A listener, the way to connect to it, and what removes its folder. */
export interface Listening {
  listener: Deno.Listener;
  dial: () => Promise<Deno.Conn>;
  cleanup: () => void;
}

/** Listens on a fresh loopback port, or a fresh socket path if `unix`. */
export function listen(unix: boolean): Listening {
  if (unix) {
    const dir = Deno.makeTempDirSync({ prefix: "sockhop-floor-" });
    const path = `${dir}/s.sock`;
    return {
      listener: Deno.listen({ transport: "unix", path }),
      dial: () => Deno.connect({ transport: "unix", path }),
      cleanup: () => Deno.removeSync(dir, { recursive: true }),
    };
  }
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    listener,
    dial: async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.setNoDelay(true);
      return conn;
    },
    cleanup: () => {},
  };
}
