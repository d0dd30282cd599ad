/** Scenario 3, late-join replay: connect → last history byte, and → a headless xterm's final screen, against a local parse. */
// "Last byte": a joiner that acknowledges on receipt (the transport's pace). "Final screen": a
// joiner whose headless xterm acknowledges what it has parsed, as the browser does. Baseline: the
// same bytes parsed by a local xterm from memory.
import xtermHeadless from "@xterm/headless";
import { createSession, endSession, openShell, type BenchSession } from "./bench-stack.ts";
import { now, withTimeout } from "./clock.ts";
import { rotate, type BenchContext } from "./config.ts";
import { atMost, fmt, type Row } from "./results.ts";
import { mbPerSecond, ratios, spread } from "./stats.ts";
import { runMarked, webtermTypist } from "./typist.ts";
import { WebtermClient } from "./webterm-client.ts";

const { Terminal } = xtermHeadless;
const SCENARIO = "late-join";
const MiB = 1024 * 1024;

/** The history cap of the late-join stack: above the largest history (16 MiB), so none is trimmed. */
export const LATE_JOIN_HISTORY_CAP_BYTES = 32 * MiB;

/** The browser panel's terminal: 80×24 here, with its 10,000 lines of scrollback. */
function newTerminal() {
  return new Terminal({ cols: 80, rows: 24, scrollback: 10_000, allowProposedApi: true });
}

/** Joins late; resolves when the last byte of the history (as the welcome said) has arrived. */
async function joinForBytes(
  url: string,
  session: BenchSession,
  capture: Buffer[] | null,
): Promise<{ ms: number; bytes: number }> {
  const t0 = now();
  const client = new WebtermClient({ url, sessionId: session.id, token: session.viewerToken });
  const done = new Promise<number>((resolve) => {
    client.onOutput = (_offset, data) => {
      capture?.push(Buffer.from(data));
      if (client.end >= client.welcomed!.history.end) resolve(now());
    };
  });
  try {
    const at = await withTimeout(done, 60_000, "the replay's last byte");
    return { ms: at - t0, bytes: client.received };
  } finally {
    await client.close();
  }
}

/** Joins late with a headless xterm that acknowledges what it has parsed, like the browser. */
async function joinWithXterm(
  url: string,
  session: BenchSession,
): Promise<{ lastByteMs: number; screenMs: number }> {
  const t0 = now();
  const terminal = newTerminal();
  const client = new WebtermClient({
    url,
    sessionId: session.id,
    token: session.viewerToken,
    ack: "manual",
  });
  let lastByteAt = 0;
  const parsed = new Promise<number>((resolve) => {
    client.onOutput = (offset, data) => {
      const end = offset + data.byteLength;
      const last = end >= client.welcomed!.history.end;
      if (last) lastByteAt = now();
      terminal.write(data, () => {
        client.processed(end);
        if (last) resolve(now());
      });
    };
  });
  try {
    const at = await withTimeout(parsed, 120_000, "the joiner's xterm to parse the replay");
    return { lastByteMs: lastByteAt - t0, screenMs: at - t0 };
  } finally {
    await client.close();
    terminal.dispose();
  }
}

/** The baseline: the same bytes, in the same chunks, parsed by a local xterm from memory. */
async function parseLocally(chunks: Buffer[]): Promise<number> {
  const terminal = newTerminal();
  const t0 = now();
  const done = new Promise<number>((resolve) => {
    chunks.forEach((chunk, i) =>
      terminal.write(chunk, i === chunks.length - 1 ? () => resolve(now()) : undefined),
    );
  });
  try {
    return (await withTimeout(done, 120_000, "a local xterm to parse")) - t0;
  } finally {
    terminal.dispose();
  }
}

/** Prepares one session per size, then interleaves the three measurements per round. */
export async function benchLateJoin(ctx: BenchContext): Promise<Row[]> {
  const { config, stack } = ctx;
  const sizes = config.lateJoinBytes;
  const sessions: BenchSession[] = [];
  try {
    for (const size of sizes) {
      const session = await createSession(stack);
      const writer = await openShell(stack, session);
      await runMarked(webtermTypist(writer), `head -c ${size} ${ctx.dataFile}`, 120_000);
      await writer.close();
      sessions.push(session);
    }
    const captured: (Buffer[] | null)[] = sizes.map(() => null);
    const series = sizes.map(() => ({
      bytes: [] as number[],
      xtermLast: [] as number[],
      screen: [] as number[],
      local: [] as number[],
      size: 0,
    }));
    for (let r = 0; r < config.warmupRounds + config.rounds; r++) {
      for (const i of rotate(
        sizes.map((_, k) => k),
        r,
      )) {
        const session = sessions[i]!;
        const capture = captured[i] ? null : (captured[i] = []);
        const bytes = await joinForBytes(stack.url, session, capture);
        const xterm = await joinWithXterm(stack.url, session);
        const local = await parseLocally(captured[i]!);
        ctx.log(
          `  late-join round ${r} ${fmt(sizes[i]! / MiB)} MiB: last byte ${fmt(bytes.ms)} ms, xterm screen ${fmt(xterm.screenMs)} ms, local parse ${fmt(local)} ms`,
        );
        if (r < config.warmupRounds) continue;
        const s = series[i]!;
        s.size = bytes.bytes;
        s.bytes.push(bytes.ms);
        s.xtermLast.push(xterm.lastByteMs);
        s.screen.push(xterm.screenMs);
        s.local.push(local);
      }
    }
    const rows: Row[] = [];
    sizes.forEach((size, i) => {
      const s = series[i]!;
      const label = size >= MiB ? `${fmt(size / MiB, 0)} MiB` : `${fmt(size / 1024, 0)} KiB`;
      const last = spread(s.bytes);
      rows.push({
        scenario: SCENARIO,
        measure: `${label} history: connect → last byte`,
        value: last.median,
        unit: "ms",
        context: `min ${fmt(last.min)}, max ${fmt(last.max)}; ${fmt(mbPerSecond(s.size, last.median))} MB/s over ${fmt(s.size / MiB)} MiB replayed`,
        ...(size === 4 * MiB ? { target: atMost(last.median, 50, " ms") } : {}),
      });
      const screen = spread(s.screen);
      const vsLocal = spread(ratios(s.screen, s.local));
      rows.push({
        scenario: SCENARIO,
        measure: `${label} history: connect → xterm final screen`,
        value: screen.median,
        unit: "ms",
        context: `last byte (parse-paced acks) ${fmt(spread(s.xtermLast).median)} ms; local xterm parse of the same bytes ${fmt(spread(s.local).median)} ms; ours ÷ local ${fmt(vsLocal.median)}× (min ${fmt(vsLocal.min)}, max ${fmt(vsLocal.max)})`,
      });
    });
    return rows;
  } finally {
    for (const session of sessions) await endSession(stack, session.id);
  }
}
