/** `npm run bench`: the real stack, eight scenarios against same-run baselines, a table in docs/benchmarks.md (`--quick`: tiny sizes, nothing written). */
// Starts wrangler dev and a pty-runner locally, runs every scenario in interleaved rounds against
// baselines measured in the same run, prints the table and writes it into docs/benchmarks.md.
// Flags: `--quick`, `--only a,b` (scenario keys), `--out FILE` (Markdown), `--json FILE` (rows).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "./lib/dev-stack.ts";
import { buildForBench, startBenchStack, type Stack } from "./bench/bench-stack.ts";
import { FULL_CONFIG, QUICK_CONFIG, type BenchContext } from "./bench/config.ts";
import { benchEcho } from "./bench/echo.ts";
import { benchFanOut } from "./bench/fan-out.ts";
import { benchKeyframes } from "./bench/keyframe-joins.ts";
import { benchLateJoin, LATE_JOIN_HISTORY_CAP_BYTES } from "./bench/late-join.ts";
import { describeMachine } from "./bench/machine.ts";
import { benchManySessions } from "./bench/many-sessions.ts";
import { benchThroughput } from "./bench/throughput.ts";
import { benchIdentity } from "./bench/identity.ts";
import { benchToolCall } from "./bench/tool-call.ts";
import { writeRun } from "./bench/report.ts";
import { renderTable, SCENARIOS, skipped, type Row } from "./bench/results.ts";
import { writeDataFile } from "./bench/test-data.ts";
import { ensureTtyShare } from "./bench/tty-share.ts";
import { killAll } from "./bench/children.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean" },
    only: { type: "string" },
    out: { type: "string" },
    json: { type: "string" },
  },
});
const config = values.quick ? QUICK_CONFIG : FULL_CONFIG;
const only = new Set(values.only ? values.only.split(",") : SCENARIOS);
const log = (line: string) => console.log(line);
const started = performance.now();
const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
const machine = describeMachine();

let stack: Stack | null = null;
const workDir = mkdtempSync(join(tmpdir(), "webterm-bench-"));
const cleanup = async () => {
  await stack?.stop().catch(() => {});
  stack = null;
  killAll();
  rmSync(workDir, { recursive: true, force: true });
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void cleanup().finally(() => process.exit(130)));
}
// A bug that escapes a scenario must not leave wrangler, workerd and shells running.
for (const event of ["uncaughtException", "unhandledRejection"] as const) {
  process.once(event, (error) => {
    console.error(`bench crashed: ${(error as Error)?.stack ?? String(error)}`);
    void cleanup().finally(() => process.exit(1));
  });
}

log(`bench (${config.quick ? "quick" : "full"}) on ${machine}`);
buildForBench();
const biggest = Math.max(
  config.throughputBytes,
  config.fanOut.burstBytes,
  ...config.lateJoinBytes,
  ...config.keyframes.historyBytes,
  config.keyframes.throughputBytes,
);
const dataFile = writeDataFile(workDir, "data.txt", biggest);
const ttyShare = ensureTtyShare(log);
if (!ttyShare.ok) log(`note: ${ttyShare.note}`);

const rows: Row[] = [];
const failures: string[] = [];
async function run(
  key: (typeof SCENARIOS)[number],
  scenario: (ctx: BenchContext) => Promise<Row[]>,
  ctx: BenchContext,
): Promise<void> {
  if (!only.has(key)) return;
  log(`${key} …`);
  const t0 = performance.now();
  try {
    const measured = await scenario(ctx);
    rows.push(...measured);
    // A figure whose check failed (a wrong screen) fails the run, not just its row.
    for (const row of measured.filter((r) => r.failed)) {
      failures.push(`${key}: ${row.measure}: ${row.note ?? "check failed"}`);
      log(`${key} FAILED: ${row.measure}: ${row.note ?? "check failed"}`);
    }
  } catch (error) {
    const message = (error as Error).message.split("\n")[0]!;
    failures.push(`${key}: ${message}`);
    log(`${key} FAILED: ${(error as Error).stack ?? message}`);
    log(`runner output (tail):\n${ctx.stack.runner.output().slice(-3000)}`);
    log(`edge output (tail):\n${ctx.stack.edge.output().slice(-3000)}`);
    rows.push(skipped(key, "(scenario failed)", "", message));
  }
  log(`${key} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

try {
  // Production defaults, except room for 50 viewers plus a stalled one plus a writer.
  stack = await startBenchStack({ MAX_VIEWERS: "64" });
  const ctx: BenchContext = { config, stack, dataFile, ttyShare, log };
  await run("throughput", benchThroughput, ctx);
  await run("echo", benchEcho, ctx);
  await run("fan-out", benchFanOut, ctx);
  await run("many-sessions", benchManySessions, ctx);
  await run("tool-call", benchToolCall, ctx);
  await run("identity", benchIdentity, ctx);
  await stack.stop();
  stack = null;
  if (only.has("late-join")) {
    // A 16 MiB history needs a cap above the default 8 MiB: a stack of its own.
    stack = await startBenchStack({ HISTORY_CAP_BYTES: String(LATE_JOIN_HISTORY_CAP_BYTES) });
    await run("late-join", benchLateJoin, { ...ctx, stack });
    await stack.stop();
    stack = null;
  }
  if (only.has("keyframes")) {
    // Keyframes need a history that is trimmed: the production cap (the quick run's is smaller).
    const cap = config.keyframes.historyCapBytes;
    stack = await startBenchStack(cap === null ? {} : { HISTORY_CAP_BYTES: String(cap) });
    await run("keyframes", benchKeyframes, { ...ctx, stack });
  }
} finally {
  await cleanup();
}

const seconds = (performance.now() - started) / 1000;
const order = (row: Row) => SCENARIOS.indexOf(row.scenario as (typeof SCENARIOS)[number]);
rows.sort((a, b) => order(a) - order(b));
const table = renderTable(rows);
const notes = [
  `${config.rounds} measured rounds after ${config.warmupRounds} warm-up round(s), systems interleaved and rotated each round; ratios are the median of per-round ratios (min and max beside them).`,
  ...(ttyShare.ok ? [] : [ttyShare.note]),
  ...failures.map((f) => `FAILED ${f}`),
];
console.log(`\n${table}\n`);
for (const note of notes) console.log(`- ${note}`);
console.log(`\nbench finished in ${seconds.toFixed(1)} s`);

const report = { date, machine, seconds, table, notes };
if (values.out) writeRun(values.out, report);
else if (!config.quick && !values.only)
  writeRun(join(PROJECT_ROOT, "docs", "benchmarks.md"), report);
if (values.json) writeFileSync(values.json, JSON.stringify({ ...report, rows }, null, 2));
process.exitCode = failures.length > 0 ? 1 : 0;
