/** Unit tests of the session's pure logic: OSC 133 mark parsing, plain-text output, lifetime rules, tool schemas. */
import { describe, expect, it } from "vitest";
import { ShellMarkParser } from "../../durable-objects/terminal-session/shell-marks.ts";
import { toPlainText } from "../../durable-objects/terminal-session/terminal-text.ts";
import {
  RUNNER_SILENCE_MS,
  TOMBSTONE_MS,
  endReasonAt,
  nextAlarmAt,
} from "../../durable-objects/terminal-session/session-lifetime.ts";
import { newMeta } from "../../durable-objects/terminal-session/session-meta.ts";
import { DEFAULT_CONFIG } from "../../worker/config.ts";
import { InteractiveShellRequestSchema, checkWith } from "../../protocol/index.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("ShellMarkParser", () => {
  it("finds marks with their offsets and exit codes, BEL- or ST-terminated", () => {
    const parser = new ShellMarkParser();
    const marks = parser.feed(100, bytes("x\x1b]133;C\x07out\x1b]133;D;42\x1b\\\x1b[0m"));
    expect(marks).toEqual([
      { kind: "C", exitCode: null, nonce: null, start: 101, end: 109 },
      { kind: "D", exitCode: 42, nonce: null, start: 112, end: 124 },
    ]);
  });

  it("reads the nonce the runner's marks carry, with or without an exit code", () => {
    const parser = new ShellMarkParser();
    const marks = parser.feed(
      0,
      bytes("\x1b]133;D;0;n=abc\x07\x1b]133;B;n=xyz\x07\x1b]133;D;n=q\x07"),
    );
    expect(marks.map((m) => [m.kind, m.exitCode, m.nonce])).toEqual([
      ["D", 0, "abc"],
      ["B", null, "xyz"],
      ["D", null, "q"],
    ]);
  });

  it("finds a mark split across pieces at every possible byte", () => {
    const text = "ab\x1b]133;D;7\x07cd";
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new ShellMarkParser();
      const marks = [
        ...parser.feed(0, bytes(text.slice(0, cut))),
        ...parser.feed(cut, bytes(text.slice(cut))),
      ];
      expect(marks, `cut at ${cut}`).toEqual([
        { kind: "D", exitCode: 7, nonce: null, start: 2, end: 12 },
      ]);
    }
  });

  it("ignores other escape sequences and unterminated garbage without growing without bound", () => {
    const parser = new ShellMarkParser();
    expect(parser.feed(0, bytes("\x1b[31mred\x1b]0;title\x07\x1b]133;Z\x07"))).toEqual([]);
    expect(parser.feed(40, bytes("\x1b]133;A" + "x".repeat(500)))).toEqual([]);
    expect(parser.feed(548, bytes("\x1b]133;B\x07"))).toEqual([
      { kind: "B", exitCode: null, nonce: null, start: 548, end: 556 },
    ]);
  });
});

describe("toPlainText", () => {
  it("removes colours, titles and marks, turns CRLF into LF and applies carriage-return overwrites", () => {
    expect(toPlainText(bytes("\x1b[1;32mok\x1b[0m\r\n\x1b]0;t\x07next\r\n"))).toBe("ok\nnext\n");
    expect(toPlainText(bytes("10%\r50%\r100%\r\n"))).toBe("100%\n");
  });
});

describe("session lifetime", () => {
  const meta = newMeta(
    { id: "s", tenant: "default", host: "h", cwd: null, size: { cols: 80, rows: 24 } },
    1_000,
  );
  it("ends an idle session and an exited one after their times, and nothing sooner", () => {
    expect(endReasonAt(meta, DEFAULT_CONFIG, 1_000 + DEFAULT_CONFIG.idleTimeoutMs - 1)).toBeNull();
    expect(endReasonAt(meta, DEFAULT_CONFIG, 1_000 + DEFAULT_CONFIG.idleTimeoutMs)).toBe(
      "idle for too long",
    );
    const exited = { ...meta, exitedAt: 2_000, lastActivityAt: 2_000 };
    expect(endReasonAt(exited, DEFAULT_CONFIG, 2_000 + DEFAULT_CONFIG.exitedRetentionMs)).toContain(
      "retention",
    );
  });

  it("wakes for the nearest deadline, a heartbeat check while a runner is connected, and the tombstone's end", () => {
    expect(nextAlarmAt(meta, DEFAULT_CONFIG, false, 5_000)).toBe(
      1_000 + DEFAULT_CONFIG.idleTimeoutMs,
    );
    expect(nextAlarmAt(meta, DEFAULT_CONFIG, true, 5_000)).toBe(5_000 + RUNNER_SILENCE_MS);
    expect(
      nextAlarmAt({ ...meta, state: "ended", endedAt: 9_000 }, DEFAULT_CONFIG, true, 10_000),
    ).toBe(9_000 + TOMBSTONE_MS);
  });
});

describe("tool schemas", () => {
  const check = (body: unknown) => checkWith(InteractiveShellRequestSchema, body);
  it("accept a valid call and name the field of an invalid one", () => {
    expect(check({ initial_command: "ls", cols: 100, timeout_ms: 500 })).toEqual({
      ok: true,
      value: { initial_command: "ls", cols: 100, timeout_ms: 500 },
    });
    expect(check({ cols: 80.5 })).toEqual({
      ok: false,
      error: "cols: expected an integer from 2 to 1000, got 80.5",
    });
    expect(check({ rows: 501 })).toMatchObject({
      error: "rows: expected an integer from 1 to 500, got 501",
    });
    expect(check({ host: "a b" })).toMatchObject({
      error: `host: expected 1-64 letters, digits, '.', '_' or '-', got the string "a b"`,
    });
    expect(check({ viewer_role: "admin" })).toMatchObject({
      error: 'viewer_role: expected one of "viewer", "writer", got the string "admin"',
    });
    expect(check({ timeout_ms: "500", colour: "red" })).toMatchObject({
      error:
        'timeout_ms: expected an integer from 100 to 300000, got the string "500"; unknown field "colour"',
    });
    expect(check([])).toMatchObject({ error: "expected an object, got an array" });
  });
});
