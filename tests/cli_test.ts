/**
 * The `sockhop` command-line tool, end to end: `sockhop listen` in one
 * child process, `sockhop send` and `sockhop request` in others (Deno runs
 * cli.ts; Node, or Bun, the npm build's bin), over TCP, a Unix socket and
 * TLS, plus the tool against this process's own servers, a listener in the
 * other runtime and the original sockhop@1.8.4 (tests/fixtures/peer.mjs).
 * What is asserted is what the tool prints and its exit status.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SockhopServer } from "../mod.ts";
import {
  here,
  runCli,
  type Runtime,
  startListen,
} from "./helpers/cli_process.ts";
import { makeTestCerts, type TestCerts } from "./helpers/certs.ts";
import { PeerProcess } from "./helpers/peer_process.ts";
import { tempDir } from "./helpers/util.ts";

class Widget {
  constructor(public name: string, public teeth: number) {}
}

/** Sends and requests through `listen --echo`, checking both ends' output. */
async function echoRoundTrip(
  listenArgs: string[],
  clientArgs: string[],
  runtime: Runtime = here,
): Promise<void> {
  const { proc, target } = await startListen(
    ["--echo", ...listenArgs],
    runtime,
  );
  try {
    const to = [...target, ...clientArgs];
    const plain = await runCli([
      "send",
      '{"name":"sprocket"}',
      "--type",
      "Widget",
      ...to,
    ]);
    assert.deepEqual(plain, { code: 0, stdout: "", stderr: "" });
    assert.deepEqual(await runCli(["send", '"hi"', "--callback", ...to]), {
      code: 0,
      stdout: 'String "hi"\n',
      stderr: "",
    });
    const labelled = await runCli([
      "send",
      '{"teeth":12}',
      "--type",
      "Widget",
      "--callback",
      ...to,
    ]);
    assert.deepEqual(labelled, {
      code: 0,
      stdout: 'Widget {"teeth":12}\n',
      stderr: "",
    });
    const requested = await runCli([
      "request",
      '[1,"two"]',
      "--type",
      "Gear",
      ...to,
    ]);
    assert.deepEqual(requested, {
      code: 0,
      stdout: 'Gear [1,"two"]\n',
      stderr: "",
    });
    assert.deepEqual(await proc.waitLines(4), [
      'Widget {"name":"sprocket"}',
      'String "hi"',
      'Widget {"teeth":12}',
      'Gear [1,"two"]',
    ]);
  } finally {
    const { code } = await proc.stop();
    assert.equal(code, 0, `listen exited with ${code}: ${proc.stderr}`);
  }
}

