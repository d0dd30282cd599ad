/** The join page's replay: reading asciicast v2, and playing it with its timing (speeds, pause, max) and its resizes in order, on a fake clock and a headless xterm. */
import { Terminal } from "@xterm/headless";
import { describe, expect, it } from "vitest";
import {
  readAsciicast,
  RecordingFormatError,
  type Recording,
  type ReplayEvent,
} from "../../../client/src/join/asciicast-reader.ts";
import {
  ReplayPlayer,
  type ReplayClock,
  type ReplaySink,
} from "../../../client/src/join/replay-player.ts";
import { waitFor } from "../../harness/wait.ts";

/** A clock that moves only when the test says, running due timers in time order. */
class FakeClock implements ReplayClock {
  time = 0;
  #timers: { at: number; run: () => void }[] = [];

  now(): number {
    return this.time;
  }

  after(ms: number, run: () => void): () => void {
    const timer = { at: this.time + ms, run };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Moves the clock `ms` forward, firing each timer at its own time. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.time = due.at;
      due.run();
    }
    this.time = end;
  }

  get pending(): number {
    return this.#timers.length;
  }
}

/** A terminal that records what it got and when; it parses at once unless `manual`. */
class RecordingSink implements ReplaySink {
  readonly log: string[] = [];
  readonly #pending: (() => void)[] = [];
  readonly clock: FakeClock;
  readonly manual: boolean;

  constructor(clock: FakeClock, manual = false) {
    this.clock = clock;
    this.manual = manual;
  }

  write(text: string, done: () => void): void {
    this.log.push(`${this.clock.time}ms o ${JSON.stringify(text)}`);
    if (this.manual) this.#pending.push(done);
    else done();
  }

  resize(cols: number, rows: number): void {
    this.log.push(`${this.clock.time}ms r ${cols}x${rows}`);
  }

  /** The terminal finished parsing its oldest write. */
  parseOne(): void {
    this.#pending.shift()?.();
  }

  get unparsed(): number {
    return this.#pending.length;
  }
}

const out = (time: number, text: string): ReplayEvent => ({ time, kind: "output", text });
const resize = (time: number, cols: number, rows: number): ReplayEvent => ({
  time,
  kind: "resize",
  cols,
  rows,
});
const recording = (events: ReplayEvent[], cols = 80, rows = 24): Recording => ({
  cols,
  rows,
  events,
  duration: events.at(-1)?.time ?? 0,
});

describe("reading asciicast v2", () => {
  it("keeps the header's size, output and resizes in order, and skips other event codes", () => {
    const text = [
      JSON.stringify({ version: 2, width: 100, height: 30, timestamp: 1, env: {} }),
      JSON.stringify([0, "o", "$ "]),
      JSON.stringify([0.25, "i", "ls\r"]),
      JSON.stringify([0.5, "r", "120x40"]),
      JSON.stringify([1.75, "o", "a\u00e9\r\n"]),
      "",
    ].join("\n");
    expect(readAsciicast(text)).toEqual({
      cols: 100,
      rows: 30,
      events: [out(0, "$ "), resize(0.5, 120, 40), out(1.75, "a\u00e9\r\n")],
      duration: 1.75,
    });
  });

  it("never goes back in time: an event earlier than the one before it plays with it", () => {
    const text = [
      JSON.stringify({ version: 2, width: 80, height: 24 }),
      JSON.stringify([2, "o", "a"]),
      JSON.stringify([1, "o", "b"]),
    ].join("\n");
    expect(readAsciicast(text).events.map((e) => e.time)).toEqual([2, 2]);
  });

  it("refuses what is not a v2 recording, saying which line is wrong", () => {
    const header = JSON.stringify({ version: 2, width: 80, height: 24 });
    const cases: [string, string][] = [
      ["<html>", "line 1: not JSON"],
      [JSON.stringify({ version: 1, width: 80, height: 24 }), "line 1: not an asciicast v2"],
      [JSON.stringify({ version: 2, width: 0, height: 24 }), "line 1: the header needs"],
      [`${header}\n[0, "o"]`, "line 2: an event is"],
      [`${header}\n[-1, "o", "x"]`, "line 2: an event is"],
      [`${header}\n[0, "o", "x"]\n[1, "r", "wide"]`, 'line 3: a resize is "COLSxROWS"'],
    ];
    for (const [text, words] of cases) {
      expect(() => readAsciicast(text), words).toThrow(RecordingFormatError);
      expect(() => readAsciicast(text), words).toThrow(words);
    }
  });
});

