// The demo and each example under scripts/examples run with one
// `deno run` command, print what they promise and exit 0.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type CommandResult, runCommand } from "./helpers/run_command.ts";
import { denoCommand, repoRoot } from "./helpers/util.ts";

function runExample(file: string): Promise<CommandResult> {
  return runCommand(denoCommand(), ["run", "--allow-all", file], {
    cwd: repoRoot(),
    timeout: 30_000,
  });
}

describe("examples", () => {
  it("demo.ts: every value arrives, named with the right article", async () => {
    const { code, stdout, stderr } = await runExample("scripts/demo.ts");
    assert.equal(code, 0, stderr);
    assert.match(stdout, /server got a String: "hello"\n/);
    assert.match(stdout, /server got an Array: \[1,2,3\]\n/);
    assert.match(stdout, /server got a Widget: /);
    assert.match(stdout, /client got an Object: \{"bye":true\}\n/);
    assert.match(stdout, /demo finished: everything arrived/);
  });

  it("chat_unix.ts: everyone hears every line", async () => {
    const { code, stdout, stderr } = await runExample(
      "scripts/examples/chat_unix.ts",
    );
    assert.equal(code, 0, stderr);
    for (const nick of ["alice", "bob", "carol"]) {
      assert.match(stdout, new RegExp(`server: ${nick} joined`));
      assert.match(stdout, new RegExp(`${nick}: hello from ${nick}`));
    }
    assert.match(stdout, /chat closed/);
  });

  it("request_service.ts: streams primes and times out the unanswered", async () => {
    const { code, stdout, stderr } = await runExample(
      "scripts/examples/request_service.ts",
    );
    assert.equal(code, 0, stderr);
    assert.match(
      stdout,
      /primes below 50: 2 3 5 7 11 13 17 19 23 29 31 37 41 43 47\n/,
    );
    assert.match(stdout, /summary: \{"count":15\}/);
    assert.match(stdout, /unanswered request: ERR_RESPONSE_TIMEOUT/);
  });

  it("typed_class.ts: an Order arrives as an Order, the answer as a Receipt", async () => {
    const { code, stdout, stderr } = await runExample(
      "scripts/examples/typed_class.ts",
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /an Order\? true 30\n/);
    assert.match(stdout, /receipt for bolts: 30\n/);
  });

  it("typed_schema.ts: a Zod schema lets one Reading through, refuses one", async () => {
    const { code, stdout, stderr } = await runExample(
      "scripts/examples/typed_schema.ts",
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /greenhouse: 21\.5 °C\n/);
    assert.doesNotMatch(stdout, /oven/);
    assert.match(stdout, /refused: ERR_INVALID_VALUE Reading celsius\n/);
  });

  it("tls_pair.ts: a Secret crosses TLS and is answered", async () => {
    const { code, stdout, stderr } = await runExample(
      "scripts/examples/tls_pair.ts",
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /server got a Secret over TLS: \{"code":"7-4-1"\}/);
    assert.match(stdout, /client got the answer: \{"stored":true\}/);
  });
});
