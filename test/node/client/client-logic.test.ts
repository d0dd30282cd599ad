/** Small pure pieces of the client: the output cursor, status words, join links, links, clipboard, the console. */
import { describe, expect, it } from "vitest";
import {
  joinLink,
  parseJoinFragment,
  type InteractiveShellResult,
} from "../../../protocol/index.ts";
import { connectUrl } from "../../../client/src/connection/connect-url.ts";
import {
  describeStatus,
  INITIAL_SNAPSHOT,
} from "../../../client/src/connection/connection-status.ts";
import { OutputCursor } from "../../../client/src/connection/output-cursor.ts";
import { isClipboardQuery } from "../../../client/src/safety/clipboard-guard.ts";
import { openLinkSafely, safeLinkUrl } from "../../../client/src/safety/safe-links.ts";
import { consoleReducer, INITIAL_CONSOLE } from "../../../client/src/demo/console-state.ts";
import type { CommandRecord } from "../../../client/src/demo/session-records.ts";
import { timeAgo } from "../../../client/src/demo/time-ago.ts";
import { commandEnded, type ResultEntry } from "../../../client/src/demo/transcript-entry.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("output cursor", () => {
  it("accepts contiguous output and drops what it already has", () => {
    const cursor = new OutputCursor();
    expect(cursor.accept(0, bytes("abc"))).toMatchObject({ kind: "append", offset: 0 });
    expect(cursor.accept(0, bytes("abc"))).toEqual({ kind: "duplicate" });
    const overlap = cursor.accept(1, bytes("bcde"));
    expect(overlap).toMatchObject({ kind: "append", offset: 3, skipped: 0 });
    expect(overlap.kind === "append" && new TextDecoder().decode(overlap.data)).toBe("de");
    expect(cursor.end).toBe(5);
  });

  it("refuses a frame that starts after its end, unless a trim was announced", () => {
    const cursor = new OutputCursor(5);
    expect(cursor.accept(9, bytes("x"))).toEqual({ kind: "gap", expected: 5, offset: 9 });
    cursor.allowGapTo(9);
    expect(cursor.accept(9, bytes("x"))).toMatchObject({ kind: "append", offset: 9, skipped: 4 });
    // The allowance is used up: the next hole is a gap again.
    expect(cursor.accept(20, bytes("y"))).toMatchObject({ kind: "gap" });
  });
});

describe("status words", () => {
  it("an exit outranks a runner that went offline, and a dead link outranks both", () => {
    const exited = {
      ...INITIAL_SNAPSHOT,
      phase: "live" as const,
      runner: "offline" as const,
      exit: { code: null, signal: "SIGKILL" },
    };
    expect(describeStatus(exited)).toMatchObject({
      kind: "exited",
      label: "Exited (signal SIGKILL)",
    });
    expect(describeStatus({ ...exited, phase: "reconnecting", attempt: 3 })).toMatchObject({
      kind: "reconnecting",
      label: "Reconnecting to the edge...",
      detail: expect.stringContaining("(attempt 3)"),
    });
  });

  it("a host offline names the host and promises nothing; a lost shell says why", () => {
    const offline = {
      ...INITIAL_SNAPSHOT,
      phase: "live" as const,
      runner: "offline" as const,
      host: "build-box",
    };
    const status = describeStatus(offline);
    expect(status).toMatchObject({ kind: "runner-offline", label: "Host offline" });
    expect(status.detail).toContain('Check that pty-runner is running on "build-box"');
    expect(status.detail).toContain("if the runner restarted, the shell is lost");
    const lost = {
      ...offline,
      exit: { code: null, signal: null },
      exitReason: 'lost: the runner on host "build-box" restarted without this shell',
    };
    expect(describeStatus(lost)).toMatchObject({
      kind: "exited",
      label: "Shell lost",
      detail: expect.stringContaining(
        'The runner on host "build-box" restarted without this shell.',
      ),
    });
    // Pings unanswered while the session still says online: not "Live".
    const silent = { ...offline, runner: "online" as const, hostSilent: true };
    expect(describeStatus(silent)).toMatchObject({ label: "Host not responding" });
  });
});