describe("replay player", () => {
  it("at 1× writes each event at its recorded time, events due together in one write, then ends", () => {
    const clock = new FakeClock();
    const sink = new RecordingSink(clock);
    const player = new ReplayPlayer(
      recording([out(0, "a"), out(1.5, "b"), out(1.5, "c"), out(4, "d")]),
      sink,
      { clock },
    );
    expect(player.state).toBe("paused");
    player.play();
    expect(sink.log).toEqual(['0ms o "a"']);
    clock.advance(1499);
    expect(sink.log).toEqual(['0ms o "a"']);
    expect(player.position).toBeCloseTo(1.499);
    clock.advance(1);
    expect(sink.log).toEqual(['0ms o "a"', '1500ms o "bc"']);
    clock.advance(10_000);
    expect(sink.log).toEqual(['0ms o "a"', '1500ms o "bc"', '4000ms o "d"']);
    expect(player.state).toBe("ended");
    expect(player.position).toBe(4);
    expect(clock.pending).toBe(0);
  });

  it("at 2× every wait is half as long, and changing speed mid-wait keeps the position", () => {
    const clock = new FakeClock();
    const sink = new RecordingSink(clock);
    const player = new ReplayPlayer(recording([out(0, "a"), out(2, "b"), out(6, "c")]), sink, {
      clock,
      speed: 2,
    });
    player.play();
    clock.advance(1000);
    expect(sink.log).toEqual(['0ms o "a"', '1000ms o "b"']);
    // At 2 s of the recording after 1 s; 1 s more at 2× is 4 s; then 2 s are left at 1×.
    clock.advance(1000);
    expect(player.position).toBe(4);
    player.setSpeed(1);
    clock.advance(1999);
    expect(sink.log).toHaveLength(2);
    clock.advance(1);
    expect(sink.log.at(-1)).toBe('4000ms o "c"');
    expect(player.state).toBe("ended");
  });

  it("a pause holds the position; resuming goes on from there without skipping or repeating an event", () => {
    const clock = new FakeClock();
    const sink = new RecordingSink(clock);
    const player = new ReplayPlayer(recording([out(0, "a"), out(1, "b"), out(3, "c")]), sink, {
      clock,
    });
    player.play();
    clock.advance(1200);
    player.pause();
    expect(player.state).toBe("paused");
    expect(player.position).toBeCloseTo(1.2);
    clock.advance(60_000);
    expect(player.position).toBeCloseTo(1.2);
    expect(sink.log).toEqual(['0ms o "a"', '1000ms o "b"']);
    player.play();
    clock.advance(1799);
    expect(sink.log).toHaveLength(2);
    clock.advance(1);
    expect(sink.log).toEqual(['0ms o "a"', '1000ms o "b"', '63000ms o "c"']);
  });

  it("at max writes without waiting for the clock, each write only once the one before is parsed, and a pause stops between writes", () => {
    const clock = new FakeClock();
    const sink = new RecordingSink(clock, true);
    const events = [
      out(0, "aaaa"),
      out(10, "bb"),
      out(20, "cc"),
      out(3600, "dddd"),
      out(7200, "e"),
    ];
    const player = new ReplayPlayer(recording(events), sink, {
      clock,
      speed: "max",
      batchChars: 4,
    });
    player.play();
    expect(sink.log).toEqual(['0ms o "aaaa"']);
    expect(clock.pending).toBe(0);
    sink.parseOne();
    expect(sink.log.at(-1)).toBe('0ms o "bbcc"');
    expect(player.position).toBe(20);
    player.pause();
    sink.parseOne();
    expect(sink.log).toHaveLength(2);
    player.play();
    expect(sink.log.at(-1)).toBe('0ms o "dddd"');
    sink.parseOne();
    sink.parseOne();
    expect(sink.log.at(-1)).toBe('0ms o "e"');
    expect(player.state).toBe("ended");
    expect(player.position).toBe(7200);
  });

  it("applies a resize only after the output before it was parsed, and before the output after it", () => {
    const clock = new FakeClock();
    const sink = new RecordingSink(clock, true);
    const player = new ReplayPlayer(
      recording([out(0, "x"), resize(0, 20, 5), out(0, "y"), resize(1, 30, 6)]),
      sink,
      { clock },
    );
    player.play();
    expect(sink.log).toEqual(['0ms o "x"']);
    sink.parseOne();
    expect(sink.log).toEqual(['0ms o "x"', "0ms r 20x5", '0ms o "y"']);
    clock.advance(1000);
    // Still parsing "y": the later resize waits for it.
    expect(sink.log).toHaveLength(3);
    sink.parseOne();
    expect(sink.log.at(-1)).toBe("1000ms r 30x6");
    expect(player.state).toBe("ended");
  });

  it("in a real (headless) xterm, text written before a resize lands where the old size puts it", async () => {
    // At 10 columns the cursor cannot go past column 10; after the resize to 20 it can reach 15.
    const terminal = new Terminal({ cols: 10, rows: 3, allowProposedApi: true });
    const player = new ReplayPlayer(
      recording([out(0, "\x1b[1;15Hx"), resize(0, 20, 3), out(0, "\x1b[2;15Hy")], 10, 3),
      {
        write: (text, done) => terminal.write(text, done),
        resize: (cols, rows) => terminal.resize(cols, rows),
      },
      { speed: "max" },
    );
    player.play();
    await waitFor(() => player.state === "ended", { what: "the end of the replay" });
    const row = (y: number) => terminal.buffer.active.getLine(y)!.translateToString(true);
    expect(row(0)).toBe(`${" ".repeat(9)}x`);
    expect(row(1)).toBe(`${" ".repeat(14)}y`);
    expect([terminal.cols, terminal.rows]).toEqual([20, 3]);
    terminal.dispose();
  });

  it("after dispose nothing more is written, not even when a write it handed out lands", () => {
    const clock = new FakeClock();
    const sink = new RecordingSink(clock, true);
    const player = new ReplayPlayer(recording([out(0, "a"), out(0.5, "b"), out(1, "c")]), sink, {
      clock,
    });
    player.play();
    clock.advance(700);
    player.dispose();
    sink.parseOne();
    clock.advance(10_000);
    expect(sink.log).toEqual(['0ms o "a"']);
    expect(clock.pending).toBe(0);
  });

  it("an empty recording ends as soon as it plays", () => {
    const clock = new FakeClock();
    const player = new ReplayPlayer(recording([]), new RecordingSink(clock), { clock });
    player.play();
    expect(player.state).toBe("ended");
    expect(player.duration).toBe(0);
  });
});
