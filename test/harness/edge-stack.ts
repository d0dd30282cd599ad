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
import { mintHostCredential } from "../../scripts/lib/host-credentials.ts";

/** Secrets of the test stack (generated per stack, never the user's). */
export interface StackSecrets {
  API_TOKEN: string;
  SESSION_SECRET: string;
}

/** A further runner process of a stack, registered as its own host. */
export interface ExtraRunner {
  host: string;
  /** Flags after --url and --host (for example `["--shell", "/usr/bin/zsh"]`). */
  args?: string[];
  /** Variables added to the runner's environment (shells get those on its --env-allow list). */
  env?: Record<string, string>;
}

/** A running edge with one runner attached. */
export interface Stack {
  url: string;
  secrets: StackSecrets;
  edge: Edge;
  runner: ManagedProcess;
  host: string;
  /** Each host's runner credential, minted through the API when the stack started. */
  credentials: Map<string, string>;
  /** The further runners asked for with `extraRunners`, by host. */
  extraRunners: Map<string, ManagedProcess>;
  /** Calls the HTTP API with the API token; returns status and parsed JSON. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** How many TerminalSession objects have storage (sessions that exist). */
  sessionObjectCount(): number;
  /** Stops the edge and starts it again on the same port with the same storage (like a deploy). */
  restartEdge(): Promise<void>;
  /** Resolves when the runner is connected for its host. */
  waitForRunner(timeoutMs?: number): Promise<void>;
  /** Resolves when a runner is connected for `host` (any of the stack's hosts). */
  waitForHost(host: string, timeoutMs?: number): Promise<void>;
  /**
   * Kills the main runner with SIGKILL (no goodbye, its shells die with it) and starts a new one
   * for the same host, as after a crash; resolves once the old one is gone, before the new one
   * has connected (`waitForRunner` waits for that).
   */
  restartRunner(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts wrangler dev and a runner for `host` (plus `extraRunners`); waits until all are connected. */
export async function startStack(
  options: {
    host?: string;
    runnerArgs?: string[];
    vars?: Record<string, string>;
    /** Variables added to the main runner's environment. */
    runnerEnv?: Record<string, string>;
    extraRunners?: ExtraRunner[];
  } = {},
): Promise<Stack> {
  const host = options.host ?? "local";
  const suffix = Math.random().toString(36).slice(2);
  const secrets: StackSecrets = {
    API_TOKEN: `e2e-api-${suffix}`,
    SESSION_SECRET: `e2e-secret-${suffix}`,
  };
  const persistTo = mkdtempSync(join(tmpdir(), "webterm-e2e-"));
  const edgeOptions = {
    port: await freePort(),
    inspectorPort: await freePort(),
    persistTo,
    secrets,
    vars: options.vars ?? {},
  };
  let edge = await startOnFreePorts(edgeOptions);
  // Every host gets its own credential, as an operator would mint them.
  const credentials = new Map<string, string>();
  try {
    for (const name of [host, ...(options.extraRunners ?? []).map((extra) => extra.host)]) {
      credentials.set(name, await mintHostCredential(edge.url, secrets.API_TOKEN, name));
    }
  } catch (error) {
    await edge.stop();
    throw error;
  }
  const runner = startRunnerProcess({
    url: edge.url,
    host,
    token: credentials.get(host)!,
    extraArgs: options.runnerArgs ?? [],
    env: options.runnerEnv,
  });
  const extraRunners = new Map<string, ManagedProcess>();
  for (const extra of options.extraRunners ?? []) {
    extraRunners.set(
      extra.host,
      startRunnerProcess({
        url: edge.url,
        host: extra.host,
        token: credentials.get(extra.host)!,
        extraArgs: extra.args ?? [],
        env: extra.env,
      }),
    );
  }
  const stopRunners = async () => {
    await Promise.all([runner.stop(), ...[...extraRunners.values()].map((r) => r.stop())]);
  };
  const api: Stack["api"] = async (method, path, body) => {
    const response = await fetch(edge.url + path, {
      method,
      headers: { Authorization: `Bearer ${secrets.API_TOKEN}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  };
  const waitForHost = async (wanted: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hosts = await api("GET", "/api/hosts").catch(() => ({ body: {} as any }));
      const online = (h: { host: string; runner: string }) =>
        h.host === wanted && h.runner === "online";
      if (hosts.body.hosts?.some(online)) return;
      if (Date.now() > deadline) {
        const process = wanted === host ? runner : extraRunners.get(wanted);
        throw new Error(
          `runner for ${wanted} did not connect:\n${process?.output() ?? ""}\n${edge.output()}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const waitForRunner = (timeoutMs?: number) => waitForHost(host, timeoutMs);
  try {
    await waitForRunner();
    for (const extra of extraRunners.keys()) await waitForHost(extra);
  } catch (error) {
    await stopRunners();
    await edge.stop();
    throw error;
  }
  const stack: Stack = {
    url: edge.url,
    secrets,
    edge,
    runner,
    host,
    credentials,
    extraRunners,
    api,
    waitForRunner,
    waitForHost,
    async restartEdge() {
      await edge.stop();
      edge = await startEdge(edgeOptions);
      stack.edge = edge;
    },
    async restartRunner() {
      const old = stack.runner;
      old.child.kill("SIGKILL");
      await old.exited;
      stack.runner = startRunnerProcess({
        url: stack.url,
        host,
        token: credentials.get(host)!,
        extraArgs: options.runnerArgs ?? [],
        env: options.runnerEnv,
      });
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
      await stopRunners();
      await edge.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
  // After restartRunner, stack.runner is a process stop() above does not know: stop it as well.
  const stopStack = stack.stop;
  stack.stop = async () => {
    await stack.runner.stop();
    await stopStack();
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

/**
 * Starts the edge; when a port freePort() found was taken before wrangler bound it (other stacks
 * start in parallel), tries again with new ports, and keeps the ones that worked in `options` for
 * restartEdge. Any other failure is thrown at once.
 */
async function startOnFreePorts(
  options: Parameters<typeof startEdge>[0] & { inspectorPort: number },
): Promise<Awaited<ReturnType<typeof startEdge>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEdge(options);
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test((error as Error).message)) throw error;
      options.port = await freePort();
      options.inspectorPort = await freePort();
    }
  }
}
