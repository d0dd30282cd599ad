/** Flow control with a real flood: `yes` cannot grow the runner's memory, and Ctrl-C still stops it at once. */
import { afterAll, beforeAll, expect, test } from "vitest";
import { DEFAULT_WATERMARKS } from "../../../pty-runner/flow-control.ts";
import { runCli, rssOf } from "../../harness/cli-process.ts";
import { FakeEdge } from "../../harness/fake-edge.ts";
import { TEST_TOKEN, startFixture } from "../../harness/runner-fixture.ts";
import type { Fixture } from "../../harness/runner-fixture.ts";
import { waitFor } from "../../harness/wait.ts";

const MiB = 1024 * 1024;
// A PTY read is at most 64 KiB; the pause takes effect after the read that crossed the mark.
const BUFFER_BOUND = DEFAULT_WATERMARKS.highBytes + 256 * 1024;
// The buffers' bound is a few MiB; the rest is the process's own heap growth under load, and the
// keyframe worker thread this runner starts with its first session (a V8 isolate and a headless
// xterm, about 35-50 MiB), which lives in this test's process.
const RSS_GROWTH_BOUND = 144 * MiB;

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx?.close();
});

/** Samples until `ms` have passed (or `done` says so): the largest unacked buffer and RSS seen. */
async function observe(sessionId: string, ms: number, done: () => boolean = () => false) {
  let maxUnacked = 0;
  let maxRss = 0;
  const until = performance.now() + ms;
  while (performance.now() < until && !done()) {
    maxUnacked = Math.max(maxUnacked, fx.runner.sessionStats(sessionId)?.unackedBytes ?? 0);
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { maxUnacked, maxRss };
}

test("`yes` keeps the unacked buffer and memory bounded through a stall and 10 MiB of flow, and Ctrl-C ends it", async () => {
  const session = await fx.open({ keepBytes: false, ack: { kind: "held" } });
  const rssBefore = process.memoryUsage().rss;
  session.type("yes\r");

  // Storage stalls (no acks) for 1.5 s: only pausing the PTY keeps memory bounded.
  await waitFor(() => fx.runner.sessionStats(session.id)?.paused, { what: "the PTY to pause" });
  const stalled = await observe(session.id, 1500);
  expect(stalled.maxUnacked).toBeLessThanOrEqual(BUFFER_BOUND);
  const storedWhileStalled = session.storedEnd;
  expect(storedWhileStalled).toBeLessThanOrEqual(BUFFER_BOUND);

  // Storage keeps up again: `yes` runs at full speed until 10 MiB more are stored (however long a
  // busy machine takes), the buffer bounded all along.
  session.ack = { kind: "each" };
  session.releaseAcks();
  const flowing = await observe(
    session.id,
    60_000,
    () => session.storedEnd - storedWhileStalled > 10 * MiB,
  );
  expect(session.storedEnd - storedWhileStalled).toBeGreaterThan(10 * MiB);
  expect(flowing.maxUnacked).toBeLessThanOrEqual(BUFFER_BOUND);
  expect(fx.runner.sessionStats(session.id)!.highWaterMark).toBeLessThanOrEqual(BUFFER_BOUND);
  expect(Math.max(stalled.maxRss, flowing.maxRss) - rssBefore).toBeLessThan(RSS_GROWTH_BOUND);

  const sentAt = performance.now();
  session.type("\x03");
  // How fast is the bench's business; here Ctrl-C must end it (the time is logged below).
  await session.waitForOutput(session.marks.commandDone(130), { timeoutMs: 20_000 });
  expect(session.violations).toEqual([]);
  console.log(
    `yes: ${(session.storedEnd / MiB).toFixed(0)} MiB stored; max unacked ${(flowing.maxUnacked / MiB).toFixed(2)} MiB; ` +
      `RSS growth ${((stalled.maxRss - rssBefore) / MiB).toFixed(1)} MiB stalled, ${((Math.max(stalled.maxRss, flowing.maxRss) - rssBefore) / MiB).toFixed(1)} MiB in all; ` +
      `Ctrl-C to prompt ${(performance.now() - sentAt).toFixed(0)} ms`,
  );
});

test("Ctrl-C reaches `yes` while its output is paused by flow control", async () => {
  const session = await fx.open({ keepBytes: false, ack: { kind: "held" } });
  session.type("yes\r");
  await waitFor(() => fx.runner.sessionStats(session.id)?.paused, { what: "the PTY to pause" });
  const pausedAt = fx.runner.sessionStats(session.id)!.end;
  session.type("\x03");
  // Input is not flow-controlled: `yes` dies now. What it had written still drains, then the
  // prompt comes: no more than the kernel's PTY buffer beyond the pause point.
  await new Promise((resolve) => setTimeout(resolve, 300));
  session.ack = { kind: "each" };
  session.releaseAcks();
  await session.waitForOutput(session.marks.commandDone(130), { timeoutMs: 2000 });
  expect(session.storedEnd - pausedAt).toBeLessThan(1 * MiB);
});

test("a runner process stays within a fixed memory bound while `yes` floods a stalled edge for 3 s", async () => {
  // A separate process, so only the runner's memory is measured, not the fake edge's.
  const edge = await FakeEdge.start({ runnerToken: TEST_TOKEN });
  const cli = runCli(["--url", edge.url, "--host", "rss-test", "--shell", "/bin/bash"], {
    RUNNER_TOKEN: TEST_TOKEN,
    HOME: fx.home,
  });
  try {
    await edge.waitForRunner("rss-test");
    const session = edge.openSession("rss-test", { keepBytes: false, ack: { kind: "held" } });
    await session.waitForPrompt();
    const before = rssOf(cli.child.pid!);
    if (before === null) return; // No /proc on this system.
    session.type("yes\r");
    let peak = before;
    const until = performance.now() + 3000;
    while (performance.now() < until) {
      peak = Math.max(peak, rssOf(cli.child.pid!) ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Stalled, the runner holds ~2 MiB of output; without flow control it would read on at
    // tens of MB/s for the whole 3 s.
    console.log(
      `runner process RSS: ${(before / MiB).toFixed(1)} MiB before, peak ${(peak / MiB).toFixed(1)} MiB`,
    );
    expect(peak - before).toBeLessThan(32 * MiB);
    expect(session.storedEnd).toBeLessThanOrEqual(BUFFER_BOUND);
  } finally {
    cli.child.kill("SIGTERM");
    await cli.exited;
    await edge.stop();
  }
});
