/** Unit tests of the command log's pure logic: records from C and D marks, re-offered marks, the shell's exit, the cap, output ranges, and the C mark's parameters. */
import { describe, expect, it } from "vitest";
import {
  CommandLog,
  MemoryCommandStore,
  outputRange,
  type CommandRecord,
} from "../../durable-objects/terminal-session/command-log.ts";
import type { InputSource } from "../../durable-objects/terminal-session/input-source.ts";
import {
  MAX_MARK_BYTES,
  ShellMarkParser,
  percentDecode,
  type ShellMark,
} from "../../durable-objects/terminal-session/shell-marks.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const WRITER: InputSource = { kind: "writer" };
const writer = () => WRITER;

/** A C mark at `at` (8 bytes long) with the given line and directory. */
function c(at: number, commandLine?: string, cwd?: string): ShellMark {
  const mark: ShellMark = { kind: "C", exitCode: null, nonce: "n", start: at, end: at + 8 };
  if (commandLine !== undefined) mark.commandLine = commandLine;
  if (cwd !== undefined) mark.cwd = cwd;
  return mark;
}

/** A D mark at `at` with `status`. */
function d(at: number, status: number | null): ShellMark {
  return { kind: "D", exitCode: status, nonce: "n", start: at, end: at + 10 };
}

describe("CommandLog", () => {
  it("starts a record at each C mark and ends it at the next D, with its line, directory, source, offsets, times and status", () => {
    const log = new CommandLog(new MemoryCommandStore());
    log.observe([c(100, "make", "/src")], 5_000, (offset) =>
      offset === 100 ? { kind: "agent", callId: "call-1" } : null,
    );
    expect(log.newest()).toEqual({
      number: 1,
      text: "make",
      cwd: "/src",
      source: { kind: "agent", callId: "call-1" },
      start: 108,
      end: null,
      startedAt: new Date(5_000).toISOString(),
      endedAt: null,
      exitCode: null,
    } satisfies CommandRecord);
    log.observe([d(150, 2)], 6_000, writer);
    expect(log.newest()).toMatchObject({
      end: 150,
      endedAt: new Date(6_000).toISOString(),
      exitCode: 2,
    });
  });

  it("skips marks offered again (the session reparses its stored tail after a restart)", () => {
    const store = new MemoryCommandStore();
    const marks = [c(0, "one"), d(20, 0), c(40, "two")];
    new CommandLog(store).observe(marks, 1, writer);
    const restarted = new CommandLog(store);
    expect(restarted.scanFrom()).toBe(48);
    restarted.observe([...marks, d(60, 1), c(80, "three"), d(90, 0)], 2, writer);
    expect(restarted.list(0, 10).map((r) => [r.number, r.text, r.end, r.exitCode])).toEqual([
      [1, "one", 20, 0],
      [2, "two", 60, 1],
      [3, "three", 90, 0],
    ]);
    restarted.observe([d(90, 0)], 3, writer);
    expect(restarted.newest()).toMatchObject({ number: 3, endedAt: new Date(2).toISOString() });
  });

  it("changes nothing for a D after a line that ran nothing, and ends a command whose D never came at the next C", () => {
    const log = new CommandLog(new MemoryCommandStore());
    log.observe([d(5, null), c(10, "sh"), c(30, "ls"), d(40, 0)], 1, writer);
    expect(log.list(0, 10).map((r) => [r.number, r.text, r.end, r.exitCode])).toEqual([
      [1, "sh", 30, null],
      [2, "ls", 40, 0],
    ]);
  });

  it("ends a running command when the shell exits, without a status; an ended one is left alone", () => {
    const log = new CommandLog(new MemoryCommandStore());
    log.observe([c(0, "exit")], 1, writer);
    log.shellExited(25, 2);
    expect(log.newest()).toMatchObject({
      end: 25,
      endedAt: new Date(2).toISOString(),
      exitCode: null,
    });
    log.shellExited(30, 3);
    expect(log.newest()).toMatchObject({ end: 25 });
  });

  it("returns the records each call started or ended, in order, each as it stood then; nothing for marks already seen", () => {
    const log = new CommandLog(new MemoryCommandStore());
    const changed = log.observe([c(0, "sh"), c(30, "ls"), d(40, 0), d(50, null)], 1, writer);
    expect(changed.map((r) => [r.number, r.text, r.end, r.exitCode])).toEqual([
      [1, "sh", null, null],
      [1, "sh", 30, null],
      [2, "ls", null, null],
      [2, "ls", 40, 0],
    ]);
    expect(log.observe([d(40, 0)], 2, writer)).toEqual([]);
    log.observe([c(60, "exit")], 3, writer);
    expect(log.shellExited(70, 4)).toEqual([log.newest()]);
    expect(log.newest()).toMatchObject({ number: 3, end: 70 });
    expect(log.shellExited(80, 5)).toEqual([]);
  });

  it("keeps the newest records only, numbering on", () => {
    const store = new MemoryCommandStore();
    const log = new CommandLog(store, 3);
    for (let i = 0; i < 5; i++)
      log.observe([c(i * 100, `c${i + 1}`), d(i * 100 + 50, 0)], i, writer);
    expect(log.list(0, 10).map((r) => r.number)).toEqual([3, 4, 5]);
    expect(store.records.size).toBe(3);
    expect(log.get(2)).toBeNull();
    expect(log.get(4)).toMatchObject({ text: "c4" });
    expect(log.list(3, 1).map((r) => r.number)).toEqual([4]);
  });
});

