/** Scenario 8, keyframes (issue 12), on a stack with the production history cap: a late joiner's connect → checked final screen, read_output's latency, and what keyframes cost the throughput of `head -c`. */
// Each history size gets a session filled by `head -c SIZE` of the data file while a viewer that
// connected first receives every byte from 0; those bytes, parsed locally, are the reference every
// joiner's final screen is compared with, cell by cell. Sizes over the cap are trimmed, so a
// joiner gets the newest keyframe and the output after it; the smallest size is not trimmed and is
// replayed whole. Baselines in the same rounds: a local xterm parsing the retained bytes from
// memory (what a replay costs), and the retained history rendered locally the way read_output did
// before keyframes. Throughput: the same `head -c` through the stack's runner (keyframes on) and a
// second runner started with --no-keyframes (another host), interleaved.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import xtermHeadless from "@xterm/headless";
import {
  createHeadlessTerminal,
  type HeadlessTerminal,
} from "../../pty-runner/keyframes/headless-terminal.ts";
import { firstDifference, visibleText } from "../../test/harness/terminal-compare.ts";
import { startRunnerProcess, type ManagedProcess } from "../lib/dev-stack.ts";
import { mintHostCredential } from "../lib/host-credentials.ts";
import { waitForHost } from "./bench-edge.ts";
import {
  createSession,
  endSession,
  openShell,
  type BenchSession,
  type Stack,
} from "./bench-stack.ts";
import { track } from "./children.ts";
import { now, sleep, withTimeout } from "./clock.ts";
import { rotate, type BenchContext } from "./config.ts";
import { MarkerScanner, markedCommand } from "./marker.ts";
import { atLeast, atMost, fmt, type Row } from "./results.ts";
import { mbPerSecond, percentile, ratios, spread } from "./stats.ts";
import { runMarked, webtermTypist } from "./typist.ts";
import { WebtermClient, type Welcome } from "./webterm-client.ts";

const SCENARIO = "keyframes";
const MiB = 1024 * 1024;
/** The second runner's host: the same runner build, started with --no-keyframes. */
const NO_KEYFRAMES_HOST = "bench-no-keyframes";
/** The browser panel's scrollback; the joiner and the reference terminal both keep this much. */
const SCROLLBACK = 10_000;
/** Output must have stopped this long before a session counts as settled (4× the runner's 250 ms quiet period). */
const QUIET_MS = 1000;
/**
 * The runner takes a keyframe at a quiet moment only if this much output came since its newest one
 * (QuietKeyframes in pty-runner/keyframes/keyframe-policy.ts): closer to the end, none comes.
 */
const QUIET_KEYFRAME_MIN_BYTES = 16 * 1024;

/** A session filled with output, and what a correct joiner must end up with. */
interface Filled {
  bytes: number;
  session: BenchSession;
  /** The history once settled, and the keyframe a joiner gets (null: not trimmed, no keyframe). */
  welcome: Welcome;
  /** A terminal fed every byte from offset 0, in order: the correct final state. */
  reference: HeadlessTerminal;
  /** The reference's screen as read_output renders one. */
  referenceScreen: string;
  /** The retained history [start, end), in the chunks it arrived in. */
  retained: Buffer[];
}

const label = (bytes: number): string =>
  bytes >= MiB ? `${fmt(bytes / MiB, 0)} MiB` : `${fmt(bytes / 1024, 0)} KiB`;

function write(terminal: { write(data: Uint8Array, cb: () => void): void }, data: Uint8Array) {
  return new Promise<void>((resolve) => terminal.write(data, resolve));
}

/** Connects, reads the welcome and leaves. */
async function peekWelcome(stack: Stack, session: BenchSession): Promise<Welcome> {
  const client = new WebtermClient({
    url: stack.url,
    sessionId: session.id,
    token: session.viewerToken,
    ack: "never",
  });
  try {
    return await withTimeout(client.welcome, 10_000, "a welcome");
  } finally {
    await client.close();
  }
}

/**
 * Fills a fresh session with `head -c bytes` of the data file while a viewer connected before the
 * command receives every byte from 0, then waits until the session has settled: the viewer holds
 * the history's end and has had no output for QUIET_MS, and, if the history was trimmed, a join's
 * welcome offers a keyframe that is either at the end (the runner's quiet keyframe) or less than
 * QUIET_KEYFRAME_MIN_BYTES before it (no quiet keyframe will come). An untrimmed history offers no
 * keyframe to a joiner, so only the quiet period can be seen there.
 */
