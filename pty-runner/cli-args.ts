/** Command-line flags of `pty-runner`: parsing, the help text, and start-up lines. */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseHostCredential } from "../protocol/index.ts";
import { DEFAULT_ENV_ALLOW, defaultRunnerOptions } from "./options.ts";
import { ConfigError } from "./options.ts";
import type { RunnerOptions, RunnerOptionsInput } from "./options.ts";
import { shellKind } from "./shell-integration.ts";
import { RUNNER_COMMAND, RUNNER_PACKAGE, RUNNER_VERSION } from "./version.ts";

/** What the command line asks for. */
export type CliCommand =
  { kind: "help" } | { kind: "version" } | { kind: "run"; options: RunnerOptionsInput };

/** Exit codes; --help lists them with EXIT_CODE_HELP. */
export const EXIT_CODES = {
  OK: 0,
  FAILED: 1,
  BAD_CONFIGURATION: 2,
  REFUSED_BY_EDGE: 3,
} as const;

const EXIT_CODE_HELP: Record<keyof typeof EXIT_CODES, string[]> = {
  OK: ["stopped on request"],
  FAILED: ["unexpected failure"],
  BAD_CONFIGURATION: ["bad flags or configuration"],
  REFUSED_BY_EDGE: [
    "the edge refused this runner (wrong or revoked credential, wrong protocol version,",
    "host taken over)",
  ],
};

/** Defaults shown in --help. */
type HelpDefaults = ReturnType<typeof defaultRunnerOptions>;

/** One flag: how the parser reads it and how --help describes it. */
export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  /** The value's placeholder in --help (string flags). */
  value?: string;
  /** Its lines in --help. */
  help: (defaults: HelpDefaults) => string[];
}

/**
 * Every flag the command accepts. The parser takes its options from this table and --help is
 * written from it, so the two cannot disagree.
 */
export const FLAGS = {
  url: {
    type: "string",
    value: "URL",
    help: () => ["The edge (http(s):// or ws(s)://). Required."],
  },
  "token-file": {
    type: "string",
    value: "FILE",
    help: () => [
      'Read the host credential from FILE ("-": standard input). Preferred:',
      "flags show in `ps`, and a process's environment can be read by",
      "every process of the same user (/proc/PID/environ).",
    ],
  },
  token: {
    type: "string",
    value: "CREDENTIAL",
    help: () => ["The host credential itself. Else RUNNER_TOKEN (below)."],
  },
  host: {
    type: "string",
    value: "NAME",
    help: (defaults) => [
      "Host name to register as (1-64 of letters, digits, . _ -).",
      "Default: the host the credential names, else this machine's name",
      `(${defaults.host}).`,
    ],
  },
  shell: {
    type: "string",
    value: "PATH",
    help: () => [
      "Shell to run. Default: $SHELL, else /bin/bash.",
      "bash and zsh get OSC 133 prompt marks; other shells run as they are.",
    ],
  },
  cwd: {
    type: "string",
    value: "DIR",
    help: () => [
      "Working directory of sessions that do not ask for one.",
      "Default: your home directory.",
    ],
  },
  "max-sessions": {
    type: "string",
    value: "N",
    help: (defaults) => [
      `Most sessions at once; more are refused. Default: ${defaults.maxSessions}.`,
    ],
  },
  "env-allow": {
    type: "string",
    value: "LIST",
    help: () => [
      "Comma-separated names of this process's environment variables that",
      "shells inherit (NAME* matches a prefix). Replaces the default:",
      DEFAULT_ENV_ALLOW.join(","),
      "Shells always get TERM=xterm-256color, COLORTERM, SHELL and HOME.",
    ],
  },
  "no-shell-integration": {
    type: "boolean",
    help: () => ["Start bash and zsh without the prompt marks."],
  },
  "no-keyframes": {
    type: "boolean",
    help: () => [
      "Do not follow terminal states for late joiners (saves a worker thread;",
      "joiners after history was trimmed then replay from its middle).",
    ],
  },
  help: { type: "boolean", short: "h", help: () => ["Show this text."] },
  version: { type: "boolean", short: "v", help: () => ["Show the version."] },
} as const satisfies Record<string, FlagSpec>;

/** Every environment variable the command reads, as --help lists them. */
export const ENV_VARS: Record<string, string[]> = {
  RUNNER_TOKEN: [
    "The host credential, when neither --token-file nor --token is given.",
    "The runner removes it from its environment once read; shells never get it.",
  ],
  SHELL: ["The default of --shell."],
};

