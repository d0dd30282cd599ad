/** Keyframe engine costs: headless parse rate on real outputs vs a raw PTY, one keyframe's cost and size, and a joiner's restore vs replaying raw history. */
// Run: node_modules/.bin/node scripts/bench/keyframes.ts [--quick] [--rounds N]
// Every figure is the median of N rounds (default 5; the machine is shared, so single runs are
// noisy). Outputs are captured once from real programs in a real PTY (node-pty), then parsed from
// memory, chunked as the PTY delivered them. The raw PTY rate is measured in the same run, so the
// ratio compares like with like.
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as nodePty from "@lydell/node-pty";
import { createHeadlessTerminal } from "../../pty-runner/keyframes/headless-terminal.ts";
import type { Keyframe } from "../../pty-runner/keyframes/keyframe.ts";
import { KeyframeWorkers } from "../../pty-runner/keyframes/keyframe-workers.ts";
import { TerminalStateTracker } from "../../pty-runner/keyframes/terminal-state-tracker.ts";
import { coreOf } from "../../pty-runner/keyframes/xterm-internals.ts";
import { rawPtyCat } from "./raw-pty.ts";
import { median, spread } from "./stats.ts";
import { writeDataFile } from "./test-data.ts";

const MiB = 1024 * 1024;
const quick = process.argv.includes("--quick");
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : quick ? 2 : 5;
const SIZE = quick ? 4 * MiB : 64 * MiB;
const SCROLLBACK = 1000;
const root = new URL("../..", import.meta.url).pathname;

/** Every chunk a program wrote to a fresh 80×24 PTY, as node-pty delivered them. */
function capture(
  file: string,
  args: string[],
  limit = Number.POSITIVE_INFINITY,
): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const pty = nodePty.spawn(file, args, {
      name: "xterm-256color",
      cols: 80,
      rows: 24,
      cwd: root,
      env: {
        ...(process.env as Record<string, string>),
        LC_ALL: "C.UTF-8",
        TERM: "xterm-256color",
      },
      encoding: null,
    });
    pty.onData((data) => {
      const chunk = data as unknown as Buffer;
      if (bytes >= limit) return;
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= limit) pty.kill("SIGKILL");
    });
    pty.onExit(() => resolve(chunks));
  });
}

const total = (chunks: Buffer[]): number => chunks.reduce((n, c) => n + c.length, 0);
const mb = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);
const fmt = (value: number, digits = 1): string => value.toFixed(digits);

/** Source files from node_modules (JavaScript), concatenated to `bytes`: what `cat` of big sources prints. */
function sourceFile(dir: string, bytes: number): string {
  const files: string[] = [];
  const walk = (path: string): void => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      const stat = statSync(full);
      if (stat.isDirectory()) walk(full);
      else if (/\.(js|mjs|ts)$/.test(name) && stat.size > 4096) files.push(full);
    }
  };
  walk(join(root, "node_modules", "@xterm"));
  walk(join(root, "node_modules", "vitest"));
  // Only files of printable text: a control character in a source (some bundles embed ESC bytes)
  // would turn on modes (insert mode makes every later character an insert) that make the
  // rest of the stream unrepresentative.
  const text = files
    .map((file) => readFileSync(file))
    .filter((part) => !part.some((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d));
  const parts: Buffer[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i = (i + 1) % text.length) {
    const part = text[i]!;
    parts.push(part);
    size += part.length;
  }
  const path = join(dir, "source.txt");
  writeFileSync(path, Buffer.concat(parts).subarray(0, bytes));
  return path;
}

/** Parses `chunks` in a fresh tracker; ms. */
function parseMs(chunks: Buffer[], cols = 80, rows = 24): number {
  const tracker = new TerminalStateTracker({ cols, rows, scrollback: SCROLLBACK });
  const t0 = performance.now();
  for (const chunk of chunks) tracker.write(chunk);
  const ms = performance.now() - t0;
  tracker.dispose();
  return ms;
}

/** A tracker of `cols`×`rows` that has parsed `chunks`. */
function trackerAfter(chunks: Buffer[], cols: number, rows: number): TerminalStateTracker {
  const tracker = new TerminalStateTracker({ cols, rows, scrollback: SCROLLBACK });
  for (const chunk of chunks) tracker.write(chunk);
  return tracker;
}

