/** Reads an asciicast v2 recording (what `GET /api/sessions/{id}/recording` returns) into its starting size and its timed events. */

/** One event of a recording, at `time` seconds from its start. */
export type ReplayEvent =
  | { time: number; kind: "output"; text: string }
  | { time: number; kind: "resize"; cols: number; rows: number };

/** A recording ready to play. */
export interface Recording {
  /** The terminal's size at the start (the header's `width` and `height`). */
  cols: number;
  rows: number;
  /** Output and resizes, in time order. */
  events: ReplayEvent[];
  /** The last event's time (seconds): how long the recording plays at 1×. */
  duration: number;
}

/** The text is not an asciicast v2 recording; the message says which line and why. */
export class RecordingFormatError extends Error {}

const RESIZE = /^(\d{1,5})x(\d{1,5})$/;

/**
 * Parses asciicast v2 text: a header line, then one JSON `[seconds, code, data]` per line. Output
 * ("o") and resizes ("r", "COLSxROWS") are kept; other codes (input, markers) are skipped, as the
 * format asks of players. A time earlier than the one before it counts as that one.
 */
export function readAsciicast(text: string): Recording {
  const lines = text.split("\n");
  const header = parseLine(lines[0] ?? "", 1);
  if (!isObject(header) || header.version !== 2) {
    throw new RecordingFormatError("line 1: not an asciicast v2 header");
  }
  const cols = header.width;
  const rows = header.height;
  if (!isSize(cols) || !isSize(rows)) {
    throw new RecordingFormatError("line 1: the header needs a positive width and height");
  }
  const events: ReplayEvent[] = [];
  let last = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const event = parseLine(line, i + 1);
    if (!Array.isArray(event) || event.length < 3) {
      throw new RecordingFormatError(`line ${i + 1}: an event is [seconds, code, data]`);
    }
    const [seconds, code, data] = event as unknown[];
    if (typeof seconds !== "number" || !(seconds >= 0) || typeof data !== "string") {
      throw new RecordingFormatError(`line ${i + 1}: an event is [seconds, code, data]`);
    }
    const time = Math.max(last, seconds);
    last = time;
    if (code === "o") events.push({ time, kind: "output", text: data });
    else if (code === "r") {
      const size = RESIZE.exec(data);
      const [c, r] = [Number(size?.[1]), Number(size?.[2])];
      if (!size || !isSize(c) || !isSize(r)) {
        throw new RecordingFormatError(`line ${i + 1}: a resize is "COLSxROWS", got "${data}"`);
      }
      events.push({ time, kind: "resize", cols: c, rows: r });
    }
  }
  return { cols, rows, events, duration: events.at(-1)?.time ?? 0 };
}

function parseLine(line: string, number: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new RecordingFormatError(`line ${number}: not JSON`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSize(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value > 0;
}
