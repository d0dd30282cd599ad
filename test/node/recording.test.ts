/** Unit tests of recordings' pure logic: the times stored with output chunks, and asciicast v2 lines built from them. */
import { describe, expect, it } from "vitest";
import {
  addTime,
  decodeTimes,
  encodeTimes,
  timesFrom,
} from "../../durable-objects/terminal-session/chunk-times.ts";
import {
  MemoryChunkStore,
  OutputHistory,
} from "../../durable-objects/terminal-session/output-history.ts";
import { AsciicastWriter, type RecordingPage } from "../../worker/sessions/asciicast.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const T0 = Date.UTC(2026, 11, 2, 8, 0, 0);

describe("chunk times", () => {
  it("encode and decode real millisecond times, offsets ascending", () => {
    const times: [number, number][] = [
      [0, T0],
      [5, T0 + 1],
      [70_000, T0 + 3_600_000],
    ];
    const encoded = encodeTimes(times);
    expect(decodeTimes(encoded)).toEqual(times);
    // Steps, not absolute values, after the first: a write a millisecond later costs 2 bytes.
    const first = encodeTimes([[0, T0]]).byteLength;
    expect(encodeTimes(times.slice(0, 2)).byteLength).toBe(first + 2);
  });

  it("add a time only when it is later and bytes came since", () => {
    expect(addTime([[0, T0]], 3, T0)).toEqual([[0, T0]]);
    expect(addTime([[0, T0]], 0, T0 + 5)).toEqual([[0, T0]]);
    expect(addTime([[0, T0]], 3, T0 + 5)).toEqual([
      [0, T0],
      [3, T0 + 5],
    ]);
  });

  it("rebase to a later start, which takes the time of the bytes it falls in", () => {
    const times: [number, number][] = [
      [0, T0],
      [4, T0 + 10],
      [9, T0 + 20],
    ];
    expect(timesFrom(times, 6)).toEqual([
      [0, T0 + 10],
      [3, T0 + 20],
    ]);
    expect(timesFrom(times, 4)).toEqual([
      [0, T0 + 10],
      [5, T0 + 20],
    ]);
  });
});

describe("the output history's times", () => {
  it("keeps the time of each write inside a coalesced chunk, and readTimed cuts them with the bytes", () => {
    const store = new MemoryChunkStore();
    const history = new OutputHistory(store);
    history.append(0, bytes("ab"), T0);
    history.append(2, bytes("cd"), T0 + 100);
    history.append(4, bytes("ef"), T0 + 100);
    expect(store.chunks.size).toBe(1);
    const [whole] = history.readTimed(0, 100);
    expect(whole!.times).toEqual([
      [0, T0],
      [2, T0 + 100],
    ]);
    const [tail] = history.readTimed(3, 100);
    expect(tail).toMatchObject({ start: 3, times: [[0, T0 + 100]] });
    expect(new TextDecoder().decode(tail!.data)).toBe("def");
    // A restarted history (a new instance over the same store) extends the same chunk's times.
    const restarted = new OutputHistory(store);
    restarted.append(6, bytes("g"), T0 + 200);
    expect(restarted.readTimed(0, 100)[0]!.times).toEqual([
      [0, T0],
      [2, T0 + 100],
      [6, T0 + 200],
    ]);
  });

  it("keeps the times of the bytes that remain when a chunk over the cap is cut", () => {
    const history = new OutputHistory(new MemoryChunkStore(), { capBytes: 4 });
    history.append(0, bytes("abcdef"), T0);
    history.append(6, bytes("gh"), T0 + 50);
    const chunks = history.readTimed(0, 100);
    expect(chunks.map((c) => [c.start, new TextDecoder().decode(c.data), c.times])).toEqual([
      [
        4,
        "efgh",
        [
          [0, T0],
          [2, T0 + 50],
        ],
      ],
    ]);
  });
});

/** A page as the session answers it, for [start, end) of `chunks`. */
function page(
  chunks: RecordingPage["chunks"],
  resizes: RecordingPage["resizes"] = [],
): RecordingPage {
  const last = chunks.at(-1)!;
  return {
    ok: true,
    createdAt: T0,
    size: { cols: 80, rows: 24 },
    start: chunks[0]!.start,
    end: last.start + last.data.byteLength,
    historyEnd: last.start + last.data.byteLength,
    chunks,
    resizes,
  };
}

describe("AsciicastWriter", () => {
  it("writes the header, then one output event per stored write at its time since the session's creation", () => {
    const writer = new AsciicastWriter(T0);
    expect(JSON.parse(writer.header({ cols: 100, rows: 30 }))).toEqual({
      version: 2,
      width: 100,
      height: 30,
      timestamp: T0 / 1000,
      env: { TERM: "xterm-256color" },
    });
    const lines = writer.page(
      page([
        {
          start: 0,
          data: bytes("$ ls\r\nfile\r\n"),
          times: [
            [0, T0 + 1500],
            [4, T0 + 2250],
          ],
        },
      ]),
    );
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      [1.5, "o", "$ ls"],
      [2.25, "o", "\r\nfile\r\n"],
    ]);
  });

  it("keeps a character whole when its bytes were stored apart", () => {
    const writer = new AsciicastWriter(T0);
    const e = bytes("é");
    const lines = [
      ...writer.page(page([{ start: 0, data: e.subarray(0, 1), times: [[0, T0 + 10]] }])),
      ...writer.page(page([{ start: 1, data: e.subarray(1), times: [[0, T0 + 20]] }])),
      ...writer.finish(),
    ];
    expect(lines.map((line) => JSON.parse(line))).toEqual([[0.02, "o", "é"]]);
  });

  it("writes bytes that are not UTF-8 as U+FFFD (an asciicast holds text)", () => {
    const writer = new AsciicastWriter(T0);
    const lines = [
      ...writer.page(
        page([{ start: 0, data: Uint8Array.from([0x61, 0xff, 0x62]), times: [[0, T0]] }]),
      ),
      ...writer.finish(),
    ];
    expect(lines.map((line) => JSON.parse(line))).toEqual([[0, "o", "a\uFFFDb"]]);
  });

  it("puts each resize at its place in the output, and never goes back in time", () => {
    const writer = new AsciicastWriter(T0);
    const lines = writer.page(
      page(
        [
          { start: 0, data: bytes("abcd"), times: [[0, T0 + 1000]] },
          // Stored before chunks had times: it takes the time before it.
          { start: 4, data: bytes("ef"), times: null },
          { start: 6, data: bytes("gh"), times: [[0, T0 + 500]] },
        ],
        [
          { offset: 2, at: T0 + 1200, cols: 120, rows: 40 },
          { offset: 8, at: T0 + 3000, cols: 90, rows: 20 },
        ],
      ),
    );
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      [1, "o", "ab"],
      [1.2, "r", "120x40"],
      [1.2, "o", "cd"],
      [1.2, "o", "ef"],
      [1.2, "o", "gh"],
      [3, "r", "90x20"],
    ]);
  });
});
