/** Scenario 4, fan-out: 1, 10 and 50 viewers in two child processes get a burst; then the largest count with a stalled viewer. */
// The stalled viewer (paused socket, never acks) joins the same session for the "with" runs and
// leaves after, and "with" and "without" alternate in order (A B, then B A), so neither the
// session nor the position in the round differs.
//
// "Viewer 0's echo": the first viewer of each burst session is its writer (it types the burst
// command, in child A). Echo in that same session would queue behind the burst: one ordered byte
// stream, so it measures the burst's length, not latency. So the echo is typed, while the burst
// fans out, into a second session on the same runner and edge (a raw `cat`), from the bench
// process: it shows whether a big fan-out makes other sessions sluggish.
import type { BenchStack } from "./bench-edge.ts";
import { createSession, endSession, openShell, type BenchSession } from "./bench-stack.ts";
import { rotate, type BenchContext } from "./config.ts";
import { markedCommand } from "./marker.ts";
import { fmt, type Row } from "./results.ts";
import { mbPerSecond, percentile, ratios, spread } from "./stats.ts";
import { Swarm } from "./swarm.ts";
import { echoLatencies, startRawEcho, webtermTypist, type Typist } from "./typist.ts";

const SCENARIO = "fan-out";
const MiB = 1024 * 1024;
const TIMEOUT_MS = 120_000;

/** One burst session and how its viewers are spread over the two children. */
interface Group {
  key: string;
  viewers: number;
  session: BenchSession;
  /** Viewers in child A (the writer among them) and in child B. */
  split: [number, number];
}

/** One burst: when the last viewer had it all, aggregate MB/s, and the echo meanwhile. */
interface Burst {
  lastMs: number;
  aggregate: number;
  echo: number[];
}

/** What one run of the round is: a group's burst, with or without the stalled viewer. */
interface Run {
  group: Group;
  stalled: boolean;
}

/** Runs the interleaved fan-out rounds. */
export async function benchFanOut(ctx: BenchContext): Promise<Row[]> {
  const { config, stack } = ctx;
  const swarms = [new Swarm(), new Swarm()] as const;
  const groups: Group[] = [];
  const echoSession = await createSession(stack);
  const echoWriter = await openShell(stack, echoSession);
  const echo = webtermTypist(echoWriter);
  try {
    await startRawEcho(echo, 10_000);
    for (const viewers of config.fanOut.viewers) {
      const session = await createSession(stack);
      const split: [number, number] = [Math.ceil(viewers / 2), Math.floor(viewers / 2)];
      const group: Group = { key: `${viewers}`, viewers, session, split };
      for (const c of [0, 1] as const) {
        if (split[c] === 0) continue;
        await swarms[c].open(group.key, {
          kind: "webterm",
          url: stack.url,
          sessionId: session.id,
          tokens: await viewerTokens(stack, session.id, split[c]),
          ...(c === 0 ? { writerToken: session.writerToken } : {}),
          count: split[c],
          stalled: 0,
        });
      }
      groups.push(group);
    }
    const stallGroup = groups.find((g) => g.viewers === config.fanOut.stallCompare)!;
    const results = new Map<string, Burst[]>();
    for (let r = 0; r < config.warmupRounds + config.rounds; r++) {
      const pair: Run[] = [
        { group: stallGroup, stalled: false },
        { group: stallGroup, stalled: true },
      ];
      if (r % 2 === 1) pair.reverse();
      const order = rotate<Run[]>(
        [
          ...groups.filter((g) => g !== stallGroup).map((g) => [{ group: g, stalled: false }]),
          pair,
        ],
        r,
      ).flat();
      for (const run of order) {
        const key = run.stalled ? "stall" : run.group.key;
        const burst = await runBurst(ctx, swarms, run, echo);
        ctx.log(
          `  fan-out round ${r} ${key}: last viewer ${fmt(burst.lastMs)} ms, ${fmt(burst.aggregate)} MB/s aggregate, echo p99 ${fmt(percentile(burst.echo, 99))} ms (${burst.echo.length} keys)`,
        );
        if (r >= config.warmupRounds) results.set(key, [...(results.get(key) ?? []), burst]);
      }
    }
    return rowsFor(groups, results, config.fanOut.burstBytes, stallGroup);
  } finally {
    for (const group of groups) {
      for (const swarm of swarms) await swarm.close(group.key).catch(() => {});
      await endSession(stack, group.session.id);
    }
    for (const swarm of swarms) await swarm.stop();
    await echoWriter.close();
    await endSession(stack, echoSession.id);
  }
}

