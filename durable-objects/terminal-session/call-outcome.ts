/**
 * What an agent call should do next, decided from the shell driver's facts alone: type, clear a
 * person's line, refuse, wait, or end with a status. Pure: no timers, no sockets, no storage.
 */
import type { CallRecord } from "./call-store.ts";
import type { OutputReader, ShellDriver, ShellPhase } from "./shell-driver.ts";

/** The next step for one call. */
export type CallAction =
  /** Nothing to do until the shell moves; `needFacts` asks for a probe of the terminal. */
  | { kind: "wait"; needFacts: boolean }
  /** The prompt is drawn and the line is empty: write the call's text now. */
  | { kind: "type" }
  /** A person's text is on the line and the call asked to clear it. */
  | { kind: "clear"; line: string }
  /** The call cannot run; nothing was typed. */
  | { kind: "refuse"; code: "input_pending" | "busy" | "session_exited"; message: string }
  /** The call ended. Its output is the bytes [outputStart, outputEnd). */
  | {
      kind: "final";
      status: "completed" | "awaiting_input" | "exited";
      exitCode: number | null;
      outputStart: number;
      outputEnd: number;
    };

/** Decides the next step of `call` (which is not done). */
export function decideCall(call: CallRecord, driver: ShellDriver, read: OutputReader): CallAction {
  const phase = driver.phase(read);
  if (call.phase === "typed") return outcome(call, driver, phase);
  if (phase === "exited") {
    // Nothing was typed: the call never ran, so it is refused rather than given a status.
    return {
      kind: "refuse",
      code: "session_exited",
      message: "the shell in this session has exited",
    };
  }
  if (call.kind === "open") {
    // Opening a session is done once the shell is past its start-up.
    if (phase === "starting" || phase === "settling") return waitFor(phase);
    return {
      kind: "final",
      status: "completed",
      exitCode: null,
      outputStart: driver.end,
      outputEnd: driver.end,
    };
  }
  if (call.kind === "input") return phase === "starting" ? waitFor(phase) : { kind: "type" };
  switch (phase) {
    case "ready":
      return { kind: "type" };
    case "pending_line": {
      if (call.phase === "clearing") return { kind: "wait", needFacts: true };
      const line = driver.lineText(read);
      if (call.clearLine) return { kind: "clear", line };
      return {
        kind: "refuse",
        code: "input_pending",
        message: `someone has typed ${JSON.stringify(line)} on the prompt line without running it; pass "clear_line": true to clear it first, or leave it to them`,
      };
    }
    case "running":
    case "reading":
      if (call.phase === "clearing") return { kind: "wait", needFacts: true };
      return {
        kind: "refuse",
        code: "busy",
        message: `a command is ${phase === "reading" ? "waiting for input" : "running"} in this session; answer it with send_input (for example "\\u0003" for Ctrl-C) or wait for it before running another`,
      };
    default:
      return waitFor(phase);
  }
}

function waitFor(phase: ShellPhase): CallAction {
  return { kind: "wait", needFacts: phase === "settling" || phase === "starting" };
}

// A typed call: has the command ended, does it wait for input, did the shell exit?
function outcome(call: CallRecord, driver: ShellDriver, phase: ShellPhase): CallAction {
  const typedAt = call.typedAt ?? driver.end;
  if (phase === "exited") return final("exited", null, typedAt, driver.end);
  if (driver.mode === "plain") return plainOutcome(call, driver, typedAt);
  const marks = driver.marksSince(typedAt);
  const start = marks.find((mark) => mark.kind === "C");
  const from = start ? start.end : typedAt;
  const end = marks.find((mark) => mark.kind === "D" && mark.start >= from);
  // D ends the command (for input typed into a running command, D comes without a C first).
  if (end && (start || call.kind === "input"))
    return final("completed", end.exitCode, from, end.start);
  // No C, and a D without a status: the line ran nothing (blank, a comment, Ctrl-C at the
  // prompt); the shell's prompt hook says so. An A alone proves nothing: readline and zle draw the
  // prompt again, A included, when the terminal is resized while the typed line is still unread.
  if (!start && end && end.exitCode === null && call.kind === "command") {
    return final("completed", null, end.start, end.start);
  }
  const facts = driver.validFacts();
  if (phase === "reading" && facts) return final("awaiting_input", null, from, facts.offset);
  // No command started and the shell reads again with text on its line: it waits for the rest of
  // the command (an open quote, a trailing backslash: bash's PS2 "> ").
  if (!start && phase === "pending_line" && facts && call.kind === "command") {
    return final("awaiting_input", null, typedAt, facts.offset);
  }
  return {
    kind: "wait",
    needFacts: phase === "running" || phase === "settling" || phase === "pending_line",
  };
}

// Plain shells: the shell waiting at its prompt again, having read since the command was typed.
function plainOutcome(call: CallRecord, driver: ShellDriver, typedAt: number): CallAction {
  const f = driver.validFacts();
  if (!f) return { kind: "wait", needFacts: true };
  const { shellInForeground, reading, shellReads } = f.facts;
  if (shellInForeground && reading) {
    const readSince =
      shellReads !== null && call.readsAtTyping !== null
        ? shellReads > call.readsAtTyping
        : f.offset > typedAt;
    if (readSince) return final("completed", null, typedAt, f.offset);
    return { kind: "wait", needFacts: true };
  }
  if (reading) return final("awaiting_input", null, typedAt, f.offset);
  return { kind: "wait", needFacts: true };
}

function final(
  status: "completed" | "awaiting_input" | "exited",
  exitCode: number | null,
  outputStart: number,
  outputEnd: number,
): CallAction {
  return {
    kind: "final",
    status,
    exitCode,
    outputStart,
    outputEnd: Math.max(outputStart, outputEnd),
  };
}
