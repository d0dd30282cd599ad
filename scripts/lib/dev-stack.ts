/** Starting the real stack locally: `wrangler dev` (workerd) and a pty-runner process. Used by `npm start`, end-to-end tests and benchmarks. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeEnvFile, type Secrets } from "./secrets.ts";

/** The project's root folder. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A child process with its collected output and a way to stop it. */
export interface ManagedProcess {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Sends SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<number | null>;
  /** Resolves with the exit code when the process exits. */
  exited: Promise<number | null>;
}

/** Options of the edge (wrangler dev). */
export interface EdgeOptions {
  port: number;
  secrets: Secrets;
  /** Where workerd keeps Durable Object storage (a fresh folder per test run). */
  persistTo?: string;
  inspectorPort?: number;
  /** Extra vars (for example a small HISTORY_CAP_BYTES). */
  vars?: Record<string, string>;
  /** Print the process's output with this prefix as it comes. */
  echoPrefix?: string;
}

/** A running edge. */
export interface Edge extends ManagedProcess {
  url: string;
}

/** Starts `wrangler dev` on 127.0.0.1 and waits until /healthz answers. */
export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const stateDir = join(PROJECT_ROOT, ".wrangler", "webterm");
  mkdirSync(stateDir, { recursive: true });
  // Secrets reach workerd through an env file (mode 0600), never through argv where `ps` shows them.
  const envFile = join(stateDir, `secrets-${options.port}.env`);
  writeEnvFile(envFile, options.secrets);
  const args = [
    join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--env-file",
    envFile,
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  // Plain vars (not secrets) go on the command line: wrangler.toml's [secrets] makes wrangler dev
  // read only the secrets' names from env files.
  for (const [name, value] of Object.entries(options.vars ?? {})) {
    args.push("--var", `${name}:${value}`);
  }
  if (options.persistTo) args.push("--persist-to", options.persistTo);
  if (options.inspectorPort) args.push("--inspector-port", String(options.inspectorPort));
  const managed = manage(
    spawn(process.execPath, args, {
      cwd: PROJECT_ROOT,
      env: {
        ...withoutEdgeSecrets(process.env),
        WRANGLER_SEND_METRICS: "false",
        CI: process.env.CI ?? "",
      },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    }),
    options.echoPrefix,
  );
  const url = `http://127.0.0.1:${options.port}`;
  await waitForHealth(url, managed, 60_000);
  return { ...managed, url };
}

/** Options of a runner process. */
export interface RunnerOptions {
  url: string;
  host: string;
  token: string;
  extraArgs?: string[];
  echoPrefix?: string;
  env?: NodeJS.ProcessEnv;
}

/** Starts the built pty-runner (pty-runner/dist/pty-runner.mjs) as a child process; the token goes in its environment. */
export function startRunnerProcess(options: RunnerOptions): ManagedProcess {
  const child = spawn(
    process.execPath,
    [
      join(PROJECT_ROOT, "pty-runner", "dist", "pty-runner.mjs"),
      "--url",
      options.url,
      "--host",
      options.host,
      "--token-file",
      "-",
      ...(options.extraArgs ?? []),
    ],
    {
      cwd: PROJECT_ROOT,
      // The runner never holds the edge's secrets, and gets its credential on standard input:
      // not in its environment or argv, which its shells could read from /proc.
      env: withoutSecrets({ ...process.env, ...(options.env ?? {}) }),
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    },
  );
  child.stdin?.end(`${options.token}\n`);
  return manage(child, options.echoPrefix);
}

/** `env` without the edge's secrets or a runner credential. */
function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { API_TOKEN: _a, SESSION_SECRET: _s, RUNNER_TOKEN: _r, ...rest } = env;
  return rest;
}

/** Polls `GET {url}/healthz` until it answers 200, the process dies, or time runs out. */
export async function waitForHealth(
  url: string,
  process: ManagedProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void process.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the edge exited before it was ready:\n${process.output()}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `the edge did not answer ${url}/healthz within ${timeoutMs} ms:\n${process.output()}`,
  );
}

// wrangler dev tries to fetch the `Request.cf` object from the internet and warns when it can't;
// harmless offline (it falls back to a placeholder), so it is not echoed.
const OFFLINE_NOISE = [
  "Unable to fetch the `Request.cf` object",
  "ENOTFOUND workers.cloudflare.com",
  "at GetAddrInfoReqWrap",
];

function manage(child: ChildProcess, echoPrefix?: string): ManagedProcess {
  let output = "";
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (output.length > 1_000_000) output = output.slice(-500_000);
    if (echoPrefix) {
      for (const line of text.split("\n")) {
        if (line.trim() && !OFFLINE_NOISE.some((noise) => line.includes(noise))) {
          process.stdout.write(`${echoPrefix} ${line}\n`);
        }
      }
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  // Each child leads its own process group (detached), so signals reach wrangler's workerd too,
  // and a test process that dies without cleaning up still takes the whole group with it.
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const killOnExit = () => signalGroup("SIGKILL");
  process.once("exit", killOnExit);
  // No exit handler runs when this process is killed with SIGKILL: a lifeline does the cleanup.
  const lifeline = child.pid ? startLifeline(child.pid) : null;
  void exited.then(() => {
    process.removeListener("exit", killOnExit);
    signalGroup("SIGKILL"); // Leftovers of the group (workerd) go with their parent.
    lifeline?.kill("SIGKILL");
  });
  return {
    child,
    output: () => output,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      signalGroup("SIGTERM");
      const timer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

// Runs in a small process of its own: when the pipe from its parent closes (the parent exited,
// however it died), it ends the process group it guards, SIGTERM first, SIGKILL after 3 s.
const LIFELINE_SCRIPT = `
const group = Number(process.argv[1]);
let done = false;
const end = () => {
  if (done) return;
  done = true;
  try { process.kill(-group, "SIGTERM"); } catch {}
  setTimeout(() => { try { process.kill(-group, "SIGKILL"); } catch {} process.exit(0); }, 3000);
};
process.stdin.on("end", end);
process.stdin.on("close", end);
process.stdin.on("error", end);
process.stdin.resume();
`;

/**
 * A process that ends process group `group` once this process is gone: `npm start` or a test
 * killed with SIGKILL must not leave wrangler and a runner holding the port.
 */
function startLifeline(group: number): ChildProcess {
  const lifeline = spawn(process.execPath, ["-e", LIFELINE_SCRIPT, String(group)], {
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
  });
  // Neither the process nor its pipe keeps this one alive.
  lifeline.unref();
  (lifeline.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return lifeline;
}

/**
 * The environment minus the edge's secrets: wrangler dev reads secrets from the process environment
 * before the env file, so a stale API_TOKEN exported in the user's shell would otherwise win.
 */
export function withoutEdgeSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { API_TOKEN: _api, SESSION_SECRET: _session, ...rest } = env;
  return rest;
}