describe("outputRange", () => {
  const record = (start: number, end: number | null) =>
    ({ start, end }) as unknown as CommandRecord;

  it("is [start, end) when all of it is retained and fits", () => {
    expect(outputRange(record(10, 50), { start: 0, end: 100 }, 1000)).toEqual({
      start: 10,
      end: 50,
      trimmed: false,
    });
  });

  it("runs to the history's end while the command runs", () => {
    expect(outputRange(record(10, null), { start: 0, end: 70 }, 1000)).toEqual({
      start: 10,
      end: 70,
      trimmed: false,
    });
  });

  it("starts at the history's start when the front was trimmed, and says so", () => {
    expect(outputRange(record(10, 50), { start: 30, end: 100 }, 1000)).toEqual({
      start: 30,
      end: 50,
      trimmed: true,
    });
    expect(outputRange(record(10, 50), { start: 80, end: 100 }, 1000)).toEqual({
      start: 50,
      end: 50,
      trimmed: true,
    });
  });

  it("keeps the last maxBytes", () => {
    expect(outputRange(record(10, 50), { start: 0, end: 100 }, 15)).toEqual({
      start: 35,
      end: 50,
      trimmed: true,
    });
  });
});

describe("the C mark's parameters", () => {
  it("decodes cmdline_url and cwd (percent-encoded UTF-8) and keeps the nonce", () => {
    const mark = new ShellMarkParser().feed(
      0,
      bytes("\x1b]133;C;cmdline_url=echo%20%C3%A9%3B%0Ax;cwd=/home/a%20b;n=abc\x07"),
    )[0];
    expect(mark).toMatchObject({
      kind: "C",
      commandLine: "echo é;\nx",
      cwd: "/home/a b",
      nonce: "abc",
    });
  });

  it("leaves them out of C marks that do not carry them, and of other marks", () => {
    const [plain, done] = new ShellMarkParser().feed(
      0,
      bytes("\x1b]133;C;n=q\x07\x1b]133;D;0;cwd=/x;n=q\x07"),
    );
    expect(plain).not.toHaveProperty("commandLine");
    expect(plain).not.toHaveProperty("cwd");
    expect(done).not.toHaveProperty("cwd");
  });

  it("reads a C mark as long as 4 KiB of encoded line, split across pieces", () => {
    const line = "x".repeat(4096 * 3);
    const text = bytes(`\x1b]133;C;cmdline_url=${line};cwd=/;n=q\x07`);
    const parser = new ShellMarkParser();
    const marks = [
      ...parser.feed(0, text.subarray(0, 5000)),
      ...parser.feed(5000, text.subarray(5000)),
    ];
    expect(marks).toHaveLength(1);
    expect(marks[0]!.commandLine).toBe(line);
    expect(marks[0]!.end).toBe(text.byteLength);
  });

  it("gives up on a sequence longer than MAX_MARK_BYTES and finds the next mark", () => {
    const text = bytes(`\x1b]133;C;cmdline_url=${"y".repeat(MAX_MARK_BYTES)}\x07\x1b]133;D;1\x07`);
    const marks = new ShellMarkParser().feed(0, text);
    expect(marks.map((m) => [m.kind, m.exitCode])).toEqual([["D", 1]]);
  });

  it("percentDecode turns a cut character into U+FFFD and leaves a stray % as it is", () => {
    expect(percentDecode("a%C3")).toBe("a\uFFFD");
    expect(percentDecode("100%")).toBe("100%");
    expect(percentDecode("%zz")).toBe("%zz");
  });
});
