/** The runner's connections: reconnects, heartbeats, fatal close codes, limits and shutdown. */
import { afterEach, describe, expect, test } from "vitest";
import { CloseCode } from "../../../protocol/index.ts";
import { RUNNER_HEARTBEAT_INTERVAL_MS } from "../../../protocol/index.ts";
import { defaultRunnerOptions, startRunner } from "../../../pty-runner/index.ts";
import { SILENT_LOGGER } from "../../../pty-runner/index.ts";
import { sessionProcessGroups } from "../../../pty-runner/process-groups.ts";
import { FakeEdge } from "../../harness/fake-edge.ts";
import { TEST_TOKEN, startFixture } from "../../harness/runner-fixture.ts";
import type { Fixture } from "../../harness/runner-fixture.ts";
import { waitFor } from "../../harness/wait.ts";

const fixtures: Fixture[] = [];
async function fixture(...args: Parameters<typeof startFixture>): Promise<Fixture> {
  const fx = await startFixture(...args);
  fixtures.push(fx);
  return fx;
}
afterEach(async () => {
  for (const fx of fixtures.splice(0)) await fx.close();
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("control connection", () => {
  test("after a dropped control connection the runner reconnects and names the sessions it runs", async () => {
    const fx = await fixture();
    const session = await fx.open();
    fx.edge.killControl(fx.host);
    await waitFor(() => fx.edge.controlConnections === 2 && fx.edge.hasRunner(fx.host), {
      what: "a second control connection",
    });
    const hello = await waitFor(() => fx.edge.hellos.length === 2 && fx.edge.hellos[1]);
    expect(hello.sessions).toEqual([session.id]);
    expect(hello.maxSessions).toBe(100);
    // The data connection never noticed.
    session.type("echo same-session\r");
    await session.waitForOutput("same-session\r\n");
    expect(session.generation).toBe(1);
  });

  test("an edge that stops answering is detected by the heartbeat and reconnected", async () => {
    const fx = await fixture({ heartbeatIntervalMs: 100 });
    fx.edge.silentHosts.add(fx.host);
    fx.edge.killControl(fx.host);
    // The next connection opens but hears nothing: after three silent intervals, reconnect.
    await waitFor(() => fx.edge.controlConnections >= 3, {
      timeoutMs: 5000,
      what: "a reconnect forced by missing heartbeats",
    });
    fx.edge.silentHosts.delete(fx.host);
    await waitFor(() => fx.edge.hellos.length >= 2, { timeoutMs: 5000, what: "a healthy hello" });
  });

  test("an edge that is down at start is retried until it comes up", async () => {
    const probe = await FakeEdge.start({ runnerToken: TEST_TOKEN });
    const port = Number(new URL(probe.url).port);
    await probe.stop();
    const runner = await startRunner({
      url: probe.url,
      token: TEST_TOKEN,
      host: "late-edge",
      log: SILENT_LOGGER,
      backoff: {
        minDelayMs: 50,
        maxDelayMs: 200,
        growFactor: 1.5,
        jitterRatio: 0.5,
        connectTimeoutMs: 2000,
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const edge = await FakeEdge.start({ runnerToken: TEST_TOKEN, port });
    try {
      await edge.waitForRunner("late-edge", 5000);
    } finally {
      await runner.stop();
      await edge.stop();
    }
  });

  test("a control connection refused with 4401 stops the runner and ends its sessions", async () => {
    const fx = await fixture();
    const session = await fx.open();
    const pid = fx.runner.sessionPid(session.id)!;
    fx.edge.closeControl(fx.host, CloseCode.UNAUTHORIZED, "the credential was revoked");
    const reason = await fx.runner.done;
    expect(reason).toMatchObject({ kind: "refused", code: CloseCode.UNAUTHORIZED });
    expect(reason.kind === "refused" && reason.message).toContain("the credential was revoked");
    expect(reason.kind === "refused" && reason.message).toContain("POST /api/hosts");
    expect(isAlive(pid)).toBe(false);
    expect(fx.edge.controlConnections).toBe(1);
  });

  test("stop() ends every session with its exit reported, then closes the control connection with 4030", async () => {
    const fx = await fixture();
    const sessions = [await fx.open(), await fx.open()];
    const pids = sessions.map((s) => fx.runner.sessionPid(s.id)!);
    // Typed just before the stop: the shell may still be starting `sleep` as SIGHUP arrives.
    sessions[1]!.type("sleep 60\r");
    await fx.runner.stop();
    for (const session of sessions) {
      expect(session.exit?.exit).toEqual({ code: null, signal: "SIGHUP" });
      expect(session.exit?.offset).toBe(session.storedEnd);
    }
    await waitFor(() => fx.edge.controlCloses.length === 1, { what: "the control close" });
    expect(fx.edge.controlCloses[0]!.code).toBe(CloseCode.GOING_AWAY);
    expect(fx.runner.sessionIds()).toEqual([]);
    // Nothing the shells started outlives them.
    for (const pid of pids) {
      await waitFor(() => sessionProcessGroups(pid)?.length === 0, {
        what: `session ${pid} empty`,
      });
    }
  });
});

describe("sessions", () => {
  test.each([CloseCode.SESSION_NOT_FOUND, CloseCode.SESSION_ENDED, CloseCode.REPLACED])(
    "a data connection closed with %i kills the shell and is not reconnected",
    async (code) => {
      const fx = await fixture();
      const session = await fx.open();
      const pid = fx.runner.sessionPid(session.id)!;
      session.socket!.close(code, "test");
      await waitFor(() => !fx.runner.sessionIds().includes(session.id), {
        what: "the session forgotten",
      });
      await waitFor(() => !isAlive(pid), { what: "the shell to die" });
      expect(session.generation).toBe(1);
    },
  );

  test("a session the edge ends (`close`, then a normal close) is killed, not reconnected", async () => {
    const fx = await fixture();
    const session = await fx.open();
    const pid = fx.runner.sessionPid(session.id)!;
    session.type("sleep 60\r");
    session.end();
    await waitFor(() => !fx.runner.sessionIds().includes(session.id), {
      what: "the session forgotten",
    });
    await waitFor(() => !isAlive(pid), { what: "the shell to die" });
    await waitFor(() => sessionProcessGroups(pid)?.length === 0, { what: "sleep to die too" });
    expect(session.generation).toBe(1);
  });

  test("a dropped data connection is resumed and typing works again", async () => {
    const fx = await fixture();
    const session = await fx.open();
    session.killConnection();
    await waitFor(() => session.generation === 2 && session.connected, { what: "a reconnect" });
    const from = session.storedEnd;
    session.type("echo back-again\r");
    await session.waitForOutput("back-again\r\n", { from });
    expect(session.violations).toEqual([]);
  });

  test("an exit that happens while the data connection is down is reported after the next welcome", async () => {
    const fx = await fixture({
      backoff: {
        minDelayMs: 600,
        maxDelayMs: 600,
        growFactor: 1,
        jitterRatio: 0,
        connectTimeoutMs: 2000,
      },
    });
    const session = await fx.open();
    session.type("sleep 0.2; echo done-$((1+1)); exit 5\r");
    await session.waitForOutput("exit 5");
    session.killConnection();
    const { exit, offset } = await session.waitForExit(5000);
    expect(exit).toEqual({ code: 5, signal: null });
    expect(offset).toBe(session.storedEnd);
    expect(session.text()).toContain("done-2\r\n");
    expect(session.generation).toBe(2);
  });

  test("requests beyond --max-sessions are refused with open-failed", async () => {
    const fx = await fixture({ maxSessions: 2 });
    await fx.open();
    await fx.open();
    const third = fx.edge.openSession(fx.host);
    const message = await waitFor(() => third.openFailed, { what: "open-failed" });
    expect(message).toContain("maximum of 2 sessions");
    expect(fx.runner.sessionIds()).toHaveLength(2);
  });

  test("a session asking for a missing working directory is refused with open-failed", async () => {
    const fx = await fixture();
    const session = fx.edge.openSession(fx.host, { cwd: "/no/such/directory" });
    const message = await waitFor(() => session.openFailed, { what: "open-failed" });
    expect(message).toContain("/no/such/directory does not exist");
  });

  test("an open whose size breaks the schema is answered with open-failed naming the field", async () => {
    const fx = await fixture();
    const session = fx.edge.openSession(fx.host, { size: { cols: 1.5, rows: 24 } });
    const message = await waitFor(() => session.openFailed, { what: "open-failed" });
    expect(message).toContain("cols: expected an integer from 2 to 1000, got 1.5");
    expect(fx.runner.sessionIds()).toEqual([]);
    // The runner goes on serving well-formed opens.
    await fx.open();
    expect(fx.runner.sessionIds()).toHaveLength(1);
  });

  test("each session gets its own working directory, size and environment", async () => {
    const fx = await fixture();
    const a = await fx.open({ cwd: "/tmp", size: { cols: 81, rows: 21 }, env: { WHO: "alpha" } });
    const b = await fx.open({ cwd: "/", size: { cols: 99, rows: 33 }, env: { WHO: "beta" } });
    for (const [session, expected] of [
      [a, "/tmp 21 81 alpha"],
      [b, "/ 33 99 beta"],
    ] as const) {
      session.type('echo "[$PWD $(stty size) $WHO $TERM]"\r');
      await session.waitForOutput(`[${expected} xterm-256color]`);
    }
  });
});

describe("data connection heartbeats", () => {
  test("a data connection sends a heartbeat every second by default", async () => {
    expect(defaultRunnerOptions().sessionHeartbeatIntervalMs).toBe(RUNNER_HEARTBEAT_INTERVAL_MS);
    const fx = await fixture();
    const session = await fx.open();
    const from = session.pings;
    await waitFor(() => session.pings >= from + 2, { timeoutMs: 3500, what: "two heartbeats" });
  });

  test("a session object that falls silent is reconnected after ten silent beats, not sooner", async () => {
    const intervalMs = 50;
    const fx = await fixture({ sessionHeartbeatIntervalMs: intervalMs });
    const session = await fx.open();
    session.silent = true;
    await waitFor(() => session.generation === 2, { timeoutMs: 5000, what: "a reconnect" });
    // Ten unanswered beats; the last may still have been on its way when the runner gave up.
    expect(session.ignoredPings).toBeGreaterThanOrEqual(9);
    session.silent = false;
    const from = session.storedEnd;
    session.type("echo back-$((5+5))\r");
    await session.waitForOutput("back-10", { from });
    expect(session.violations).toEqual([]);
  });
});
