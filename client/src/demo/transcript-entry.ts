/** The entries of the demo's chat-like transcript. */
import type { InteractiveShellRequest, InteractiveShellResult } from "../../../protocol/index.ts";
import type { CommandRecord } from "./session-records.ts";

/** One line of the transcript. */
export type TranscriptEntry =
  /** What the person asked the agent to run. */
  | { id: number; kind: "user"; text: string }
  /** The agent's tool call, before and after its result. */
  | {
      id: number;
      kind: "tool-call";
      request: InteractiveShellRequest;
      state: "running" | "done" | "failed";
    }
  /** The tool result that opens (or keeps) the terminal. */
  | { id: number; kind: "tool-result"; result: InteractiveShellResult }
  /** The tool call failed; `message` comes from the API. */
  | { id: number; kind: "error"; status: number; code: string; message: string }
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
    };

let nextId = 1;

/** A fresh entry id. */
export function entryId(): number {
  return nextId++;
}