describe("links", () => {
  it("builds the WebSocket URL from the server's http origin with the resume offset", () => {
    expect(connectUrl("https://term.example.com/ignored", "a b", 42)).toBe(
      "wss://term.example.com/api/sessions/a%20b/connect?offset=42",
    );
    expect(connectUrl("http://127.0.0.1:8787", "s1", 0)).toBe(
      "ws://127.0.0.1:8787/api/sessions/s1/connect?offset=0",
    );
  });

  it("a join link carries the session and token in the fragment and reads back the same", () => {
    const link = joinLink("https://t.example", { sessionId: "abc123", token: "v1.x-y_z.sig" });
    expect(link).toBe("https://t.example/join#session=abc123&token=v1.x-y_z.sig");
    expect(parseJoinFragment(new URL(link).hash)).toEqual({
      sessionId: "abc123",
      token: "v1.x-y_z.sig",
    });
    expect(parseJoinFragment("#session=abc123")).toEqual({ sessionId: "abc123", token: null });
    expect(parseJoinFragment("")).toEqual({ sessionId: null, token: null });
  });

  it("opens only http(s) links, and only after the person confirms", () => {
    const opened: string[] = [];
    const asked: string[] = [];
    const opener = (answer: boolean) => ({
      confirm: (message: string) => (asked.push(message), answer),
      open: (url: string) => void opened.push(url),
    });
    expect(safeLinkUrl("javascript:alert(1)")).toBeNull();
    expect(openLinkSafely("javascript:alert(1)", opener(true))).toBe(false);
    expect(openLinkSafely("file:///etc/passwd", opener(true))).toBe(false);
    expect(asked).toEqual([]); // never even offered
    expect(openLinkSafely("https://example.com/x", opener(false))).toBe(false);
    expect(openLinkSafely("https://example.com/x", opener(true))).toBe(true);
    expect(opened).toEqual(["https://example.com/x"]);
    expect(asked[0]).toContain("https://example.com/x");
  });

  it("OSC 52 clipboard reads are recognised; clipboard writes are not reads", () => {
    expect(isClipboardQuery("c;?")).toBe(true);
    expect(isClipboardQuery(";?")).toBe(true);
    expect(isClipboardQuery("c;aGVsbG8=")).toBe(false);
  });
});

