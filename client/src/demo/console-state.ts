/**
 * The agent console's state, as a pure reducer. It encodes the fix of the seed bug: the terminal
 * session comes only from a tool result that names one, or from rejoining a session the server
 * listed, with a token minted for it. A tool call in flight, a failed call or a result without an
 * id never gives the panel a session, so the panel can never connect early, connect to nothing,
 * or make a session of its own.
 */
import type {
  CommandRecord,
  InteractiveShellRequest,
  InteractiveShellResult,
} from "../../../protocol/index.ts";
import type { RestoredCommand } from "./session-records.ts";
import { entryId, type Answer, type TranscriptEntry } from "./transcript-entry.ts";

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
  /**
   * The panel's session's shell has exited (the panel or the API said so): nothing more runs in
   * it, so the console offers a new session instead of running in it or sharing it.
   */
  exited: boolean;
}

/** What happens to the console. */
export type ConsoleAction =
  /** `command` is what the person asked (`plain`: an action in words, not a command line). */
  | { type: "call-started"; command: string; plain?: boolean; request: InteractiveShellRequest }
  | { type: "call-succeeded"; result: InteractiveShellResult }
  | { type: "call-failed"; status: number; code: string; message: string; title?: string }
  /** A call that returned "running" or "queued" moved on (`wait` answered): its card updates. */
  | { type: "result-updated"; result: InteractiveShellResult }
  /** The shell of session `sessionId` exited. */
  | { type: "session-exited"; sessionId: string }
  /**
   * Session `sessionId` says a command started or ended (the panel passes it on): the card of the
   * call that typed it, or the card of that record, takes it.
   */
  | { type: "command-recorded"; sessionId: string; command: CommandRecord }
  /** The person typed `input` for the call `callId` of `sessionId` (its card's call). */
  | { type: "answer-started"; sessionId: string; callId: string; answerId: number; input: string }
  /** What followed answer `answerId`; later updates come as "result-updated". */
  | { type: "answer-sent"; answerId: number; result: InteractiveShellResult }
  /** Answer `answerId` could not be sent; `message` says why, in words. */
  | { type: "answer-failed"; answerId: number; message: string }
  /**
   * Back to a session the server listed (after a reload), with a writer token minted for it: the
   * panel opens on it and its commands are added to the transcript.
   */
  | { type: "session-rejoined"; sessionId: string; token: string; commands: RestoredCommand[] };

/** The console before anything happened. */
export const INITIAL_CONSOLE: ConsoleState = {
  entries: [],
  pending: false,
  session: null,
  exited: false,
};

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
          { id: entryId(), kind: "user", text: action.command, plain: action.plain },
          { id: entryId(), kind: "tool-call", request: action.request, state: "running" },
        ],
        pending: true,
        // A call for a new session closes the panel until its result arrives; a follow-up in the
        // open session keeps showing it (its id is already known).
        session: reusing ? state.session : null,
        exited: reusing ? state.exited : false,
      };
    }
    case "call-succeeded": {
      const { result } = action;
      const hasSession =
        typeof result.session_id === "string" && result.session_id !== "" && !!result.viewer?.token;
      const sameSession = hasSession && result.session_id === state.session?.sessionId;
      return {
        entries: [
          ...finishCall(state.entries, "done"),
          { id: entryId(), kind: "tool-result", result, answers: [] },
        ],
        pending: false,
        session: hasSession
          ? { sessionId: result.session_id, token: result.viewer.token }
          : state.session,
        exited: result.status === "exited" || (sameSession && state.exited),
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
            title: action.title,
          },
        ],
        pending: false,
        session: state.session,
        exited: state.exited,
      };
    case "result-updated": {
      const updated = action.result;
      const same = (result: InteractiveShellResult | null): boolean =>
        result?.call_id === updated.call_id && result.session_id === updated.session_id;
      return {
        ...state,
        entries: state.entries.map((entry) => {
          if (entry.kind !== "tool-result" && entry.kind !== "command") return entry;
          if (same(entry.result)) return { ...entry, result: updated };
          if (!entry.answers.some((answer) => same(answer.result))) return entry;
          const answers = entry.answers.map((answer) =>
            same(answer.result) ? { ...answer, result: updated } : answer,
          );
          return { ...entry, answers };
        }),
        exited: state.exited || exitedHere(state, updated),
      };
    }
    case "session-exited":
      return action.sessionId === state.session?.sessionId && !state.exited
        ? { ...state, exited: true }
        : state;
    case "command-recorded": {
      const { sessionId, command } = action;
      const callId = command.source?.kind === "agent" ? command.source.callId : null;
      let changed = false;
      const entries = state.entries.map((entry) => {
        const mine =
          entry.kind === "tool-result"
            ? callId !== null &&
              entry.result.session_id === sessionId &&
              entry.result.call_id === callId
            : entry.kind === "command" &&
              entry.sessionId === sessionId &&
              entry.record.number === command.number;
        if (!mine) return entry;
        changed = true;
        return { ...entry, record: command };
      });
      return changed ? { ...state, entries } : state;
    }
    case "answer-started": {
      const answer: Answer = {
        id: action.answerId,
        input: action.input,
        result: null,
        error: null,
      };
      return {
        ...state,
        entries: state.entries.map((entry) =>
          (entry.kind === "tool-result" || entry.kind === "command") &&
          entry.result?.call_id === action.callId &&
          entry.result.session_id === action.sessionId
            ? { ...entry, answers: [...entry.answers, answer] }
            : entry,
        ),
      };
    }
    case "answer-sent":
      return {
        ...updateAnswer(state, action.answerId, { result: action.result }),
        exited: state.exited || exitedHere(state, action.result),
      };
    case "answer-failed":
      return updateAnswer(state, action.answerId, { error: action.message });
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
            answers: [],
          })),
        ],
        pending: false,
        session: { sessionId, token: action.token },
        exited: false,
      };
    }
  }
}

// Whether `result` says the shell of the panel's session exited.
function exitedHere(state: ConsoleState, result: InteractiveShellResult): boolean {
  return result.status === "exited" && result.session_id === state.session?.sessionId;
}

// Changes the answer `answerId`, wherever its card is.
function updateAnswer(
  state: ConsoleState,
  answerId: number,
  change: Partial<Pick<Answer, "result" | "error">>,
): ConsoleState {
  return {
    ...state,
    entries: state.entries.map((entry) =>
      (entry.kind === "tool-result" || entry.kind === "command") &&
      entry.answers.some((answer) => answer.id === answerId)
        ? {
            ...entry,
            answers: entry.answers.map((answer) =>
              answer.id === answerId ? { ...answer, ...change } : answer,
            ),
          }
        : entry,
    ),
  };
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
