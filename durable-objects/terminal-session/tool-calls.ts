/**
 * Agent tool calls in one session: each call is stored before it types anything, holds the
 * keyboard lease while it runs, and ends with a status decided by the shell driver (call-outcome.ts).
 * Calls go on when their HTTP request returns ("running", "queued"), so `wait` and a repeated
 * call_id get the real end, also after the session object restarted.
 */
import type { KeyboardLease, RunnerState } from "../../protocol/index.ts";
import { decideCall, type CallAction } from "./call-outcome.ts";
import type { CallRecord, CallStore, FinalResult } from "./call-store.ts";
import type { ShellDriver } from "./shell-driver.ts";
import { toPlainText } from "./terminal-text.ts";

/** How a tool call stands: final (completed, awaiting_input, exited) or not yet (running, queued). */
export type ToolStatus = "completed" | "awaiting_input" | "running" | "queued" | "exited";

/** What an agent asks of a session. */
export type ToolRequest =
  | { kind: "open"; timeoutMs: number; callId?: string | undefined }
  | {
      kind: "command";
      command: string;
      timeoutMs: number;
      callId?: string | undefined;
      clearLine?: boolean | undefined;
    }
  | { kind: "input"; input: string; timeoutMs: number; callId?: string | undefined }
  | { kind: "wait"; callId: string; timeoutMs: number };

/** Why a call was refused (the Worker maps these to HTTP statuses). */
export type ToolRefusal =
  | "busy"
  | "input_pending"
  | "call_id_conflict"
  | "call_not_found"
  | "session_ended"
  | "session_exited"
  | "runner_offline";

/** A tool call's result, before the Worker adds ids and tokens. */
export type ToolResult =
  | {
      ok: true;
      callId: string;
      status: ToolStatus;
      exitCode: number | null;
      output: string;
      outputTruncated: boolean;
      offsets: { start: number; end: number };
      clearedLine: string | null;
    }
  | { ok: false; code: ToolRefusal; message: string };

/** What the calls need from their session. */
export interface CallHost {
  readonly store: CallStore;
  driver(): ShellDriver;
  /** Stored output [from, to), clamped to what is retained. */
  read(from: number, to: number): Uint8Array;
  historyStart(): number;
  /** The runner: connected and answering, silent too long, or gone. */
  runnerState(): RunnerState;
  /** Whether the runner has been away longer than a reconnect takes (calls then fail fast). */
  runnerLost(): boolean;
  /** Writes call `callId`'s input to the shell; false when no runner is connected. */
  type(bytes: Uint8Array, callId: string): boolean;
  /** Asks the runner for terminal facts. */
  probe(): void;
  /** "ended" once the session ended (history deleted). */
  ended(): boolean;
  /** The keyboard lease changed. */
  leaseChanged(lease: KeyboardLease | null): void;
}

/** Most raw bytes of output read back for one result; the rest is cut from the front. */
export const MAX_TOOL_OUTPUT_BYTES = 256 * 1024;
/** Most characters of plain text in one result. */
export const MAX_TOOL_OUTPUT_CHARS = 64 * 1024;
/** Output quiet this long (ms) before the terminal is probed; it only delays a verdict. */
export const PROBE_AFTER_QUIET_MS = 60;
/** Longest pause between probes while a verdict waits on facts (ms). */
export const MAX_PROBE_INTERVAL_MS = 1_000;
/** How often a waiting call looks at the runner's liveness (ms). */
const LIVENESS_CHECK_MS = 250;

/** The agent's calls in one session. */
export class ToolCalls {
  readonly #host: CallHost;
  #wakers = new Set<() => void>();
  #probeTimer: ReturnType<typeof setTimeout> | null = null;
  #probeDelay = PROBE_AFTER_QUIET_MS;
  #lease: string | null = null;
  #typing = false;

  constructor(host: CallHost) {
    this.#host = host;
  }

