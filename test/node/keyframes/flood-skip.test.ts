/** The tracker's flood skip: plain lines that later lines push out of the screen and the scrollback are not parsed, and the state (every cell, the cursor, the keyframe) is exactly what parsing them would have left. */
import { describe, expect, it } from "vitest";
import {
  floodPrefixes,
  plainPrefix,
  trailingPlainStart,
} from "../../../pty-runner/keyframes/flood-skip.ts";
import { createHeadlessTerminal } from "../../../pty-runner/keyframes/headless-terminal.ts";
import { TerminalStateTracker } from "../../../pty-runner/keyframes/terminal-state-tracker.ts";
import { playText } from "../../harness/keyframe-replay.ts";
import { firstDifference } from "../../harness/terminal-compare.ts";
import { ALL_FEATURES, random, randomOutput } from "../../harness/vt-fuzz.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("floodPrefixes", () => {
  it("finds the longest prefix of a plain run that ends in CR LF and leaves `keep` line feeds after it", () => {
    const data = bytes("\x1b[31mred\r\na\r\nb\r\nc\r\nd\r\ne\x1b[0m");
    // Plain run, by bytes alone: "[31mred\r\na\r\nb\r\nc\r\nd\r\ne" (5 LFs). The stretch starts
    // after its first line ("[31mred\r\n", which ends a sequence); keep 2: it ends after "b\r\n".
    const [flood] = floodPrefixes(data, 2);
    const text = new TextDecoder().decode(data);
    expect(flood).toEqual({
      start: text.indexOf("a\r\n"),
      end: text.indexOf("c\r\n"),
      lineFeeds: 2,
    });
    expect(floodPrefixes(data, 5)).toEqual([]);
  });

  it("never ends a prefix after a bare LF, and finds none in runs with too few line feeds", () => {
    const data = bytes("a\nb\nc\nd\r\ne\nf\n");
    const [flood] = floodPrefixes(data, 2);
    expect(new TextDecoder().decode(data.subarray(flood!.start, flood!.end))).toBe("b\nc\nd\r\n");
    expect(floodPrefixes(bytes("a\r\nb\r\n"), 2)).toEqual([]);
    expect(floodPrefixes(bytes("\x1b]0;a title\r\nb\r\nc\r\nd\x07"), 1)).toHaveLength(1);
  });

  it("finds in a plain buffer, searching from the end, what floodPrefixes finds scanning it", () => {
    const next = random(5);
    for (let n = 0; n < 300; n++) {
      let text = "";
      const lines = Math.floor(next() * 40);
      for (let i = 0; i < lines; i++) {
        text += "x".repeat(Math.floor(next() * 5));
        const end = next();
        text += end < 0.6 ? "\r\n" : end < 0.8 ? "\n" : "\r";
      }
      const data = bytes(text);
      const keep = Math.floor(next() * 10);
      expect(plainPrefix(data, keep), JSON.stringify(text)).toEqual(
        floodPrefixes(data, keep)[0] ?? null,
      );
    }
  });

  it("holds back a trailing plain run from its first line feed on, and nothing of one without", () => {
    const text = bytes("\x1b[1mbold 👍🏽 tail\r\nline\r\nlast");
    expect(trailingPlainStart(text)).toBe(text.length - bytes("line\r\nlast").length);
    expect(trailingPlainStart(bytes("👍🏽 hello"))).toBe(bytes("👍🏽 hello").length);
    // More of a flood already held: all of it.
    expect(trailingPlainStart(bytes("ne\r\nnext\r\n"), true)).toBe(0);
    expect(trailingPlainStart(bytes("ne\r\nnext\r\n"), false)).toBe(4);
  });
});

/** Random plain lines of printable ASCII (in half the floods, long enough to wrap), mostly ending in CR LF, some in a bare LF or CR. */
function flood(next: () => number, lines: number, cols: number): string {
  const wraps = next() < 0.5;
  let out = "";
  for (let i = 0; i < lines; i++) {
    // Half the floods never wrap, so that line feeds are rows: the bound on them is exercised.
    const length = Math.floor(wraps ? next() * next() * 3 * cols : next() * cols);
    for (let j = 0; j < length; j++) out += String.fromCharCode(0x20 + Math.floor(next() * 95));
    const end = next();
    out += end < 0.8 ? "\r\n" : end < 0.9 ? "\n" : end < 0.95 ? "\r" : "\r\r\n";
  }
  return out;
}

describe("a tracker that skips floods", () => {
  it("ends exactly like a terminal that parsed every byte, through random output and floods cut anywhere", () => {
    const SEEDS = Number(process.env.KEYFRAME_SEEDS ?? 60);
    let seedsThatSkipped = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const next = random(seed * 13);
      const cols = 5 + Math.floor(next() * 60);
      const rows = 2 + Math.floor(next() * 20);
      const scrollback = Math.floor(next() * 120);
      let text = "";
      for (let part = 0; part < 6; part++) {
        text += randomOutput(
          seed * 31 + part,
          1 + Math.floor(next() * 20),
          cols,
          rows,
          ALL_FEATURES,
        );
        text += flood(next, Math.floor(next() * (2 * rows + scrollback) * 3), cols);
      }
      const data = bytes(text);
      const options = { cols, rows, scrollback };
      const fast = new TerminalStateTracker(options);
      const slow = new TerminalStateTracker(options);
      slow.skipFloods = false;
      const watcher = createHeadlessTerminal(options);
      for (let i = 0; i < data.length;) {
        const n = 1 + Math.floor(next() * 4000);
        fast.write(data.subarray(i, i + n));
        slow.write(data.subarray(i, i + n));
        i += n;
      }
      playText(watcher, data);
      const where = `seed ${seed} (${cols}x${rows}, scrollback ${scrollback})`;
      expect(fast.failure, where).toBeNull();
      expect(firstDifference(watcher, fast.terminal), where).toBeNull();
      if (fast.atBoundary) expect(fast.keyframe(), where).toEqual(slow.keyframe());
      if (fast.skippedBytes > 0) seedsThatSkipped++;
      fast.dispose();
      slow.dispose();
      watcher.dispose();
    }
    // The floods were long enough to be skipped in many seeds (the rest check the fallback).
    expect(seedsThatSkipped).toBeGreaterThan(SEEDS / 3);
  });

  it("keeps every line a flood leaves in the screen and the scrollback, numbered lines from a high cursor", () => {
    for (const [rows, scrollback] of [
      [5, 10],
      [24, 0],
      [3, 100],
    ] as const) {
      const options = { cols: 20, rows, scrollback };
      const fast = new TerminalStateTracker(options);
      const watcher = createHeadlessTerminal(options);
      // Old content on every row, the cursor back at the top, then a flood of short lines.
      let text = "old old old old\r\n".repeat(rows + scrollback) + "\x1b[H";
      for (let i = 0; i < 4 * (2 * rows + scrollback); i++) text += `${i}\r\n`;
      fast.write(bytes(text));
      playText(watcher, bytes(text));
      expect(fast.skippedBytes, `${rows} rows`).toBeGreaterThan(0);
      expect(firstDifference(watcher, fast.terminal), `${rows} rows`).toBeNull();
      fast.dispose();
      watcher.dispose();
    }
  });
});
