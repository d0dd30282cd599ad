/** What the edge can do to a running shell: resize it, signal it, and see how it exited. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startFixture } from "../../harness/runner-fixture.ts";
import type { Fixture } from "../../harness/runner-fixture.ts";
import { waitFor } from "../../harness/wait.ts";
import { foregroundProcessGroup as foregroundGroup } from "../../../pty-runner/process-groups.ts";

/** The command name of process `pid` (its /proc comm), or null once it is gone. */
function commandName(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
}

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx?.close();
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("terminal size", () => {
  test("`stty size` shows a resize sent by the edge", async () => {
    const session = await fx.open({ size: { cols: 100, rows: 30 } });
    session.type("stty size\r");
    await session.waitForOutput("30 100\r\n");
    const from = session.storedEnd;
    session.resize(132, 50);
    session.type("stty size\r");
    await session.waitForOutput("50 132\r\n", { from });
  });

  test("the size in a reconnect's welcome is applied to the PTY", async () => {
    const session = await fx.open();
    session.size = { cols: 120, rows: 40 };
    session.killConnection();
    await waitFor(() => session.generation === 2 && session.connected, { what: "a reconnect" });
    const from = session.storedEnd;
    session.type("stty size\r");
    await session.waitForOutput("40 120\r\n", { from });
  });
});

describe("exit status", () => {
  test("`exit 3` is reported as exit code 3 at the offset of the last output byte", async () => {
    const session = await fx.open();
    const pid = fx.runner.sessionPid(session.id)!;
    session.type("exit 3\r");
    const { exit, offset } = await session.waitForExit();
    expect(exit).toEqual({ code: 3, signal: null });
    expect(offset).toBe(session.storedEnd);
    // The session answered `close`: the runner closes cleanly and forgets the session.
    await waitFor(() => session.closes.includes(1000), { what: "a clean close" });
    await waitFor(() => !fx.runner.sessionIds().includes(session.id), {
      what: "the session forgotten",
    });
    expect(isAlive(pid)).toBe(false);
  });

  test("a SIGKILL sent with `signal` is reported as the signal, with no exit code", async () => {
    const session = await fx.open();
    session.signal("SIGKILL");
    const { exit } = await session.waitForExit();
    expect(exit).toEqual({ code: null, signal: "SIGKILL" });
  });

  test("SIGINT from the API reaches `sleep 30` in the foreground and the shell lives on", async () => {
    const session = await fx.open();
    session.type("sleep 30\r");
    await session.waitForOutput(session.marks.commandStartPrefix);
    // Wait until the shell has handed the terminal to sleep's process group and that process is
    // sleep itself: between bash's fork and the exec, the child still has bash's handlers and
    // eats a SIGINT (as it would eat a typed Ctrl-C at that moment), so sleep would run its 30 s.
    const shell = fx.runner.sessionPid(session.id)!;
    await waitFor(
      () => {
        const group = foregroundGroup(shell);
        return group !== null && group !== shell && commandName(group) === "sleep";
      },
      { what: "sleep in the foreground" },
    );
    session.signal("SIGINT");
    // 130 = 128 + SIGINT: the signal, not sleep's end after 30 s, finished the command.
    await session.waitForOutput(session.marks.commandDone(130), { timeoutMs: 20_000 });
    const from = session.storedEnd;
    session.type("echo still-$((40+2))\r");
    await session.waitForOutput("still-42", { from });
    expect(session.exit).toBeNull();
  });
});

