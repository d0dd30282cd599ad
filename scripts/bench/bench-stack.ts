/** Helpers on the bench stack: building what it runs, creating and ending sessions, opening a shell. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { BenchStack as Stack } from "./bench-edge.ts";
import { PROJECT_ROOT } from "../lib/dev-stack.ts";
import { withTimeout } from "./clock.ts";
import { waitForText, webtermTypist } from "./typist.ts";
import { WebtermClient } from "./webterm-client.ts";

export type { Stack };
export { startBenchStack } from "./bench-edge.ts";

/** A session created through the API, with its two join tokens. */
export interface BenchSession {
  id: string;
  writerToken: string;
  viewerToken: string;
}

/** Bash's prompt: the shell-integration mark (with its nonce), or a plain `$ `/`# ` prompt without it. */
const PROMPT = /\x1b\]133;B(;[^\x07]*)?\x07|[$#] $/;

/** Builds the runner from source (so the figures are for this tree) and the client if it is missing. */
export function buildForBench(): void {
  const run = (args: string[]) => {
    const result = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, stdio: "inherit" });
    if (result.status !== 0) throw new Error(`\`node ${args.join(" ")}\` failed`);
  };
  run([join(PROJECT_ROOT, "scripts", "build-runner.mjs")]);
  if (!existsSync(join(PROJECT_ROOT, "client", "dist", "index.html"))) {
    // wrangler dev serves client/dist as assets and refuses to start without it.
    run([
      join(PROJECT_ROOT, "node_modules", "vite", "bin", "vite.js"),
      "build",
      "--config",
      "client/vite.config.ts",
    ]);
  }
}

/** Creates a session on `host` (default: the stack's runner). */
export async function createSession(
  stack: Stack,
  options: { host?: string; cols?: number; rows?: number } = {},
): Promise<BenchSession> {
  const created = await stack.api("POST", "/api/sessions", {
    cols: options.cols ?? 80,
    rows: options.rows ?? 24,
    ...(options.host ? { host: options.host } : {}),
  });
  if (created.status !== 201) {
    throw new Error(`creating a session failed: ${created.status} ${JSON.stringify(created.body)}`);
  }
  return {
    id: created.body.session_id,
    writerToken: created.body.writer.token,
    viewerToken: created.body.viewer.token,
  };
}

/** Ends a session (its shell is killed); ignores sessions that already ended. */
export async function endSession(stack: Stack, id: string): Promise<void> {
  await stack.api("DELETE", `/api/sessions/${id}`).catch(() => {});
}

/** Joins as writer and waits for bash's first prompt, as a person would before typing. */
export async function openShell(stack: Stack, session: BenchSession): Promise<WebtermClient> {
  const writer = new WebtermClient({
    url: stack.url,
    sessionId: session.id,
    token: session.writerToken,
  });
  // Listen before the replay arrives: the prompt may already be in the history.
  const prompt = waitForText(webtermTypist(writer), PROMPT, 20_000, "the first prompt");
  await withTimeout(writer.live, 20_000, "the writer to catch up");
  await prompt;
  return writer;
}
