/** Scenario 2, keystroke echo round trip: ours, a one-hop node-pty server and tty-share, quiet and while a neighbour floods. */
// Single keystrokes into a raw `cat`, one at a time. Under flood, a second session of the same
// system (another PTY, another tty-share) runs `yes`, read by a client in a child process.
import { createSession, endSession, openShell, type Stack } from "./bench-stack.ts";
import { benchEchoHops } from "./echo-hops.ts";
import { sleep, withTimeout } from "./clock.ts";
import { rotate, type BenchContext } from "./config.ts";
import { DirectPtyClient, startDirectPtyServer, type DirectPtyServer } from "./direct-pty.ts";
import { atMost, fmt, skipped, type Row } from "./results.ts";
import { mbPerSecond, percentile, ratios, spread } from "./stats.ts";
import { Swarm } from "./swarm.ts";
import { TtyShareClient, startTtyShare } from "./tty-share.ts";
import {
  echoLatencies,
  plainTypist,
  startRawEcho,
  waitForText,
  webtermTypist,
  type Typist,
} from "./typist.ts";

const SCENARIO = "echo";
type System = "ours" | "direct" | "tty";
const NAMES: Record<System, string> = { ours: "ours", direct: "direct one-hop", tty: "tty-share" };

/** An echo terminal of one system, and how to flood a neighbour of it. */
interface EchoSystem {
  typist: Typist;
  /** Starts a flood next to it, read by the swarm; returns how to stop it. */
  flood(swarm: Swarm, group: string): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

/** Measures quiet and flooded echo latency, interleaved across systems. */
export async function benchEcho(ctx: BenchContext): Promise<Row[]> {
  const { config } = ctx;
  const systems: Partial<Record<System, EchoSystem>> = {};
  const swarm = new Swarm();
  let direct: DirectPtyServer | null = null;
  try {
    systems.ours = await oursSystem(ctx.stack);
    direct = await startDirectPtyServer();
    systems.direct = await directSystem(direct);
    if (ctx.ttyShare.ok) systems.tty = await ttySystem();
    const order = Object.keys(systems) as System[];
    const pace = { paceMs: config.echo.paceMs };

    for (const system of order)
      await echoLatencies(systems[system]!.typist, config.echo.warmup, pace);
    const quiet = emptySeries(order);
    for (let r = 0; r < config.rounds; r++) {
      for (const system of rotate(order, r)) {
        quiet[system].push(
          await echoLatencies(systems[system]!.typist, config.echo.perRound, pace),
        );
      }
    }
    ctx.log(
      `  echo quiet p50: ${order.map((s) => `${s} ${fmt(percentile(quiet[s].flat(), 50))} ms`).join(", ")}`,
    );
    // Back to back: the next key as soon as the previous echo is back (machine speed, not a
    // person's); shows what output pacing does to a fast sequence of small outputs.
    const backToBack = emptySeries(order);
    for (let r = 0; r < config.rounds; r++) {
      for (const system of rotate(order, r)) {
        backToBack[system].push(
          await echoLatencies(systems[system]!.typist, Math.ceil(config.echo.perRound / 2)),
        );
      }
    }

    const flooded = emptySeries(order);
    const floodRates = emptySeries(order);
    for (let r = 0; r < config.warmupRounds + config.rounds; r++) {
      for (const system of rotate(order, r)) {
        const group = `flood-${system}-${r}`;
        const target = systems[system]!;
        const stop = await target.flood(swarm, group);
        try {
          await sleep(config.echo.floodSettleMs);
          const before = await swarm.received(group);
          const t0 = performance.now();
          const samples = await echoLatencies(target.typist, config.echo.perRound, {
            ...pace,
            timeoutMs: 10_000,
          });
          const rate = mbPerSecond((await swarm.received(group)) - before, performance.now() - t0);
          if (r >= config.warmupRounds) {
            flooded[system].push(samples);
            floodRates[system].push([rate]);
          }
          ctx.log(
            `  echo flood round ${r} ${system}: p99 ${fmt(percentile(samples, 99))} ms, flood ${fmt(rate)} MB/s`,
          );
        } finally {
          await stop();
        }
        await sleep(200);
      }
    }
    const rows = rowsFor(order, quiet, backToBack, flooded, floodRates, ctx);
    // Where our figure's time goes, hop by hop (in a session of its own).
    rows.push(...(await benchEchoHops(ctx)));
    return rows;
  } finally {
    await swarm.stop();
    for (const system of Object.values(systems)) await system?.stop().catch(() => {});
    await direct?.stop();
  }
}

function emptySeries(order: System[]): Record<System, number[][]> {
  return Object.fromEntries(order.map((s) => [s, []])) as unknown as Record<System, number[][]>;
}

async function oursSystem(stack: Stack): Promise<EchoSystem> {
  const session = await createSession(stack);
  const writer = await openShell(stack, session);
  const typist = webtermTypist(writer);
  await startRawEcho(typist, 10_000);
  return {
    typist,
    async flood(swarm, group) {
      const flood = await createSession(stack);
      const floodWriter = await openShell(stack, flood);
      await swarm.open(group, {
        kind: "webterm",
        url: stack.url,
        sessionId: flood.id,
        tokens: [flood.viewerToken],
        count: 1,
        stalled: 0,
      });
      floodWriter.type("yes\r");
      // The writer is a viewer too: leave, so only the swarm's reader reads the flood.
      await floodWriter.close();
      return async () => {
        await endSession(stack, flood.id);
        await swarm.close(group);
      };
    },
    async stop() {
      await writer.close();
      await endSession(stack, session.id);
    },
  };
}

async function directSystem(server: DirectPtyServer): Promise<EchoSystem> {
  const client = new DirectPtyClient(server.url, "stty raw -echo; echo READY_$((1+1)); exec cat");
  const typist = plainTypist(client);
  const ready = waitForText(typist, "READY_2", 10_000, "the direct PTY's cat");
  await withTimeout(client.open, 10_000, "the direct server to accept");
  await ready;
  return {
    typist,
    async flood(swarm, group) {
      await swarm.open(group, { kind: "direct", url: server.url, cmd: "exec yes" });
      return () => swarm.close(group);
    },
    async stop() {
      client.close();
    },
  };
}

async function ttySystem(): Promise<EchoSystem> {
  const server = await startTtyShare();
  const client = new TtyShareClient(server.url);
  await withTimeout(client.open, 10_000, "tty-share to accept the client");
  const typist = plainTypist(client);
  await startRawEcho(typist, 10_000);
  return {
    typist,
    async flood(swarm, group) {
      const flood = await startTtyShare("yes");
      await swarm.open(group, { kind: "tty-share", url: flood.url });
      return async () => {
        await swarm.close(group).catch(() => {});
        await flood.stop();
      };
    },
    async stop() {
      client.close();
      await server.stop();
    },
  };
}

function rowsFor(
  order: System[],
  quiet: Record<System, number[][]>,
  backToBack: Record<System, number[][]>,
  flooded: Record<System, number[][]>,
  floodRates: Record<System, number[][]>,
  ctx: BenchContext,
): Row[] {
  const pct = (series: number[][], p: number) => percentile(series.flat(), p);
  const describe = (s: System, series: Record<System, number[][]>) =>
    `${NAMES[s]} p50 ${fmt(pct(series[s], 50))}, p99 ${fmt(pct(series[s], 99))} ms`;
  const others = order.filter((s) => s !== "ours");
  const n = quiet.ours.flat().length;
  const rows: Row[] = [
    {
      scenario: SCENARIO,
      measure: `keystroke → echo p50 (${n} keys, ≥ ${ctx.config.echo.paceMs} ms apart)`,
      value: pct(quiet.ours, 50),
      unit: "ms",
      context: `p90 ${fmt(pct(quiet.ours, 90))} ms; ${others.map((s) => describe(s, quiet)).join("; ")}`,
      target: atMost(pct(quiet.ours, 50), 1.5, " ms"),
    },
    {
      scenario: SCENARIO,
      measure: "keystroke → echo p99",
      value: pct(quiet.ours, 99),
      unit: "ms",
      target: atMost(pct(quiet.ours, 99), 5, " ms"),
    },
  ];
  for (const other of ["direct", "tty"] as const) {
    const measure = `echo p50: ours ÷ ${NAMES[other]}`;
    if (!order.includes(other)) {
      rows.push(skipped(SCENARIO, measure, "×", ctx.ttyShare.ok ? "" : ctx.ttyShare.note));
      continue;
    }
    const perRound = spread(
      ratios(
        quiet.ours.map((s) => percentile(s, 50)),
        quiet[other].map((s) => percentile(s, 50)),
      ),
    );
    rows.push({
      scenario: SCENARIO,
      measure,
      value: perRound.median,
      unit: "×",
      context: `per-round min ${fmt(perRound.min)}, max ${fmt(perRound.max)}`,
    });
  }
  rows.push({
    scenario: SCENARIO,
    measure: "keystroke → echo p50, keys back to back (no gap)",
    value: pct(backToBack.ours, 50),
    unit: "ms",
    context: `p99 ${fmt(pct(backToBack.ours, 99))} ms; ${others.map((s) => describe(s, backToBack)).join("; ")}`,
  });
  const rate = (s: System) => fmt(spread(floodRates[s].flat()).median);
  rows.push({
    scenario: SCENARIO,
    measure: "echo p99 while another session floods `yes`",
    value: pct(flooded.ours, 99),
    unit: "ms",
    context: `ours p50 ${fmt(pct(flooded.ours, 50))} ms, flood ${rate("ours")} MB/s; ${others
      .map((s) => `${describe(s, flooded)} (flood ${rate(s)} MB/s)`)
      .join("; ")}`,
    target: atMost(pct(flooded.ours, 99), 10, " ms"),
  });
  return rows;
}
