/** The bench's stack: wrangler dev (from a config copy with a snapshot of client/dist) and a pty-runner. */
// Like test/harness/edge-stack.ts, except that wrangler runs from a copy of wrangler.toml whose
// static assets are a snapshot of client/dist. Why: wrangler dev reloads, dropping every
// WebSocket, whenever a watched file changes, and client/dist changes on every `vite build`
// (`npm test` runs one); on a machine where others build while the bench runs, that turned
// measurements into timeouts.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  PROJECT_ROOT,
  startRunnerProcess,
  waitForHealth,
  withoutEdgeSecrets,
  type ManagedProcess,
} from "../lib/dev-stack.ts";
import { freePort } from "../lib/free-port.ts";
import { writeEnvFile } from "../lib/secrets.ts";
import { track } from "./children.ts";
import { mintHostCredential } from "../lib/host-credentials.ts";
import { sleep, withTimeout } from "./clock.ts";

/** A running edge with one runner (host "local") attached. */
export interface BenchStack {
  url: string;
  secrets: { API_TOKEN: string; SESSION_SECRET: string };
  edge: ManagedProcess;
  runner: ManagedProcess;
  /** Calls the HTTP API with the API token; returns status and parsed JSON. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/** Starts wrangler dev (fresh storage, 127.0.0.1, a free port, `vars` added) and a runner. */
export async function startBenchStack(vars: Record<string, string> = {}): Promise<BenchStack> {
  const suffix = Math.random().toString(36).slice(2);
  const secrets = {
    API_TOKEN: `bench-api-${suffix}`,
    SESSION_SECRET: `bench-secret-${suffix}`,
  };
  const dir = mkdtempSync(join(tmpdir(), "webterm-bench-edge-"));
  cpSync(join(PROJECT_ROOT, "client", "dist"), join(dir, "assets"), { recursive: true });
  const toml = readFileSync(join(PROJECT_ROOT, "wrangler.toml"), "utf8")
    .replace(/^main = ".*"$/m, `main = ${JSON.stringify(join(PROJECT_ROOT, "worker", "index.ts"))}`)
    .replace(/^directory = ".*"$/m, `directory = ${JSON.stringify(join(dir, "assets"))}`);
  writeFileSync(join(dir, "wrangler.toml"), toml);
  const envFile = join(dir, "secrets.env");
  writeEnvFile(envFile, secrets);
  const port = await freePort();
  const edge = manage(
    track(
      spawn(
        process.execPath,
        [
          join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js"),
          "dev",
          "--config",
          join(dir, "wrangler.toml"),
          "--ip",
          "127.0.0.1",
          "--port",
          String(port),
          "--inspector-port",
          String(await freePort()),
          "--env-file",
          envFile,
          "--persist-to",
          join(dir, "state"),
          "--show-interactive-dev-session=false",
          "--log-level",
          "warn",
          // Vars on the command line: with wrangler.toml's [secrets], env files give secrets only.
          ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
        ],
        {
          cwd: PROJECT_ROOT,
          env: { ...withoutEdgeSecrets(process.env), WRANGLER_SEND_METRICS: "false" },
          stdio: ["ignore", "pipe", "pipe"],
        },
      ),
    ),
  );
  const url = `http://127.0.0.1:${port}`;
  let runner: ManagedProcess | null = null;
  const stop = async () => {
    await runner?.stop();
    await edge.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(url, edge, 60_000);
    const credential = await mintHostCredential(url, secrets.API_TOKEN, "local");
    runner = startRunnerProcess({ url, host: "local", token: credential });
    track(runner.child);
    const api: BenchStack["api"] = async (method, path, body) => {
      const response = await fetch(url + path, {
        method,
        headers: {
          Authorization: `Bearer ${secrets.API_TOKEN}`,
          "Content-Type": "application/json",
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    await waitForHost(api, "local", 30_000);
    return { url, secrets, edge, runner, api, stop };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${runner?.output() ?? ""}\n${edge.output()}`);
  }
}

/** Waits until a runner for `host` is connected. */
export async function waitForHost(
  api: BenchStack["api"],
  host: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hosts = await api("GET", "/api/hosts");
    const online = (h: { host: string; runner: string }) =>
      h.host === host && h.runner === "online";
    if (hosts.body.hosts?.some(online)) return;
    if (Date.now() > deadline) throw new Error(`the runner for ${host} did not connect`);
    await sleep(100);
  }
}

function manage(child: ChildProcess): ManagedProcess {
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  return {
    child,
    output: () => output,
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      return withTimeout(exited, graceMs, "wrangler to stop").catch(() => {
        child.kill("SIGKILL");
        return exited;
      });
    },
  };
}
