/**
 * Why a call of the console could not run, in words for the person at the console: the API's
 * messages are written for an agent ("answer it with send_input"), not for someone with a
 * command box and a terminal in front of them.
 */
import type { ApiCallError } from "./agent-api.ts";

/** A refused call, said for a person: what is happening and what they can do. */
export interface CallProblem {
  title: string;
  message: string;
}

/** What the console knows about the session when the call was refused. */
export interface ProblemContext {
  /** The newest command in the session is waiting for input (its card said so). */
  waitingForInput: boolean;
}

/** Words for a refused call; null when the API's own message is already meant for a person. */
export function describeProblem(error: ApiCallError, context: ProblemContext): CallProblem | null {
  switch (error.code) {
    case "busy":
      return context.waitingForInput
        ? {
            title: "The shell is waiting for an answer",
            message:
              "The last command is waiting for input, so nothing else can run in this session yet. " +
              "Type the answer in the box on its card (or in the terminal), press Ctrl-C there to " +
              "stop it, or start a new session.",
          }
        : {
            title: "The shell is still busy",
            message:
              "A command is still running in this session, so nothing else can run in it yet. " +
              "Wait until it ends (its card updates by itself), press Ctrl-C in the terminal to " +
              "stop it, or start a new session.",
          };
    case "input_pending":
      return {
        title: "Someone is typing at the prompt",
        message:
          "Someone has typed part of a line at the terminal's prompt, and the agent does not type " +
          "over it. Finish that line or clear it (Ctrl-C in the terminal), then run again.",
      };
    case "session_exited":
      return {
        title: "The shell has exited",
        message:
          "The shell in this session has exited, so nothing more runs in it. Start a new session " +
          "(the button above the terminal).",
      };
    case "session_ended":
      return {
        title: "The session has ended",
        message: "This session has ended. Start a new session (the button above the terminal).",
      };
    default:
      return null;
  }
}