async function fill(ctx: BenchContext, stack: Stack, bytes: number): Promise<Filled> {
  const session = await createSession(stack, { host: "local" });
  try {
    return await fillSession(ctx, stack, session, bytes);
  } catch (error) {
    await endSession(stack, session.id);
    throw error;
  }
}

async function fillSession(
  ctx: BenchContext,
  stack: Stack,
  session: BenchSession,
  bytes: number,
): Promise<Filled> {
  const writer = await openShell(stack, session);
  const watcher = new WebtermClient({
    url: stack.url,
    sessionId: session.id,
    token: session.viewerToken,
  });
  const chunks: { offset: number; data: Buffer }[] = [];
  let next = 0;
  let gap: string | null = null;
  let lastOutputAt = now();
  const { line, marker } = markedCommand(`head -c ${bytes} ${ctx.dataFile}`);
  const scanner = new MarkerScanner(marker);
  const seen = new Promise<void>((resolve) => {
    watcher.onOutput = (offset, data) => {
      if (offset !== next) gap ??= `a frame at ${offset}, expected ${next}`;
      next = offset + data.byteLength;
      chunks.push({ offset, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
      lastOutputAt = now();
      if (scanner.feed(data)) resolve();
    };
  });
  try {
    await withTimeout(watcher.live, 20_000, "the watcher to catch up");
    writer.type(line);
    await withTimeout(seen, 60_000 + bytes / 1000, `\`head -c ${bytes}\` to finish`);
    const deadline = now() + 60_000;
    let welcome: Welcome;
    for (;;) {
      welcome = await peekWelcome(stack, session);
      const { start, end } = welcome.history;
      const keyframe = welcome.keyframe ?? null;
      const settled =
        next === end &&
        now() - lastOutputAt >= QUIET_MS &&
        (start === 0 ||
          (keyframe !== null &&
            (keyframe.offset === end || end - keyframe.offset < QUIET_KEYFRAME_MIN_BYTES)));
      if (settled) break;
      if (now() > deadline) {
        throw new Error(
          `the ${label(bytes)} session did not settle: history [${start}, ${end}), keyframe ${JSON.stringify(welcome.keyframe ?? null)}, watcher at ${next}`,
        );
      }
      await sleep(100);
    }
    if (gap || watcher.resumes > 0 || watcher.skippedBytes > 0 || chunks[0]?.offset !== 0) {
      throw new Error(
        `the reference viewer of the ${label(bytes)} session missed output (${gap ?? `${watcher.resumes} resumes, ${watcher.skippedBytes} bytes skipped`}): nothing to check joiners against`,
      );
    }
    // The reference: every byte from 0, parsed chunk by chunk (xterm refuses more than 50 MB queued).
    const reference = createHeadlessTerminal({ ...welcome.size, scrollback: SCROLLBACK });
    for (const chunk of chunks) await write(reference, chunk.data);
    const start = welcome.history.start;
    const retained = chunks
      .filter((c) => c.offset + c.data.byteLength > start)
      .map((c) => (c.offset >= start ? c.data : c.data.subarray(start - c.offset)));
    ctx.log(
      `  keyframes: ${label(bytes)} session settled, history [${start}, ${welcome.history.end}), keyframe ${welcome.keyframe ? `at ${welcome.keyframe.offset}` : "none offered (not trimmed)"}`,
    );
    return {
      bytes,
      session,
      welcome,
      reference,
      referenceScreen: visibleText(reference),
      retained,
    };
  } finally {
    await watcher.close();
    await writer.close();
  }
}

/** One late join, as the panel does it: connect → a fresh xterm with every frame parsed. */
interface Join {
  ms: number;
  /** Connect → the welcome message. */
  welcomeMs: number;
  keyframeBytes: number;
  /** Output bytes replayed after the keyframe (or from the start). */
  replayedBytes: number;
  /** null: the final state equals the reference's. */
  difference: string | null;
}

/**
 * Joins with a headless xterm that acknowledges what it has parsed: a keyframe builds a fresh
 * terminal at the keyframe's size, resized to the session's size if different; output frames
 * follow. Timed from connecting to the last history byte parsed; then compared with the reference.
 */
async function joinWithXterm(stack: Stack, filled: Filled): Promise<Join> {
  const t0 = now();
  const client = new WebtermClient({
    url: stack.url,
    sessionId: filled.session.id,
    token: filled.session.viewerToken,
    ack: "manual",
  });
  let terminal: HeadlessTerminal | null = null;
  let welcomeAt = Number.NaN;
  client.welcome.then(() => (welcomeAt = now())).catch(() => {});
  const done = new Promise<number>((resolve) => {
    const parsedTo = (end: number) => {
      client.processed(end);
      if (end >= client.welcomed!.history.end) resolve(now());
    };
    client.onKeyframe = ({ offset, cols, rows, data }) => {
      const size = client.welcomed!.size;
      terminal?.dispose();
      const fresh = createHeadlessTerminal({ cols, rows, scrollback: SCROLLBACK });
      terminal = fresh;
      fresh.write(data, () => {
        // In the write's callback: before any output frame queued after it is parsed.
        if (cols !== size.cols || rows !== size.rows) fresh.resize(size.cols, size.rows);
        parsedTo(offset);
      });
    };
    client.onOutput = (offset, data) => {
      terminal ??= createHeadlessTerminal({ ...client.welcomed!.size, scrollback: SCROLLBACK });
      const end = offset + data.byteLength;
      terminal.write(data, () => parsedTo(end));
    };
  });
  try {
    const at = await withTimeout(done, 120_000, "the joiner's xterm to reach the history's end");
    const welcome = client.welcomed!;
    const trimmed = welcome.history.start > 0;
    const built = terminal as HeadlessTerminal | null;
    let difference = built ? firstDifference(filled.reference, built) : "no terminal";
    if (trimmed && !welcome.keyframe)
      difference = `no keyframe offered for a trimmed history; ${difference ?? "same state"}`;
    return {
      ms: at - t0,
      welcomeMs: welcomeAt - t0,
      keyframeBytes: client.keyframeBytes,
      replayedBytes: client.received,
      difference,
    };
  } finally {
    await client.close();
    (terminal as HeadlessTerminal | null)?.dispose();
  }
}

/** The replay baseline: the retained bytes, in the same chunks, parsed by a local xterm from memory. */
async function parseLocally(filled: Filled): Promise<number> {
  const terminal = createHeadlessTerminal({ ...filled.welcome.size, scrollback: SCROLLBACK });
  const t0 = now();
  const last = filled.retained.length - 1;
  const done = new Promise<number>((resolve) => {
    filled.retained.forEach((chunk, i) =>
      terminal.write(chunk, i === last ? () => resolve(now()) : () => {}),
    );
  });
  try {
    return (await withTimeout(done, 120_000, "a local xterm to parse")) - t0;
  } finally {
    terminal.dispose();
  }
}

/**
 * read_output before keyframes, locally: the whole retained history (one buffer) replayed into a
 * fresh @xterm/headless of the session's size without scrollback, then its screen read.
 */
async function renderTheOldWay(history: Uint8Array, cols: number, rows: number): Promise<number> {
  const terminal = new xtermHeadless.Terminal({
    cols,
    rows,
    allowProposedApi: true,
    scrollback: 0,
  });
  try {
    const t0 = now();
    await write(terminal, history);
    visibleText(terminal);
    return now() - t0;
  } finally {
    terminal.dispose();
  }
}

/** One read_output call: its round trip (response parsed) and the screen it returned. */
async function readOutput(
  stack: Stack,
  sessionId: string,
  sinceOffset?: number,
): Promise<{ ms: number; screen: string }> {
  const t0 = now();
  const response = await stack.api("POST", "/api/tools/read_output", {
    session_id: sessionId,
    ...(sinceOffset === undefined ? {} : { since_offset: sinceOffset }),
  });
  const ms = now() - t0;
  if (response.status !== 200) {
    throw new Error(`read_output answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return { ms, screen: response.body.screen as string };
}

/** The floor of an API call to a session: GET /api/sessions/{id} (the Worker, the session object, back). */
async function describeSession(stack: Stack, sessionId: string): Promise<number> {
  const t0 = now();
  const response = await stack.api("GET", `/api/sessions/${sessionId}`);
  const ms = now() - t0;
  if (response.status !== 200)
    throw new Error(`GET /api/sessions/${sessionId}: ${response.status}`);
  return ms;
}

/** CPU time (user + system, seconds) a process has used so far, from /proc/PID/stat. */
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim()) || 100;
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Joins and read_output against every filled session, rounds interleaved by size. */
async function measureJoinsAndReads(ctx: BenchContext, stack: Stack, filled: Filled[]) {
  const { config } = ctx;
  const series = filled.map(() => ({
    join: [] as number[],
    local: [] as number[],
    joins: [] as Join[],
    mismatches: [] as string[],
    readDefault: [] as number[],
    readAtEnd: [] as number[],
    describe: [] as number[],
    readDefaultRoundP50: [] as number[],
    readAtEndRoundP50: [] as number[],
    oldWay: [] as number[],
    screenMismatches: [] as string[],
  }));
  const histories = filled.map((f) => Buffer.concat(f.retained));
  for (let r = 0; r < config.warmupRounds + config.rounds; r++) {
    const measured = r >= config.warmupRounds;
    for (const i of rotate(
      filled.map((_, k) => k),
      r,
    )) {
      const f = filled[i]!;
      const s = series[i]!;
      const join = await joinWithXterm(stack, f);
      const local = await parseLocally(f);
      // read_output: the call without since_offset (screen + the last 256 KiB of output) and the
      // call an agent polling for new output makes (since_offset at the end), with a plain GET of
      // the session as the floor of any call; the three rotated call by call.
      const defaults: number[] = [];
      const atEnd: number[] = [];
      const describes: number[] = [];
      const calls = ["default", "at-end", "describe"] as const;
      for (let c = 0; c < config.keyframes.readOutputCalls; c++) {
        for (const call of rotate(calls, c)) {
          if (call === "describe") {
            describes.push(await describeSession(stack, f.session.id));
            continue;
          }
          const since = call === "at-end" ? f.welcome.history.end : undefined;
          const read = await readOutput(stack, f.session.id, since);
          (call === "default" ? defaults : atEnd).push(read.ms);
          if (read.screen !== f.referenceScreen && measured) {
            s.screenMismatches.push(
              `read_output (${call}) screen ${JSON.stringify(read.screen.slice(-200))}, expected ${JSON.stringify(f.referenceScreen.slice(-200))}`,
            );
          }
        }
      }
      const old = await renderTheOldWay(histories[i]!, f.welcome.size.cols, f.welcome.size.rows);
      ctx.log(
        `  keyframes round ${r}${measured ? "" : " (warm-up)"} ${label(f.bytes)}: join → final screen ${fmt(join.ms)} ms (${join.difference === null ? "correct" : "WRONG"}), local parse ${fmt(local)} ms; read_output p50 ${fmt(percentile(defaults, 50))} ms (at the end ${fmt(percentile(atEnd, 50))} ms), old way ${fmt(old)} ms`,
      );
      if (!measured) continue;
      s.join.push(join.ms);
      s.joins.push(join);
      if (join.difference !== null) s.mismatches.push(join.difference);
      s.local.push(local);
      s.readDefault.push(...defaults);
      s.readAtEnd.push(...atEnd);
      s.describe.push(...describes);
      s.readDefaultRoundP50.push(percentile(defaults, 50));
      s.readAtEndRoundP50.push(percentile(atEnd, 50));
      s.oldWay.push(old);
    }
  }
  return series;
}

/** `head -c` through the stack's runner (keyframes on) and one with --no-keyframes, interleaved. */
async function measureThroughputCost(ctx: BenchContext, stack: Stack, noKeyframes: ManagedProcess) {
  const { config } = ctx;
  const bytes = config.keyframes.throughputBytes;
  const timeoutMs = 60_000 + bytes / 1000;
  const systems = {
    keyframes: { host: "local", pid: stack.runner.child.pid! },
    none: { host: NO_KEYFRAMES_HOST, pid: noKeyframes.child.pid! },
  };
  const sessions: string[] = [];
  const writers: Record<string, WebtermClient> = {};
  const series: Record<string, { rate: number[]; cpu: number[] }> = {
    keyframes: { rate: [], cpu: [] },
    none: { rate: [], cpu: [] },
  };
  const resumes: Record<string, { count: number; bytes: number }> = {
    keyframes: { count: 0, bytes: 0 },
    none: { count: 0, bytes: 0 },
  };
  try {
    for (const [name, system] of Object.entries(systems)) {
      const session = await createSession(stack, { host: system.host });
      sessions.push(session.id);
      writers[name] = await openShell(stack, session);
    }
    for (let r = 0; r < config.warmupRounds + config.rounds; r++) {
      const measured = r >= config.warmupRounds;
      for (const name of rotate(Object.keys(systems), r)) {
        const writer = writers[name]!;
        const before = { resumes: writer.resumes, skipped: writer.skippedBytes };
        const cpu0 = cpuSeconds(systems[name as keyof typeof systems].pid);
        const run = await runMarked(
          webtermTypist(writer),
          `head -c ${bytes} ${ctx.dataFile}`,
          timeoutMs,
        );
        const cpu = cpuSeconds(systems[name as keyof typeof systems].pid) - cpu0;
        const rate = mbPerSecond(run.bytes, run.ms);
        ctx.log(
          `  keyframes throughput round ${r}${measured ? "" : " (warm-up)"} ${name}: ${fmt(rate)} MB/s received, ${fmt(run.bytes / MiB)} MiB in ${fmt(run.ms)} ms, runner CPU ${fmt(cpu)} s`,
        );
        if (!measured) continue;
        series[name]!.rate.push(rate);
        series[name]!.cpu.push(cpu);
        resumes[name]!.count += writer.resumes - before.resumes;
        resumes[name]!.bytes += writer.skippedBytes - before.skipped;
      }
    }
  } finally {
    for (const writer of Object.values(writers)) await writer.close();
    for (const id of sessions) await endSession(stack, id);
  }
  return { bytes, series, resumes };
}

/** Fills one session per size, measures joins and read_output in interleaved rounds, then throughput. */
export async function benchKeyframes(ctx: BenchContext): Promise<Row[]> {
  const { config, stack } = ctx;
  const cap = config.keyframes.historyCapBytes;
  const capText = cap === null ? "production history cap (8 MiB)" : `history cap ${label(cap)}`;
  const noKeyframes = startRunnerProcess({
    url: stack.url,
    host: NO_KEYFRAMES_HOST,
    token: await mintHostCredential(stack.url, stack.secrets.API_TOKEN, NO_KEYFRAMES_HOST),
    extraArgs: ["--no-keyframes"],
  });
  track(noKeyframes.child);
  const filled: Filled[] = [];
  try {
    await waitForHost(stack.api, NO_KEYFRAMES_HOST, 30_000);
    for (const bytes of config.keyframes.historyBytes) filled.push(await fill(ctx, stack, bytes));
    const series = await measureJoinsAndReads(ctx, stack, filled);
    const throughput = await measureThroughputCost(ctx, stack, noKeyframes);

    const rows: Row[] = [];
    filled.forEach((f, i) => {
      const s = series[i]!;
      const { start, end } = f.welcome.history;
      const keyframe = f.welcome.keyframe;
      const join = spread(s.join);
      const vsLocal = spread(ratios(s.join, s.local));
      const how = keyframe
        ? `from a keyframe of ${fmt(spread(s.joins.map((j) => j.keyframeBytes)).median / 1024)} KiB + the ${fmt(spread(s.joins.map((j) => j.replayedBytes)).median, 0)} bytes of output after it`
        : `not trimmed: every byte replayed (${fmt(spread(s.joins.map((j) => j.replayedBytes)).median / MiB)} MiB)`;
      const measure = `${label(f.bytes)} history: connect → checked final screen`;
      const context = `min ${fmt(join.min)}, max ${fmt(join.max)}; welcome after ${fmt(spread(s.joins.map((j) => j.welcomeMs)).median)} ms; ${how}; retained ${fmt((end - start) / MiB)} MiB of ${fmt(end / MiB)} MiB; local xterm parse of the retained bytes ${fmt(spread(s.local).median)} ms; ours ÷ local ${fmt(vsLocal.median)}× (min ${fmt(vsLocal.min)}, max ${fmt(vsLocal.max)}); final state equal to a terminal fed every byte from 0, cell by cell, in all ${s.join.length} rounds`;
      if (s.mismatches.length > 0) {
        rows.push({
          scenario: SCENARIO,
          measure,
          value: null,
          unit: "ms",
          note: `WRONG final state in ${s.mismatches.length} of ${s.join.length} rounds: ${s.mismatches[0]}`,
          failed: true,
        });
      } else {
        rows.push({
          scenario: SCENARIO,
          measure,
          value: join.median,
          unit: "ms",
          context,
          target: atMost(join.median, 60, " ms"),
        });
      }
    });
    if (filled.length >= 2) {
      const first = 0;
      const last = filled.length - 1;
      const flat = spread(ratios(series[last]!.join, series[first]!.join));
      const middle =
        filled.length >= 3 ? spread(ratios(series[last]!.join, series[last - 1]!.join)) : null;
      const measure = `connect → final screen: ${label(filled[last]!.bytes)} ÷ ${label(filled[first]!.bytes)} history`;
      const wrong = series.reduce((n, s) => n + s.mismatches.length, 0);
      rows.push(
        wrong > 0
          ? {
              scenario: SCENARIO,
              measure,
              value: null,
              unit: "×",
              note: `no ratio of joins that built a WRONG final state (${wrong} of them, above)`,
              failed: true,
            }
          : {
              scenario: SCENARIO,
              measure,
              value: flat.median,
              unit: "×",
              context: `per-round min ${fmt(flat.min)}, max ${fmt(flat.max)}${middle ? `; ${label(filled[last]!.bytes)} ÷ ${label(filled[last - 1]!.bytes)} ${fmt(middle.median)}× (min ${fmt(middle.min)}, max ${fmt(middle.max)})` : ""}; ${capText}`,
              target: atMost(flat.median, 1.5, "× (flat)"),
            },
      );
    }
    filled.forEach((f, i) => {
      const s = series[i]!;
      const { start, end } = f.welcome.history;
      const oldWay = `the old way (the ${fmt((end - start) / MiB)} MiB retained rendered locally in @xterm/headless) ${fmt(spread(s.oldWay).median)} ms`;
      const kinds = [
        {
          what: "since_offset at the end: the screen",
          calls: s.readAtEnd,
          roundP50: s.readAtEndRoundP50,
          extra: `GET /api/sessions/{id} in the same rounds p50 ${fmt(percentile(s.describe, 50))} ms`,
        },
        {
          what: "no since_offset: the screen + the last 256 KiB of output",
          calls: s.readDefault,
          roundP50: s.readDefaultRoundP50,
          extra: "",
        },
      ];
      for (const kind of kinds) {
        const measure = `${label(f.bytes)} history: read_output p50 (${kind.what})`;
        if (s.screenMismatches.length > 0) {
          rows.push({
            scenario: SCENARIO,
            measure,
            value: null,
            unit: "ms",
            note: `WRONG screen in ${s.screenMismatches.length} calls: ${s.screenMismatches[0]}`,
            failed: true,
          });
          continue;
        }
        const p50 = percentile(kind.calls, 50);
        const vsOld = spread(ratios(kind.roundP50, s.oldWay));
        rows.push({
          scenario: SCENARIO,
          measure,
          value: p50,
          unit: "ms",
          context: `p99 ${fmt(percentile(kind.calls, 99))} ms over ${kind.calls.length} calls${kind.extra ? `; ${kind.extra}` : ""}; ${oldWay}; per-round p50 ÷ old way ${fmt(vsOld.median)}× (min ${fmt(vsOld.min)}, max ${fmt(vsOld.max)}); every screen equal to the reference's`,
          target: atMost(p50, 20, " ms"),
        });
      }
    });
    const { series: t } = throughput;
    const resumeNote = Object.entries(throughput.resumes)
      .filter(([, r]) => r.count > 0)
      .map(
        ([name, r]) =>
          `the writer of the ${name === "none" ? "--no-keyframes" : "keyframes"} runner's session was made to resume (4008) ${r.count} times, skipping ${fmt(r.bytes / MiB)} MiB`,
      )
      .join("; ");
    const cost = spread(ratios(t.keyframes!.rate, t.none!.rate));
    rows.push({
      scenario: SCENARIO,
      measure: `head -c ${label(throughput.bytes)}: runner with keyframes ÷ --no-keyframes (MB/s received)`,
      value: cost.median,
      unit: "×",
      context: `per-round min ${fmt(cost.min)}, max ${fmt(cost.max)}; keyframes ${fmt(spread(t.keyframes!.rate).median)} MB/s, none ${fmt(spread(t.none!.rate).median)} MB/s; runner CPU per run ${fmt(spread(t.keyframes!.cpu).median)} s vs ${fmt(spread(t.none!.cpu).median)} s`,
      ...(resumeNote ? { note: resumeNote } : {}),
      target: atLeast(cost.median, 0.9, "×"),
    });
    return rows;
  } finally {
    for (const f of filled) {
      f.reference.dispose();
      await endSession(stack, f.session.id);
    }
    await noKeyframes.stop();
  }
}