  /** The call holding the keyboard: the newest call that typed or will type and has not ended. */
  lease(): KeyboardLease | null {
    const open = [...this.#openCalls().values()];
    for (let i = open.length - 1; i >= 0; i--) {
      const call = open[i]!;
      if (call.kind !== "open") return { holder: "agent", callId: call.id, command: call.text };
    }
    return null;
  }

  /**
   * Calls that have not ended, oldest first, read from storage once per instance and kept in
   * step by #save: every keystroke and output frame consults them, and most of the time there
   * are none.
   */
  #open: Map<string, CallRecord> | null = null;

  #openCalls(): Map<string, CallRecord> {
    if (!this.#open) {
      this.#open = new Map();
      for (const id of this.#host.store.ids()) {
        const call = this.#host.store.get(id);
        if (call && call.phase !== "done") this.#open.set(id, call);
      }
    }
    return this.#open;
  }

  #save(call: CallRecord): void {
    this.#host.store.put(call);
    const open = this.#openCalls();
    if (call.phase === "done") open.delete(call.id);
    else open.set(call.id, call);
  }

  #forget(id: string): void {
    this.#host.store.delete(id);
    this.#openCalls().delete(id);
  }

  /** Runs (or follows) one call and waits for its result, at most until its timeout. */
  async run(request: ToolRequest): Promise<ToolResult> {
    const deadline = Date.now() + request.timeoutMs;
    const store = this.#host.store;
    if (request.kind === "wait") {
      const call = store.get(request.callId);
      if (!call) {
        const message = `no call "${request.callId}" in this session (calls are kept until ${64} newer ones ended)`;
        return { ok: false, code: "call_not_found", message };
      }
      return this.#follow(call.id, deadline);
    }
    const fingerprint = fingerprintOf(request);
    const callId = request.callId ?? crypto.randomUUID();
    const existing = request.callId ? store.get(request.callId) : null;
    if (existing) {
      if (existing.fingerprint !== fingerprint) {
        const message = `call_id "${callId}" was already used for another request in this session; use a new call_id`;
        return { ok: false, code: "call_id_conflict", message };
      }
      return this.#follow(existing.id, deadline);
    }
    if (this.#host.ended()) return refusal("session_ended", "the session has ended");
    if (this.#host.driver().phase(this.#read) === "exited") {
      return refusal("session_exited", "the shell in this session has exited");
    }
    if (this.#host.runnerLost()) return offline(this.#host.runnerState());
    if (request.kind !== "open") {
      const holder = this.lease();
      const leased = holder ? (this.#openCalls().get(holder.callId) ?? null) : null;
      // Input may go to a command an earlier call started; a new command waits its turn.
      if (leased && (request.kind === "command" || leased.phase !== "typed")) {
        const message = `the agent's call ${leased.id} (${JSON.stringify(leased.text)}) has not ended; follow it with wait, or answer it with send_input`;
        return refusal("busy", message);
      }
    }
    const call: CallRecord = {
      id: callId,
      kind: request.kind,
      text:
        request.kind === "command"
          ? request.command
          : request.kind === "input"
            ? request.input
            : "",
      fingerprint,
      clearLine: request.kind === "command" && request.clearLine === true,
      phase: "queued",
      createdAt: Date.now(),
      clearFrom: null,
      clearedLine: null,
      typedAt: null,
      readsAtTyping: null,
      result: null,
    };
    this.#save(call);
    this.#announceLease();
    return this.#follow(callId, deadline);
  }

  /** Something changed (output, facts, input, exit, the runner): move every open call on. */
  update(): void {
    if (this.#typing) return;
    let needFacts = false;
    for (const call of [...this.#openCalls().values()]) {
      const action = this.#ended(call) ?? decideCall(call, this.#host.driver(), this.#read);
      if (action.kind === "wait") needFacts ||= action.needFacts;
      else this.#apply(call, action);
    }
    this.#announceLease();
    for (const wake of [...this.#wakers]) wake();
    this.#scheduleProbe(needFacts);
  }

  /** New output arrived: probes wait for quiet again, from the shortest pause. */
  noteOutput(): void {
    this.#probeDelay = PROBE_AFTER_QUIET_MS;
    if (this.#probeTimer) {
      clearTimeout(this.#probeTimer);
      this.#probeTimer = null;
    }
    this.update();
  }

  /** Stops timers (the session ended). */
  dispose(): void {
    if (this.#probeTimer) clearTimeout(this.#probeTimer);
    this.#probeTimer = null;
    for (const wake of [...this.#wakers]) wake();
  }

  #read = (from: number, to: number): Uint8Array => this.#host.read(from, to);

  #ended(call: CallRecord): CallAction | null {
    if (!this.#host.ended()) return null;
    const end = this.#host.driver().end;
    return {
      kind: "final",
      status: "exited",
      exitCode: null,
      outputStart: call.typedAt ?? end,
      outputEnd: end,
    };
  }

  #apply(call: CallRecord, action: Exclude<CallAction, { kind: "wait" }>): void {
    const driver = this.#host.driver();
    switch (action.kind) {
      case "type":
      case "clear": {
        const text =
          action.kind === "clear"
            ? "\u0003"
            : call.kind === "command"
              ? `${call.text}\r`
              : call.text;
        // Stored before it is written: the output gate holds the write until this is durable,
        // so a restart either finds the call typed or types it then, never twice.
        const next: CallRecord =
          action.kind === "clear"
            ? { ...call, phase: "clearing", clearFrom: driver.end, clearedLine: action.line }
            : {
                ...call,
                phase: "typed",
                typedAt: driver.end,
                readsAtTyping: driver.validFacts()?.facts.shellReads ?? null,
              };
        this.#save(next);
        this.#typing = true;
        try {
          if (this.#host.type(new TextEncoder().encode(text), call.id)) driver.onInput();
          else this.#save(call); // No runner: try again when it is back.
        } finally {
          this.#typing = false;
        }
        return;
      }
      case "refuse":
        this.#forget(call.id);
        this.#refused.set(call.id, { ok: false, code: action.code, message: action.message });
        return;
      case "final": {
        const result = this.#finalResult(call, action);
        this.#save({ ...call, phase: "done", result });
        if (driver.mode === "plain" && action.status === "completed")
          driver.notePlainPrompt(this.#read);
        return;
      }
    }
  }

  /** Calls refused after they were queued (their record is gone); kept until their waiter reads them. */
  #refused = new Map<string, ToolResult>();

  #finalResult(call: CallRecord, action: Extract<CallAction, { kind: "final" }>): FinalResult {
    const driver = this.#host.driver();
    const { output, truncated } = this.#text(action.outputStart, action.outputEnd);
    let text = output;
    if (driver.mode === "plain") {
      const command = call.kind === "command" ? call.text : null;
      const prompt = action.status === "completed" ? driver.plainPrompt : null;
      text = trimPlainEcho(text, command, prompt);
    }
    return {
      status: action.status,
      exitCode: action.status === "completed" ? action.exitCode : null,
      output: text,
      outputTruncated: truncated,
      offsets: { start: call.typedAt ?? action.outputStart, end: driver.end },
    };
  }

  async #follow(callId: string, deadline: number): Promise<ToolResult> {
    this.update();
    for (;;) {
      const refused = this.#refused.get(callId);
      if (refused) {
        this.#refused.delete(callId);
        return refused;
      }
      const call = this.#host.store.get(callId);
      if (!call) return refusal("call_not_found", `call "${callId}" is gone`);
      if (call.phase === "done" && call.result) {
        return { ok: true, callId, ...call.result, clearedLine: call.clearedLine };
      }
      if (this.#host.runnerLost()) {
        const result = offline(this.#host.runnerState());
        if (call.phase !== "typed" || result.ok) return result;
        // Typed already: the command may still run when the host is back. Say how to get its end.
        const more = `; the command was typed: its result is kept, wait with call_id "${call.id}" once the host is back`;
        return { ...result, message: result.message + more };
      }
      const now = Date.now();
      if (now >= deadline) return this.#interim(call);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(deadline - now, LIVENESS_CHECK_MS));
        this.#wakers.add(wake);
      });
    }
  }

  // The deadline came first: say where the call is; it goes on, and `wait` gets its end.
  #interim(call: CallRecord): ToolResult {
    const driver = this.#host.driver();
    const typedAt = call.typedAt;
    if (call.phase !== "typed" || typedAt === null) {
      return {
        ok: true,
        callId: call.id,
        status: "queued",
        exitCode: null,
        output: "",
        outputTruncated: false,
        offsets: { start: driver.end, end: driver.end },
        clearedLine: call.clearedLine,
      };
    }
    const start = driver.marksSince(typedAt).find((mark) => mark.kind === "C");
    const { output, truncated } = this.#text(start ? start.end : typedAt, driver.end);
    return {
      ok: true,
      callId: call.id,
      status: "running",
      exitCode: null,
      output,
      outputTruncated: truncated,
      offsets: { start: typedAt, end: driver.end },
      clearedLine: call.clearedLine,
    };
  }

  #text(start: number, end: number): { output: string; truncated: boolean } {
    let from = Math.max(start, this.#host.historyStart());
    let truncated = from > start;
    if (end - from > MAX_TOOL_OUTPUT_BYTES) {
      from = end - MAX_TOOL_OUTPUT_BYTES;
      truncated = true;
    }
    let output = toPlainText(this.#host.read(from, end));
    if (output.length > MAX_TOOL_OUTPUT_CHARS) {
      output = output.slice(output.length - MAX_TOOL_OUTPUT_CHARS);
      truncated = true;
    }
    return { output, truncated };
  }

  #announceLease(): void {
    const lease = this.lease();
    const key = lease?.callId ?? null;
    if (key === this.#lease) return;
    this.#lease = key;
    this.#host.leaseChanged(lease);
  }

  // Probes follow quiet output and back off while nothing changes: they delay a verdict, and
  // the verdict itself comes from what the runner reads in the kernel.
  #scheduleProbe(needFacts: boolean): void {
    if (!needFacts || this.#host.runnerState() !== "online") {
      if (this.#probeTimer) clearTimeout(this.#probeTimer);
      this.#probeTimer = null;
      return;
    }
    if (this.#probeTimer) return;
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = null;
      this.#probeDelay = Math.min(this.#probeDelay * 2, MAX_PROBE_INTERVAL_MS);
      this.#host.probe();
      // Ask again later if the answer does not settle it (or never comes).
      this.#scheduleProbe(true);
    }, this.#probeDelay);
  }
}

/** Identifies a request for call_id reuse: the same kind and text. */
function fingerprintOf(request: Exclude<ToolRequest, { kind: "wait" }>): string {
  if (request.kind === "command")
    return JSON.stringify(["command", request.command, request.clearLine === true]);
  if (request.kind === "input") return JSON.stringify(["input", request.input]);
  return JSON.stringify(["open"]);
}

// Plain shells echo the typed line and print their prompt after the output: both are known
// exactly (what was typed, the prompt seen before), so they are cut only when they match.
function trimPlainEcho(output: string, command: string | null, prompt: string | null): string {
  let text = output;
  if (command !== null && text.startsWith(`${command}\n`)) text = text.slice(command.length + 1);
  if (prompt && text.endsWith(prompt)) text = text.slice(0, text.length - prompt.length);
  return text;
}

function refusal(code: ToolRefusal, message: string): ToolResult {
  return { ok: false, code, message };
}

function offline(state: RunnerState): ToolResult {
  const why =
    state === "unresponsive" ? "has stopped answering its heartbeats" : "is not connected";
  return refusal(
    "runner_offline",
    `the runner for this session ${why}; check that the runner (npx @edge-web-terminal/pty-runner) is running on its host`,
  );
}
