/** Where each piece of xterm's onData goes: keystrokes as INPUT, live answers as REPLY, stale answers nowhere. */
import type { InputOrigin } from "../safety/reply-guard.ts";

/** The part of a TerminalConnection that sends to the shell. */
export interface InputSink {
  sendInput(input: string | Uint8Array): boolean;
  sendReply(answer: string | Uint8Array): boolean;
}

/** What became of one piece of terminal data. */
export type ForwardOutcome = "input" | "reply" | "dropped";

/**
 * Sends `data` according to its origin (ask the reply guard synchronously inside onData):
 * what the person typed, pasted or clicked goes out as INPUT; xterm's answer to a query that
 * arrived live goes out as REPLY, so the session can forward one writer's answer per query;
 * an answer to a replayed query is dropped.
 */
export function forwardInput(
  origin: InputOrigin,
  data: string | Uint8Array,
  sink: InputSink,
): ForwardOutcome {
  switch (origin) {
    case "user":
      sink.sendInput(data);
      return "input";
    case "live-reply":
      sink.sendReply(data);
      return "reply";
    case "replayed-reply":
      return "dropped";
  }
}
