/** A shell in a real PTY (node-pty): raw bytes in and out, safe resize, signals, drained exit. */
import { constants } from "node:os";
import * as nodePty from "@lydell/node-pty";
import type { IDisposable, IPty } from "@lydell/node-pty";
import type { ExitStatus, SignalName, TerminalSize } from "../protocol/index.ts";
import { DEFAULT_DRAIN_OPTIONS, installDrainGuard } from "./pty-drain.ts";
import type { DrainGuard, DrainOptions } from "./pty-drain.ts";
import { signalForeground, signalSession } from "./process-groups.ts";
import { inputPending, rearmRead, slavePath } from "./pty-internals.ts";
import { flushTerminalInput } from "./tty-input-flush.ts";

/** What to run and where. */
export interface PtySpawnOptions {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  size: TerminalSize;
  drain?: DrainOptions;
}

/** The terminal type every shell gets: what the browser's xterm.js emulates. */
export const TERM_NAME = "xterm-256color";

/**
 * One PTY and the process in it. Every call that node-pty could throw from (resize after exit,
 * writes after close, kills of a gone process) is caught here: one broken session must never
 * take down the runner and its other shells.
 */
export class PtyProcess {
  readonly #pty: IPty;
  readonly #guard: DrainGuard;
  readonly #listeners: IDisposable[] = [];
  #exit: ExitStatus | null = null;
  #killTimer: ReturnType<typeof setTimeout> | null = null;
  /** Writes so far, and the count when input was last flushed to the program (inputDelivered). */
  #writes = 0;
  #flushedWrites = 0;

  /** Starts the process; throws when node-pty cannot (bad cwd, no PTY left). */
  constructor(options: PtySpawnOptions) {
    this.#pty = nodePty.spawn(options.file, options.args, {
      name: TERM_NAME,
      cols: options.size.cols,
      rows: options.size.rows,
      cwd: options.cwd,
      env: options.env,
      // null: raw Buffers. Decoding to strings would split multi-byte characters across reads
      // and change bytes; the browser decodes.
      encoding: null,
    });
    this.#guard = installDrainGuard(this.#pty, options.drain ?? DEFAULT_DRAIN_OPTIONS);
  }

  /** The PTY's size (node-pty keeps the last one it applied). */
  get size(): TerminalSize {
    return { cols: this.#pty.cols, rows: this.#pty.rows };
  }

  /** The shell's process id (also its process group and session id). */
  get pid(): number {
    return this.#pty.pid;
  }

  /** Whether the drain guard could be installed (false: output at exit may be cut short). */
  get drainGuarded(): boolean {
    return this.#guard.installed;
  }

  /** How the process ended, once it has and its output is drained; null before. */
  get exitStatus(): ExitStatus | null {
    return this.#exit;
  }

  /** Subscribes to output bytes. */
  onData(listener: (bytes: Buffer) => void): void {
    // With encoding null node-pty emits Buffers, although its typings say string.
    this.#listeners.push(this.#pty.onData((data) => listener(data as unknown as Buffer)));
  }

  /** Subscribes to the exit, which comes after the last output byte. */
  onExit(listener: (status: ExitStatus) => void): void {
    this.#listeners.push(
      this.#pty.onExit(({ exitCode, signal }) => {
        if (this.#killTimer) {
          clearTimeout(this.#killTimer);
          // Ending on request: hang up whatever the shell left behind in its session (a job it
          // was starting as the SIGHUP came may never have heard of it).
          signalSession(this.#pty.pid, "SIGHUP");
        }
        this.#exit = toExitStatus(exitCode, signal);
        listener(this.#exit);
      }),
    );
  }

  /** Writes input bytes exactly as given. */
  write(bytes: Uint8Array): void {
    if (this.#exit || bytes.byteLength === 0) return;
    this.#writes++;
    try {
      // node-pty writes Buffers as they are (its typings say string only).
      this.#pty.write(
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as string,
      );
    } catch {
      // The PTY closed under us; the exit event follows.
    }
  }

  /** Resizes; returns false when node-pty refused (exited, or a size it does not accept). */
  resize(size: TerminalSize): boolean {
    if (this.#exit) return false;
    try {
      this.#pty.resize(size.cols, size.rows);
      return true;
    } catch {
      return false;
    }
  }

  /** Stops reading output (flow control). Ignored once the final drain has begun. */
  pause(): void {
    if (!this.#guard.draining) this.#pty.pause();
  }

  /** Reads output again. */
  resume(): void {
    this.#pty.resume();
  }

  /**
   * Resolves once input written before the call has reached the program's side of the terminal:
   * out of node-pty's queue (waiting at most `maxWaitMs`), then through the kernel's (see
   * tty-input-flush.ts, which costs a process start and so runs only after new input). False
   * when that could not be done and facts read now may predate the input.
   */
  async inputDelivered(maxWaitMs: number): Promise<boolean> {
    const deadline = performance.now() + maxWaitMs;
    while (inputPending(this.#pty) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    if (inputPending(this.#pty) !== false) return false;
    const writes = this.#writes;
    if (writes === this.#flushedWrites) return true;
    const tty = slavePath(this.#pty);
    if (tty === null || !(await flushTerminalInput(tty))) return false;
    this.#flushedWrites = writes;
    return true;
  }

  /**
   * Makes the next event-loop iteration ask the kernel afresh whether output is waiting, including
   * output still on its way inside the kernel (see pty-internals.ts). False when the stream is
   * not being read (paused, exited), null when node-pty's internals changed and it cannot.
   */
  recheck(): boolean | null {
    return this.#exit ? false : rearmRead(this.#pty);
  }

  /** Sends a signal to the foreground process group, as a typed Ctrl-C or Ctrl-\ would. */
  signal(name: SignalName): boolean {
    if (this.#exit) return false;
    return signalForeground(this.#pty.pid, name);
  }

  /**
   * Ends the session's processes: SIGHUP (what a closed terminal sends; shells pass it on to
   * their jobs), then SIGKILL after `graceMs` for anything that ignored it.
   */
  terminate(graceMs: number): void {
    if (this.#exit || this.#killTimer) return;
    signalSession(this.#pty.pid, "SIGHUP");
    this.#killTimer = setTimeout(() => {
      if (!this.#exit) signalSession(this.#pty.pid, "SIGKILL");
    }, graceMs);
  }

  /** Removes listeners and timers (after the exit was handled). */
  dispose(): void {
    if (this.#killTimer) clearTimeout(this.#killTimer);
    for (const listener of this.#listeners) listener.dispose();
    this.#listeners.length = 0;
  }
}

const SIGNAL_NAMES = new Map<number, string>(
  Object.entries(constants.signals).map(([name, number]) => [number, name]),
);

// node-pty reports WEXITSTATUS and WTERMSIG; a signalled process has exitCode 0 there.
function toExitStatus(exitCode: number, signal: number | undefined): ExitStatus {
  if (signal) return { code: null, signal: SIGNAL_NAMES.get(signal) ?? `SIG${signal}` };
  return { code: exitCode, signal: null };
}
