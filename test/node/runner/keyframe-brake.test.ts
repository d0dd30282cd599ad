/** The keyframe feed's brake: a worker that falls behind a flood pauses the PTY until it catches up, and a worker that stops never leaves the PTY paused. */
import { describe, expect, test } from "vitest";
import { OnceLogger } from "../../../pty-runner/log.ts";
import type { SessionKeyframes } from "../../../pty-runner/keyframes/keyframe-workers.ts";
import {
  KEYFRAME_BACKLOG_WATERMARKS,
  SessionKeyframeFeed,
  brakeHighFor,
} from "../../../pty-runner/session-keyframes.ts";

/** The parts of a session's keyframe engine the feed uses, with a backlog the test sets. */
class FakeEngine {
  posted = 0;
  parsed = 0;
  failure: { offset: number; error: string } | null = null;
  latest = null;
  interval = 0;
  setInterval(everyBytes: number): void {
    this.interval = everyBytes;
  }
  readonly progress = new Set<() => void>();
  get backlog(): number {
    return this.posted - this.parsed;
  }
  write(bytes: Uint8Array): void {
    this.posted += bytes.byteLength;
  }
  /** The worker reports it parsed up to `offset`. */
  report(offset: number): void {
    this.parsed = offset;
    for (const listener of this.progress) listener();
  }
  fail(): void {
    this.failure = { offset: this.parsed, error: "worker exited" };
    for (const listener of this.progress) listener();
  }
  onProgress(listener: () => void) {
    this.progress.add(listener);
    return () => this.progress.delete(listener);
  }
  onKeyframe() {
    return () => {};
  }
  onOversized() {
    return () => {};
  }
  requestKeyframe() {
    return new Promise(() => {});
  }
  /** As the real one: closing stops it (a failure) and the backlog is never parsed. */
  close(): void {
    this.failure ??= { offset: this.parsed, error: "closed" };
  }
}

function feedOf(engine: FakeEngine) {
  const events: string[] = [];
  const warnings: string[] = [];
  const feed = new SessionKeyframeFeed(
    engine as unknown as SessionKeyframes,
    { sentEnd: () => null, send: () => true },
    { pause: () => events.push("pause"), resume: () => events.push("resume") },
    "s1",
    new OnceLogger({ info() {}, warn: (line) => warnings.push(line), error() {} }),
  );
  return { feed, events, warnings };
}

const MiB = 1024 * 1024;

describe("the keyframe brake", () => {
  test("pauses the PTY above the high watermark and resumes it below the low one", () => {
    const engine = new FakeEngine();
    const { feed, events } = feedOf(engine);
    const chunk = new Uint8Array(MiB);
    while (engine.backlog <= KEYFRAME_BACKLOG_WATERMARKS.high) feed.output(chunk);
    expect(events).toEqual(["pause"]);
    feed.output(chunk); // bytes already read keep coming: still one pause
    expect(events).toEqual(["pause"]);
    engine.report(engine.posted - KEYFRAME_BACKLOG_WATERMARKS.low - 1);
    expect(events).toEqual(["pause"]);
    engine.report(engine.posted - KEYFRAME_BACKLOG_WATERMARKS.low + 1);
    expect(events).toEqual(["pause", "resume"]);
    expect(feed.braking).toBe(false);
    feed.close();
  });

  test("brakes at 4 keyframe intervals for a session with a small history cap, at 4 MiB at most", () => {
    expect(brakeHighFor(16 * 1024)).toBe(64 * 1024);
    expect(brakeHighFor(MiB)).toBe(4 * MiB);
    const engine = new FakeEngine();
    const { feed, events } = feedOf(engine);
    feed.welcomed(16 * 1024);
    while (engine.backlog <= 64 * 1024) feed.output(new Uint8Array(4096));
    expect(events).toEqual(["pause"]);
    engine.report(engine.posted - 16 * 1024 + 1);
    expect(events).toEqual(["pause", "resume"]);
    feed.close();
  });

  test("a worker that stops releases the PTY, and says so once", () => {
    const engine = new FakeEngine();
    const { feed, events, warnings } = feedOf(engine);
    while (engine.backlog <= KEYFRAME_BACKLOG_WATERMARKS.high) feed.output(new Uint8Array(MiB));
    engine.fail();
    engine.report(engine.parsed);
    expect(events).toEqual(["pause", "resume"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("session s1: keyframes stopped at 0 (worker exited)");
    feed.close();
    expect(warnings).toHaveLength(1);
  });

  test("closing the session releases the PTY, without a warning", () => {
    const engine = new FakeEngine();
    const { feed, events, warnings } = feedOf(engine);
    while (engine.backlog <= KEYFRAME_BACKLOG_WATERMARKS.high) feed.output(new Uint8Array(MiB));
    feed.close();
    expect(events).toEqual(["pause", "resume"]);
    expect(warnings).toEqual([]);
  });
});
