/** Unit tests of the output history's offset arithmetic, coalescing and trimming (pure logic, in memory). */
import { describe, expect, it } from "vitest";
import {
  MemoryChunkStore,
  OutputHistory,
} from "../../durable-objects/terminal-session/output-history.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (history: OutputHistory, from = 0) =>
  new TextDecoder().decode(Buffer.concat(history.read(from, 1 << 30).map((c) => c.data)));

describe("OutputHistory", () => {
  it("drops bytes it already has by offset and keeps only the new tail of an overlapping resend", () => {
    const history = new OutputHistory(new MemoryChunkStore());
    expect(history.append(0, bytes("hello"))).toMatchObject({ kind: "stored", offset: 0 });
    expect(history.append(0, bytes("hello"))).toEqual({ kind: "duplicate" });
    const overlap = history.append(3, bytes("lo world"));
    expect(overlap).toMatchObject({ kind: "stored", offset: 5 });
    expect(new TextDecoder().decode((overlap as { data: Uint8Array }).data)).toBe(" world");
    expect(text(history)).toBe("hello world");
    expect(history.end).toBe(11);
  });

  it("refuses output that starts after the end, storing nothing", () => {
    const history = new OutputHistory(new MemoryChunkStore());
    history.append(0, bytes("abc"));
    expect(history.append(5, bytes("xyz"))).toEqual({ kind: "gap", expected: 3 });
    expect(history.end).toBe(3);
  });

  it("coalesces small writes into one chunk and starts a new chunk past the threshold", () => {
    const store = new MemoryChunkStore();
    const history = new OutputHistory(store, { coalesceBelowBytes: 8, maxChunkBytes: 16 });
    for (const piece of ["ab", "cd", "ef", "gh", "ij"]) history.append(history.end, bytes(piece));
    expect([...store.chunks.keys()]).toEqual([0, 8]);
    expect(text(history)).toBe("abcdefghij");
  });

  it("trims whole chunks from the front, never keeping more than the cap", () => {
    const store = new MemoryChunkStore();
    const history = new OutputHistory(store, {
      capBytes: 10,
      coalesceBelowBytes: 1,
      maxChunkBytes: 4,
    });
    for (const piece of ["0123", "4567", "89ab", "cdef"]) history.append(history.end, bytes(piece));
    // 16 bytes, cap 10: the chunk holding offset 6 ("4567") goes whole; "89abcdef" stays.
    expect([history.start, history.end]).toEqual([8, 16]);
    expect([...store.chunks.keys()]).toEqual([8, 12]);
    expect(text(history)).toBe("89abcdef");
    expect(text(history, 0)).toBe("89abcdef");
    expect(text(history, 12)).toBe("cdef");
  });

  it("cuts a tail chunk that alone is larger than the cap", () => {
    const history = new OutputHistory(new MemoryChunkStore(), { capBytes: 3 });
    history.append(0, bytes("abcdefgh"));
    expect([history.start, history.end]).toEqual([5, 8]);
    expect(text(history)).toBe("fgh");
  });

  it("reads from any offset in frames no larger than asked", () => {
    const history = new OutputHistory(new MemoryChunkStore());
    history.append(0, bytes("abcdefghij"));
    const frames = history.read(2, 100, 3);
    expect(frames.map((f) => [f.start, new TextDecoder().decode(f.data)])).toEqual([
      [2, "cde"],
      [5, "fgh"],
      [8, "ij"],
    ]);
    expect(history.read(10, 100)).toEqual([]);
    expect(history.read(0, 4).reduce((n, f) => n + f.data.byteLength, 0)).toBe(4);
  });

  it("recovers start, end and tail from its store, as after hibernation", () => {
    const store = new MemoryChunkStore();
    const first = new OutputHistory(store, { capBytes: 6, coalesceBelowBytes: 1 });
    first.append(0, bytes("abcd"));
    first.append(4, bytes("efgh"));
    const again = new OutputHistory(store, { capBytes: 6, coalesceBelowBytes: 1 });
    expect([again.start, again.end]).toEqual([4, 8]);
    again.append(8, bytes("ij"));
    expect(text(again)).toBe("efghij");
  });

  it("never trims past the offset it must keep (a keyframe's), up to the hard cap, and keeps that offset's chunk", () => {
    const options = { capBytes: 100, coalesceBelowBytes: 16, maxChunkBytes: 64 };
    const history = new OutputHistory(new MemoryChunkStore(), options);
    const ten = bytes("0123456789");
    for (let at = 0; at < 150; at += 10) history.append(at, ten);
    expect(history.start).toBeGreaterThan(50);
    history.keepFrom(115); // inside the chunk [100, 120): 10-byte writes coalesce in pairs
    for (let at = 150; at < 450; at += 10) history.append(at, ten);
    // 350 bytes retained for a 100-byte cap: the keyframe's tail, from the start of its chunk.
    expect(history.start).toBe(100);
    expect(history.end - history.start).toBeLessThanOrEqual(history.hardCapBytes);
    // Past 4 x the cap the keyframe's tail is let go: back to the cap.
    for (let at = 450; at < 600; at += 10) history.append(at, ten);
    expect(history.start).toBeGreaterThan(115);
    expect(history.end - history.start).toBeLessThanOrEqual(100);
  });

  it("trims to the cap alone again once nothing must be kept", () => {
    const options = { capBytes: 100, coalesceBelowBytes: 16, maxChunkBytes: 64 };
    const history = new OutputHistory(new MemoryChunkStore(), options);
    const ten = bytes("0123456789");
    history.keepFrom(0);
    for (let at = 0; at < 300; at += 10) history.append(at, ten);
    expect(history.start).toBe(0);
    history.keepFrom(null);
    history.append(300, ten);
    expect(history.end - history.start).toBeLessThanOrEqual(100);
  });
});
