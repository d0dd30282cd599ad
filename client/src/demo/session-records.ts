/**
 * What the console needs to come back to a session after a reload: the tenant's live sessions
 * (`GET /api/sessions`), a session's command records (`GET /api/sessions/{id}/commands`), and for
 * the agent's commands their tool results (`wait` on their call id), so the transcript is rebuilt.
 */
import type {
  CommandListBody,
  CommandRecord,
  InteractiveShellResult,
  SessionInfo,
} from "../../../protocol/index.ts";
import { fetchCallResult, getJson } from "./agent-api.ts";

export type { CommandRecord };

/** A session as `GET /api/sessions` lists it. */
export type SessionSummary = SessionInfo;

/** A command record, with the tool result of the agent's call that typed it (when there is one). */
export interface RestoredCommand {
  record: CommandRecord;
  /** `wait`'s answer for the call; null for a writer's command, or a call the session forgot. */
  result: InteractiveShellResult | null;
}

/** The tenant's sessions that have not ended, newest first. */
export async function listSessions(
  apiToken: string,
  signal?: AbortSignal,
  server = window.location.origin,
): Promise<SessionSummary[]> {
  const body = await getJson<{ sessions?: SessionSummary[] }>(
    `${server}/api/sessions`,
    apiToken,
    signal,
  );
  return Array.isArray(body.sessions) ? body.sessions : [];
}

/** The most commands the console rebuilds (the newest ones), and asks `wait` about. */
export const RESTORED_COMMANDS = 50;

/**
 * The session's newest commands, oldest first, each agent command with its call's result. A call
 * the session no longer keeps (it keeps its last 64) just has no result.
 */
export async function restoreCommands(
  apiToken: string,
  sessionId: string,
  server = window.location.origin,
): Promise<RestoredCommand[]> {
  const list = await getJson<Partial<CommandListBody>>(
    `${server}/api/sessions/${encodeURIComponent(sessionId)}/commands`,
    apiToken,
  );
  const records = (list.commands ?? []).slice(-RESTORED_COMMANDS);
  // One call may have typed several lines (several records): its result goes with the last.
  const lastOfCall = new Map<string, CommandRecord>();
  for (const record of records) {
    const callId = callIdOf(record);
    if (callId) lastOfCall.set(callId, record);
  }
  const results = new Map<string, InteractiveShellResult | null>(
    await Promise.all(
      [...lastOfCall.keys()].map(async (callId) => {
        try {
          return [callId, await fetchCallResult(apiToken, sessionId, callId, 100, server)] as const;
        } catch {
          return [callId, null] as const;
        }
      }),
    ),
  );
  return records.map((record) => {
    const callId = callIdOf(record);
    const mine = callId !== null && lastOfCall.get(callId) === record;
    return { record, result: mine ? (results.get(callId) ?? null) : null };
  });
}

function callIdOf(record: CommandRecord): string | null {
  return record.source?.kind === "agent" ? record.source.callId : null;
}
