/** Agent tool calls as the session stores them: enough to finish a call after a restart and to answer a repeated call_id. */
import type { ToolStatus } from "./tool-calls.ts";

/** The outcome of a call that has ended. */
export interface FinalResult {
  status: Exclude<ToolStatus, "running" | "queued">;
  exitCode: number | null;
  output: string;
  outputTruncated: boolean;
  offsets: { start: number; end: number };
}

/** One agent call: what it asked, how far it got, and its result once it ended. */
export interface CallRecord {
  id: string;
  kind: "open" | "command" | "input";
  /** The command line or the input, exactly as asked. */
  text: string;
  /** Identifies the request, so a call_id reused for another request is refused. */
  fingerprint: string;
  clearLine: boolean;
  /**
   * queued: waiting for the shell's prompt; clearing: a person's line is being cleared;
   * typed: written to the shell, its outcome not yet known; done: `result` holds it.
   */
  phase: "queued" | "clearing" | "typed" | "done";
  createdAt: number;
  /** Offset where the clearing Ctrl-C was written. */
  clearFrom: number | null;
  /** The text the clearing removed. */
  clearedLine: string | null;
  /** History end when the text was written to the shell. */
  typedAt: number | null;
  /** Plain shells: the shell's read count when the command was typed (see TerminalFacts). */
  readsAtTyping: number | null;
  result: FinalResult | null;
}

/** Where records live: the session object's synchronous KV storage, or memory in tests. */
export interface CallStore {
  get(id: string): CallRecord | null;
  put(record: CallRecord): void;
  delete(id: string): void;
  /** Ids of every stored call, oldest first. */
  ids(): string[];
}

/** Ended calls kept for repeated call_ids and `wait`; older ones are forgotten. */
export const KEPT_CALLS = 64;

/** The part of the object's synchronous KV storage (SyncKvStorage) the store uses. */
export interface KvLike {
  get<T>(key: string): T | undefined;
  put<T>(key: string, value: T): void;
  delete(key: string): boolean;
}

/** CallStore over the Durable Object's KV storage: one key per call plus an ordered index. */
export class KvCallStore implements CallStore {
  readonly #kv: KvLike;

  constructor(kv: KvLike) {
    this.#kv = kv;
  }

  get(id: string): CallRecord | null {
    return this.#kv.get<CallRecord>(`call:${id}`) ?? null;
  }

  put(record: CallRecord): void {
    const ids = this.ids();
    if (!ids.includes(record.id)) {
      ids.push(record.id);
      // Forget the oldest ended calls beyond the limit; calls still going are never dropped.
      while (ids.length > KEPT_CALLS) {
        const oldest = ids.findIndex((id) => this.get(id)?.phase === "done");
        if (oldest < 0) break;
        this.#kv.delete(`call:${ids[oldest]}`);
        ids.splice(oldest, 1);
      }
      this.#kv.put("calls", ids);
    }
    this.#kv.put(`call:${record.id}`, record);
  }

  delete(id: string): void {
    this.#kv.delete(`call:${id}`);
    this.#kv.put(
      "calls",
      this.ids().filter((other) => other !== id),
    );
  }

  ids(): string[] {
    return [...(this.#kv.get<string[]>("calls") ?? [])];
  }
}

/** CallStore in memory, for unit tests. */
export class MemoryCallStore implements CallStore {
  readonly #records = new Map<string, CallRecord>();

  get(id: string): CallRecord | null {
    const record = this.#records.get(id);
    return record ? structuredClone(record) : null;
  }

  put(record: CallRecord): void {
    this.#records.set(record.id, structuredClone(record));
  }

  delete(id: string): void {
    this.#records.delete(id);
  }

  ids(): string[] {
    return [...this.#records.keys()];
  }
}
