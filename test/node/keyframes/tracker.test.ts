/** The keyframe tracker and its worker threads: exact offsets whatever the chunking and timing, boundaries between sequences, xterm's failures, the policy. */
import { afterAll, describe, expect, it } from "vitest";
import type { Keyframe } from "../../../pty-runner/keyframes/keyframe.ts";
import { KeyframeWorkers } from "../../../pty-runner/keyframes/keyframe-workers.ts";
import { QuietKeyframes } from "../../../pty-runner/keyframes/keyframe-policy.ts";
import { KeyframeSchedule } from "../../../pty-runner/keyframes/keyframe-schedule.ts";
import { TerminalStateTracker } from "../../../pty-runner/keyframes/terminal-state-tracker.ts";
import { createHeadlessTerminal } from "../../../pty-runner/keyframes/headless-terminal.ts";
import { checkJoin, playText, Recording, watcherOf } from "../../harness/keyframe-replay.ts";
import { firstDifference } from "../../harness/terminal-compare.ts";
import { ALL_FEATURES, fuzzRecording } from "../../harness/vt-fuzz.ts";
import { waitFor } from "../../harness/wait.ts";
import { keyframeIntervalFor } from "../../../protocol/index.ts";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function trackerFed(chunks: (string | Uint8Array)[], cols = 40, rows = 6): TerminalStateTracker {
  const tracker = new TerminalStateTracker({ cols, rows, scrollback: 100 });
  for (const chunk of chunks) tracker.write(typeof chunk === "string" ? bytes(chunk) : chunk);
  return tracker;
}

describe("keyframe boundaries", () => {
  it.each([
    ["inside a CSI", ["red: \x1b[3", "1mRED\x1b[0m"], "red: \x1b[31m".length],
    ["inside an OSC title", ["\x1b]2;half a ti", "tle\x07after"], "\x1b]2;half a title\x07".length],
    [
      "inside a UTF-8 character",
      [new Uint8Array([0x61, 0xe4, 0xb8]), new Uint8Array([0xad, 0x62])],
      4,
    ],
    ["after ESC alone", ["x\x1b", "7saved"], 3],
  ])("%s: the keyframe waits for the end of it, and is exact there", (_, chunks, expected) => {
    const tracker = trackerFed([chunks[0]!]);
    expect(tracker.atBoundary).toBe(false);
    expect(() => tracker.keyframe()).toThrow(/inside an escape sequence or character/);
    const rest = typeof chunks[1] === "string" ? bytes(chunks[1]) : chunks[1]!;
    const used = tracker.writeToBoundary(rest);
    expect(tracker.atBoundary).toBe(true);
    const keyframe = tracker.keyframe();
    expect(keyframe.offset).toBe(expected);
    // Exact: a joiner of the keyframe and the rest equals a watcher of everything.
    tracker.write(rest.subarray(used));
    const recording = new Recording(40, 6);
    for (const chunk of chunks) recording.data(typeof chunk === "string" ? bytes(chunk) : chunk);
    const check = checkJoin(recording, keyframe.offset, 100);
    expect(check.keyframe).toEqual(keyframe);
    expect(check.difference).toBeNull();
    tracker.dispose();
  });

  it("a character xterm 6.0 would drop when split after a 0x80 byte (–, ‘’, …) survives any chunking", () => {
    const text = bytes("dash – quote ‘’ ellipsis …");
    for (let cut = 1; cut < text.length; cut++) {
      const tracker = trackerFed([text.subarray(0, cut), text.subarray(cut)]);
      expect(tracker.terminal.buffer.active.getLine(0)!.translateToString(true)).toBe(
        "dash – quote ‘’ ellipsis …",
      );
      tracker.dispose();
    }
    // The bug itself, in plain xterm: the en dash split after its 0x80 byte is lost.
    const plain = createHeadlessTerminal({ cols: 40, rows: 2, scrollback: 0 });
    playText(plain, new Uint8Array([0x61, 0xe2, 0x80]));
    playText(plain, new Uint8Array([0x93, 0x62]));
    expect(plain.buffer.active.getLine(0)!.translateToString(true)).toBe("ab");
    plain.dispose();
  });
});

describe("keyframes taken on their own", () => {
  it("are spaced by 20 times the last one's serializing time, at least 100 ms, and taken after 4 intervals anyway", () => {
    let clock = 0;
    const offsets: number[] = [];
    const schedule = new KeyframeSchedule(
      {
        cols: 80,
        rows: 24,
        scrollback: 100,
        everyBytes: 1000,
        maxBytes: 1 << 20,
        now: () => clock,
      },
      {
        keyframe: (keyframe) => offsets.push(keyframe.offset),
        oversized: () => {},
        failed: () => {},
      },
    );
    const line = bytes("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghij!!!\r\n"); // 60 bytes
    const feed = (n: number) => {
      for (let i = 0; i < n; i++) schedule.output(line);
    };
    feed(20); // 1200 bytes: the first keyframe comes at once (none before), at 1000
    expect(offsets).toEqual([1000]);
    clock += 50; // less than the gap: the next intervals pass without one...
    feed(150); // to 10200
    // ...until 4 intervals (4000 bytes) since the last: one anyway, at 5000 and 9000; 10000 passes.
    expect(offsets).toEqual([1000, 5000, 9000]);
    clock += 100; // the gap (at least 100 ms) has passed: the next interval brings one
    feed(20); // to 11400
    expect(offsets).toEqual([1000, 5000, 9000, 11000]);
    schedule.dispose();
  });
});

