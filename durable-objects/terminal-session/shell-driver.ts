/**
 * The shell driver: where a session's shell stands (starting, ready, a half-typed line, a command
 * running or reading the terminal, exited), decided from the shell's OSC 133 marks and the
 * runner's terminal facts, never from timers. Transport-free: the session feeds it output, input,
 * facts and the exit.
 */
import type { TerminalFacts } from "../../protocol/index.ts";
import { promptLineText } from "./prompt-line.ts";
import { ShellMarkParser, type ShellMark } from "./shell-marks.ts";
import { toPlainText } from "./terminal-text.ts";

/**
 * - starting: the shell has not drawn its first prompt (rc files still running), or the runner
 *   has not said yet how the shell was started.
 * - ready: the prompt is drawn and the line is empty: a command may be typed.
 * - pending_line: the prompt is drawn and someone's text is on the line.
 * - settling: the prompt is drawn after someone typed; the terminal facts will say whether the
 *   line holds text (the line editor may not have drawn typed-ahead keys yet).
 * - running: a command runs.
 * - reading: a command's foreground process is blocked reading the terminal.
 * - exited: the shell exited.
 */
export type ShellPhase =
  "starting" | "ready" | "pending_line" | "settling" | "running" | "reading" | "exited";

/**
 * How the driver knows the shell: "marks" (bash and zsh with the runner's integration: OSC 133
 * marks with the session's nonce), "plain" (any other shell: terminal facts only, the degraded
 * mode of docs/agent-api.md), "unknown" (the runner has not said yet).
 */
export type ShellMode = "unknown" | "marks" | "plain";

/** Facts the runner reported, with the output offset they are true at. */
export interface FactsAt {
  facts: TerminalFacts;
  offset: number;
}

/** Reads stored output; the driver reads only the short tail after a prompt. */
export type OutputReader = (from: number, to: number) => Uint8Array;

/** Most marks kept; a tool call looks only at the marks after it typed. */
const MARK_LOG_LIMIT = 512;

/** Tracks one shell. */
export class ShellDriver {
  #mode: ShellMode = "unknown";
  #nonce: string | null = null;
  readonly #parser = new ShellMarkParser();
  /** Every mark parsed, in order, whatever its nonce (the nonce is known only after `hello`). */
  #log: ShellMark[] = [];
  #end: number;
  #exited = false;
  /** History end when input last reached the shell; null when nothing was typed since a C mark. */
  #lastInputAt: number | null;
  #inputSeq = 0;
  readonly #probes = new Map<number, number>();
  #nextProbe = 1;
  #facts: (FactsAt & { inputSeq: number }) | null = null;
  /** Plain mode: where the shell's prompt ended when it was last seen waiting at it. */
  #plainPromptEnd: number | null = null;

  /**
   * @param end the history's end: output before it is not fed again.
   * @param restored the session object restarted: input may have been typed that this instance
   *   never saw, so the line counts as touched until facts show it.
   * @param columns the terminal's width now (a long typed line wraps at it).
   */
  constructor(end: number, restored: boolean, columns: () => number) {
    this.#end = end;
    this.#lastInputAt = restored ? end : null;
    this.#columns = columns;
  }

  readonly #columns: () => number;

  /** How the shell is known. */
  get mode(): ShellMode {
    return this.#mode;
  }

  /** The session's mark nonce (null before `hello`, or for a shell without marks). */
  get nonce(): string | null {
    return this.#nonce;
  }

  /** Offset one past the last output byte fed. */
  get end(): number {
    return this.#end;
  }

  /** The runner said how the shell was started. */
  onHello(marks: boolean, nonce: string | null): void {
    this.#mode = marks ? "marks" : "plain";
    this.#nonce = marks ? nonce : null;
  }