describe("sockhop command-line tool", () => {
  it("send and request reach listen --echo over TCP", () =>
    echoRoundTrip(["--port", "0"], []));

  it("send and request reach listen --echo over a Unix socket", async () => {
    const { dir, cleanup } = tempDir();
    try {
      await echoRoundTrip(["--path", join(dir, "cli.sock")], []);
    } finally {
      cleanup();
    }
  });

  it("listen stops on SIGINT too, exiting 0", async () => {
    const { proc } = await startListen(["--port", "0"]);
    const { code } = await proc.stop("SIGINT");
    assert.equal(code, 0, proc.stderr);
  });

  it("prints every packet of a streamed response, in order, until it ends", async () => {
    const server = new SockhopServer({ port: 0 });
    const seen: [string, unknown][] = [];
    server.on("request", async (req, res) => {
      seen.push([req.type, req.data]);
      await res.write(1);
      await res.write("two");
      await res.write(new Widget("gear", 3));
      await res.send({ done: true });
    });
    await server.listen();
    try {
      const r = await runCli([
        "request",
        '{"want":"all"}',
        "--port",
        String(server.port),
      ]);
      assert.deepEqual(r, {
        code: 0,
        stdout: [
          "Number 1",
          'String "two"',
          'Widget {"name":"gear","teeth":3}',
          'Object {"done":true}',
          "",
        ].join("\n"),
        stderr: "",
      });
      assert.deepEqual(seen, [["Object", { want: "all" }]]);
    } finally {
      await server.close();
    }
  });

  it("prints a callback's answer with the label the server gave it", async () => {
    const server = new SockhopServer({ port: 0 });
    server.on("receive", (data, meta) => {
      meta.callback?.(new Widget(`${meta.type}:${data.name}`, 7));
    });
    await server.listen();
    try {
      const r = await runCli([
        "send",
        '{"name":"x"}',
        "--type",
        "Order",
        "--callback",
        "--port",
        String(server.port),
      ]);
      assert.deepEqual(r, {
        code: 0,
        stdout: 'Widget {"name":"Order:x","teeth":7}\n',
        stderr: "",
      });
    } finally {
      await server.close();
    }
  });

  it("fails with exit status 1 and a message when an answer does not come", async () => {
    const server = new SockhopServer({ port: 0 });
    let asked = 0;
    server.on("receive", () => asked++); // never answers
    server.on("request", () => asked++);
    await server.listen();
    try {
      const port = String(server.port);
      const send = await runCli(
        ["send", "{}", "--callback", "--timeout", "200", "--port", port],
      );
      assert.equal(send.code, 1);
      assert.equal(send.stdout, "");
      assert.match(send.stderr, /^sockhop: no answer came in time\n$/);
      const req = await runCli(
        ["request", "{}", "--timeout", "200", "--port", port],
      );
      assert.equal(req.code, 1);
      assert.equal(req.stdout, "");
      assert.match(req.stderr, /timed out.*ERR_RESPONSE_TIMEOUT/);
      assert.equal(asked, 2);
    } finally {
      await server.close();
    }
  });

  it("fails with exit status 1 and a message when nothing listens", async () => {
    const server = new SockhopServer({ port: 0 });
    await server.listen();
    const port = String(server.port);
    await server.close();
    for (const cmd of ["send", "request"]) {
      const r = await runCli([cmd, "{}", "--port", port]);
      assert.equal(r.code, 1, cmd);
      assert.equal(r.stdout, "");
      assert.match(
        r.stderr,
        new RegExp(
          `^sockhop: cannot connect to 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`,
        ),
      );
    }
  });

  it("fails with exit status 1 and a message when it cannot listen", async () => {
    const server = new SockhopServer({ port: 0 });
    await server.listen();
    try {
      const port = String(server.port);
      const r = await runCli(["listen", "--port", port]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.match(
        r.stderr,
        new RegExp(
          `^sockhop: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`,
        ),
      );
    } finally {
      await server.close();
    }
  });

  it("rejects a bad command line with exit status 2 and says why", async () => {
    const cases: [string[], RegExp][] = [
      [["frobnicate"], /unknown command "frobnicate"/],
      [["send", "{nope"], /the value is not JSON/],
      [["send", "{}", "--bogus"], /^sockhop: unknown flag --bogus for send\n/],
      [
        ["send", "{}", "--prot", "1"],
        /unknown flag --prot .*did you mean --port\?/,
      ],
      [["listen", "--ca", "x"], /unknown flag --ca for listen/],
      [["send", "{}", "--port", "http"], /--port must be a whole number/],
      [["send"], /send takes exactly one JSON value/],
      [["request", "{}", "--json"], /--json peers have no .*requests/],
      [["listen", "--tls"], /needs both --cert and --key/],
    ];
    for (const [args, why] of cases) {
      const r = await runCli(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.stdout, "");
      assert.match(r.stderr, why);
      assert.match(r.stderr, /Run `sockhop --help` for usage/);
      // Quotes come in pairs (parseArgs' own message left one open).
      for (const q of [`'`, `"`]) {
        assert.equal(r.stderr.split(q).length % 2, 1, `${q} in ${r.stderr}`);
      }
    }
  });

  it("--help lists the commands, and each command's flags", async () => {
    const top = await runCli(["--help"]);
    assert.equal(top.code, 0);
    for (const cmd of ["listen", "send", "request"]) {
      assert.match(top.stdout, new RegExp(`sockhop ${cmd}`));
    }
    const flags: Record<string, string[]> = {
      listen: ["echo", "cert", "key"],
      send: ["type", "callback", "timeout", "ca", "servername", "insecure"],
      request: ["type", "timeout", "ca", "servername", "insecure"],
    };
    for (const [cmd, own] of Object.entries(flags)) {
      const r = await runCli([cmd, "--help"]);
      assert.equal(r.code, 0, cmd);
      // --insecure works in every runtime (tested over TLS below).
      assert.doesNotMatch(r.stdout, /Node only/);
      for (const flag of ["address", "port", "path", "tls", "json", ...own]) {
        assert.match(r.stdout, new RegExp(`--${flag}\\b`), `${cmd} --${flag}`);
      }
    }
  });

  it("--json talks to peers of the json type: bare values both ways", async () => {
    const { proc, target } = await startListen(["--json", "--port", "0"]);
    try {
      for (const value of ['{"a":1}', '"bare"', "[true]"]) {
        const r = await runCli(["send", value, "--json", ...target]);
        assert.deepEqual(r, { code: 0, stdout: "", stderr: "" });
      }
      assert.deepEqual(await proc.waitLines(3), [
        'Object {"a":1}',
        'String "bare"',
        "Array [true]",
      ]);
    } finally {
      assert.equal((await proc.stop()).code, 0);
    }
  });

  it("prints an odd label as a JSON string, keeping one value per line", async () => {
    const { proc, target } = await startListen(["--port", "0"]);
    try {
      const r = await runCli(
        ["send", '"x"', "--type", "two\nlines", ...target],
      );
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await proc.waitLines(1), ['"two\\nlines" "x"']);
    } finally {
      await proc.stop();
    }
  });

  it("works with a listener in the other runtime", () =>
    echoRoundTrip(["--port", "0"], [], here === "deno" ? "node" : "deno"));
});

