/**
 * Running agent tool calls inside a session: wait for the shell's prompt, write the command or
 * input, watch the marks, and read back exactly the command's output. One call at a time per
 * session, so two calls never interleave their commands.
 */
import { encodeInputFrame } from "../../protocol/index.ts";
import { CommandWatch, type ToolStatus } from "./command-watch.ts";
import type { OutputHistory } from "./output-history.ts";
import { ShellMarkParser } from "./shell-marks.ts";
import { toPlainText } from "./terminal-text.ts";

/** What an agent asks of a session. */
export type ToolRequest =
  | { kind: "open"; timeoutMs: number }
  | { kind: "command"; command: string; timeoutMs: number }
  | { kind: "input"; input: string; timeoutMs: number };

/** A tool call's result, before the Worker adds ids and tokens. */
export type ToolResult =
  | {
      ok: true;
      status: ToolStatus;
      exitCode: number | null;
      output: string;
      outputTruncated: boolean;
      offsets: { start: number; end: number };
    }
  | { ok: false; code: ToolRefusal; message: string };

/** Why a tool call was refused (the Worker maps these to HTTP statuses). */
export type ToolRefusal = "busy" | "session_ended" | "session_exited" | "runner_offline";

/** Most raw bytes of output read back for one result; the rest is cut from the front. */
export const MAX_TOOL_OUTPUT_BYTES = 256 * 1024;
/** Most characters of plain text in one result. */
export const MAX_TOOL_OUTPUT_CHARS = 64 * 1024;
/** How far back to look for the last shell mark. */
const MARK_SCAN_BYTES = 64 * 1024;
/** How long a fresh shell may take to draw its first prompt before we write anyway (ms). */
const FIRST_PROMPT_WAIT_MS = 5000;

/** What the tool runner needs from its session. */
export interface ToolHost {
  history(): OutputHistory;
  /** The runner's socket, or null while it is offline. */
  runner(): WebSocket | null;
  /** Whether the shell has exited. */
  exited(): boolean;
  /** Whether the session has ended (its history is gone). */
  ended(): boolean;
}

/** Where the shell is, judged from the marks at the end of the history. */
export interface ShellState {
  /** The shell emits OSC 133 marks. */
  marks: boolean;
  /** A command is running (its C mark came after the last prompt). */
  commandRunning: boolean;
  /** The shell has drawn its prompt (after a command ends, D comes first, then the prompt). */
  atPrompt: boolean;
}

/** Runs tool calls for one session, one at a time. */
export class ToolRunner {
  #host: ToolHost;
  #watch: CommandWatch | null = null;
  #busy = false;

  constructor(host: ToolHost) {
    this.#host = host;
  }

  /** Feeds stored output to the running call, if any. */
  onOutput(offset: number, data: Uint8Array): void {
    this.#watch?.onOutput(offset, data);
  }

  /** The shell exited or the session ended: the running call returns at once. */
  onExit(end: number): void {
    this.#watch?.onExit(end);
  }

  /** Runs one tool call. */
  async run(request: ToolRequest): Promise<ToolResult> {
    if (this.#busy) {
      return {
        ok: false,
        code: "busy",
        message: "another tool call is running in this session; wait for it to return",
      };
    }
    this.#busy = true;
    try {
      return await this.#run(request, Date.now() + request.timeoutMs);
    } finally {
      this.#busy = false;
      this.#watch = null;
    }
  }

