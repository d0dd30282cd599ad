/** A used terminal rebuilt from a keyframe through the real writer ends exactly like a fresh terminal given the same keyframe and output. */
import { Terminal } from "@xterm/headless";
import { afterEach, describe, expect, it } from "vitest";
import { queueKeyframe } from "../../../client/src/terminal/keyframe-reset.ts";
import { OutputWriter } from "../../../client/src/terminal/output-writer.ts";
import { XTERM_PARSE_SLICE } from "../../../protocol/utf8-whole.ts";
import { firstDifference } from "../../harness/terminal-compare.ts";
import { waitFor } from "../../harness/wait.ts";

const encoder = new TextEncoder();
const FRESH = { convertEol: false, cursorBlink: false };
const terminals: Terminal[] = [];
afterEach(() => {
  for (const terminal of terminals.splice(0)) terminal.dispose();
});

function headless(cols: number, rows: number): Terminal {
  const terminal = new Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
  terminals.push(terminal);
  return terminal;
}

const write = (terminal: Terminal, data: string) =>
  new Promise<void>((resolve) => terminal.write(data, resolve));

// What a shell and a full-screen program leave behind: scrollback, the alternate screen, a pen,
// modes that live in options (LNM, cursor blink), a scroll region, a title, a charset, and a
// sequence cut off in the middle (where the viewer's old stream happened to end).
const OLD_OUTPUT = [
  Array.from({ length: 60 }, (_, i) => `old line ${i}\r\n`).join(""),
  "\x1b]2;old title\x07\x1b[?12h\x1b[20h\x1b[?1h\x1b[4h\x1b[?2004h\x1b(0",
  "\x1b[?1049h\x1b[3;20r\x1b[10;10Hold alternate screen\x1b[1;31m",
  "\x1b[3",
];

// A keyframe as the runner makes them (escape sequences and text, UTF-8), at byte 5000 of a
// 100x30 terminal: scrollback, then the alternate screen with a program's view, a pen.
const KEYFRAME_TEXT =
  Array.from({ length: 40 }, (_, i) => `kept ${i} ─ ünïcödé\r\n`).join("") +
  "\x1b[?1047h\x1b[H\x1b[2J\x1b[1;1H~ vim-like ✓\x1b[30;1H-- INSERT --\x1b[5;7H\x1b[4m";
const TAIL = "typed\x1b[24m \x1b[?25l";

describe("rebuilding from a keyframe", () => {
  it("after old output cut mid-sequence, a keyframe through the writer leaves the terminal as a fresh one given the keyframe, the size and the tail", async () => {
    const joiner = headless(80, 24);
    let processed = 0;
    const ends: number[] = [];
    const writer = new OutputWriter({ write: (data, done) => joiner.write(data, done) }, (end) => {
      ends.push(end);
      processed = Math.max(processed, end);
    });
    let offset = 0;
    for (const part of OLD_OUTPUT) {
      const data = encoder.encode(part);
      writer.push({ offset, data, live: false });
      offset += data.byteLength;
    }
    // Colours the old output changed are restored before the keyframe (xterm's reset() keeps
    // them; headless xterm has no colours, so the restoring sequences are watched instead).
    const restored: string[] = [];
    for (const id of [104, 110, 111, 112]) {
      joiner.parser.registerOscHandler(id, (data) => {
        const first = joiner.buffer.normal.getLine(0)?.translateToString(true);
        restored.push(`${id}${data ? `;${data}` : ""} before ${JSON.stringify(first)}`);
        return false;
      });
    }
    // Queued while the old output is still waiting in xterm.
    const keyframe = { offset: 5000, cols: 100, rows: 30, data: encoder.encode(KEYFRAME_TEXT) };
    queueKeyframe(writer, joiner, keyframe, FRESH, { cols: 90, rows: 28 });
    writer.push({ offset: 5000, data: encoder.encode(TAIL), live: true });
    const end = 5000 + encoder.encode(TAIL).byteLength;
    await waitFor(() => processed === end, { what: "the tail to be parsed" });

    const reference = headless(100, 30);
    await write(reference, KEYFRAME_TEXT);
    reference.resize(90, 28);
    await write(reference, TAIL);

    expect(firstDifference(reference, joiner)).toBeNull();
    expect(restored).toEqual(['104 before ""', '110 before ""', '111 before ""', '112 before ""']);
    // What the comparison covers, said plainly.
    expect(joiner.buffer.active.type).toBe("alternate");
    expect(joiner.buffer.normal.getLine(0)?.translateToString(true)).toBe("kept 0 ─ ünïcödé");
    expect([joiner.cols, joiner.rows]).toEqual([90, 28]);
    expect(joiner.options.convertEol).toBe(false);
    // The old output was processed before the keyframe, whose own end is its offset.
    expect(ends.slice(-2)).toEqual([5000, end]);
    expect(ends.slice(0, -2).every((e) => e <= offset)).toBe(true);
  });

  it("a keyframe over xterm's 128 KiB parse slice keeps a character its UTF-8 bytes would have had cut there", async () => {
    const joiner = headless(40, 4);
    let processed = 0;
    const writer = new OutputWriter(
      { write: (data, done) => joiner.write(data, done) },
      (end) => (processed = end),
    );
    // As UTF-8, the dash's bytes E2 80 | 93 straddle byte 131072, where xterm cuts a byte write.
    const text = "x".repeat(XTERM_PARSE_SLICE - 2) + "–y";
    expect(encoder.encode(text)[XTERM_PARSE_SLICE - 1]).toBe(0x80);
    const keyframe = { offset: 7, cols: 40, rows: 4, data: encoder.encode(text) };
    queueKeyframe(writer, joiner, keyframe, FRESH, null);
    await waitFor(() => processed === 7, { what: "the keyframe to be parsed" });
    const { active } = joiner.buffer;
    const screen = [0, 1, 2, 3].map((y) =>
      active.getLine(active.baseY + y)!.translateToString(true),
    );
    expect(screen.join("")).toContain("x–y");
  });

  it("without a size to return to, the terminal keeps the keyframe's", async () => {
    const joiner = headless(80, 24);
    let processed = 0;
    const writer = new OutputWriter(
      { write: (data, done) => joiner.write(data, done) },
      (end) => (processed = end),
    );
    const keyframe = { offset: 42, cols: 120, rows: 40, data: encoder.encode("x") };
    queueKeyframe(writer, joiner, keyframe, FRESH, null);
    await waitFor(() => processed === 42, { what: "the keyframe to be parsed" });
    expect([joiner.cols, joiner.rows]).toEqual([120, 40]);
  });
});
