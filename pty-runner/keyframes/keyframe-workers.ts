/** The runner's keyframe worker threads, shared by its sessions, and each session's handle: post output and resizes without waiting, ask for keyframes, keep the newest. */
// Parsing costs about as much CPU per byte as reading the PTY (scripts/bench/keyframes.ts), and a
// keyframe tens of milliseconds, so both happen in worker threads: the output path copies each
// chunk once (the runner keeps its own for the session's history), transfers the copy and never
// waits. A worker costs ~35 MB of its own, so one worker (or a few) serves all sessions, each
// session always on the same worker, whose in-order message handling keeps its offsets exact.
// When to ask for a keyframe is decided by timers (keyframe-policy.ts); where it is cut, by the
// worker alone, by byte offset.
import { Worker } from "node:worker_threads";
import { MAX_KEYFRAME_BYTES, MAX_KEYFRAME_INTERVAL_BYTES } from "../../protocol/index.ts";
import { KEYFRAME_SCROLLBACK_LINES, type Keyframe } from "./keyframe.ts";
import type { FromWorker, ToWorker } from "./keyframe-messages.ts";

const MiB = 1024 * 1024;
/** Output is sent to the worker in batches of up to this many bytes. */
const BATCH_BYTES = 256 * 1024;
/** ... or after this long (ms): nothing waits for the worker sooner (keyframe requests flush first). */
const BATCH_DELAY_MS = 20;

/** Options of the worker pool. */
export interface KeyframeWorkersOptions {
  /** Worker threads; sessions are spread over them (default 1). */
  threads?: number;
  /** The worker's script; default keyframe-worker.ts (or .mjs, next to a bundle) beside this file. */
  workerUrl?: URL;
}

/** Options of one session's keyframes. */
export interface SessionKeyframesOptions {
  cols: number;
  rows: number;
  scrollback?: number;
  /** A keyframe on its own every this many bytes of output (default 1 MiB; 0: only on request). */
  everyBytes?: number;
  /** Largest keyframe in UTF-8 bytes; scrollback lines are dropped to fit (default MAX_KEYFRAME_BYTES). */
  maxBytes?: number;
  /** Least time between keyframes taken on their own (keyframe-schedule.ts; tests pass 0). */
  minAutoGapMs?: number;
  /**
   * Bytes posted but not yet parsed above which the session's keyframes are given up (its worker
   * fell behind a flood): the session then keeps its history as if there were no keyframes.
   * Default 64 MiB.
   */
  maxBacklogBytes?: number;
}

/** Why a session stopped taking keyframes. */
export interface KeyframeFailure {
  offset: number;
  error: string;
}

interface Slot {
  worker: Worker;
  sessions: Map<number, SessionKeyframes>;
}

export class KeyframeWorkers {
  readonly #threads: number;
  readonly #workerUrl: URL;
  readonly #slots: Slot[] = [];
  #nextSession = 1;
  #closed = false;

  constructor(options: KeyframeWorkersOptions = {}) {
    this.#threads = Math.max(1, options.threads ?? 1);
    this.#workerUrl = options.workerUrl ?? defaultWorkerUrl();
  }