describe("agent console (the seed bug)", () => {
  const result = (sessionId: string): InteractiveShellResult => ({
    success: true,
    session_id: sessionId,
    call_id: `call-${sessionId}`,
    status: "completed",
    exit_code: null,
    output: "sandbox\n",
    output_truncated: false,
    cleared_line: null,
    offsets: { start: 0, end: 8 },
    viewer: {
      role: "writer",
      token: "tok",
      expires_at: "2026-01-01T00:00:00Z",
      url: "http://x/join#",
    },
    note: "Output is visible in the terminal panel.",
  });

  it("the panel gets no session while the tool call runs, and the result's session when it returns", () => {
    let state = consoleReducer(INITIAL_CONSOLE, {
      type: "call-started",
      command: "whoami",
      request: { initial_command: "whoami" },
    });
    expect(state.pending).toBe(true);
    expect(state.session).toBeNull();
    state = consoleReducer(state, { type: "call-succeeded", result: result("abc123") });
    expect(state.session).toEqual({ sessionId: "abc123", token: "tok" });
    expect(state.entries.map((e) => e.kind)).toEqual(["user", "tool-call", "tool-result"]);
  });

  it("a failed tool call or a result without an id never opens a terminal", () => {
    let state = consoleReducer(INITIAL_CONSOLE, {
      type: "call-started",
      command: "ls",
      request: { initial_command: "ls" },
    });
    state = consoleReducer(state, {
      type: "call-failed",
      status: 503,
      code: "no_runner",
      message: "no runner",
    });
    expect(state.session).toBeNull();
    state = consoleReducer(state, { type: "call-succeeded", result: result("") });
    expect(state.session).toBeNull();
  });

  it("a follow-up command in the same session keeps the terminal open; a new session closes it until its result", () => {
    let state = consoleReducer(INITIAL_CONSOLE, {
      type: "call-succeeded",
      result: result("abc123"),
    });
    state = consoleReducer(state, {
      type: "call-started",
      command: "ls",
      request: { initial_command: "ls", session_id: "abc123" },
    });
    expect(state.session?.sessionId).toBe("abc123");
    state = consoleReducer(state, {
      type: "call-started",
      command: "ls",
      request: { initial_command: "ls" },
    });
    expect(state.session).toBeNull();
  });

  it("a result card that said running takes the call's final result, and only that card", () => {
    let state = consoleReducer(INITIAL_CONSOLE, {
      type: "call-succeeded",
      result: { ...result("abc123"), call_id: "first", status: "completed" },
    });
    state = consoleReducer(state, {
      type: "call-succeeded",
      result: { ...result("abc123"), call_id: "second", status: "running", output: "" },
    });
    state = consoleReducer(state, {
      type: "result-updated",
      result: { ...result("abc123"), call_id: "second", status: "completed", exit_code: 0 },
    });
    const cards = state.entries.flatMap((e) => (e.kind === "tool-result" ? [e.result] : []));
    expect(cards.map((c) => [c.call_id, c.status, c.exit_code])).toEqual([
      ["first", "completed", null],
      ["second", "completed", 0],
    ]);
  });

  const record = (number: number, change: Partial<CommandRecord> = {}): CommandRecord => ({
    number,
    text: `cmd ${number}`,
    cwd: "/root",
    source: { kind: "writer" },
    start: number * 10,
    end: number * 10 + 5,
    startedAt: "2026-01-01T00:00:00Z",
    endedAt: "2026-01-01T00:00:01Z",
    exitCode: 0,
    ...change,
  });

  it("rejoining a session the server listed opens the panel on it, its commands in the transcript", () => {
    const agent = { kind: "agent", callId: "call-abc123" } as const;
    const state = consoleReducer(INITIAL_CONSOLE, {
      type: "session-rejoined",
      sessionId: "abc123",
      token: "minted",
      commands: [
        { record: record(1, { source: agent }), result: result("abc123") },
        { record: record(2, { exitCode: 3 }), result: null },
      ],
    });
    expect(state.session).toEqual({ sessionId: "abc123", token: "minted" });
    expect(state.entries.map((e) => e.kind)).toEqual(["rejoined", "command", "command"]);
    const commands = state.entries.flatMap((e) => (e.kind === "command" ? [e] : []));
    expect(
      commands.map((c) => [c.record.number, c.record.exitCode, c.result?.output ?? null]),
    ).toEqual([
      [1, 0, "sandbox\n"],
      [2, 3, null],
    ]);
  });

  it("a rejoin without a session id or a token, or while a tool call runs, opens nothing", () => {
    for (const [sessionId, token] of [
      ["", "minted"],
      ["abc123", ""],
    ]) {
      const state = consoleReducer(INITIAL_CONSOLE, {
        type: "session-rejoined",
        sessionId: sessionId!,
        token: token!,
        commands: [],
      });
      expect(state).toBe(INITIAL_CONSOLE);
    }
    const running = consoleReducer(INITIAL_CONSOLE, {
      type: "call-started",
      command: "ls",
      request: { initial_command: "ls" },
    });
    const after = consoleReducer(running, {
      type: "session-rejoined",
      sessionId: "abc123",
      token: "minted",
      commands: [],
    });
    expect(after.session).toBeNull();
  });

  it("the session's record of a command goes to the card of the call that typed it, or of that record, in that session only", () => {
    let state = consoleReducer(INITIAL_CONSOLE, {
      type: "call-started",
      command: "read x",
      request: { initial_command: "read x" },
    });
    const waiting = { ...result("abc123"), status: "awaiting_input" as const };
    state = consoleReducer(state, { type: "call-succeeded", result: waiting });
    const card = () => state.entries.find((e) => e.kind === "tool-result")!;
    expect(commandEnded(card() as ResultEntry)).toBe(false);
    const mine = { kind: "agent", callId: "call-abc123" } as const;
    const ended = record(1, { source: mine, exitCode: 0 });
    // Another session's record, or another call's, changes nothing.
    for (const [sessionId, source] of [
      ["other", mine],
      ["abc123", { kind: "agent", callId: "call-other" }],
      ["abc123", { kind: "writer" }],
    ] as const) {
      const same = consoleReducer(state, {
        type: "command-recorded",
        sessionId,
        command: { ...ended, source },
      });
      expect(same).toBe(state);
    }
    state = consoleReducer(state, {
      type: "command-recorded",
      sessionId: "abc123",
      command: { ...ended, end: null, exitCode: null },
    });
    expect(commandEnded(card() as ResultEntry)).toBe(false);
    state = consoleReducer(state, {
      type: "command-recorded",
      sessionId: "abc123",
      command: ended,
    });
    expect(commandEnded(card() as ResultEntry)).toBe(true);
    // A rebuilt command card takes the record with its number, whoever typed it.
    let rejoined = consoleReducer(INITIAL_CONSOLE, {
      type: "session-rejoined",
      sessionId: "abc123",
      token: "minted",
      commands: [{ record: record(4, { end: null, exitCode: null }), result: null }],
    });
    rejoined = consoleReducer(rejoined, {
      type: "command-recorded",
      sessionId: "abc123",
      command: record(4, { exitCode: 2 }),
    });
    const rebuilt = rejoined.entries.find((e) => e.kind === "command");
    expect(rebuilt?.kind === "command" && [rebuilt.record.end, rebuilt.record.exitCode]).toEqual([
      record(4, {}).end,
      2,
    ]);
  });

  it("a rebuilt command whose call was still running takes the call's final result", () => {
    const agent = { kind: "agent", callId: "slow" } as const;
    let state = consoleReducer(INITIAL_CONSOLE, {
      type: "session-rejoined",
      sessionId: "abc123",
      token: "minted",
      commands: [
        {
          record: record(1, { source: agent, end: null, exitCode: null }),
          result: { ...result("abc123"), call_id: "slow", status: "running", output: "" },
        },
      ],
    });
    state = consoleReducer(state, {
      type: "result-updated",
      result: { ...result("abc123"), call_id: "slow", status: "completed", exit_code: 0 },
    });
    const [command] = state.entries.flatMap((e) => (e.kind === "command" ? [e] : []));
    expect([command?.result?.status, command?.result?.output]).toEqual(["completed", "sandbox\n"]);
  });
});

describe("session list times", () => {
  const now = Date.parse("2026-01-02T12:00:00Z");
  it("says how long ago, in minutes, hours or days", () => {
    expect(timeAgo("2026-01-02T11:59:30Z", now)).toBe("just now");
    expect(timeAgo("2026-01-02T11:55:00Z", now)).toBe("5 min ago");
    expect(timeAgo("2026-01-02T09:00:00Z", now)).toBe("3 h ago");
    expect(timeAgo("2026-01-01T11:00:00Z", now)).toBe("1 day ago");
    expect(timeAgo("2025-12-20T12:00:00Z", now)).toBe("13 days ago");
    expect(timeAgo("not a time", now)).toBe("");
  });
});