  async #run(request: ToolRequest, deadline: number): Promise<ToolResult> {
    const ready = await this.#waitForShell(deadline, request.kind !== "input");
    if (!ready.ok) return ready;
    const history = this.#host.history();
    const state = shellState(history);
    if (request.kind === "open") {
      return {
        ok: true,
        status: "completed",
        exitCode: null,
        output: "",
        outputTruncated: false,
        offsets: { start: history.end, end: history.end },
      };
    }
    if (request.kind === "command" && state.commandRunning) {
      return {
        ok: false,
        code: "busy",
        message:
          'a command is still running in this session; answer it with send_input (for example "\\u0003" for Ctrl-C) before running another',
      };
    }
    const runner = this.#host.runner();
    if (!runner) return offline();
    const start = history.end;
    const text = request.kind === "command" ? `${request.command}\r` : request.input;
    const watch = new CommandWatch(
      start,
      Math.max(0, deadline - Date.now()),
      state.marks,
      request.kind === "input" && state.commandRunning,
    );
    this.#watch = watch;
    runner.send(encodeInputFrame(new TextEncoder().encode(text)));
    const outcome = await watch.outcome;
    if (this.#host.ended())
      return {
        ok: false,
        code: "session_ended",
        message: "the session ended while the command ran",
      };
    const { output, truncated } = readText(
      history,
      outcome.outputStart,
      outcome.outputEnd,
      !state.marks && request.kind === "command",
    );
    return {
      ok: true,
      status: outcome.status,
      exitCode: outcome.status === "completed" ? outcome.exitCode : null,
      output,
      outputTruncated: truncated,
      offsets: { start, end: history.end },
    };
  }

  // Waits for the runner and, for a fresh shell, its first prompt; a shell without marks is
  // taken as ready once its start-up output has gone quiet.
  async #waitForShell(deadline: number, needPrompt: boolean): Promise<ToolResult | { ok: true }> {
    const firstPromptBy = Date.now() + FIRST_PROMPT_WAIT_MS;
    let lastEnd = -1;
    let quietSince = Date.now();
    for (;;) {
      if (this.#host.exited())
        return {
          ok: false,
          code: "session_exited",
          message: "the shell in this session has exited",
        };
      const runner = this.#host.runner();
      const history = this.#host.history();
      if (runner) {
        if (!needPrompt) return { ok: true };
        const state = shellState(history);
        if (state.atPrompt || state.commandRunning) return { ok: true };
        if (history.end !== lastEnd) {
          lastEnd = history.end;
          quietSince = Date.now();
        }
        const quiet = Date.now() - quietSince >= 500 && history.end > 0;
        if (!state.marks && (quiet || Date.now() >= firstPromptBy)) return { ok: true };
      }
      if (Date.now() >= deadline) return runner ? { ok: true } : offline();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Reads the shell's state from the marks at the end of the history. */
export function shellState(history: OutputHistory): ShellState {
  const parser = new ShellMarkParser();
  const from = Math.max(history.start, history.end - MARK_SCAN_BYTES);
  let last: string | null = null;
  for (const chunk of history.read(from, MARK_SCAN_BYTES)) {
    for (const mark of parser.feed(chunk.start, chunk.data)) last = mark.kind;
  }
  return {
    marks: last !== null,
    commandRunning: last === "C",
    atPrompt: last === "A" || last === "B",
  };
}

function readText(
  history: OutputHistory,
  start: number,
  end: number,
  dropEcho: boolean,
): { output: string; truncated: boolean } {
  let from = Math.max(start, history.start);
  let truncated = from > start;
  if (end - from > MAX_TOOL_OUTPUT_BYTES) {
    from = end - MAX_TOOL_OUTPUT_BYTES;
    truncated = true;
  }
  const chunks = history.read(from, end - from);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.data.byteLength, 0));
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk.data, at);
    at += chunk.data.byteLength;
  }
  let output = toPlainText(bytes);
  // Without marks the echoed command line comes first; the prompt that follows stays.
  if (dropEcho) output = output.slice(output.indexOf("\n") + 1);
  if (output.length > MAX_TOOL_OUTPUT_CHARS) {
    output = output.slice(output.length - MAX_TOOL_OUTPUT_CHARS);
    truncated = true;
  }
  return { output, truncated };
}

function offline(): ToolResult {
  return {
    ok: false,
    code: "runner_offline",
    message: "the runner for this session is offline; check that pty-runner is running on its host",
  };
}