  /** Starts tracking a session's terminal; its output and resizes go to the handle. */
  open(options: SessionKeyframesOptions): SessionKeyframes {
    if (this.#closed) throw new Error("the keyframe workers are closed");
    const slot = this.#slot();
    const session = new SessionKeyframes(this.#nextSession++, slot, options);
    slot.sessions.set(session.id, session);
    return session;
  }

  /** Stops every worker; the sessions' pending requests reject. */
  async close(): Promise<void> {
    this.#closed = true;
    const slots = this.#slots.splice(0);
    for (const slot of slots)
      for (const session of slot.sessions.values())
        session.fail(session.parsed, "the keyframe workers were closed");
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  /** The worker with the fewest sessions, started when there are fewer than `threads`. */
  #slot(): Slot {
    const idle = this.#slots.reduce<Slot | null>(
      (best, slot) => (best === null || slot.sessions.size < best.sessions.size ? slot : best),
      null,
    );
    if (idle !== null && (idle.sessions.size === 0 || this.#slots.length >= this.#threads))
      return idle;
    const worker = new Worker(this.#workerUrl);
    // The workers must not keep the runner alive on their own.
    worker.unref();
    const slot: Slot = { worker, sessions: new Map() };
    worker.on("message", (message: FromWorker) =>
      slot.sessions.get(message.session)?.receive(message),
    );
    const lost = (why: string): void => {
      const index = this.#slots.indexOf(slot);
      if (index >= 0) this.#slots.splice(index, 1);
      for (const session of slot.sessions.values()) session.fail(session.parsed, why);
    };
    worker.on("error", (error) => lost(`keyframe worker error: ${error.message}`));
    worker.on("exit", (code) => lost(`keyframe worker exited with ${code}`));
    this.#slots.push(slot);
    return slot;
  }
}

/** One session's keyframes: its output and resizes in, keyframes out. */
export class SessionKeyframes {
  readonly id: number;
  readonly #slot: Slot;
  readonly #maxBacklog: number;
  #posted = 0;
  #parsed = 0;
  #busyMs = 0;
  #nextRequest = 1;
  readonly #requests = new Map<
    number,
    { resolve: (k: Keyframe) => void; reject: (e: Error) => void }
  >();
  #latest: Keyframe | null = null;
  #failure: KeyframeFailure | null = null;
  readonly #listeners = new Set<(keyframe: Keyframe, serializeMs: number) => void>();
  readonly #oversizedListeners = new Set<(offset: number) => void>();
  readonly #progressListeners = new Set<() => void>();

  /** (Made by KeyframeWorkers.open.) */
  constructor(id: number, slot: Slot, options: SessionKeyframesOptions) {
    this.id = id;
    this.#slot = slot;
    this.#maxBacklog = options.maxBacklogBytes ?? 64 * MiB;
    this.#post({
      type: "open",
      session: id,
      options: {
        cols: options.cols,
        rows: options.rows,
        scrollback: options.scrollback ?? KEYFRAME_SCROLLBACK_LINES,
        everyBytes: options.everyBytes ?? MAX_KEYFRAME_INTERVAL_BYTES,
        maxBytes: options.maxBytes ?? MAX_KEYFRAME_BYTES,
        ...(options.minAutoGapMs !== undefined ? { minAutoGapMs: options.minAutoGapMs } : {}),
      },
    });
  }

  /** Output bytes posted so far (the offset the next byte has). */
  get posted(): number {
    return this.#posted;
  }

  /** Output bytes the worker has reported parsed. */
  get parsed(): number {
    return this.#parsed;
  }

  /** Milliseconds the worker spent on this session, as it last reported. */
  get busyMs(): number {
    return this.#busyMs;
  }

  /** Bytes posted and not yet parsed. */
  get backlog(): number {
    return this.#posted - this.#parsed;
  }

  /** The newest keyframe, or null. */
  get latest(): Keyframe | null {
    return this.#latest;
  }

  /** Why it stopped, if it did. */
  get failure(): KeyframeFailure | null {
    return this.#failure;
  }

  /** Calls `listener` with every keyframe (automatic or requested), in offset order. */
  onKeyframe(listener: (keyframe: Keyframe, serializeMs: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls `listener` each time the worker reports progress (the backlog may have shrunk). */
  onProgress(listener: () => void): () => void {
    this.#progressListeners.add(listener);
    return () => this.#progressListeners.delete(listener);
  }

  /** Calls `listener` with the offset of every keyframe skipped because it was too big. */
  onOversized(listener: (offset: number) => void): () => void {
    this.#oversizedListeners.add(listener);
    return () => this.#oversizedListeners.delete(listener);
  }

  /** The next output bytes; kept until their batch is sent, then copied once (do not reuse `bytes`). */
  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#posted += bytes.length;
    if (this.#failure !== null) return;
    if (this.backlog > this.#maxBacklog) {
      this.fail(
        this.#parsed,
        `the keyframe worker fell more than ${this.#maxBacklog} bytes behind`,
      );
      return;
    }
    this.#append(bytes);
  }

  /** Output not yet sent to the worker: the callers' chunks, copied once when sent. */
  #batch: Uint8Array[] = [];
  #batched = 0;

  // A flood arrives in PTY reads of a few KiB, and a message per read cost the runner more than the
  // copy, so reads are sent together: when 256 KiB are waiting, 20 ms after the first (a PTY
  // delivers about one read per turn of the event loop, so waiting for the turn's end batched
  // nothing), and before any other message, so offsets stay in order. The callers' chunks are
  // kept as they are until then (the runner never reuses a PTY read's buffer), and copied once,
  // into one array of the exact size that is transferred.
  #append(bytes: Uint8Array): void {
    if (this.#batch.length === 0) setTimeout(() => this.#flushBatch(), BATCH_DELAY_MS).unref();
    this.#batch.push(bytes);
    this.#batched += bytes.length;
    if (this.#batched >= BATCH_BYTES) this.#flushBatch();
  }

  #flushBatch(): void {
    if (this.#batch.length === 0) return;
    const chunks = this.#batch;
    const total = this.#batched;
    this.#batch = [];
    this.#batched = 0;
    if (this.#failure !== null) return;
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    this.#post({ type: "output", session: this.id, bytes }, [bytes.buffer]);
  }

  /** The terminal was resized after the bytes written so far. */
  resize(cols: number, rows: number): void {
    if (this.#failure === null) this.#post({ type: "resize", session: this.id, cols, rows });
  }

  /** From now on, a keyframe on its own every `everyBytes` bytes after the last one (0: never). */
  setInterval(everyBytes: number): void {
    if (this.#failure === null) this.#post({ type: "interval", session: this.id, everyBytes });
  }

  /**
   * A keyframe at the first point at or after the bytes written so far where the parser is between
   * sequences (usually exactly there). Rejects if the session's keyframes stop first.
   */
  requestKeyframe(): Promise<Keyframe> {
    if (this.#failure !== null) {
      return Promise.reject(
        new Error(`no keyframes: ${this.#failure.error} (at ${this.#failure.offset})`),
      );
    }
    const id = this.#nextRequest++;
    const promise = new Promise<Keyframe>((resolve, reject) =>
      this.#requests.set(id, { resolve, reject }),
    );
    this.#post({ type: "keyframe", session: this.id, id });
    return promise;
  }

  /** The session ended: its tracker is dropped, pending requests reject. */
  close(): void {
    this.fail(this.#parsed, "the session's keyframes were closed");
  }

  /** (From the worker.) */
  receive(message: FromWorker): void {
    this.#receive(message);
    for (const listener of this.#progressListeners) listener();
  }

  #receive(message: FromWorker): void {
    switch (message.type) {
      case "parsed":
        this.#parsed = Math.max(this.#parsed, message.offset);
        this.#busyMs = message.busyMs;
        break;
      case "keyframe": {
        const keyframe = message.keyframe;
        this.#parsed = Math.max(this.#parsed, keyframe.offset);
        if (this.#latest === null || keyframe.offset >= this.#latest.offset)
          this.#latest = keyframe;
        for (const id of message.ids) {
          this.#requests.get(id)?.resolve(keyframe);
          this.#requests.delete(id);
        }
        for (const listener of this.#listeners) listener(keyframe, message.serializeMs);
        break;
      }
      case "oversized":
        this.#parsed = Math.max(this.#parsed, message.offset);
        for (const id of message.ids) {
          const error = `the keyframe at ${message.offset} is over the size limit even without scrollback`;
          this.#requests.get(id)?.reject(new Error(error));
          this.#requests.delete(id);
        }
        for (const listener of this.#oversizedListeners) listener(message.offset);
        break;
      case "failed":
        this.fail(message.offset, message.error);
        break;
    }
  }

  /** Stops this session's keyframes (keeping the newest), and tells its worker to drop it. */
  fail(offset: number, error: string): void {
    if (this.#failure !== null) return;
    this.#failure = { offset, error };
    for (const request of this.#requests.values()) request.reject(new Error(error));
    this.#requests.clear();
    if (this.#slot.sessions.delete(this.id)) {
      try {
        this.#post({ type: "close", session: this.id });
      } catch {
        // The worker is gone already.
      }
    }
    // Whoever waits for the backlog to shrink must learn that it never will.
    for (const listener of this.#progressListeners) listener();
  }

  #post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    if (message.type !== "output") this.#flushBatch();
    this.#slot.worker.postMessage(message, transfer);
  }
}

/** keyframe-worker.ts beside this module when running from source, keyframe-worker.mjs beside a bundle. */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return new URL(`./keyframe-worker${here.endsWith(".ts") ? ".ts" : ".mjs"}`, here);
}