  /** Output stored at `offset`, contiguous with what came before. */
  onOutput(offset: number, data: Uint8Array): void {
    if (offset < this.#end) {
      // Already seen (the driver was built from the history that holds these bytes).
      const skip = this.#end - offset;
      if (skip >= data.byteLength) return;
      data = data.subarray(skip);
      offset = this.#end;
    } else if (offset > this.#end) {
      // After a gap the session could not fill: start parsing afresh from here.
      this.#parser.reset();
    }
    for (const mark of this.#parser.feed(offset, data)) {
      this.#log.push(mark);
      if (this.#log.length > MARK_LOG_LIMIT) this.#log.splice(0, this.#log.length - MARK_LOG_LIMIT);
    }
    this.#end = offset + data.byteLength;
  }

  /** Input (a writer's keys or an agent's call) was sent to the shell. */
  onInput(): void {
    this.#inputSeq++;
    this.#lastInputAt = this.#end;
    this.#facts = null;
  }

  /** The shell exited. */
  onExit(): void {
    this.#exited = true;
  }

  /** A new probe number to send to the runner; its answer counts only if no input follows it. */
  newProbe(): number {
    const probe = this.#nextProbe++;
    this.#probes.set(probe, this.#inputSeq);
    if (this.#probes.size > 64) this.#probes.delete(this.#probes.keys().next().value!);
    return probe;
  }

  /** The runner's answer to a probe. Returns whether it was taken (not made stale by input). */
  onFacts(probe: number, offset: number, facts: TerminalFacts | null): boolean {
    const seq = this.#probes.get(probe);
    this.#probes.delete(probe);
    if (seq === undefined || seq !== this.#inputSeq || facts === null) return false;
    if (offset < this.#end) return false; // Output came after the snapshot: no longer true.
    this.#facts = { facts, offset, inputSeq: seq };
    return true;
  }

  /** The facts, if they are true now: no output and no input since they were taken. */
  validFacts(): FactsAt | null {
    const f = this.#facts;
    if (!f || f.offset !== this.#end || f.inputSeq !== this.#inputSeq) return null;
    return f;
  }

  /** The marks the shell itself printed (right nonce) that start at or after `offset`. */
  marksSince(offset: number): ShellMark[] {
    return this.#log.filter((mark) => mark.start >= offset && this.#isShells(mark));
  }

  /** Where the shell stands now. `read` gives the tail after the prompt for the line's text. */
  phase(read: OutputReader): ShellPhase {
    if (this.#exited) return "exited";
    if (this.#mode === "unknown") return "starting";
    return this.#mode === "marks" ? this.#marksPhase(read) : this.#plainPhase(read);
  }

  /** The text on the prompt line (a person's half-typed command), or "" when it is empty. */
  lineText(read: OutputReader): string {
    const from = this.#promptEnd();
    if (from === null || from >= this.#end) return "";
    const bytes = read(from, this.#end);
    if (this.#mode !== "plain") {
      // The prompt's own bytes put the cursor where typing starts, so wraps land where they did.
      const start = this.#lastOf(["A"]);
      const prompt = start && start.end <= from ? read(start.end, from) : undefined;
      return promptLineText(bytes, { prompt, cols: this.#columns() });
    }
    // Plain shells draw no marks: after a command a person ran, the line is the last one, behind
    // the prompt the shell printed again.
    const text = new TextDecoder().decode(bytes);
    if (!text.includes("\n")) return promptLineText(bytes).trim();
    const line = plainLastLine(text);
    const prompt = this.#plainPrompt ?? "";
    return (line.startsWith(prompt) ? line.slice(prompt.length) : line).trim();
  }

  /** Plain mode: the prompt's text, learnt when the shell was first seen at its prompt. */
  #plainPrompt: string | null = null;

  /** Plain mode: remember that the shell waits at its prompt now (the facts say so). */
  notePlainPrompt(read: OutputReader): void {
    const f = this.validFacts();
    if (!f) return;
    if (this.#plainPrompt === null) {
      const start = Math.max(0, f.offset - 256);
      const text = new TextDecoder().decode(read(start, f.offset));
      this.#plainPrompt = plainLastLine(text);
    }
    this.#plainPromptEnd = f.offset;
    this.#lastInputAt = null;
  }

  /** Plain mode: the prompt text, for trimming it off a command's output. */
  get plainPrompt(): string | null {
    return this.#plainPrompt;
  }

  /** Where the current command's output starts (after its C mark), or null at a prompt. */
  commandStart(): number | null {
    const last = this.#lastOf(["A", "B", "C", "D"]);
    return last?.kind === "C" ? last.end : null;
  }

  #marksPhase(read: OutputReader): ShellPhase {
    const last = this.#lastOf(["A", "B", "C", "D"]);
    if (last?.kind === "C") return this.#readingNow() ? "reading" : "running";
    if (last?.kind !== "B") return "starting";
    // Input typed before this prompt's C... a C clears it; typed since this B, it sits on the line.
    if (!this.#lineTouched()) return "ready";
    const f = this.validFacts();
    if (!f || !f.facts.shellInForeground || !f.facts.reading) return "settling";
    return this.lineText(read) === "" ? "ready" : "pending_line";
  }

  #plainPhase(read: OutputReader): ShellPhase {
    const f = this.validFacts();
    if (!f) return this.#plainPromptEnd === null ? "starting" : "settling";
    const { shellInForeground, reading } = f.facts;
    if (shellInForeground && reading) {
      if (this.#plainPromptEnd === null) this.notePlainPrompt(read);
      if (!this.#lineTouched()) return "ready";
      return this.lineText(read) === "" ? "ready" : "pending_line";
    }
    if (this.#plainPromptEnd === null) return "starting";
    return reading ? "reading" : "running";
  }

  #readingNow(): boolean {
    return this.validFacts()?.facts.reading != null;
  }

  #lineTouched(): boolean {
    if (this.#lastInputAt === null) return false;
    const at = this.#lastInputAt;
    // A C mark after the input means the line it was typed on ran as a command.
    return !this.#log.some((mark) => mark.kind === "C" && mark.start >= at && this.#isShells(mark));
  }

  #promptEnd(): number | null {
    if (this.#mode === "plain") return this.#plainPromptEnd;
    const last = this.#lastOf(["A", "B", "C", "D"]);
    return last?.kind === "B" ? last.end : null;
  }

  #lastOf(kinds: ShellMark["kind"][]): ShellMark | null {
    for (let i = this.#log.length - 1; i >= 0; i--) {
      const mark = this.#log[i]!;
      if (kinds.includes(mark.kind) && this.#isShells(mark)) return mark;
    }
    return null;
  }

  #isShells(mark: ShellMark): boolean {
    return this.#mode === "marks" && mark.nonce === this.#nonce;
  }
}

// The last line of some output as shown, trailing blanks kept: what a plain shell's prompt
// looks like ("$ "), and the prompt line with what was typed after it.
function plainLastLine(text: string): string {
  const plain = toPlainText(new TextEncoder().encode(text));
  return plain.slice(plain.lastIndexOf("\n") + 1);
}
