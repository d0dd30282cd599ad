/** The session's `probe`: terminal facts from the runner, true once every output byte before the answer's offset has arrived. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { FakeSession, TerminalAnswer } from "../../harness/fake-session.ts";
import { startFixture } from "../../harness/runner-fixture.ts";
import type { Fixture } from "../../harness/runner-fixture.ts";
import { waitFor } from "../../harness/wait.ts";

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx?.close();
});

/** Probes until an answer satisfies `check` (a command takes a moment to start and block). */
async function probeUntil(
  session: FakeSession,
  check: (answer: TerminalAnswer) => boolean,
  what: string,
): Promise<TerminalAnswer> {
  const deadline = performance.now() + 10_000;
  const seen: TerminalAnswer[] = [];
  while (performance.now() < deadline) {
    const answer = await session.probe();
    if (check(answer)) return answer;
    seen.push(answer);
  }
  throw new Error(`no answer showed ${what}; last: ${JSON.stringify(seen.slice(-3))}`);
}

/** The stored output in [from, to) as text. */
function storedText(session: FakeSession, from: number, to: number): string {
  const { start, bytes } = session.output.view();
  return bytes.subarray(from - start, to - start).toString("utf8");
}

describe("a command waiting for a password", () => {
  test(
    "the answer says the shell reads the terminal and every byte up to `Password: ` arrived before it; once the password is typed it no longer says so (30 times)",
    { timeout: 120_000 },
    async () => {
      const session = await fx.open();
      for (let round = 0; round < 30; round++) {
        const from = session.storedEnd;
        session.type("printf 'Password: '; read -s x\r");
        const answer = await probeUntil(
          session,
          (a) => a.facts?.reading === "read",
          `round ${round}: the shell in \`read\``,
        );
        expect(answer.facts).toMatchObject({ shellInForeground: true, foreground: ["bash"] });
        // Everything before the offset was stored when the answer came, and the offset covers the
        // prompt the command printed before it blocked: nothing the command wrote was still on its way.
        expect(answer.storedEnd).toBeGreaterThanOrEqual(answer.offset);
        expect(storedText(session, from, answer.offset), `round ${round}`).toMatch(/Password: $/);
        // A probe sent right behind the typed password describes the terminal after it arrived.
        session.type("secret\r");
        const after = await session.probe();
        expect(after.facts?.reading, `round ${round}`).not.toBe("read");
        await session.waitForOutput(session.marks.commandDone(0), { from: answer.offset });
      }
      expect(session.violations).toEqual([]);
    },
  );
});

describe("other states", () => {
  test("a job reading the terminal is reported with the shell out of the foreground", async () => {
    const session = await fx.open();
    session.type("cat\r");
    const answer = await probeUntil(
      session,
      (a) => a.facts?.shellInForeground === false && a.facts.reading === "read",
      "`cat` reading",
    );
    expect(answer.facts?.foreground).toEqual(["cat"]);
    session.type("\x04");
    await session.waitForOutput(session.marks.commandDone(0));
  });

  test("bash at its prompt waits for a key with the terminal raw", async () => {
    const session = await fx.open();
    const answer = await session.probe();
    expect(answer.facts).toMatchObject({
      shellInForeground: true,
      reading: "poll",
      foreground: ["bash"],
    });
    expect(answer.offset).toBe(session.storedEnd);
  });

  test("while flow control holds output back, the answer has no facts", async () => {
    const session = await fx.open({ keepBytes: false, ack: { kind: "held" } });
    session.type("yes\r");
    await waitFor(() => fx.runner.sessionStats(session.id)?.paused, { what: "the PTY to pause" });
    const answer = await session.probe();
    expect(answer.facts).toBeNull();
    expect(answer.storedEnd).toBeGreaterThanOrEqual(answer.offset);
    session.type("\x03");
    session.ack = { kind: "each" };
    session.releaseAcks();
    await session.waitForOutput(session.marks.commandDone(130));
  });

  test("probes sent together are all answered", async () => {
    const session = await fx.open();
    const answers = await Promise.all(Array.from({ length: 10 }, () => session.probe()));
    expect(new Set(answers.map((a) => a.probe)).size).toBe(10);
    for (const answer of answers) expect(answer.facts?.reading).toBe("poll");
  });

  test("a malformed probe is ignored with a warning, and the next one is answered", async () => {
    const session = await fx.open();
    expect(session.send({ type: "probe", probe: -1 })).toBe(true);
    expect(session.send({ type: "probe", probe: "7" })).toBe(true);
    expect(session.send({ type: "probe" })).toBe(true);
    const answer = await session.probe();
    expect(answer.facts?.shellInForeground).toBe(true);
    expect(session.answers).toHaveLength(1);
    for (const error of [
      "probe: expected a non-negative integer, got -1",
      'probe: expected a non-negative integer, got the string "7"',
      "probe: required, expected a non-negative integer",
    ]) {
      expect(fx.logs.some((line) => line.includes(`ignored a "probe" message: ${error}`))).toBe(
        true,
      );
    }
  });
});
