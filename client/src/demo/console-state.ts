/**
 * The agent console's state, as a pure reducer. It encodes the fix of the seed bug: the terminal
 * session comes only from a tool result that names one, or from rejoining a session the server
 * listed, with a token minted for it. A tool call in flight, a failed call or a result without an
 * id never gives the panel a session, so the panel can never connect early, connect to nothing,
 * or make a session of its own.
 */
import type { InteractiveShellRequest, InteractiveShellResult } from "../../../protocol/index.ts";
import type { RestoredCommand } from "./session-records.ts";
import { entryId, type TranscriptEntry } from "./transcript-entry.ts";

/** The session the terminal panel shows. */
export interface PanelSession {
  sessionId: string;
  token: string;
}

/** Everything the console shows. */
export interface ConsoleState {
  entries: TranscriptEntry[];
  /** A tool call is in flight. */
  pending: boolean;
  /** The panel's session: null until a tool result names one. */
  session: PanelSession | null;
}

/** What happens to the console. */
export type ConsoleAction =
  | { type: "call-started"; command: string; request: InteractiveShellRequest }
  | { type: "call-succeeded"; result: InteractiveShellResult }
  | { type: "call-failed"; status: number; code: string; message: string }
  /** A call that returned "running" or "queued" moved on (`wait` answered): its card updates. */
  | { type: "result-updated"; result: InteractiveShellResult }
  /** Forget the session: the next command starts a new one. */
  | { type: "new-session" }
  /**
   * Back to a session the server listed (after a reload), with a writer token minted for it: the
   * panel opens on it and its commands are added to the transcript.
   */
  | { type: "session-rejoined"; sessionId: string; token: string; commands: RestoredCommand[] };

/** The console before anything happened. */
export const INITIAL_CONSOLE: ConsoleState = { entries: [], pending: false, session: null };

/** Applies one action. */
export function consoleReducer(state: ConsoleState, action: ConsoleAction): ConsoleState {
  switch (action.type) {
    case "call-started": {
      const reusing =
        action.request.session_id !== undefined &&
        action.request.session_id === state.session?.sessionId;
      return {
        entries: [
          ...state.entries,
          { id: entryId(), kind: "user", text: action.command },
          { id: entryId(), kind: "tool-call", request: action.request, state: "running" },
        ],
        pending: true,
        // A call for a new session closes the panel until its result arrives; a follow-up in the
        // open session keeps showing it (its id is already known).
        session: reusing ? state.session : null,
      };
    }
    case "call-succeeded": {
      const { result } = action;
      const hasSession =
        typeof result.session_id === "string" && result.session_id !== "" && !!result.viewer?.token;
      return {
        entries: [
          ...finishCall(state.entries, "done"),
          { id: entryId(), kind: "tool-result", result },
        ],
        pending: false,
        session: hasSession
          ? { sessionId: result.session_id, token: result.viewer.token }
          : state.session,
      };
    }
    case "call-failed":
      return {
        entries: [
          ...finishCall(state.entries, "failed"),
          {
            id: entryId(),
            kind: "error",
            status: action.status,
            code: action.code,
            message: action.message,
          },
        ],
        pending: false,
        session: state.session,
      };
    case "result-updated":
      return {
        ...state,
        entries: state.entries.map((entry) =>
          (entry.kind === "tool-result" || entry.kind === "command") &&
          entry.result?.call_id === action.result.call_id &&
          entry.result.session_id === action.result.session_id
            ? { ...entry, result: action.result }
            : entry,
        ),
      };
    case "new-session":
      return { ...state, session: null };
    case "session-rejoined": {
      if (!action.sessionId || !action.token || state.pending) return state;
      const { sessionId } = action;
      return {
        entries: [
          ...state.entries,
          { id: entryId(), kind: "rejoined", sessionId, commands: action.commands.length },
          ...action.commands.map(({ record, result }): TranscriptEntry => ({
            id: entryId(),
            kind: "command",
            sessionId,
            record,
            result,
          })),
        ],
        pending: false,
        session: { sessionId, token: action.token },
      };
    }
  }
}

// Marks the newest running tool call as finished.
function finishCall(entries: TranscriptEntry[], outcome: "done" | "failed"): TranscriptEntry[] {
  const index = entries.findLastIndex((e) => e.kind === "tool-call" && e.state === "running");
  if (index === -1) return entries;
  const copy = entries.slice();
  const entry = copy[index];
  if (entry?.kind === "tool-call") copy[index] = { ...entry, state: outcome };
  return copy;
}