/** One burst to a group (with a stalled viewer joined for it, if asked), echo typed meanwhile. */
async function runBurst(
  ctx: BenchContext,
  swarms: readonly [Swarm, Swarm],
  run: Run,
  echo: Typist,
): Promise<Burst> {
  const { group } = run;
  const stallKey = `${group.key}-stalled`;
  if (run.stalled) {
    // Child B, or A when B holds none of this group: one viewer that reads its welcome, then stops.
    const swarm = swarms[group.split[1] > 0 ? 1 : 0];
    await swarm.open(stallKey, {
      kind: "webterm",
      url: ctx.stack.url,
      sessionId: group.session.id,
      tokens: await viewerTokens(ctx.stack, group.session.id, 1),
      count: 0,
      stalled: 1,
    });
  }
  try {
    const { line, marker } = markedCommand(
      `head -c ${ctx.config.fanOut.burstBytes} ${ctx.dataFile}`,
    );
    const done: Promise<{ times: number[]; bytes: number[] }>[] = [];
    for (const c of [0, 1] as const) {
      if (group.split[c] > 0) done.push((await swarms[c].arm(group.key, marker, TIMEOUT_MS)).done);
    }
    const t0 = await swarms[0].type(group.key, line);
    let finished = false;
    const echoing = echoLatencies(echo, 100_000, {
      paceMs: ctx.config.echo.paceMs,
      timeoutMs: 10_000,
      until: () => finished,
    });
    echoing.catch(() => {}); // Awaited below, after the burst.
    const reports = await Promise.all(done).finally(() => (finished = true));
    const samples = await echoing;
    const lastMs = Math.max(...reports.flatMap((rep) => rep.times)) - t0;
    const total = reports.flatMap((rep) => rep.bytes).reduce((a, b) => a + b, 0);
    return { lastMs, aggregate: mbPerSecond(total, lastMs), echo: samples };
  } finally {
    if (run.stalled) await swarms[group.split[1] > 0 ? 1 : 0].close(stallKey);
  }
}

function rowsFor(
  groups: Group[],
  results: Map<string, Burst[]>,
  burst: number,
  stallGroup: Group,
): Row[] {
  const rows: Row[] = [];
  const label = burst >= MiB ? `${fmt(burst / MiB, 0)} MiB` : `${fmt(burst / 1024, 0)} KiB`;
  const plural = (n: number) => `${n} viewer${n > 1 ? "s" : ""}`;
  for (const group of groups) {
    const bursts = results.get(group.key) ?? [];
    const last = spread(bursts.map((b) => b.lastMs));
    const echo = bursts.flatMap((b) => b.echo);
    rows.push({
      scenario: SCENARIO,
      measure: `${plural(group.viewers)} × ${label}: last viewer has it all`,
      value: last.median,
      unit: "ms",
      context: `min ${fmt(last.min)}, max ${fmt(last.max)}; aggregate ${fmt(spread(bursts.map((b) => b.aggregate)).median)} MB/s`,
    });
    rows.push({
      scenario: SCENARIO,
      measure: `${plural(group.viewers)}: echo p99 in a second session during the burst`,
      value: percentile(echo, 99),
      unit: "ms",
      context: `p50 ${fmt(percentile(echo, 50))} ms over ${echo.length} keystrokes`,
    });
  }
  const without = results.get(stallGroup.key) ?? [];
  const withStall = results.get("stall") ?? [];
  const ratio = spread(
    ratios(
      withStall.map((b) => b.lastMs),
      without.map((b) => b.lastMs),
    ),
  );
  const agg = (bursts: Burst[]) => fmt(spread(bursts.map((b) => b.aggregate)).median);
  const p99 = (bursts: Burst[]) =>
    fmt(
      percentile(
        bursts.flatMap((b) => b.echo),
        99,
      ),
    );
  rows.push({
    scenario: SCENARIO,
    measure: `${plural(stallGroup.viewers)} + 1 stalled: time to last viewer, with ÷ without`,
    value: ratio.median,
    unit: "×",
    context: `per-round min ${fmt(ratio.min)}, max ${fmt(ratio.max)}; aggregate ${agg(withStall)} vs ${agg(without)} MB/s; echo p99 ${p99(withStall)} vs ${p99(without)} ms`,
    target: { text: "within 10% (0.9–1.1×)", met: ratio.median >= 0.9 && ratio.median <= 1.1 },
  });
  return rows;
}

let mintedTokens = 0;

/** `count` distinct viewer links for a session (distinct lifetimes make distinct tokens). */
async function viewerTokens(
  stack: BenchStack,
  sessionId: string,
  count: number,
): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const ttl_seconds = 3600 + ++mintedTokens;
    const minted = await stack.api("POST", `/api/sessions/${sessionId}/tokens`, {
      role: "viewer",
      ttl_seconds,
    });
    if (minted.status !== 201) throw new Error(`minting a viewer link: ${minted.status}`);
    tokens.push(minted.body.token as string);
  }
  return tokens;
}
