/**
 * The command-line tool's arguments: which command, with what value, where
 * to connect or listen. Parsed with `node:util`'s `parseArgs`, which Deno
 * and Node both provide.
 * @module
 */

import { parseArgs } from "node:util";
import { UsageError } from "./errors.ts";
import { type Command, commands, helpText } from "./flags.ts";
import { unknownFlag } from "./unknown_flag.ts";

/** What the command line asked for. */
export interface CliArgs {
  /** The command to run. */
  command: Command;
  /** The value to send (send, request), parsed from its JSON. */
  value?: unknown;
  /** Type label to send the value with (`--type`). */
  type?: string;
  /** TCP address (`--address`). */
  address?: string;
  /** TCP port (`--port`). */
  port?: number;
  /** Unix socket path (`--path`). */
  path?: string;
  /** `--tls`. */
  tls: boolean;
  /** Files named by `--cert`, `--key`, `--ca`. */
  cert?: string;
  /** `--key` file. */
  key?: string;
  /** `--ca` files. */
  ca: string[];
  /** `--servername`. */
  servername?: string;
  /** `--insecure`: do not verify the server's certificate. */
  insecure: boolean;
  /** `--json`: the json peer type. */
  json: boolean;
  /** `--echo` (listen). */
  echo: boolean;
  /** `--callback` (send). */
  callback: boolean;
  /** `--timeout`, in ms (send, request). */
  timeout?: number;
}

function isCommand(s: string | undefined): s is Command {
  return s !== undefined && Object.hasOwn(commands, s);
}

function integer(flag: string, text: string, min: number, max: number) {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`--${flag} must be a whole number ${min}-${max}`);
  }
  return n;
}

/**
 * Parses the arguments after the program name; when help was asked for,
 * returns the text to print instead.
 * @throws UsageError for anything the tool cannot run
 */
export function parse(argv: string[]): CliArgs | { help: string } {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h") {
    return { help: helpText() };
  }
  if (!isCommand(name)) {
    throw new UsageError(`unknown command "${name}"`);
  }
  const { flags } = commands[name];
  const options = Object.fromEntries(
    Object.entries(flags).map(([flag, s]) => [
      flag,
      s.multiple ? { type: s.type, multiple: true } : { type: s.type },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    // parseArgs' own message for this case leaves a quote open.
    const err = e as Error & { code?: string };
    const typed = /'(-[^'\s]+)'/.exec(err.message)?.[1];
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && typed) {
      throw new UsageError(unknownFlag(typed, name, Object.keys(flags)));
    }
    throw new UsageError(err.message);
  }
  const v = parsed.values as Record<string, string | string[] | boolean>;
  if (v.help) return { help: helpText(name) };
  const str = (k: string) => v[k] as string | undefined;
  const flag = (k: string) => v[k] === true;

  const wanted = name === "listen" ? 0 : 1;
  if (parsed.positionals.length !== wanted) {
    throw new UsageError(
      wanted === 0
        ? `listen takes no value (got ${parsed.positionals.join(" ")})`
        : `${name} takes exactly one JSON value`,
    );
  }
  let value: unknown;
  if (wanted) {
    try {
      value = JSON.parse(parsed.positionals[0]);
    } catch (e) {
      throw new UsageError(`the value is not JSON: ${(e as Error).message}`);
    }
    if (value === null) throw new UsageError("null cannot be sent");
  }
  const args: CliArgs = {
    command: name,
    value,
    type: str("type"),
    address: str("address"),
    port: str("port") === undefined
      ? undefined
      : integer("port", str("port")!, name === "listen" ? 0 : 1, 65535),
    path: str("path"),
    tls: flag("tls"),
    cert: str("cert"),
    key: str("key"),
    ca: (v.ca as string[] | undefined) ?? [],
    servername: str("servername"),
    insecure: flag("insecure"),
    json: flag("json"),
    echo: flag("echo"),
    callback: flag("callback"),
    timeout: str("timeout") === undefined
      ? undefined
      : integer("timeout", str("timeout")!, 1, 2 ** 31 - 1),
  };
  if (args.json && (args.callback || name === "request" || args.echo)) {
    throw new UsageError(
      "--json peers have no remote callbacks or requests: drop --json",
    );
  }
  if (args.json && args.type !== undefined) {
    throw new UsageError("--json values carry no type label: drop --type");
  }
  if (args.type === "") throw new UsageError("--type needs a label");
  return args;
}
