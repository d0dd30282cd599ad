/** Scenario 6, tool-call overhead: `interactive_shell` of `true` in an open session, against spawning `bash -c true` through node-pty. */
// Both sides run a command that does nothing, so what is measured is the cost of the path: for
// ours, HTTP to the edge, the session typing the line into the shell, the shell's prompt marks
// and the result coming back; for the baseline, a fresh PTY and a fresh bash.
import * as nodePty from "@lydell/node-pty";
import type { BenchStack } from "./bench-edge.ts";
import { now, withTimeout } from "./clock.ts";
import { rotate, type BenchContext } from "./config.ts";
import { fmt, type Row } from "./results.ts";
import { percentile, ratios, spread } from "./stats.ts";

const SCENARIO = "tool-call";
/** A call or spawn slower than this is broken, not slow (ms). */
const CALL_TIMEOUT_MS = 10_000;
type System = "ours" | "spawn";

/** Measures both systems in interleaved rounds; reports p50/p99 of each and their ratios. */
export async function benchToolCall(ctx: BenchContext): Promise<Row[]> {
  const { config, stack } = ctx;
  const { warmup, perRound } = config.toolCall;
  const sessionId = await openSession(stack);
  const series: Record<System, number[][]> = { ours: [], spawn: [] };
  const measure: Record<System, () => Promise<number>> = {
    ours: () => toolCallTrue(stack, sessionId),
    spawn: spawnBashTrue,
  };
  try {
    for (const system of ["ours", "spawn"] as const) {
      for (let i = 0; i < warmup; i++) await measure[system]();
    }
    for (let r = 0; r < config.rounds; r++) {
      for (const system of rotate(["ours", "spawn"] as const, r)) {
        const samples: number[] = [];
        for (let i = 0; i < perRound; i++) samples.push(await measure[system]());
        series[system].push(samples);
        ctx.log(
          `  tool-call round ${r} ${system}: p50 ${fmt(percentile(samples, 50))} ms, p99 ${fmt(percentile(samples, 99))} ms`,
        );
      }
    }
  } finally {
    await stack.api("POST", "/api/tools/close_session", { session_id: sessionId }).catch(() => {});
  }
  return rowsFor(series, config.rounds * perRound);
}

/** Opens a session through the tool API and returns its id once its first call has completed. */
async function openSession(stack: BenchStack): Promise<string> {
  const opened = await stack.api("POST", "/api/tools/interactive_shell", {
    initial_command: "true",
    timeout_ms: 20_000,
  });
  if (opened.status !== 200 || opened.body.status !== "completed") {
    throw new Error(`opening a session failed: ${opened.status} ${JSON.stringify(opened.body)}`);
  }
  return opened.body.session_id;
}

/** One `interactive_shell` of `true`: ms from request to result. Only a truthful result counts. */
async function toolCallTrue(stack: BenchStack, sessionId: string): Promise<number> {
  const t0 = now();
  const reply = await withTimeout(
    stack.api("POST", "/api/tools/interactive_shell", {
      session_id: sessionId,
      initial_command: "true",
      timeout_ms: CALL_TIMEOUT_MS,
    }),
    CALL_TIMEOUT_MS + 5_000,
    "interactive_shell of true",
  );
  const ms = now() - t0;
  const { status, exit_code, output } = reply.body ?? {};
  if (reply.status !== 200 || status !== "completed" || exit_code !== 0 || output !== "") {
    throw new Error(
      `interactive_shell of true answered ${reply.status} ${JSON.stringify(reply.body)}`,
    );
  }
  return ms;
}

/** `bash -c true` in a fresh PTY: ms from spawn to exit. */
async function spawnBashTrue(): Promise<number> {
  const t0 = now();
  const pty = nodePty.spawn("bash", ["-c", "true"], {
    name: "xterm-256color",
    cols: 80,
    rows: 24,
    env: process.env as Record<string, string>,
  });
  const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
  try {
    const code = await withTimeout(exited, CALL_TIMEOUT_MS, "bash -c true in a PTY to exit");
    if (code !== 0) throw new Error(`bash -c true exited with ${code}`);
    return now() - t0;
  } catch (error) {
    pty.kill("SIGKILL");
    throw error;
  }
}

function rowsFor(series: Record<System, number[][]>, n: number): Row[] {
  const all = (s: System) => series[s].flat();
  const perRound = (p: number) =>
    spread(
      ratios(
        series.ours.map((samples) => percentile(samples, p)),
        series.spawn.map((samples) => percentile(samples, p)),
      ),
    );
  const p50 = perRound(50);
  const p99 = perRound(99);
  return [
    {
      scenario: SCENARIO,
      measure: `interactive_shell \`true\` in an open session, p50 (${n} calls)`,
      value: percentile(all("ours"), 50),
      unit: "ms",
      context: `p99 ${fmt(percentile(all("ours"), 99))} ms; node-pty \`bash -c true\` p50 ${fmt(percentile(all("spawn"), 50))}, p99 ${fmt(percentile(all("spawn"), 99))} ms`,
    },
    {
      scenario: SCENARIO,
      measure: "tool call p50 ÷ node-pty `bash -c true` p50",
      value: p50.median,
      unit: "×",
      context: `per-round min ${fmt(p50.min)}, max ${fmt(p50.max)}`,
    },
    {
      scenario: SCENARIO,
      measure: "tool call p99 ÷ node-pty `bash -c true` p99",
      value: p99.median,
      unit: "×",
      context: `per-round min ${fmt(p99.min)}, max ${fmt(p99.max)}`,
    },
  ];
}
