/** Unit tests of the runner's output history: offsets, acks, resends and the memory high-water mark. */
import { describe, expect, test } from "vitest";
import { OutputBuffer } from "../../../pty-runner/output-buffer.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) => new TextDecoder().decode(data);

describe("OutputBuffer", () => {
  test("slices carry the absolute offset of their first byte and span PTY reads", () => {
    const buffer = new OutputBuffer();
    buffer.append(bytes("hello "));
    buffer.append(bytes("world"));
    const first = buffer.takeSlice(4);
    expect(first).toEqual({ offset: 0, data: bytes("hell") });
    const second = buffer.takeSlice(100);
    expect(second?.offset).toBe(4);
    expect(text(second?.data)).toBe("o world");
    expect(buffer.takeSlice(100)).toBeNull();
    expect(buffer.unsentBytes).toBe(0);
    expect(buffer.unackedBytes).toBe(11);
  });

  test("an ack frees the acknowledged bytes and keeps the rest for a resend", () => {
    const buffer = new OutputBuffer();
    buffer.append(bytes("abcdef"));
    buffer.takeSlice(6);
    expect(buffer.ack(4)).toBe(true);
    expect(buffer.start).toBe(4);
    expect(buffer.unackedBytes).toBe(2);
    expect(buffer.resumeFrom(4)).toEqual({ ok: true, from: 4 });
    expect(text(buffer.takeSlice(10)?.data)).toBe("ef");
  });

  test("an ack for bytes never sent is refused and frees nothing", () => {
    const buffer = new OutputBuffer();
    buffer.append(bytes("abcdef"));
    buffer.takeSlice(2);
    expect(buffer.ack(5)).toBe(false);
    expect(buffer.ack(Number.NaN)).toBe(false);
    expect(buffer.unackedBytes).toBe(6);
  });

  test("a reconnect resends exactly from the session's stored end", () => {
    const buffer = new OutputBuffer();
    for (let i = 0; i < 10; i++) buffer.append(bytes(String(i)));
    while (buffer.takeSlice(3));
    // The session stored 0..4 before the connection dropped; 5.. were lost in flight.
    expect(buffer.resumeFrom(5)).toEqual({ ok: true, from: 5 });
    const resent: string[] = [];
    for (let s = buffer.takeSlice(2); s; s = buffer.takeSlice(2))
      resent.push(`${s.offset}:${text(s.data)}`);
    expect(resent).toEqual(["5:56", "7:78", "9:9"]);
  });

  test("a stored end beyond the produced output is reported, not trusted", () => {
    const buffer = new OutputBuffer();
    buffer.append(bytes("abc"));
    const result = buffer.resumeFrom(10);
    expect(result.ok).toBe(false);
    expect(result.from).toBe(3);
    expect(buffer.takeSlice(10)).toBeNull();
  });

  test("a stored end before already-acked output resends from the oldest byte kept", () => {
    const buffer = new OutputBuffer();
    buffer.append(bytes("abcdef"));
    buffer.takeSlice(6);
    buffer.ack(4);
    const result = buffer.resumeFrom(2);
    expect(result).toMatchObject({ ok: false, from: 4 });
    expect(buffer.takeSlice(10)?.offset).toBe(4);
  });

  test("the high-water mark records the most bytes ever held", () => {
    const buffer = new OutputBuffer();
    buffer.append(new Uint8Array(1000));
    buffer.takeSlice(1000);
    buffer.ack(1000);
    buffer.append(new Uint8Array(10));
    expect(buffer.unackedBytes).toBe(10);
    expect(buffer.highWaterMark).toBe(1000);
  });

  test("many small reads survive partial acks and rewinds byte for byte", () => {
    const buffer = new OutputBuffer();
    const all: number[] = [];
    let received: number[] = [];
    let stored = 0;
    for (let round = 0; round < 200; round++) {
      const chunk = Uint8Array.from(
        { length: ((round * 7) % 13) + 1 },
        (_, i) => (round + i) % 256,
      );
      all.push(...chunk);
      buffer.append(chunk);
      const slice = buffer.takeSlice(5);
      if (slice && slice.offset === stored) {
        received.push(...slice.data);
        stored += slice.data.byteLength;
      }
      if (round % 5 === 0) buffer.ack(stored);
      if (round % 11 === 0) {
        buffer.resumeFrom(stored);
      }
    }
    buffer.resumeFrom(stored);
    for (let s = buffer.takeSlice(64); s; s = buffer.takeSlice(64)) {
      expect(s.offset).toBe(stored);
      received = received.concat([...s.data]);
      stored += s.data.byteLength;
    }
    expect(received).toEqual(all);
  });
});
