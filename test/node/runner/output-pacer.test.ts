/** Unit tests of output pacing: echoes go at once, floods go in big frames, at most every few ms. */
import { describe, expect, test } from "vitest";
import { OutputPacer } from "../../../pty-runner/output-pacer.ts";
import type { PacerClock } from "../../../pty-runner/output-pacer.ts";

/** A clock the test moves by hand. */
function manualClock() {
  let now = 1000;
  let timers: { at: number; callback: () => void; id: number }[] = [];
  let nextId = 1;
  const clock: PacerClock = {
    now: () => now,
    setTimeout: (callback, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, callback, id });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const timer of timers.filter((t) => t.at <= now)) {
      timers = timers.filter((t) => t !== timer);
      timer.callback();
    }
  };
  return { clock, advance, pending: () => timers.length };
}

const OPTIONS = { sparseGapMs: 5, intervalMs: 8, frameBytes: 65536 };

describe("OutputPacer", () => {
  test("output after a quiet moment is sent at once (a keystroke echo is not delayed)", () => {
    const { clock } = manualClock();
    const flushes: boolean[] = [];
    const pacer = new OutputPacer((whole) => flushes.push(whole), OPTIONS, clock);
    pacer.notify(1);
    expect(flushes).toEqual([false]);
  });

  test("output right after a send waits for the interval and goes out together", () => {
    const { clock, advance } = manualClock();
    const flushes: boolean[] = [];
    const pacer = new OutputPacer((whole) => flushes.push(whole), OPTIONS, clock);
    pacer.notify(4096);
    advance(1);
    pacer.notify(4096);
    advance(1);
    pacer.notify(8192);
    expect(flushes).toEqual([false]);
    advance(5);
    expect(flushes).toEqual([false]);
    advance(1);
    expect(flushes).toEqual([false, false]);
  });

  test("small output right after a send (fast typing) goes at once, until it becomes a stream", () => {
    const { clock, advance } = manualClock();
    const flushes: boolean[] = [];
    const pacer = new OutputPacer(
      (whole) => flushes.push(whole),
      { ...OPTIONS, smallBytes: 1024, smallBurst: 3 },
      clock,
    );
    for (let key = 0; key < 5; key++) {
      pacer.notify(1);
      advance(1);
    }
    // The first key is sparse; the next three are small sends; the fifth waits for the interval.
    expect(flushes).toEqual([false, false, false, false]);
    expect(pacer.pending).toBe(true);
    advance(8);
    expect(flushes).toEqual([false, false, false, false, false]);
  });

  test("a full frame's worth goes out at once as whole frames, the tail on the timer", () => {
    const { clock, advance } = manualClock();
    const flushes: boolean[] = [];
    const pacer = new OutputPacer((whole) => flushes.push(whole), OPTIONS, clock);
    pacer.notify(100);
    advance(1);
    pacer.notify(70_000);
    expect(flushes).toEqual([false, true]);
    expect(pacer.pending).toBe(true);
    advance(8);
    expect(flushes).toEqual([false, true, false]);
  });

  test("flushNow sends at once and cancel drops the scheduled send", () => {
    const { clock, advance, pending } = manualClock();
    const flushes: boolean[] = [];
    const pacer = new OutputPacer((whole) => flushes.push(whole), OPTIONS, clock);
    pacer.notify(1);
    pacer.notify(1);
    expect(pending()).toBe(1);
    pacer.cancel();
    expect(pending()).toBe(0);
    advance(100);
    expect(flushes).toEqual([false]);
    pacer.flushNow();
    expect(flushes).toEqual([false, false]);
  });
});
