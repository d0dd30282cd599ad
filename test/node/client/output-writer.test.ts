/** Flow control between the connection and xterm: watermarks, ordering (keyframes included), processed offsets, whole UTF-8 characters. */
import { Terminal } from "@xterm/headless";
import { describe, expect, it } from "vitest";
import { OutputWriter, type WriteTarget } from "../../../client/src/terminal/output-writer.ts";
import { wholeSlices, XTERM_PARSE_SLICE } from "../../../protocol/utf8-whole.ts";
import { waitFor } from "../../harness/wait.ts";

/** A terminal that parses only when the test says so. */
class ManualTarget implements WriteTarget {
  readonly writes: (Uint8Array | string)[] = [];
  readonly #callbacks: (() => void)[] = [];
  write(data: Uint8Array | string, callback: () => void): void {
    this.writes.push(data);
    this.#callbacks.push(callback);
  }
  /** xterm finished parsing the oldest write. */
  parseOne(): void {
    this.#callbacks.shift()?.();
  }
}

const chunk = (offset: number, bytes: number, live = true) => ({
  offset,
  data: new Uint8Array(bytes),
  live,
});

describe("output writer", () => {
  it("stops feeding xterm above the high watermark and resumes only below the low one", () => {
    const target = new ManualTarget();
    const processed: number[] = [];
    const writer = new OutputWriter(target, (end) => processed.push(end), {
      highWatermarkBytes: 100,
      lowWatermarkBytes: 40,
    });
    for (let i = 0; i < 6; i++) writer.push(chunk(i * 30, 30));
    expect(target.writes).toHaveLength(4); // 120 bytes in xterm: paused
    expect(writer.queuedBytes).toBe(60);

    target.parseOne(); // 90 in xterm, still above the low watermark
    target.parseOne(); // 60
    expect(target.writes).toHaveLength(4);
    target.parseOne(); // 30: below 40, feeding resumes
    expect(target.writes).toHaveLength(6);
    expect(processed).toEqual([30, 60, 90]);
  });

  it("reports processed offsets only when xterm has parsed, in order", () => {
    const target = new ManualTarget();
    const processed: number[] = [];
    const writer = new OutputWriter(target, (end) => processed.push(end));
    writer.push(chunk(1000, 10));
    writer.push(chunk(1010, 5));
    expect(processed).toEqual([]);
    target.parseOne();
    target.parseOne();
    expect(processed).toEqual([1010, 1015]);
  });

  it("a resize waits until the output queued before it has been parsed", () => {
    const target = new ManualTarget();
    const events: string[] = [];
    const writer = new OutputWriter(target, (end) => events.push(`parsed ${end}`));
    writer.push(chunk(0, 10));
    writer.afterOutput(() => events.push("resize"));
    writer.push(chunk(10, 10));
    expect(target.writes).toHaveLength(1); // the second chunk waits behind the resize
    target.parseOne();
    expect(target.writes).toHaveLength(2);
    target.parseOne();
    expect(events).toEqual(["parsed 10", "resize", "parsed 20"]);
  });

  it("a keyframe waits until the output queued before it is parsed, then resets and is written as a string, reporting its own offset", () => {
    const target = new ManualTarget();
    const events: string[] = [];
    const writer = new OutputWriter(target, (end) => events.push(`parsed ${end}`));
    writer.push(chunk(0, 10, false));
    writer.push(chunk(10, 10, false));
    writer.keyframe({ offset: 5000, text: "\x1b[HKEY" }, () => events.push("reset"));
    writer.push(chunk(5000, 6));
    // Both outputs are in xterm; the keyframe and what follows it wait.
    expect(target.writes).toHaveLength(2);
    expect(writer.queuedBytes).toBe("\x1b[HKEY".length + 6);
    target.parseOne();
    expect(events).toEqual(["parsed 10"]); // one chunk still in xterm: no reset yet
    target.parseOne();
    expect(events).toEqual(["parsed 10", "parsed 20", "reset"]);
    // The keyframe went out right after the reset, and the output after it behind it.
    expect(target.writes).toHaveLength(4);
    expect(target.writes[2]).toBe("\x1b[HKEY");
    expect(target.writes[3]).toBeInstanceOf(Uint8Array);
    // A query rebuilt by a keyframe is a replayed one.
    expect(writer.parsingLive()).toBe(false);
    target.parseOne();
    target.parseOne();
    expect(events).toEqual(["parsed 10", "parsed 20", "reset", "parsed 5000", "parsed 5006"]);
    expect(writer.pendingBytes + writer.queuedBytes).toBe(0);
  });

  it("a resize queued after a keyframe applies after the keyframe and before the output behind it", () => {
    const target = new ManualTarget();
    const events: string[] = [];
    const writer = new OutputWriter(target, (end) => events.push(`parsed ${end}`));
    writer.keyframe({ offset: 100, text: "K" }, () => events.push("reset"));
    writer.afterOutput(() => events.push("resize"));
    writer.push(chunk(100, 5));
    expect(target.writes).toEqual(["K"]);
    target.parseOne();
    target.parseOne();
    expect(events).toEqual(["reset", "parsed 100", "resize", "parsed 105"]);
  });

  it("copes with a terminal that parses synchronously inside write()", () => {
    const processed: number[] = [];
    const writer = new OutputWriter(
      { write: (_data, done) => done() },
      (end) => processed.push(end),
      {
        highWatermarkBytes: 10,
        lowWatermarkBytes: 5,
      },
    );
    for (let i = 0; i < 5; i++) writer.push(chunk(i * 20, 20));
    expect(processed).toEqual([20, 40, 60, 80, 100]);
    expect(writer.pendingBytes).toBe(0);
  });

  it("a flood of output reaches xterm in order while xterm never holds much more than the watermark", async () => {
    const terminal = new Terminal({ cols: 80, rows: 24, scrollback: 100 });
    const high = 512 * 1024;
    let maxPending = 0;
    let processedEnd = 0;
    const writer = new OutputWriter(
      { write: (data, done) => terminal.write(data, done) },
      (end) => {
        processedEnd = end;
      },
    );
    const line = new TextEncoder().encode(
      "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvw\r\n",
    );
    const frame = new Uint8Array(64 * 1024);
    for (let at = 0; at < frame.length; at += line.length)
      frame.set(line.subarray(0, frame.length - at), at);
    const total = 128 * frame.length; // 8 MiB
    for (let offset = 0; offset < total; offset += frame.length) {
      writer.push({ offset, data: frame, live: true });
      maxPending = Math.max(maxPending, writer.pendingBytes);
    }
    expect(maxPending).toBeLessThanOrEqual(high + frame.length);
    await waitFor(() => processedEnd === total, { timeoutMs: 30_000, what: "8 MiB to be parsed" });
    expect(writer.pendingBytes).toBe(0);
    terminal.dispose();
  });
});

