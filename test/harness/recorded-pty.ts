/** A program in a real PTY whose output is recorded with offsets (and resizes in their place), shown live in a headless watcher to wait on. */
import { tmpdir } from "node:os";
import * as nodePty from "@lydell/node-pty";
import { signalSession } from "../../pty-runner/process-groups.ts";
import {
  createHeadlessTerminal,
  type HeadlessTerminal,
} from "../../pty-runner/keyframes/headless-terminal.ts";
import { play, Recording } from "./keyframe-replay.ts";
import { waitFor } from "./wait.ts";

/** Options of a recorded program. */
export interface RecordedPtyOptions {
  cols?: number;
  rows?: number;
  cwd?: string;
  env?: Record<string, string>;
}

/**
 * `file args` in a PTY. Every output chunk goes into `recording` (as it arrived) and into a live
 * terminal, which answers the program's queries and which the test waits on: facts on the screen,
 * never sleeps.
 */
export class RecordedPty {
  readonly recording: Recording;
  readonly #pty: nodePty.IPty;
  readonly #live: HeadlessTerminal;
  #exited: number | null = null;

  constructor(file: string, args: string[], options: RecordedPtyOptions = {}) {
    const cols = options.cols ?? 80;
    const rows = options.rows ?? 24;
    this.recording = new Recording(cols, rows);
    this.#live = createHeadlessTerminal({ cols, rows, scrollback: 1000 });
    this.#pty = nodePty.spawn(file, args, {
      name: "xterm-256color",
      cols,
      rows,
      cwd: options.cwd ?? tmpdir(),
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: options.cwd ?? tmpdir(),
        TERM: "xterm-256color",
        LANG: "C.UTF-8",
        LC_ALL: "C.UTF-8",
        ...options.env,
      },
      encoding: null,
    });
    this.#pty.onData((data) => {
      const bytes = data as unknown as Buffer;
      this.recording.data(bytes);
      play(this.#live, [{ kind: "data", bytes }]);
    });
    this.#pty.onExit(({ exitCode }) => (this.#exited = exitCode));
    // Answer what programs ask the terminal (device attributes, cursor position), as a real one
    // would: vttest waits for the answers, vim adapts to them.
    this.#live.onData((answer) => {
      if (this.#exited === null) this.#pty.write(answer);
    });
  }

  /** The live watcher's screen, one string per row (trailing blanks trimmed). */
  screen(): string[] {
    const buffer = this.#live.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < this.#live.rows; y++)
      lines.push(buffer.getLine(buffer.baseY + y)?.translateToString(true) ?? "");
    return lines;
  }

  /** The live watcher (read it; do not write to it). */
  get live(): HeadlessTerminal {
    return this.#live;
  }

  /** Types `text` into the program. */
  type(text: string): void {
    this.#pty.write(text);
  }

  /** Resizes the PTY; the recording notes it after the bytes received so far. */
  resize(cols: number, rows: number): void {
    this.#pty.resize(cols, rows);
    this.recording.resize(cols, rows);
    this.#live.resize(cols, rows);
  }

  /** Waits until the screen shows what `check` looks for; resolves its value. */
  async waitForScreen<T>(
    what: string,
    check: (screen: string[]) => T | null | undefined | false,
    timeoutMs = 15_000,
  ): Promise<T> {
    return waitFor(() => check(this.screen()), {
      timeoutMs,
      what: () => `${what}; the screen:\n${this.screen().join("\n")}`,
    });
  }

  /** Waits until some row of the screen contains `text`. */
  waitForText(text: string, timeoutMs = 15_000): Promise<true> {
    return this.waitForScreen(
      JSON.stringify(text),
      (screen) => screen.some((row) => row.includes(text)),
      timeoutMs,
    );
  }

  /** Waits until the program exited; resolves its exit code. */
  waitForExit(timeoutMs = 15_000): Promise<number> {
    return waitFor(() => (this.#exited === null ? null : { code: this.#exited }), {
      timeoutMs,
      what: "the program to exit",
    }).then((result) => result.code);
  }

  /** Kills what is left of the program's session. */
  close(): void {
    if (this.#exited === null) signalSession(this.#pty.pid, "SIGKILL");
    this.#live.dispose();
  }
}
