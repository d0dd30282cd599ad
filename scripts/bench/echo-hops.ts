/** Where our echo's time goes: three round trips from one writer socket, told apart by their hops. */
// Interleaved one by one on the same socket, ≥ paceMs apart:
//   session   a malformed control message, answered by the session object itself (viewer ⇄ object);
//   host      a host ping, answered by the runner (viewer → object → runner → object → viewer);
//   echo      a keystroke into a raw `cat` (the host path plus the PTY and the output path).
// host − session is the runner's leg through the object; echo − host is the PTY, the input log's
// write and the output path (differences of medians, over every sample).
import WebSocket from "ws";
import { encodeInputFrame, offeredSubprotocols } from "../../protocol/index.ts";
import { createSession, endSession, openShell, type Stack } from "./bench-stack.ts";
import { withTimeout } from "./clock.ts";
import type { BenchContext } from "./config.ts";
import { fmt, type Row } from "./results.ts";
import { percentile } from "./stats.ts";
import { startRawEcho, webtermTypist } from "./typist.ts";

type Trip = "session" | "host" | "echo";
const TRIPS: Trip[] = ["session", "host", "echo"];

/** Rows for the echo scenario: each round trip's p50 and the hop differences. */
export async function benchEchoHops(ctx: BenchContext): Promise<Row[]> {
  const { config } = ctx;
  const samples = await measureTrips(ctx.stack, config.rounds * config.echo.perRound, {
    paceMs: config.echo.paceMs,
  });
  const p50 = (trip: Trip) => percentile(samples[trip], 50);
  const n = samples.echo.length;
  const row = (trip: Trip, measure: string, context: string): Row => ({
    scenario: "echo",
    measure,
    value: p50(trip),
    unit: "ms",
    context: `p90 ${fmt(percentile(samples[trip], 90))} ms; ${context}`,
  });
  return [
    row(
      "session",
      `hops: viewer ⇄ session object p50 (${n} malformed control messages it answers)`,
      "no runner, no storage",
    ),
    row(
      "host",
      "hops: viewer → session → runner → session → viewer p50 (host ping)",
      `the runner's leg adds ${fmt(p50("host") - p50("session"))} ms to the round trip above`,
    ),
    row(
      "echo",
      "hops: keystroke echo p50, interleaved with the two above",
      `the PTY, the input log's write and the output path add ${fmt(p50("echo") - p50("host"))} ms`,
    ),
  ];
}

/** Opens a raw-echo session and a second writer socket on it; `count` round trips of each kind. */
async function measureTrips(
  stack: Stack,
  count: number,
  options: { paceMs: number },
): Promise<Record<Trip, number[]>> {
  const session = await createSession(stack);
  const writer = await openShell(stack, session);
  await startRawEcho(webtermTypist(writer), 10_000);
  await writer.close();
  // A socket of its own: the bench's viewer reports every error, and these are on purpose.
  const base = stack.url.replace(/^http/, "ws");
  const ws = new WebSocket(
    `${base}/api/sessions/${session.id}/connect`,
    offeredSubprotocols(session.writerToken),
    { perMessageDeflate: false },
  );
  let wake: ((trip: Trip) => void) | null = null;
  let live!: () => void;
  const isLive = new Promise<void>((resolve) => (live = resolve));
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    if (isBinary) {
      // Output frames: the echo is the letter sent (the replay before `live` holds none of them).
      if (data.includes(0x71)) wake?.("echo");
      return;
    }
    const message = JSON.parse(data.toString("utf8")) as { type: string };
    if (message.type === "live") live();
    else if (message.type === "error") wake?.("session");
    else if (message.type === "host-pong") wake?.("host");
  });
  try {
    await withTimeout(isLive, 20_000, "the hops socket to go live");
    const samples: Record<Trip, number[]> = { session: [], host: [], echo: [] };
    for (let i = 0; i < count * TRIPS.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, options.paceMs));
      const trip = TRIPS[i % TRIPS.length]!;
      const back = new Promise<void>((resolve) => {
        wake = (got) => {
          if (got !== trip) return;
          wake = null;
          resolve();
        };
      });
      const t0 = performance.now();
      if (trip === "session") ws.send("{not json");
      else if (trip === "host") ws.send(JSON.stringify({ type: "host-ping", id: i }));
      else ws.send(encodeInputFrame(new TextEncoder().encode("q")));
      await withTimeout(back, 10_000, `the ${trip} round trip`);
      samples[trip].push(performance.now() - t0);
    }
    return samples;
  } finally {
    ws.close();
    await endSession(stack, session.id);
  }
}
