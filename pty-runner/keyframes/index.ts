/** The keyframe engine's public surface: a session's terminal state at exact output offsets, for late joiners. */
export type { Keyframe } from "./keyframe.ts";
export { KEYFRAME_SCROLLBACK_LINES, KEYFRAME_UNICODE_VERSION } from "./keyframe.ts";
export {
  type KeyframeFailure,
  KeyframeWorkers,
  type KeyframeWorkersOptions,
  SessionKeyframes,
  type SessionKeyframesOptions,
} from "./keyframe-workers.ts";
export { type QuietKeyframeOptions, QuietKeyframes } from "./keyframe-policy.ts";
export { TerminalStateTracker, type TrackerOptions } from "./terminal-state-tracker.ts";