describe("bad input from the edge", () => {
  test("bad sizes, unknown frames and malformed JSON never crash the runner", async () => {
    const session = await fx.open({ size: { cols: 90, rows: 20 } });
    const garbage: (string | Uint8Array)[] = [
      // Sizes: zero, negative, null (NaN in JSON), too big, strings, missing.
      JSON.stringify({ type: "resize", cols: 0, rows: 0 }),
      JSON.stringify({ type: "resize", cols: -1, rows: -1 }),
      JSON.stringify({ type: "resize", cols: Number.NaN, rows: 24 }),
      JSON.stringify({ type: "resize", cols: 65536, rows: 65536 }),
      JSON.stringify({ type: "resize", cols: "80", rows: "24" }),
      JSON.stringify({ type: "resize", cols: 1e308 * 10, rows: 24 }),
      JSON.stringify({ type: "resize" }),
      // Malformed and unknown control messages.
      "{",
      "null",
      "[1,2,3]",
      '"just a string"',
      JSON.stringify({ type: "no-such-message" }),
      JSON.stringify({ type: 42 }),
      JSON.stringify({ type: "ack", offset: -5 }),
      JSON.stringify({ type: "ack", offset: 1e20 }),
      JSON.stringify({ type: "ack", offset: 10 ** 12 }),
      JSON.stringify({ type: "signal", signal: "SIGSTOP" }),
      JSON.stringify({ type: "welcome", protocol: 1, generation: 9, storedEnd: "x", size: null }),
      JSON.stringify({ type: "error" }),
      "x".repeat(100_000),
      // Binary frames: empty, unknown kind, a short output frame, an output frame from the edge.
      new Uint8Array(0),
      Uint8Array.of(0x7f, 1, 2, 3),
      Uint8Array.of(0x01, 0, 0),
      Uint8Array.of(0x01, 0, 0, 0, 0, 0, 0, 0, 0, 65, 66),
    ];
    for (const frame of garbage) expect(session.sendRaw(frame)).toBe(true);
    // Every bad size was refused by the schema (65536 too: sizes are not clamped), so the
    // terminal keeps the size it was opened with.
    session.type("stty size\r");
    await session.waitForOutput("20 90\r\n");
    const from = session.storedEnd;
    session.type("echo alive-$((6*7))\r");
    await session.waitForOutput("alive-42", { from });
    expect(session.violations).toEqual([]);
    expect(
      fx.logs.some((line) =>
        line.includes(
          'ignored a "resize" message: cols: expected an integer from 2 to 1000, got 65536',
        ),
      ),
    ).toBe(true);
  });

  test("a resize after the shell exited is ignored, not thrown", async () => {
    // The edge does not answer the exit yet, so the runner still holds the exited session.
    const session = await fx.open({ closeOnExit: false });
    session.type("exit 0\r");
    await session.waitForExit();
    expect(session.resize(100, 40)).toBe(true);
    expect(session.signal("SIGINT")).toBe(true);
    expect(session.type("too late\r")).toBe(true);
    session.send({ type: "close", reason: "exit recorded" });
    await waitFor(() => !fx.runner.sessionIds().includes(session.id), {
      what: "the session forgotten",
    });
    const other = await fx.open();
    other.type("echo fine\r");
    await other.waitForOutput("fine\r\n");
  });

  test("malformed `open` requests on the control connection are refused with reasons, never fatal", async () => {
    const bad: Record<string, unknown>[] = [
      { type: "open", sessionId: "a b\u0000", cols: 80, rows: 24, cwd: null, env: {} },
      { type: "open", sessionId: "bad-env", cols: 80, rows: 24, cwd: null, env: { "A-B": "x" } },
      { type: "open", sessionId: "bad-env-value", cols: 80, rows: 24, cwd: null, env: { A: 1 } },
      { type: "open", sessionId: "no-cwd", cols: 80, rows: 24, cwd: "/no/such/dir", env: {} },
      { type: "open", sessionId: 7, cols: 80, rows: 24, cwd: null, env: {} },
      { type: "open" },
    ];
    for (const message of bad) expect(fx.edge.sendToRunner(fx.host, message)).toBe(true);
    fx.edge.sendToRunner(fx.host, "{not json");
    fx.edge.sendToRunner(fx.host, JSON.stringify({ type: "mystery" }));
    const session = await fx.open();
    session.type("echo ok\r");
    await session.waitForOutput("ok\r\n");
    expect(fx.runner.sessionIds()).not.toContain("no-cwd");
    expect(fx.edge.controlViolations).toEqual([]);
  });
});
