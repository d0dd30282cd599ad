/** Command-line flags of `pty-runner`: parsing, the help text, and start-up lines. */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseHostCredential } from "../protocol/index.ts";
import { DEFAULT_ENV_ALLOW, defaultRunnerOptions } from "./options.ts";
import { ConfigError } from "./options.ts";
import type { RunnerOptions, RunnerOptionsInput } from "./options.ts";
import { shellKind } from "./shell-integration.ts";
import { RUNNER_VERSION } from "./version.ts";

/** What the command line asks for. */
export type CliCommand =
  { kind: "help" } | { kind: "version" } | { kind: "run"; options: RunnerOptionsInput };

/** Exit codes, also listed in the help text. */
export const EXIT_CODES = {
  OK: 0,
  FAILED: 1,
  BAD_CONFIGURATION: 2,
  REFUSED_BY_EDGE: 3,
} as const;

/** Parses argv (without node and the script); throws ConfigError with a readable message. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: "string" },
        host: { type: "string" },
        token: { type: "string" },
        "token-file": { type: "string" },
        shell: { type: "string" },
        cwd: { type: "string" },
        "max-sessions": { type: "string" },
        "env-allow": { type: "string" },
        "no-shell-integration": { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Run pty-runner --help for the flags.`);
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
    },
  };
}

/** The `--help` text. */
export function helpText(): string {
  const defaults = defaultRunnerOptions();
  return `pty-runner ${RUNNER_VERSION}: runs shells on this machine for the edge web terminal.

It connects out to the edge (no inbound port), registers as a host, and starts a shell in a
real PTY each time someone opens a session for that host. Output is kept until the edge has
stored it, so a dropped connection loses nothing; it reconnects by itself.

Usage:
  pty-runner --url https://term.example.com --token-file ~/.config/pty-runner/credential [flags]

The host credential (whc1.<tenant>.<host>.<secret>) comes from POST /api/hosts {"host": NAME} on the
edge; it proves this one host and nothing else.

Flags:
  --url URL            The edge (http(s):// or ws(s)://). Required.
  --token-file FILE    Read the host credential from FILE ("-": standard input). Preferred:
                       flags show in \`ps\`, and a process's environment can be read by
                       every process of the same user (/proc/PID/environ).
  --token CREDENTIAL   The host credential itself. Else the RUNNER_TOKEN environment
                       variable, which the runner removes from its environment once read.
  --host NAME          Host name to register as (1-64 of letters, digits, . _ -).
                       Default: the host the credential names, else this machine's name
                       (${defaults.host}).
  --shell PATH         Shell to run. Default: $SHELL, else /bin/bash.
                       bash and zsh get OSC 133 prompt marks; other shells run as they are.
  --cwd DIR            Working directory of sessions that do not ask for one.
                       Default: your home directory.
  --max-sessions N     Most sessions at once; more are refused. Default: ${defaults.maxSessions}.
  --env-allow LIST     Comma-separated names of this process's environment variables that
                       shells inherit (NAME* matches a prefix). Replaces the default:
                       ${DEFAULT_ENV_ALLOW.join(",")}
                       Shells always get TERM=xterm-256color, COLORTERM, SHELL and HOME.
  --no-shell-integration
                       Start bash and zsh without the prompt marks.
  -h, --help           Show this text.
  -v, --version        Show the version.

Stopping: SIGTERM or Ctrl-C ends every shell (their exits are reported), then exits 0.

Exit codes:
  0  stopped on request
  1  unexpected failure
  2  bad flags or configuration
  3  the edge refused this runner (wrong or revoked credential, wrong protocol version,
     host taken over)
`;
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
