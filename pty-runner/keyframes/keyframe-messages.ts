/** The messages between the runner's main thread and a keyframe worker thread (one worker serves many sessions). */
import type { Keyframe } from "./keyframe.ts";
import type { ScheduleOptions } from "./keyframe-schedule.ts";

/**
 * Main thread → worker. A worker handles its messages strictly in the order they were posted:
 * that order, per session, is what makes offsets exact.
 */
export type ToWorker =
  /** A session starts: its terminal size, scrollback and automatic keyframe interval. */
  | { type: "open"; session: number; options: ScheduleOptions }
  /** The session's next output bytes (the buffer is transferred, not copied). */
  | { type: "output"; session: number; bytes: Uint8Array }
  /** The session's terminal was resized after the bytes sent so far. */
  | { type: "resize"; session: number; cols: number; rows: number }
  /** From now on, a keyframe on its own every `everyBytes` bytes (0: only on request). */
  | { type: "interval"; session: number; everyBytes: number }
  /** A keyframe at the first boundary at or after the bytes sent so far. */
  | { type: "keyframe"; session: number; id: number }
  /** The session ended; its tracker is dropped. */
  | { type: "close"; session: number };

/** Worker → main thread. */
export type FromWorker =
  /** A keyframe; `ids` lists the requests it answers (empty for one the worker took on its own). */
  | { type: "keyframe"; session: number; ids: number[]; keyframe: Keyframe; serializeMs: number }
  /** The keyframe at `offset` was too big even without scrollback: none was taken; `ids` fail. */
  | { type: "oversized"; session: number; ids: number[]; offset: number }
  /** Bytes of the session parsed so far, and the time spent, for backlog accounting and measurements. */
  | { type: "parsed"; session: number; offset: number; busyMs: number }
  /** xterm threw at `offset` for this session; it takes no more keyframes. */
  | { type: "failed"; session: number; offset: number; error: string };