/** Parses argv (without node and the script); throws ConfigError with a readable message. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: FLAGS }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. --help lists the flags.`);
  }
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  if (!values.url)
    throw new ConfigError("--url is required (the edge, e.g. https://term.example.com)");
  const token = values["token-file"]
    ? readTokenFile(values["token-file"])
    : (values.token ?? env.RUNNER_TOKEN);
  if (!token) {
    throw new ConfigError(
      "no host credential: pass --token-file FILE (or set RUNNER_TOKEN); mint one with POST /api/hosts",
    );
  }
  // The credential names its host: without --host that is the host; with another --host, the edge
  // would refuse it, so say so now.
  const named = parseHostCredential(token)?.host;
  if (named && values.host !== undefined && values.host !== named) {
    throw new ConfigError(
      `this credential is for host "${named}", not "${values.host}": drop --host, or mint a credential for "${values.host}"`,
    );
  }
  let maxSessions: number | undefined;
  if (values["max-sessions"] !== undefined) {
    maxSessions = Number(values["max-sessions"]);
    if (!/^\d+$/.test(values["max-sessions"]) || maxSessions < 1) {
      throw new ConfigError(
        `--max-sessions must be a whole number ≥ 1, got ${values["max-sessions"]}`,
      );
    }
  }
  const envAllow = values["env-allow"]
    ?.split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  return {
    kind: "run",
    options: {
      url: values.url,
      token,
      host: values.host ?? named,
      shell: values.shell ?? (env.SHELL || undefined),
      cwd: values.cwd,
      maxSessions,
      envAllow,
      shellIntegration: values["no-shell-integration"] ? false : undefined,
      keyframes: values["no-keyframes"] ? false : undefined,
    },
  };
}

/** The `--help` text, written from FLAGS, ENV_VARS and EXIT_CODES. */
export function helpText(): string {
  const defaults = defaultRunnerOptions();
  const flags = Object.entries(FLAGS as Record<string, FlagSpec>).map(([name, flag]) => {
    const label = `${flag.short ? `-${flag.short}, ` : ""}--${name}${flag.value ? ` ${flag.value}` : ""}`;
    return describe(label, flag.help(defaults));
  });
  const env = Object.entries(ENV_VARS).map(([name, lines]) => describe(name, lines));
  const exits = (Object.keys(EXIT_CODES) as (keyof typeof EXIT_CODES)[]).map((key) =>
    EXIT_CODE_HELP[key]
      .map((line, i) => `  ${i === 0 ? EXIT_CODES[key] : " "}  ${line}`)
      .join("\n"),
  );
  return `pty-runner ${RUNNER_VERSION}: runs shells on this machine for the edge web terminal.

It connects out to the edge (no inbound port), registers as a host, and starts a shell in a
real PTY each time someone opens a session for that host. Output is kept until the edge has
stored it, so a dropped connection loses nothing; it reconnects by itself.

Usage:
  ${RUNNER_COMMAND} --url https://term.example.com --token-file FILE [flags]
or, after npm install -g ${RUNNER_PACKAGE}:
  pty-runner --url https://term.example.com --token-file FILE [flags]

The host credential (whc1.<tenant>.<host>.<secret>) comes from POST /api/hosts {"host": NAME} on the
edge; it proves this one host and nothing else.

Flags:
${flags.join("\n")}

Environment:
${env.join("\n")}

Stopping: SIGTERM or Ctrl-C ends every shell (their exits are reported), then exits ${EXIT_CODES.OK}.

Exit codes:
${exits.join("\n")}
`;
}

/** A flag or variable and its description, aligned in two columns. */
function describe(label: string, lines: string[]): string {
  const width = 20;
  const indent = " ".repeat(width + 3);
  const [first = "", ...rest] = lines;
  const head =
    label.length < width ? `  ${label.padEnd(width)} ${first}` : `  ${label}\n${indent}${first}`;
  return [head, ...rest.map((line) => `${indent}${line}`)].join("\n");
}

/** The credential from a file, or from standard input for "-". */
function readTokenFile(path: string): string {
  try {
    return readFileSync(path === "-" ? 0 : path, "utf8").trim();
  } catch (error) {
    throw new ConfigError(`cannot read --token-file ${path}: ${(error as Error).message}`);
  }
}

/** The start-up lines; they show where and what, never the token. */
export function startupLines(options: RunnerOptions): string[] {
  const marks =
    options.shellIntegration && shellKind(options.shell) !== "other"
      ? "with OSC 133 prompt marks"
      : "without prompt marks";
  const lines = [
    `pty-runner ${RUNNER_VERSION} (node ${process.versions.node})`,
    `  edge:          ${options.url}`,
    `  host:          ${options.host}`,
    `  shell:         ${options.shell} (${marks})`,
    `  cwd:           ${options.cwd}`,
    `  max sessions:  ${options.maxSessions}`,
    `  shell env:     ${options.envAllow.join(",") || "(none)"}`,
  ];
  if (!options.envAllow.includes("PATH")) {
    lines.push("  note: PATH is not in --env-allow; shells get only what their startup files set");
  }
  return lines;
}