describe("sockhop command-line tool over TLS", () => {
  let certs: TestCerts;
  before(() => {
    certs = makeTestCerts();
  });
  after(() => certs.cleanup());

  /** The listener's certificate and key. */
  const certFlags = () => [
    "--cert",
    join(certs.dir, "server.pem"),
    "--key",
    join(certs.dir, "server.key"),
  ];

  it("listen --cert --key; send and request trusting its CA", () =>
    echoRoundTrip(
      ["--port", "0", ...certFlags()],
      ["--ca", join(certs.dir, "ca.pem"), "--servername", "localhost"],
    ));

  it("send --insecure reaches a TLS listener without checking it, in this runtime", () =>
    echoRoundTrip(["--port", "0", ...certFlags()], ["--insecure"]));

  it("a plain client against a TLS listener is told to try --tls", async () => {
    const { proc, target } = await startListen(["--port", "0", ...certFlags()]);
    try {
      for (const args of [["send", "{}", "--callback"], ["request", "{}"]]) {
        const r = await runCli([...args, ...target]);
        assert.equal(r.code, 1, args.join(" "));
        assert.equal(r.stdout, "");
        assert.match(
          r.stderr,
          /^sockhop: the server closed the connection before the answer came; if it speaks TLS, try --tls \(with --ca <file>, or --insecure\)\n$/,
        );
      }
    } finally {
      await proc.stop();
    }
  });

  it("refuses a server its CA did not sign, with exit status 1", async () => {
    const { proc, target } = await startListen([
      "--port",
      "0",
      "--tls",
      ...certFlags(),
    ]);
    try {
      const r = await runCli(
        ["send", "{}", "--ca", join(certs.dir, "other-ca.pem"), ...target],
      );
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /^sockhop: cannot connect to 127\.0\.0\.1:\d+: /);
      assert.deepEqual(proc.lines, []);
    } finally {
      await proc.stop();
    }
  });
});

describe("sockhop command-line tool and the original sockhop@1.8.4", () => {
  it("send and request reach the original's server", async () => {
    const peer = PeerProcess.start("original");
    try {
      const { port } = await peer.call("listen");
      const to = ["--port", String(port)];
      const plain = await runCli(
        ["send", '{"name":"sprocket"}', "--type", "Widget", ...to],
      );
      assert.deepEqual(plain, { code: 0, stdout: "", stderr: "" });
      const got = await peer.event("receive");
      assert.deepEqual(
        [got.type, got.data, got.callback],
        ["Widget", { name: "sprocket" }, false],
      );
      const answered = await runCli(["send", '"hi"', "--callback", ...to]);
      assert.deepEqual(answered, {
        code: 0,
        stdout: 'Widget {"echo":"hi","type":"String"}\n',
        stderr: "",
      });
      const streamed = await runCli(["request", '{"count":3}', ...to]);
      assert.deepEqual(streamed, {
        code: 0,
        stdout: [
          'Object {"i":0}',
          'Object {"i":1}',
          'Widget {"i":2,"echo":{"count":3}}',
          "",
        ].join("\n"),
        stderr: "",
      });
    } finally {
      await peer.close();
    }
  });

  it("listen --echo answers the original's client", async () => {
    const { proc, target } = await startListen(["--echo", "--port", "0"]);
    const peer = PeerProcess.start("original");
    try {
      await peer.call("connect", { port: Number(target[1]) });
      await peer.call("send", {
        data: { name: "sprocket" },
        as: "Widget",
        callback: true,
      });
      const answer = await peer.event("callback");
      assert.deepEqual([answer.type, answer.data], ["Widget", {
        name: "sprocket",
      }]);
      const { packets } = await peer.call("request", { data: { n: 1 } });
      assert.deepEqual(packets, [{ type: "Object", data: { n: 1 } }]);
      assert.deepEqual(await proc.waitLines(2), [
        'Widget {"name":"sprocket"}',
        'Object {"n":1}',
      ]);
    } finally {
      await peer.close();
      assert.equal((await proc.stop()).code, 0, proc.stderr);
    }
  });
});
