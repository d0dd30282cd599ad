/**
 * Watching one tool call's command in the output stream: where its output starts (mark C), when
 * it finishes (mark D with the exit code), whether it went quiet at a prompt, or the shell exited.
 * Transport-free: the session feeds it output and events; it resolves with the outcome.
 */
import { ShellMarkParser, type ShellMark } from "./shell-marks.ts";

/** How a tool call ended, as the agent API reports it. */
export type ToolStatus = "completed" | "awaiting_input" | "running" | "exited";

/** The watch's verdict: status, exit code and the byte range of the command's own output. */
export interface WatchOutcome {
  status: ToolStatus;
  exitCode: number | null;
  /** Output of the command: [outputStart, outputEnd). */
  outputStart: number;
  outputEnd: number;
}

/** Quiet time after which a command that printed a prompt counts as waiting for input (ms). */
export const QUIET_MS = 700;

/** Watches output from `startOffset` (where the input was written) on. */
export class CommandWatch {
  readonly startOffset: number;
  readonly #parser = new ShellMarkParser();
  #commandStart: number | null = null;
  #lastLineHasText = false;
  #end: number;
  #quietTimer: ReturnType<typeof setTimeout> | null = null;
  #deadline: ReturnType<typeof setTimeout>;
  #resolve!: (outcome: WatchOutcome) => void;
  /** Resolves once, with the outcome. */
  readonly outcome: Promise<WatchOutcome>;
  #done = false;

  /**
   * @param startOffset where the input was written; output before it is not this call's.
   * @param timeoutMs when to give up and report "running".
   * @param expectMarks whether the shell emits OSC 133 marks (bash/zsh with the runner's hooks).
   * @param commandRunning whether a command was already running when the input was written
   *   (send_input into `read -p`): then its output starts at once, without a C mark.
   */
  constructor(
    startOffset: number,
    timeoutMs: number,
    expectMarks: boolean,
    commandRunning: boolean,
  ) {
    this.startOffset = startOffset;
    this.#end = startOffset;
    if (commandRunning || !expectMarks) this.#commandStart = startOffset;
    this.outcome = new Promise((resolve) => (this.#resolve = resolve));
    this.#deadline = setTimeout(() => this.#finish("running", null, this.#end), timeoutMs);
  }

  /** Output stored at `offset` (contiguous with what came before). */
  onOutput(offset: number, data: Uint8Array): void {
    if (this.#done) return;
    for (const mark of this.#parser.feed(offset, data)) this.#onMark(mark);
    if (this.#done) return;
    this.#end = offset + data.byteLength;
    if (this.#commandStart !== null && this.#end > this.#commandStart) {
      const tail = data.subarray(Math.max(0, this.#commandStart - offset));
      const lastNewline = tail.lastIndexOf(0x0a);
      const afterNewline = tail.subarray(lastNewline + 1);
      if (lastNewline >= 0) this.#lastLineHasText = hasVisibleText(afterNewline);
      else if (hasVisibleText(afterNewline)) this.#lastLineHasText = true;
    }
    this.#armQuietTimer();
  }

  /** The shell exited: whatever ran is over. */
  onExit(end: number): void {
    this.#finish("exited", null, end);
  }

  /** Stops the timers without an outcome (the session ended). */
  cancel(end: number): void {
    this.#finish("exited", null, end);
  }

  #onMark(mark: ShellMark): void {
    if (mark.start < this.startOffset) return;
    if (mark.kind === "C") {
      this.#commandStart = mark.end;
      this.#lastLineHasText = false;
    } else if (mark.kind === "D" && this.#commandStart !== null) {
      this.#finish("completed", mark.exitCode, mark.start);
    } else if (mark.kind === "A" && this.#commandStart === null) {
      // A new prompt without a command in between: the line ran nothing (empty, a comment,
      // Ctrl-C at the prompt). Done, with no exit status to report.
      this.#finish("completed", null, mark.start);
    }
  }

  // A command that printed text without a newline and went quiet is waiting for its user. Without
  // marks the prompt itself is such text: the call returns when the shell is quiet again.
  #armQuietTimer(): void {
    if (this.#quietTimer) clearTimeout(this.#quietTimer);
    this.#quietTimer = setTimeout(() => {
      if (this.#commandStart !== null && this.#lastLineHasText) {
        this.#finish("awaiting_input", null, this.#end);
      }
    }, QUIET_MS);
  }

  #finish(status: ToolStatus, exitCode: number | null, outputEnd: number): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#deadline);
    if (this.#quietTimer) clearTimeout(this.#quietTimer);
    const outputStart = Math.min(this.#commandStart ?? this.#end, outputEnd);
    this.#resolve({ status, exitCode, outputStart, outputEnd: Math.max(outputStart, outputEnd) });
  }
}

function hasVisibleText(bytes: Uint8Array): boolean {
  // Ignore escape sequences and whitespace: a line holding only a colour reset is empty.
  const text = new TextDecoder()
    .decode(bytes)
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g, "");
  return text.trim().length > 0;
}
