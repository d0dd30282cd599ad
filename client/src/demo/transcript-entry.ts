/** The entries of the demo's chat-like transcript. */
import type { InteractiveShellRequest, InteractiveShellResult } from "../../../protocol/index.ts";

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
  | { id: number; kind: "error"; status: number; code: string; message: string };

let nextId = 1;

/** A fresh entry id. */
export function entryId(): number {
  return nextId++;
}