describe("keyframe size", () => {
  it("drops scrollback lines, halving them, until the keyframe fits; none if the screen alone does not", () => {
    const tracker = new TerminalStateTracker({ cols: 80, rows: 10, scrollback: 1000 });
    const lines = Array.from(
      { length: 600 },
      (_, i) => `\x1b[3${i % 8}mline ${i} ${"x".repeat(60)}`,
    );
    tracker.write(bytes(lines.join("\r\n")));
    const whole = tracker.keyframe();
    const limit = Math.floor(whole.data.length / 3);
    const fitted = tracker.keyframeWithin(limit)!;
    expect(Buffer.byteLength(fitted.data)).toBeLessThanOrEqual(limit);
    expect(fitted.offset).toBe(whole.offset);
    // The screen and the newest scrollback lines survive; the oldest go.
    const joiner = createHeadlessTerminal({ cols: 80, rows: 10, scrollback: 1000 });
    playText(joiner, fitted.data);
    const kept = joiner.buffer.active.length;
    expect(kept).toBeGreaterThan(10);
    expect(kept).toBeLessThan(610);
    expect(joiner.buffer.active.getLine(kept - 1)?.translateToString(true)).toContain("line 599");
    expect(tracker.keyframeWithin(100)).toBeNull();
    tracker.dispose();
    joiner.dispose();
  });

  it("the interval a session asks for is a quarter of its history cap, from 4 KiB to 1 MiB", () => {
    expect(keyframeIntervalFor(8 * 1024 * 1024)).toBe(1024 * 1024);
    expect(keyframeIntervalFor(64 * 1024)).toBe(16 * 1024);
    expect(keyframeIntervalFor(1024)).toBe(4 * 1024);
  });
});

describe("when xterm itself throws", () => {
  it("the tracker stops at that offset and takes no more keyframes", () => {
    // Random output that reaches an xterm bug (found by the random-output tests).
    let found: Recording | null = null;
    for (let seed = 1; seed < 600 && found === null; seed++) {
      const { recording } = fuzzRecording(seed, ALL_FEATURES, "before keyframe");
      try {
        watcherOf(recording, 50).dispose();
      } catch {
        found = recording;
      }
    }
    expect(found).not.toBeNull();
    const tracker = new TerminalStateTracker({
      cols: found!.cols,
      rows: found!.rows,
      scrollback: 50,
    });
    for (const event of found!.events) {
      if (event.kind === "data") tracker.write(event.bytes);
      else tracker.resize(event.cols, event.rows);
    }
    expect(tracker.failure).not.toBeNull();
    expect(tracker.offset).toBe(found!.length);
    expect(() => tracker.keyframe()).toThrow(/xterm failed at offset/);
    tracker.dispose();
  });
});

