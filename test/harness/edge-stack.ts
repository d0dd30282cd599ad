/** The real stack for end-to-end tests (like sshx's TestServer): wrangler dev on a free port with fresh storage, and a real pty-runner process. */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  startEdge,
  startRunnerProcess,
  type Edge,
  type ManagedProcess,
} from "../../scripts/lib/dev-stack.ts";
import { freePort } from "../../scripts/lib/free-port.ts";

/** Secrets of the test stack (generated per stack, never the user's). */
export interface StackSecrets {
  API_TOKEN: string;
  SESSION_SECRET: string;
  RUNNER_TOKEN: string;
}

/** A running edge with one runner attached. */
export interface Stack {
  url: string;
  secrets: StackSecrets;
  edge: Edge;
  runner: ManagedProcess;
  host: string;
  /** Calls the HTTP API with the API token; returns status and parsed JSON. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** How many TerminalSession objects have storage (sessions that exist). */
  sessionObjectCount(): number;
  /** Stops the edge and starts it again on the same port with the same storage (like a deploy). */
  restartEdge(): Promise<void>;
  /** Resolves when the runner is connected for its host. */
  waitForRunner(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts wrangler dev and a runner for `host`; waits until the runner is connected. */
export async function startStack(
  options: { host?: string; runnerArgs?: string[]; vars?: Record<string, string> } = {},
): Promise<Stack> {
  const host = options.host ?? "local";
  const suffix = Math.random().toString(36).slice(2);
  const secrets: StackSecrets = {
    API_TOKEN: `e2e-api-${suffix}`,
    SESSION_SECRET: `e2e-secret-${suffix}`,
    RUNNER_TOKEN: `e2e-runner-${suffix}`,
  };
  const persistTo = mkdtempSync(join(tmpdir(), "webterm-e2e-"));
  const edgeOptions = {
    port: await freePort(),
    inspectorPort: await freePort(),
    persistTo,
    secrets,
    vars: options.vars ?? {},
  };
  let edge = await startEdge(edgeOptions);
  const runner = startRunnerProcess({
    url: edge.url,
    host,
    token: secrets.RUNNER_TOKEN,
    extraArgs: options.runnerArgs ?? [],
  });
  const api: Stack["api"] = async (method, path, body) => {
    const response = await fetch(edge.url + path, {
      method,
      headers: { Authorization: `Bearer ${secrets.API_TOKEN}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const waitForRunner = async (timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hosts = await api("GET", "/api/hosts").catch(() => ({ body: {} as any }));
      if (hosts.body.hosts?.some((h: { host: string }) => h.host === host)) return;
      if (Date.now() > deadline) {
        throw new Error(`runner did not connect:\n${runner.output()}\n${edge.output()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await waitForRunner();
  } catch (error) {
    await runner.stop();
    await edge.stop();
    throw error;
  }
  const stack: Stack = {
    url: edge.url,
    secrets,
    edge,
    runner,
    host,
    api,
    waitForRunner,
    async restartEdge() {
      await edge.stop();
      edge = await startEdge(edgeOptions);
      stack.edge = edge;
    },
    sessionObjectCount() {
      const root = join(persistTo, "v3", "do");
      let count = 0;
      for (const namespace of safeReaddir(root)) {
        if (!namespace.includes("TerminalSession")) continue;
        count += safeReaddir(join(root, namespace)).filter(
          (f) => f.endsWith(".sqlite") && f !== "metadata.sqlite",
        ).length;
      }
      return count;
    },
    async stop() {
      await runner.stop();
      await edge.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
  return stack;
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
