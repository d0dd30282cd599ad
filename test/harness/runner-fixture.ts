/** A fake edge plus an in-process runner wired to it, with test-friendly timings. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRunner } from "../../pty-runner/index.ts";
import type { Logger, Runner, RunnerOptions } from "../../pty-runner/index.ts";
import { FakeEdge } from "./fake-edge.ts";
import type { OpenOptions } from "./fake-edge.ts";
import type { FakeSession } from "./fake-session.ts";

/** The token the fake edge accepts. */
export const TEST_TOKEN = "test-runner-token";

/** A running fake edge and runner. */
export interface Fixture {
  edge: FakeEdge;
  runner: Runner;
  host: string;
  /** A private HOME for the shells, so the machine's own dotfiles do not change the tests. */
  home: string;
  /** Everything the runner logged. */
  logs: string[];
  /** Opens a session and waits for its hello and its shell's first prompt (`waitFor`, else mark B). */
  open(options?: OpenOptions & { waitFor?: string }): Promise<FakeSession>;
  /** Stops the runner and the edge and removes the temp HOME. */
  close(): Promise<void>;
}

/** Starts a fake edge and a runner (bash with shell integration unless overridden). */
export async function startFixture(overrides: Partial<RunnerOptions> = {}): Promise<Fixture> {
  const edge = await FakeEdge.start({ runnerToken: TEST_TOKEN });
  const home = mkdtempSync(join(tmpdir(), "pty-runner-test-home-"));
  // A deterministic prompt; the real ~/.bashrc logic (sourced first) is covered by its own test.
  writeFileSync(join(home, ".bashrc"), "PS1='test$ '\n");
  const logs: string[] = [];
  const log: Logger = {
    info: (m) => logs.push(`info: ${m}`),
    warn: (m) => logs.push(`warn: ${m}`),
    error: (m) => logs.push(`error: ${m}`),
  };
  const host = `test-${process.pid}`;
  const runner = await startRunner({
    url: edge.url,
    token: TEST_TOKEN,
    host,
    shell: "/bin/bash",
    cwd: home,
    backoff: {
      minDelayMs: 50,
      maxDelayMs: 400,
      growFactor: 1.5,
      jitterRatio: 0.5,
      connectTimeoutMs: 3000,
    },
    killGraceMs: 500,
    log,
    ...overrides,
  });
  await edge.waitForRunner(host);
  return {
    edge,
    runner,
    host,
    home,
    logs,
    async open(options = {}) {
      const session = edge.openSession(host, { ...options, env: { HOME: home, ...options.env } });
      if (options.waitFor === undefined) await session.waitForPrompt();
      else await session.waitForOutput(options.waitFor);
      return session;
    },
    async close() {
      await runner.stop();
      await edge.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
