/** Flow control between the connection and xterm: watermarks, ordering, processed offsets. */
import { Terminal } from "@xterm/headless";
import { describe, expect, it } from "vitest";
import { OutputWriter, type WriteTarget } from "../../../client/src/terminal/output-writer.ts";
import { waitFor } from "../../harness/wait.ts";

/** A terminal that parses only when the test says so. */
class ManualTarget implements WriteTarget {
  readonly writes: Uint8Array[] = [];
  readonly #callbacks: (() => void)[] = [];
  write(data: Uint8Array, callback: () => void): void {
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
