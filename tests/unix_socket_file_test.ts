/**
 * Unix socket files: a path left behind by a dead process is reclaimed; a
 * path a live server owns (in this process or another) makes `listen()`
 * fail with ERR_ADDRESS_IN_USE while that server keeps working and its
 * file stays; a path that is not a socket is never removed. A server on a
 * path claims no TCP port.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, lstatSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SockhopClient, SockhopError, SockhopServer } from "../mod.ts";
import { denoCommand, once, tempDir, waitFor } from "./helpers/util.ts";

const inUse = (e: unknown) =>
  e instanceof SockhopError && e.code === "ERR_ADDRESS_IN_USE";

/** A Deno child listening on `path` (a raw listener, not Sockhop). */
async function childListener(path: string) {
  const code = `
    const l = Deno.listen({ transport: "unix", path: ${JSON.stringify(path)} });
    console.log("ready");
    for await (const c of l) c.close();
  `;
  const child = spawn(denoCommand(), ["eval", code], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => resolve())
  );
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  await waitFor(() => out.includes("ready"), 20000, "the child to listen");
  return {
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      child.kill(signal);
      await exited;
    },
  };
}

/** A client round trip through a server listening on `path`. */
async function assertServes(server: SockhopServer, path: string) {
  const client = new SockhopClient({ path });
  try {
    await client.connect();
    const got = once(server, "receive");
    await client.send({ via: "unix" });
    assert.deepEqual((await got)[0], { via: "unix" });
  } finally {
    await client.disconnect();
  }
}

describe("Unix socket files", () => {
  it("reclaims a path left behind by a SIGKILLed process", async () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, "stale.sock");
    const server = new SockhopServer({ path });
    try {
      const child = await childListener(path);
      await child.kill("SIGKILL");
      // The dead process could not remove its socket file.
      assert.ok(lstatSync(path).isSocket(), "a stale socket file remains");
      await server.listen();
      await assertServes(server, path);
    } finally {
      await server.close();
      cleanup();
    }
  });

  it("fails with ERR_ADDRESS_IN_USE while another process listens, and leaves its file", async () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, "other.sock");
    const child = await childListener(path);
    const server = new SockhopServer({ path });
    try {
      await assert.rejects(server.listen(), inUse);
      assert.ok(lstatSync(path).isSocket());
      assert.equal(server.get_bound_address(), undefined);
    } finally {
      await server.close();
      await child.kill("SIGTERM");
      cleanup();
    }
  });

  it("fails with ERR_ADDRESS_IN_USE while a live server here owns the path, which keeps working", async () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, "live.sock");
    const owner = new SockhopServer({ path });
    const intruder = new SockhopServer({ path });
    try {
      await owner.listen();
      const client = new SockhopClient({ path });
      await client.connect();
      await waitFor(() => owner.sockets.length === 1, 5000, "registration");
      await assert.rejects(intruder.listen(), (e) => {
        assert.ok(inUse(e));
        assert.match((e as Error).message, /Another server is listening/);
        return true;
      });
      // The intruder's probe came and went; nothing else changed.
      await waitFor(() => owner.sockets.length === 1, 5000, "the probe gone");
      assert.ok(lstatSync(path).isSocket());
      const got = once(owner, "receive");
      await client.send({ still: "served" });
      assert.deepEqual((await got)[0], { still: "served" });
      await client.disconnect();
      await assertServes(owner, path);
    } finally {
      await intruder.close();
      await owner.close();
      cleanup();
    }
  });

  it("never removes a path that is not a socket", async () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, "precious.txt");
    writeFileSync(path, "keep me");
    const server = new SockhopServer({ path });
    try {
      await assert.rejects(server.listen(), (e) => {
        assert.ok(inUse(e));
        assert.match((e as Error).message, /not a socket/);
        return true;
      });
      assert.equal(readFileSync(path, "utf8"), "keep me");
    } finally {
      await server.close();
      cleanup();
    }
  });

  it("listens again on its own path after close()", async () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, "again.sock");
    const server = new SockhopServer({ path });
    try {
      for (let i = 0; i < 3; i++) {
        await server.listen();
        await assertServes(server, path);
        await server.close();
      }
      assert.equal(existsSync(path), false, "close() removes the file");
    } finally {
      await server.close();
      cleanup();
    }
  });

  it("claims no TCP port: port is 0 and get_bound_port() undefined", async () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, "port.sock");
    const server = new SockhopServer({ path, port: 4321 });
    try {
      assert.equal(server.port, 0, "before listen()");
      await server.listen();
      await assertServes(server, path);
      assert.equal(server.port, 0, "while listening");
      assert.equal(server.get_bound_port(), undefined);
      assert.equal(server.get_bound_address(), path);
      await server.close();
      assert.equal(server.port, 0, "after close()");
    } finally {
      await server.close();
      cleanup();
    }
  });
});