describe("the worker thread", () => {
  // One worker for all the sessions of these tests, as in the runner.
  const workers = new KeyframeWorkers();
  afterAll(() => workers.close());

  it("answers with the keyframe an in-process tracker takes at the same offset, through resizes", async () => {
    const session = workers.open({ cols: 40, rows: 6, scrollback: 100, everyBytes: 0 });
    const local = new TerminalStateTracker({ cols: 40, rows: 6, scrollback: 100 });
    try {
      const chunks = [
        "\x1b[1;31mred\x1b[0m and ",
        "中文 wide ",
        "\x1b[?1049h\x1b[5;3Hin the alternate screen\x1b[?2004h",
        "\x1b[3",
        "2mgreen",
      ];
      let midway: Promise<Keyframe> | null = null;
      for (const [i, chunk] of chunks.entries()) {
        session.write(bytes(chunk));
        local.write(bytes(chunk));
        if (i === 1) {
          session.resize(50, 8);
          local.resize(50, 8);
        }
        // Asked in the middle of "\x1b[32m": answered at its end, after "2m".
        if (i === 3) midway = session.requestKeyframe();
      }
      const keyframe = await midway!;
      expect(keyframe.offset).toBe(local.offset - "green".length);
      const expected = new TerminalStateTracker({ cols: 40, rows: 6, scrollback: 100 });
      let fed = 0;
      for (const [i, chunk] of chunks.entries()) {
        const b = bytes(chunk);
        const take = Math.min(b.length, keyframe.offset - fed);
        expected.write(b.subarray(0, take));
        fed += take;
        if (i === 1) expected.resize(50, 8);
      }
      expect(keyframe).toEqual(expected.keyframe());
      expected.dispose();
    } finally {
      local.dispose();
      session.close();
    }
  });

  it("takes keyframes on its own every N bytes, each at the first boundary after the N bytes", async () => {
    const session = workers.open({ cols: 80, rows: 24, everyBytes: 4096, minAutoGapMs: 0 });
    const offsets: number[] = [];
    session.onKeyframe((keyframe) => offsets.push(keyframe.offset));
    try {
      // Lines of 31 bytes with a colour change: a boundary is never far.
      for (let i = 0; i < 1000; i++)
        session.write(bytes(`line ${String(i).padStart(4, "0")} \x1b[32mgreen\x1b[0m text\r\n`));
      const last = await session.requestKeyframe();
      expect(last.offset).toBe(session.posted);
      expect(offsets.length).toBeGreaterThanOrEqual(Math.floor(session.posted / 4096));
      for (const [i, offset] of offsets.slice(0, -1).entries()) {
        const previous = i === 0 ? 0 : offsets[i - 1]!;
        expect(offset - previous).toBeGreaterThanOrEqual(4096);
        expect(offset - previous).toBeLessThan(4096 + 40);
      }
    } finally {
      session.close();
    }
  });

  it("spaces keyframes taken on their own in a flood, but takes one every 4 intervals anyway", async () => {
    const session = workers.open({ cols: 80, rows: 24, everyBytes: 4096, minAutoGapMs: 1e9 });
    const offsets: number[] = [];
    session.onKeyframe((keyframe) => offsets.push(keyframe.offset));
    try {
      for (let i = 0; i < 2000; i++)
        session.write(bytes(`line ${String(i).padStart(4, "0")} \x1b[32mgreen\x1b[0m text\r\n`));
      await session.requestKeyframe();
      const automatic = offsets.slice(0, -1);
      // The first comes at once (no keyframe yet); then one per 4 intervals: the gap never passes.
      expect(automatic.length).toBeGreaterThanOrEqual(Math.floor(session.posted / (4 * 4096)) - 1);
      for (let i = 1; i < automatic.length; i++) {
        expect(automatic[i]! - automatic[i - 1]!).toBeGreaterThanOrEqual(4 * 4096);
        expect(automatic[i]! - automatic[i - 1]!).toBeLessThan(4 * 4096 + 4096 + 40);
      }
    } finally {
      session.close();
    }
  });

  it("a quiet moment brings a keyframe at exactly the end of the output", async () => {
    const session = workers.open({ cols: 80, rows: 24, everyBytes: 0 });
    const quiet = new QuietKeyframes(session, { quietMs: 50, minBytes: 10 });
    try {
      const chunks = ["\x1b[2J\x1b[Hprompt$ ", "ls\r\n", "a b c\r\nprompt$ "];
      for (const chunk of chunks) {
        session.write(bytes(chunk));
        quiet.output();
      }
      const keyframe = await waitFor(() => session.latest, {
        what: "a keyframe after the output went quiet",
      });
      expect(keyframe.offset).toBe(session.posted);
      const joiner = createHeadlessTerminal({ cols: 80, rows: 24, scrollback: 1000 });
      playText(joiner, keyframe.data);
      const watcher = createHeadlessTerminal({ cols: 80, rows: 24, scrollback: 1000 });
      playText(watcher, chunks.join(""));
      expect(firstDifference(watcher, joiner)).toBeNull();
      joiner.dispose();
      watcher.dispose();
    } finally {
      quiet.stop();
      session.close();
    }
  });

  it("sessions share a worker, each with its own offsets", async () => {
    const sessions = [0, 1, 2].map((i) => workers.open({ cols: 20 + i, rows: 5, everyBytes: 0 }));
    try {
      for (const [i, session] of sessions.entries())
        session.write(bytes(`session ${i}: ${"x".repeat(i * 10)}`));
      const keyframes = await Promise.all(sessions.map((session) => session.requestKeyframe()));
      expect(keyframes.map((k) => [k.offset, k.cols])).toEqual([
        [11, 20],
        [21, 21],
        [31, 22],
      ]);
    } finally {
      for (const session of sessions) session.close();
    }
  });

  it("gives up, without blocking the writer, when it falls too far behind", async () => {
    const session = workers.open({ cols: 80, rows: 24, maxBacklogBytes: 64 * 1024 });
    try {
      const chunk = bytes("x".repeat(16 * 1024));
      for (let i = 0; i < 64 && session.failure === null; i++) session.write(chunk);
      expect(session.failure?.error).toMatch(/fell more than 65536 bytes behind/);
      await expect(session.requestKeyframe()).rejects.toThrow(/no keyframes/);
    } finally {
      session.close();
    }
  });
});