/** A browser-like joiner (10,000 lines of scrollback): ms to parse `parts`. */
function restoreMs(cols: number, rows: number, parts: (string | Uint8Array)[]): number {
  const joiner = createHeadlessTerminal({ cols, rows, scrollback: 10_000 });
  const write = coreOf(joiner)._writeBuffer;
  const t0 = performance.now();
  for (const part of parts) write.writeSync(part);
  const ms = performance.now() - t0;
  joiner.dispose();
  return ms;
}

/** The first `bytes` of `chunks`, as chunks. */
function head(chunks: Buffer[], bytes: number): Buffer[] {
  const out: Buffer[] = [];
  let n = 0;
  for (const chunk of chunks) {
    if (n >= bytes) break;
    out.push(chunk.subarray(0, bytes - n));
    n += Math.min(chunk.length, bytes - n);
  }
  return out;
}

function line(label: string, value: string, detail = ""): void {
  console.log(`${label.padEnd(58)} ${value.padStart(12)}  ${detail}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "keyframes-bench-"));
  try {
    console.log(
      `keyframes benchmark: ${ROUNDS} rounds, medians (min–max); ${quick ? "quick sizes" : "64 MiB streams"}`,
    );
    const dataFile = writeDataFile(dir, "data.txt", SIZE);
    const source = sourceFile(dir, SIZE);

    // Real outputs, captured once.
    const workloads: [string, Buffer[]][] = [
      [`cat of source files (${SIZE / MiB} MiB)`, await capture("cat", [source])],
      [`yes | head -c ${SIZE / MiB}M`, await capture("sh", ["-c", `yes | head -c ${SIZE}`])],
      ["ls -R --color=always /usr", await capture("ls", ["-R", "--color=always", "/usr"], SIZE)],
      [
        `random bytes through base64 (${SIZE / MiB} MiB)`,
        await capture("sh", ["-c", `head -c ${Math.floor((SIZE * 3) / 4)} /dev/urandom | base64`]),
      ],
    ];

    // The raw PTY rate in this run: cat of a data file, as scripts/bench.ts's baseline.
    const rawRates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const { ms, bytes } = await rawPtyCat(dataFile, 120_000);
      rawRates.push(mb(bytes, ms));
    }
    const raw = spread(rawRates);
    console.log(
      "\n1. Parse rate (one headless xterm, 80x24, 1000 lines of scrollback) vs the raw PTY",
    );
    line(
      `raw PTY: cat of ${SIZE / MiB} MiB read through node-pty`,
      `${fmt(raw.median)} MB/s`,
      `(${fmt(raw.min)}–${fmt(raw.max)})`,
    );
    for (const [name, chunks] of workloads) {
      const bytes = total(chunks);
      const rates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) rates.push(mb(bytes, parseMs(chunks)));
      const rate = spread(rates);
      line(
        `headless parse: ${name}`,
        `${fmt(rate.median)} MB/s`,
        `(${fmt(rate.min)}–${fmt(rate.max)}); ${fmt(rate.median / raw.median, 2)}× raw PTY; ${fmt(bytes / MiB)} MiB in ${chunks.length} chunks`,
      );
    }

    // What the runner's output path pays with the worker: a copy and a postMessage per chunk.
    console.log(
      "\n2. The worker thread: main-thread cost per chunk, how fast the worker drains, memory",
    );
    const [, sourceChunks] = workloads[0]!;
    const postMs: number[] = [];
    const drainRates: number[] = [];
    const keyframesPerRound: number[] = [];
    let keyframeCount = 0;
    const workers = new KeyframeWorkers();
    for (let round = 0; round < ROUNDS; round++) {
      const session = workers.open({
        cols: 80,
        rows: 24,
        everyBytes: MiB,
        maxBacklogBytes: 4 * SIZE,
      });
      // The worker starts (and loads xterm) before the clock does: the runner's starts once.
      await session.requestKeyframe();
      keyframeCount = 0;
      session.onKeyframe(() => keyframeCount++);
      const t0 = performance.now();
      let spent = 0;
      for (const chunk of sourceChunks) {
        const c0 = performance.now();
        session.write(chunk);
        spent += performance.now() - c0;
      }
      const last = await session.requestKeyframe();
      drainRates.push(mb(last.offset, performance.now() - t0));
      keyframesPerRound.push(keyframeCount);
      postMs.push(spent);
      session.close();
    }
    // Memory: a worker of its own per session would cost this much each.
    const rssBefore = process.memoryUsage().rss;
    const spare = new KeyframeWorkers();
    await spare.open({ cols: 80, rows: 24 }).requestKeyframe();
    const workerMiB = (process.memoryUsage().rss - rssBefore) / MiB;
    await spare.close();
    const sessions = Array.from({ length: 20 }, () => workers.open({ cols: 80, rows: 24 }));
    const rssSessions = process.memoryUsage().rss;
    const screenful = new TextEncoder().encode(
      "a line of output, as a shell prints it\r\n".repeat(2000),
    );
    for (const session of sessions) session.write(screenful);
    await Promise.all(sessions.map((session) => session.requestKeyframe()));
    const sessionMiB = (process.memoryUsage().rss - rssSessions) / MiB / sessions.length;
    for (const session of sessions) session.close();
    await workers.close();
    const sourceBytes = total(sourceChunks);
    line(
      "main thread: copy + postMessage of every chunk",
      `${fmt(median(postMs))} ms`,
      `for ${fmt(sourceBytes / MiB)} MiB = ${fmt(mb(sourceBytes, median(postMs)))} MB/s (${fmt((median(postMs) * 1000) / sourceChunks.length, 2)} µs/chunk)`,
    );
    line(
      "worker: parse + a keyframe every 1 MiB, end to end",
      `${fmt(median(drainRates))} MB/s`,
      `(posting included; ${median(keyframesPerRound)} keyframes)`,
    );
    line("memory: one more worker thread (RSS)", `${fmt(workerMiB)} MiB`);
    line("memory: one more session on a shared worker (RSS, 1000 lines)", `${fmt(sessionMiB)} MiB`);

    // One keyframe: cost and size, with 1000 lines of coloured scrollback.
    console.log("\n3. One keyframe (1000 lines of scrollback from ls --color, then the source)");
    const [, lsChunks] = workloads[2]!;
    const keyframes = new Map<string, Keyframe>();
    for (const [cols, rows] of [
      [80, 24],
      [200, 50],
    ] as const) {
      const tracker = trackerAfter(
        [...head(lsChunks, 4 * MiB), ...head(sourceChunks, 256 * 1024)],
        cols,
        rows,
      );
      if (!tracker.atBoundary) tracker.write(new TextEncoder().encode("\x1b[0m"));
      // The first keyframe of a tracker runs cold (the JIT has not seen the serializer yet); a
      // session's worker takes one every MiB, so the warm figure is the one that repeats.
      let t0 = performance.now();
      let keyframe = tracker.keyframe();
      const cold = performance.now() - t0;
      for (let i = 0; i < 3; i++) tracker.keyframe();
      const times: number[] = [];
      for (let round = 0; round < Math.max(ROUNDS, 10); round++) {
        t0 = performance.now();
        keyframe = tracker.keyframe();
        times.push(performance.now() - t0);
      }
      keyframes.set(`${cols}x${rows}`, keyframe);
      const t = spread(times);
      line(
        `keyframe at ${cols}x${rows} (warm; first one ${fmt(cold)} ms)`,
        `${fmt(t.median)} ms`,
        `(${fmt(t.min)}–${fmt(t.max)}); ${fmt(Buffer.byteLength(keyframe.data) / 1024)} KiB of UTF-8`,
      );
      tracker.dispose();
    }

    // The joiner's cost: keyframe + 64 KiB of tail, vs replaying raw history.
    console.log(
      "\n4. A joiner (fresh headless xterm, 10,000 lines of scrollback): restore vs replay",
    );
    const tail = head(sourceChunks, 64 * 1024);
    for (const [size, keyframe] of keyframes) {
      const times: number[] = [];
      for (let round = 0; round < ROUNDS; round++)
        times.push(restoreMs(keyframe.cols, keyframe.rows, [keyframe.data, ...tail]));
      const t = spread(times);
      line(
        `keyframe (${size}) + 64 KiB tail`,
        `${fmt(t.median)} ms`,
        `(${fmt(t.min)}–${fmt(t.max)})`,
      );
    }
    for (const mib of [1, 16, 64].filter((m) => m * MiB <= sourceBytes + MiB)) {
      const bytes = Math.min(mib * MiB, sourceBytes);
      const history = head(sourceChunks, bytes);
      const times: number[] = [];
      for (let round = 0; round < ROUNDS; round++) times.push(restoreMs(80, 24, history));
      const t = spread(times);
      line(
        `replay ${fmt(bytes / MiB, 0)} MiB of raw history (80x24)`,
        `${fmt(t.median)} ms`,
        `(${fmt(t.min)}–${fmt(t.max)})`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
