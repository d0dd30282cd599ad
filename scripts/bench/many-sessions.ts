/** Scenario 5, many sessions: the runner process's RSS per idle shell (the shells' own memory reported apart). */
// A fresh runner process opens N idle shells: VmRSS of the runner's own process with N sessions
// minus with none, divided by N. The shells are separate processes: their memory is not in the
// runner's RSS and is reported beside it.
import { readdirSync, readFileSync } from "node:fs";
import { startRunnerProcess } from "../lib/dev-stack.ts";
import { mintHostCredential } from "../lib/host-credentials.ts";
import { waitForHost } from "./bench-edge.ts";
import { createSession, endSession, type Stack } from "./bench-stack.ts";
import { track } from "./children.ts";
import { now, sleep } from "./clock.ts";
import type { BenchContext } from "./config.ts";
import { fmt, type Row } from "./results.ts";
import { median } from "./stats.ts";

const SCENARIO = "many-sessions";
const HOST = "bench-many";
const KiB = 1024;

/** A process's resident memory in bytes (VmRSS in /proc/PID/status), or NaN. */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * KiB : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Direct children of `pid` (from /proc/N/stat). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // The command name may contain spaces and parentheses: fields start after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** The median of a few RSS samples, 200 ms apart, after letting things settle. */
async function settledRss(pid: number): Promise<number> {
  await sleep(2000);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssBytes(pid));
    await sleep(200);
  }
  return median(samples);
}

/** Waits until every session has printed something (its prompt): the shell is up and idle. */
async function waitForPrompts(stack: Stack, ids: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...ids];
  while (pending.length > 0) {
    const next: string[] = [];
    for (const id of pending) {
      const info = await stack.api("GET", `/api/sessions/${id}`);
      if (!(info.body.history?.end > 0 && info.body.runner === "online")) next.push(id);
    }
    pending = next;
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending.length} sessions never printed a prompt`);
    await sleep(250);
  }
}

/** Opens N sessions on a runner of its own and reports the runner's RSS per session. */
export async function benchManySessions(ctx: BenchContext): Promise<Row[]> {
  const { stack, config } = ctx;
  const count = config.manySessions;
  const runner = startRunnerProcess({
    url: stack.url,
    host: HOST,
    token: await mintHostCredential(stack.url, stack.secrets.API_TOKEN, HOST),
    extraArgs: ["--max-sessions", String(count)],
  });
  track(runner.child);
  const ids: string[] = [];
  try {
    await waitForHost(stack.api, HOST, 30_000);
    const pid = runner.child.pid!;
    const before = await settledRss(pid);
    const t0 = now();
    for (let i = 0; i < count; i++) ids.push((await createSession(stack, { host: HOST })).id);
    await waitForPrompts(stack, ids, 120_000);
    const openMs = now() - t0;
    const after = await settledRss(pid);
    const shells = childrenOf(pid);
    const shellRss = shells.reduce((sum, child) => sum + rssBytes(child), 0);
    const perSession = (after - before) / count;
    ctx.log(
      `  many-sessions: runner RSS ${fmt(before / 2 ** 20)} → ${fmt(after / 2 ** 20)} MiB with ${count} sessions; ${shells.length} shells`,
    );
    return [
      {
        scenario: SCENARIO,
        measure: `runner RSS per idle session (${count} sessions)`,
        value: perSession / KiB,
        unit: "KiB",
        context: `runner VmRSS ${fmt(before / 2 ** 20)} MiB with 0 sessions, ${fmt(after / 2 ** 20)} MiB with ${count}; not included: the ${shells.length} shells' own RSS (separate processes), ${fmt(shellRss / 2 ** 20)} MiB in all, ${fmt(shellRss / Math.max(1, shells.length) / KiB, 0)} KiB each; all ${count} opened and prompting in ${fmt(openMs / 1000)} s`,
      },
    ];
  } finally {
    for (const id of ids) await endSession(stack, id);
    await runner.stop();
  }
}
