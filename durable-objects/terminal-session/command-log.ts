/**
 * The session's command log: one record per command the shell ran, built from its OSC 133 marks
 * (C starts a command, D ends it). Pure logic over a CommandStore, independent of SQLite and sockets.
 */
import type { CommandListBody, CommandRecord } from "../../protocol/index.ts";
import type { InputSource } from "./input-source.ts";
import type { ShellMark } from "./shell-marks.ts";

/** One command as the API reports it (and viewers' `command` messages carry it). */
export type { CommandRecord };

/** A record as stored: times in milliseconds since the epoch. */
export interface StoredCommand {
  number: number;
  text: string | null;
  cwd: string | null;
  source: InputSource | null;
  start: number;
  end: number | null;
  startedAt: number;
  endedAt: number | null;
  exitCode: number | null;
}

/** Where records live. The session object backs this with SQLite; tests with memory. */
export interface CommandStore {
  /** The record with the highest number, or null. */
  newest(): StoredCommand | null;
  /** Inserts a record, or replaces the one with its number. */
  put(record: StoredCommand): void;
  /** Deletes every record numbered `number` or lower. */
  deleteThrough(number: number): void;
  /** Records numbered above `after`, lowest first, at most `limit`. */
  list(after: number, limit: number): StoredCommand[];
  get(number: number): StoredCommand | null;
}

/** Records kept: the newest 1000; older ones are deleted as new ones come. */
export const KEPT_COMMANDS = 1000;

/** The log as `GET /api/sessions/:id/commands` returns it. */
export type CommandList = { ok: true } & CommandListBody;

/** One command's output: the bytes [start, end) of the output stream that are still retained. */
export interface CommandOutput {
  ok: true;
  command: CommandRecord;
  /** First offset returned: the command's start, or later when the history was trimmed or `maxBytes` cut. */
  start: number;
  /** One past the last offset returned: the command's end, or the history's end while it runs. */
  end: number;
  bytes: Uint8Array;
  /** Some of the command's output is not returned (trimmed from the history, or over `maxBytes`). */
  trimmed: boolean;
}

/** Why the session did not answer. */
export interface CommandRefusal {
  ok: false;
  code: "session_not_found" | "session_ended" | "command_not_found";
  message: string;
}

/**
 * The part of a command's output to return: [record.start, record.end, or `historyEnd` while it
 * runs), clamped to what the history retains, at most its last `maxBytes`.
 */
export function outputRange(
  record: CommandRecord,
  history: { start: number; end: number },
  maxBytes: number,
): { start: number; end: number; trimmed: boolean } {
  const end = Math.min(record.end ?? history.end, history.end);
  let start = Math.min(Math.max(record.start, history.start), end);
  if (end - start > maxBytes) start = end - maxBytes;
  return { start, end, trimmed: start > record.start };
}

/** Who typed the input that was being read at an output offset. */
export type SourceAt = (offset: number) => InputSource | null;

/** The command log of one session. */
export class CommandLog {
  readonly #store: CommandStore;
  readonly #keep: number;
  #newest: StoredCommand | null;

  constructor(store: CommandStore, keep = KEPT_COMMANDS) {
    this.#store = store;
    this.#keep = keep;
    this.#newest = store.newest();
  }

  /**
   * Marks before this offset are already in the log: the newest record's end, or its start while
   * it runs (its own C mark ends there). Pass the shell's marks from here to `observe`.
   */
  scanFrom(): number {
    const newest = this.#newest;
    return newest ? (newest.end ?? newest.start) : 0;
  }

  /**
   * Takes the shell's own marks (the session's nonce checked by the caller), in order; those before
   * `scanFrom()` are skipped, so the same marks may be offered again (after a restart the session
   * reparses its stored tail). `sourceAt` says who typed a command's line. Returns the records
   * that started or ended, in order (a record that did both appears twice).
   */
  observe(marks: readonly ShellMark[], now: number, sourceAt: SourceAt): CommandRecord[] {
    const changed: CommandRecord[] = [];
    for (const mark of marks) {
      if (mark.start < this.scanFrom()) continue;
      if (mark.kind === "C") changed.push(...this.#begin(mark, now, sourceAt));
      else if (mark.kind === "D") changed.push(...this.#finish(mark.start, now, mark.exitCode));
    }
    return changed;
  }

  /**
   * The shell exited after `offset` bytes: a command still running ends there, without a status.
   * Returns that record, ended (none if no command was running).
   */
  shellExited(offset: number, now: number): CommandRecord[] {
    return this.#finish(offset, now, null);
  }

  /** The newest record, or null. */
  newest(): CommandRecord | null {
    return this.#newest && toRecord(this.#newest);
  }

  /** Records numbered above `after`, oldest first, at most `limit`. */
  list(after: number, limit: number): CommandRecord[] {
    return this.#store.list(after, limit).map(toRecord);
  }

  /** One record, or null if it never existed or was dropped as too old. */
  get(number: number): CommandRecord | null {
    const stored = this.#store.get(number);
    return stored && toRecord(stored);
  }

  #begin(mark: ShellMark, now: number, sourceAt: SourceAt): CommandRecord[] {
    // A C while a command runs (no D came: a shell that lost its hooks) ends that one first.
    const changed = this.#finish(mark.start, now, null);
    const record: StoredCommand = {
      number: (this.#newest?.number ?? 0) + 1,
      text: mark.commandLine ?? null,
      cwd: mark.cwd ?? null,
      // The line was typed before the shell read it, so before its C mark was printed.
      source: sourceAt(mark.start),
      start: mark.end,
      end: null,
      startedAt: now,
      endedAt: null,
      exitCode: null,
    };
    this.#store.put(record);
    this.#newest = record;
    if (record.number > this.#keep) this.#store.deleteThrough(record.number - this.#keep);
    changed.push(toRecord(record));
    return changed;
  }

  // A D, or the shell's exit, ends the running command; with none running (a line that ran
  // nothing) it changes nothing.
  #finish(end: number, now: number, exitCode: number | null): CommandRecord[] {
    const running = this.#newest;
    if (!running || running.end !== null) return [];
    const ended: StoredCommand = {
      ...running,
      end: Math.max(end, running.start),
      endedAt: now,
      exitCode,
    };
    this.#store.put(ended);
    this.#newest = ended;
    return [toRecord(ended)];
  }
}

function toRecord(stored: StoredCommand): CommandRecord {
  return {
    ...stored,
    startedAt: new Date(stored.startedAt).toISOString(),
    endedAt: stored.endedAt === null ? null : new Date(stored.endedAt).toISOString(),
  };
}

/** A CommandStore in memory, for tests. */
export class MemoryCommandStore implements CommandStore {
  readonly records = new Map<number, StoredCommand>();

  newest(): StoredCommand | null {
    const numbers = [...this.records.keys()];
    return numbers.length === 0 ? null : structuredClone(this.records.get(Math.max(...numbers))!);
  }

  put(record: StoredCommand): void {
    this.records.set(record.number, structuredClone(record));
  }

  deleteThrough(number: number): void {
    for (const key of [...this.records.keys()]) if (key <= number) this.records.delete(key);
  }

  list(after: number, limit: number): StoredCommand[] {
    return [...this.records.keys()]
      .filter((number) => number > after)
      .sort((a, b) => a - b)
      .slice(0, limit)
      .map((number) => structuredClone(this.records.get(number)!));
  }

  get(number: number): StoredCommand | null {
    const record = this.records.get(number);
    return record ? structuredClone(record) : null;
  }
}
