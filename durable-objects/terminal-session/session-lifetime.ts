/** When a session ends on its own, and when its alarm should next fire: pure rules over its record. */
import { HEARTBEAT_INTERVAL_MS } from "../../protocol/index.ts";
import type { Config } from "../../worker/config.ts";
import type { SessionMeta } from "./session-meta.ts";

/**
 * An ended session keeps a tombstone (its meta, no output) this long, so joins say "ended".
 * It outlives the longest join token (7 days), so no valid token can reach a purged session.
 */
export const TOMBSTONE_MS = 7 * 24 * 60 * 60 * 1000;
/** A runner silent for this long (three missed heartbeats) is considered gone. */
export const RUNNER_SILENCE_MS = 3 * HEARTBEAT_INTERVAL_MS;

/** Why the session should end now, or null if it should go on. */
export function endReasonAt(meta: SessionMeta, config: Config, now: number): string | null {
  if (meta.state === "ended") return null;
  if (meta.exitedAt !== null && now >= meta.exitedAt + config.exitedRetentionMs) {
    return "the shell exited and its retention time elapsed";
  }
  if (now >= meta.lastActivityAt + config.idleTimeoutMs) return "idle for too long";
  return null;
}

/** Whether an ended session's tombstone may be deleted. */
export function tombstoneExpired(meta: SessionMeta, now: number): boolean {
  return meta.state === "ended" && now >= (meta.endedAt ?? now) + TOMBSTONE_MS;
}

/** When the alarm should next fire: the nearest deadline, or a heartbeat check while a runner is connected. */
export function nextAlarmAt(
  meta: SessionMeta,
  config: Config,
  runnerOnline: boolean,
  now: number,
): number {
  if (meta.state === "ended") return (meta.endedAt ?? now) + TOMBSTONE_MS;
  const deadlines = [meta.lastActivityAt + config.idleTimeoutMs];
  if (meta.exitedAt !== null) deadlines.push(meta.exitedAt + config.exitedRetentionMs);
  if (runnerOnline) deadlines.push(now + RUNNER_SILENCE_MS);
  return Math.min(...deadlines);
}

/** Whether a runner last heard from at `lastSeen` has missed too many heartbeats. */
export function runnerSilent(lastSeen: number, now: number): boolean {
  return now - lastSeen > RUNNER_SILENCE_MS;
}
