/** A hundred shells at once: all open, all answer, all close cleanly. */
import { afterAll, beforeAll, expect, test } from "vitest";
import { startFixture } from "../../harness/runner-fixture.ts";
import type { Fixture } from "../../harness/runner-fixture.ts";
import type { FakeSession } from "../../harness/fake-session.ts";
import { waitFor } from "../../harness/wait.ts";

const COUNT = 100;

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture({ maxSessions: COUNT });
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

test(
  "100 sessions open, each runs its own command, and all close cleanly",
  { timeout: 120_000 },
  async () => {
    const sessions: FakeSession[] = [];
    for (let i = 0; i < COUNT; i++) {
      sessions.push(
        fx.edge.openSession(fx.host, {
          size: { cols: 80 + i, rows: 24 },
          env: { HOME: fx.home, N: String(i) },
        }),
      );
    }
    await Promise.all(sessions.map((s) => s.waitForPrompt({ timeoutMs: 60_000 })));
    expect(fx.runner.sessionIds()).toHaveLength(COUNT);
    const pids = sessions.map((s) => fx.runner.sessionPid(s.id)!);
    expect(new Set(pids).size).toBe(COUNT);

    for (const s of sessions) s.type('echo "n=$N cols=$(tput cols)"; exit $((N % 7))\r');
    const exits = await Promise.all(sessions.map((s) => s.waitForExit(60_000)));
    exits.forEach(({ exit, offset }, i) => {
      expect(exit).toEqual({ code: i % 7, signal: null });
      expect(offset).toBe(sessions[i]!.storedEnd);
      expect(sessions[i]!.text()).toContain(`n=${i} cols=${80 + i}\r\n`);
    });

    // Each runner closed its data connection normally after the edge said `close`.
    await waitFor(() => fx.runner.sessionIds().length === 0, {
      timeoutMs: 20_000,
      what: "all sessions forgotten",
    });
    await waitFor(() => sessions.every((s) => s.closes.length === 1), {
      what: "every data connection closed",
    });
    expect(sessions.flatMap((s) => s.closes)).toEqual(Array(COUNT).fill(1000));
    expect(sessions.flatMap((s) => s.violations)).toEqual([]);
    expect(pids.filter(isAlive)).toEqual([]);
    // Nothing was refused or reconnected along the way.
    expect(sessions.every((s) => s.generation === 1 && s.openFailed === null)).toBe(true);
  },
);
