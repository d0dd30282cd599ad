/** The runner's keyframes on its data connection: each after the output before it, at the interval the edge asks for, at every resize, again after a reconnect, and exact: written into a fresh terminal it equals one fed the output up to its offset. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHeadlessTerminal } from "../../../pty-runner/keyframes/headless-terminal.ts";
import { playText } from "../../harness/keyframe-replay.ts";
import { startFixture, type Fixture } from "../../harness/runner-fixture.ts";
import { firstDifference } from "../../harness/terminal-compare.ts";
import { waitFor } from "../../harness/wait.ts";

let fx: Fixture;
let plain: Fixture;
beforeAll(async () => {
  [fx, plain] = await Promise.all([startFixture(), startFixture({ keyframes: false })]);
});
afterAll(async () => {
  await Promise.all([fx?.close(), plain?.close()]);
});

describe("keyframes on the wire", () => {
  test("come after the output before them, at the interval the welcome asks for", async () => {
    const session = await fx.open({ keyframeEveryBytes: 8192 });
    session.type("seq 1 20000; echo seq-$((2*10))k-done\r");
    await session.waitForOutput("seq-20k-done", { timeoutMs: 20_000 });
    // 109 KB of output at 8 KiB: keyframes taken on their own, in order, never closer than the
    // interval, and (spaced out in a flood) never further apart than 4 intervals.
    await waitFor(() => session.keyframes.length >= 2, { what: "keyframes of the seq" });
    const offsets = session.keyframes.map((k) => k.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    for (let i = 1; i < offsets.length; i++) {
      expect(offsets[i]! - offsets[i - 1]!).toBeGreaterThanOrEqual(8192);
    }
    const gaps = [offsets[0]!, ...offsets.slice(1).map((o, i) => o - offsets[i]!)];
    expect(Math.max(...gaps)).toBeLessThanOrEqual(4 * 8192 + 4096);
    // The fake session records a keyframe ahead of the stored output as a violation.
    expect(session.violations).toEqual([]);
  });

  test("are exact: a fresh terminal given the keyframe equals one fed the output up to its offset", async () => {
    const session = await fx.open({ size: { cols: 90, rows: 20 } });
    session.type(
      "printf '\\e[1;31mred\\e[0m 漢字 🙂\\n\\e]0;a title\\a'; seq 1 30; printf '\\e[?1049h\\e[5;5Halt scr\\145en\\e[?25l'\r",
    );
    await session.waitForOutput("alt screen");
    session.resize(100, 25);
    await waitFor(() => session.keyframes.some((k) => k.cols === 100 && k.rows === 25), {
      what: "a keyframe at the resize",
    });
    const keyframe = session.keyframes.findLast((k) => k.cols === 100)!;
    const joiner = createHeadlessTerminal({ cols: 100, rows: 25, scrollback: 1000 });
    playText(joiner, keyframe.text);
    const watcher = createHeadlessTerminal({ cols: 90, rows: 20, scrollback: 1000 });
    // Every byte before the keyframe was written at 90x20; the resize came after them.
    playText(watcher, session.output.view().bytes.subarray(0, keyframe.offset));
    watcher.resize(100, 25);
    expect(joiner.buffer.active.type).toBe("alternate");
    expect(firstDifference(watcher, joiner)).toBeNull();
    expect(session.violations).toEqual([]);
  });

  test("a storm of resizes brings one keyframe once it stops, at the last size, not one per resize", async () => {
    const session = await fx.open();
    const before = session.keyframes.length;
    for (let i = 0; i < 50; i++) session.resize(90 + (i % 10), 24 + (i % 5));
    session.resize(111, 33);
    await waitFor(() => session.keyframes.some((k) => k.cols === 111 && k.rows === 33), {
      what: "a keyframe at the last size",
    });
    expect(session.keyframes.length - before).toBeLessThanOrEqual(5);
    expect(session.violations).toEqual([]);
  });

  test("the newest is sent again on every new connection", async () => {
    const session = await fx.open();
    session.type("seq 1 3000; echo seq-$((3*1000))-done\r");
    await session.waitForOutput("seq-3000-done");
    session.resize(81, 24);
    await waitFor(() => session.keyframes.some((k) => k.cols === 81), { what: "a keyframe" });
    const before = session.keyframes.length;
    const newest = session.keyframes.at(-1)!;
    session.killConnection();
    await waitFor(() => session.generation === 2 && session.keyframes.length > before, {
      what: "the keyframe sent again",
    });
    // The first keyframe on the new connection is the newest of the old one (a keyframe at the
    // welcome's size may follow it).
    expect(session.keyframes[before]).toEqual(newest);
  });

  test("--no-keyframes sends none", async () => {
    const session = await plain.open({ keyframeEveryBytes: 4096 });
    session.type("seq 1 20000; echo seq-$((2*10))k-done\r");
    await session.waitForOutput("seq-20k-done", { timeoutMs: 20_000 });
    session.resize(100, 30);
    session.type("echo resized-$((1+1))\r");
    await session.waitForOutput("resized-2");
    expect(session.keyframes).toEqual([]);
    expect(session.violations).toEqual([]);
  });
});
