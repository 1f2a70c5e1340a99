/**
 * The command-line tool's arguments: which command, where to connect or
 * listen, and the help text. Parsed with `node:util`'s `parseArgs`, which
 * Deno and Node both provide.
 * @module
 */

import { parseArgs } from "node:util";

/** The tool's commands. */
export type Command = "listen" | "send" | "request";

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

/** A mistake on the command line: printed with the usage, exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Spec = {
  type: "string" | "boolean";
  /** What a string flag's value is, for the help text. */
  arg?: string;
  multiple?: boolean;
  help: string;
};

const common: Record<string, Spec> = {
  address: {
    type: "string",
    arg: "ip",
    help: "IP address (default 127.0.0.1)",
  },
  port: { type: "string", arg: "n", help: "TCP port (default 50000)" },
  path: {
    type: "string",
    arg: "file",
    help: "Unix socket path, instead of TCP",
  },
  tls: { type: "boolean", help: "use TLS" },
  json: {
    type: "boolean",
    help: "json peer type: bare JSON values, no type labels",
  },
};

const serverTls: Record<string, Spec> = {
  cert: { type: "string", arg: "file", help: "PEM certificate file (TLS)" },
  key: { type: "string", arg: "file", help: "PEM private key file (TLS)" },
};

const clientTls: Record<string, Spec> = {
  ca: {
    type: "string",
    arg: "file",
    multiple: true,
    help: "PEM CA file to trust (TLS; repeatable)",
  },
  cert: {
    type: "string",
    arg: "file",
    help: "PEM client certificate file (TLS)",
  },
  key: { type: "string", arg: "file", help: "PEM client key file (TLS)" },
  servername: {
    type: "string",
    arg: "name",
    help: "name the server's certificate must carry (TLS)",
  },
  insecure: {
    type: "boolean",
    help: "do not verify the server's certificate (TLS; Node only)",
  },
};

const typeFlag: Spec = {
  type: "string",
  arg: "label",
  help: "type label to send with (default: the JSON type: Object, Array, " +
    "String, Number, Boolean)",
};
const timeoutFlag: Spec = {
  type: "string",
  arg: "ms",
  help: "how long to wait for the answer, in ms (default 30000)",
};

const commands: Record<Command, {
  usage: string;
  about: string;
  flags: Record<string, Spec>;
}> = {
  listen: {
    usage: "sockhop listen [flags]",
    about: "Listens and prints each value it receives (sent or requested) " +
      "as one line: its type label, then its JSON.",
    flags: {
      ...common,
      ...serverTls,
      echo: {
        type: "boolean",
        help: "answer remote callbacks and requests with the value received",
      },
    },
  },
  send: {
    usage: "sockhop send '<json>' [flags]",
    about: "Connects and sends one value; with --callback, prints the " +
      "answer as a line (type label, then JSON).",
    flags: {
      ...common,
      ...clientTls,
      type: typeFlag,
      callback: { type: "boolean", help: "ask for a remote callback" },
      timeout: timeoutFlag,
    },
  },
  request: {
    usage: "sockhop request '<json>' [flags]",
    about: "Connects, sends a request and prints each response packet as " +
      "a line (type label, then JSON) until the response ends.",
    flags: {
      ...common,
      ...clientTls,
      type: typeFlag,
      timeout: timeoutFlag,
    },
  },
};

function flagLines(flags: Record<string, Spec>): string {
  const all: [string, string][] = Object.entries(flags).map(([name, s]) => [
    `--${name}${s.arg ? ` <${s.arg}>` : ""}`,
    s.help,
  ]);
  all.push(["--help, -h", "show this help"]);
  const width = Math.max(...all.map(([f]) => f.length));
  return all.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`).join("\n");
}

/** The help text of a command, or of the tool when `command` is omitted. */
export function helpText(command?: Command): string {
  if (command) {
    const c = commands[command];
    return `Usage: ${c.usage}\n\n${c.about}\n\nFlags:\n${flagLines(c.flags)}\n`;
  }
  const list = (Object.keys(commands) as Command[])
    .map((name) => `  ${commands[name].usage}\n      ${commands[name].about}`)
    .join("\n");
  return `sockhop: talk to any Sockhop peer from the command line.\n\n` +
    `Commands:\n${list}\n\n` +
    `Run \`sockhop <command> --help\` for each command's flags.\n`;
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
 * Parses the arguments after the program name. Returns `"help"` with the
 * text to print when help was asked for.
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
    throw new UsageError((e as Error).message);
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