describe("whole characters", () => {
  /** Bytes of text with raw bytes spliced in where `bytes` says. */
  const bytesOf = (...parts: (string | number[])[]) =>
    Uint8Array.from(
      parts.flatMap((part) => (typeof part === "string" ? [...encoder.encode(part)] : part)),
    );
  const encoder = new TextEncoder();
  const EN_DASH = [0xe2, 0x80, 0x93];

  it("a character cut between two frames goes to xterm whole, and counts as processed only then", () => {
    const target = new ManualTarget();
    const processed: number[] = [];
    const writer = new OutputWriter(target, (end) => processed.push(end));
    writer.push({ offset: 0, data: bytesOf("a", EN_DASH.slice(0, 2)), live: true });
    writer.push({ offset: 3, data: bytesOf(EN_DASH.slice(2), "b"), live: true });
    expect(target.writes).toEqual([bytesOf("a"), bytesOf(EN_DASH, "b")]);
    target.parseOne();
    target.parseOne();
    expect(processed).toEqual([1, 5]);
  });

  it("xterm shows an en dash cut after its 0x80 byte (which it would drop) and one cut inside a frame bigger than its parse slice", async () => {
    const terminal = new Terminal({ cols: 40, rows: 4, scrollback: 0, allowProposedApi: true });
    const rows = () =>
      [0, 1, 2, 3].map((y) => terminal.buffer.active.getLine(y)!.translateToString(true));
    let processed = 0;
    const writer = new OutputWriter(
      { write: (data, done) => terminal.write(data, done) },
      (end) => (processed = end),
    );
    writer.push({ offset: 0, data: bytesOf("a", EN_DASH.slice(0, 2)), live: true });
    writer.push({ offset: 3, data: bytesOf(EN_DASH.slice(2), "b\r\n"), live: true });
    await waitFor(() => processed === 7, { what: "the first line parsed" });
    expect(rows()[0]).toBe("a–b");
    // xterm would cut this one at XTERM_PARSE_SLICE, right after the dash's 0x80.
    const big = new Uint8Array(XTERM_PARSE_SLICE + 10).fill(0x20);
    big.set(bytesOf("x", EN_DASH, "y"), XTERM_PARSE_SLICE - 3);
    writer.push({ offset: 7, data: big, live: true });
    await waitFor(() => processed === 7 + big.byteLength, { what: "everything parsed" });
    expect(rows().join("")).toContain("x–y");
    terminal.dispose();
  });

  it("a frame bigger than xterm's parse slice is written in pieces that end between characters", () => {
    const target = new ManualTarget();
    const processed: number[] = [];
    const writer = new OutputWriter(target, (end) => processed.push(end), {
      highWatermarkBytes: 4 * XTERM_PARSE_SLICE,
    });
    const big = new Uint8Array(XTERM_PARSE_SLICE + 10).fill(0x61);
    big.set(EN_DASH, XTERM_PARSE_SLICE - 2); // the cut would fall after E2 80
    writer.push({ offset: 1000, data: big, live: true });
    expect(target.writes.map((w) => w.length)).toEqual([XTERM_PARSE_SLICE - 2, 12]);
    target.parseOne();
    target.parseOne();
    expect(processed).toEqual([1000 + XTERM_PARSE_SLICE - 2, 1000 + big.byteLength]);
    // Bytes that are not UTF-8 at all still go in big pieces.
    const binary = new Uint8Array(2 * XTERM_PARSE_SLICE + 1).fill(0x80);
    expect(wholeSlices(binary).map((piece) => piece.byteLength)).toEqual([
      XTERM_PARSE_SLICE - 3,
      XTERM_PARSE_SLICE - 3,
      7,
    ]);
  });

  it("a character left unfinished before a keyframe or a jump in offsets is dropped, not finished by what follows", () => {
    const target = new ManualTarget();
    const writer = new OutputWriter(target, () => {});
    writer.push({ offset: 0, data: bytesOf("a", [0xe2]), live: false });
    // At the offset the held byte ends at, so only the keyframe itself can say "forget it".
    writer.keyframe({ offset: 2, text: "K" }, () => {});
    writer.push({ offset: 2, data: bytesOf([0x80, 0x93], "b"), live: false });
    target.parseOne();
    writer.push({ offset: 900, data: bytesOf("c", [0xe2, 0x80]), live: false });
    writer.push({ offset: 950, data: bytesOf([0x93], "d"), live: false });
    expect(target.writes).toEqual([
      bytesOf("a"),
      "K",
      bytesOf([0x80, 0x93], "b"),
      bytesOf("c"),
      bytesOf([0x93], "d"),
    ]);
  });
});
