/** The entries of the demo's chat-like transcript. */
import type { InteractiveShellRequest, InteractiveShellResult } from "../../../protocol/index.ts";
import type { CommandRecord } from "./session-records.ts";

/**
 * What the person typed into a program that waited for input, sent with `send_input`; `result`
 * is what followed (null until it arrives), `error` says in words why it could not be sent.
 */
export interface Answer {
  id: number;
  input: string;
  result: InteractiveShellResult | null;
  error: string | null;
}

/** One line of the transcript. */
export type TranscriptEntry =
  /** What the person asked the agent to run (`plain`: an action in words, not a command line). */
  | { id: number; kind: "user"; text: string; plain?: boolean }
  /** The agent's tool call, before and after its result. */
  | {
      id: number;
      kind: "tool-call";
      request: InteractiveShellRequest;
      state: "running" | "done" | "failed";
    }
  /**
   * The tool result that opens (or keeps) the terminal, and the answers typed to it; `record` is
   * the session's record of the command the call typed, once the session told the panel of it.
   */
  | {
      id: number;
      kind: "tool-result";
      result: InteractiveShellResult;
      answers: Answer[];
      record?: CommandRecord;
    }
  /**
   * The tool call failed; `message` comes from the API, or says in words (with a `title`) why
   * the session could not run it now.
   */
  | { id: number; kind: "error"; status: number; code: string; message: string; title?: string }
  /** The console came back to a session (after a reload): the commands below are its record. */
  | { id: number; kind: "rejoined"; sessionId: string; commands: number }
  /**
   * A command the session's shell ran, from its record; `result` is the tool result of the
   * agent's call that typed it (null for a person's command).
   */
  | {
      id: number;
      kind: "command";
      sessionId: string;
      record: CommandRecord;
      result: InteractiveShellResult | null;
      answers: Answer[];
    };

/** A card that shows a tool result: it follows the call and takes answers. */
export type ResultEntry = Extract<TranscriptEntry, { kind: "tool-result" | "command" }>;

/**
 * Whether the command the card's call typed has ended, as the session recorded it: it may have
 * been answered in the terminal, not through the card.
 */
export function commandEnded(entry: ResultEntry): boolean {
  return entry.record !== undefined && entry.record.end !== null;
}

/** Where the card's call stands now: the last answer's result, else the call's own. */
export function currentResult(entry: ResultEntry): InteractiveShellResult | null {
  for (let i = entry.answers.length - 1; i >= 0; i--) {
    const result = entry.answers[i]!.result;
    if (result) return result;
  }
  return entry.result;
}

let nextId = 1;

/** A fresh entry id. */
export function entryId(): number {
  return nextId++;
}
