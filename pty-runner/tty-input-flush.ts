/** Makes Linux hand input already written to a PTY to the program reading it, before the runner looks. */
import { execFile } from "node:child_process";

const FLUSH_TIMEOUT_MS = 2_000;

/**
 * Resolves once input written to the PTY's master before the call has reached the terminal's line
 * discipline, so a program that was blocked reading it has been woken. False when it could not be
 * done (no bash on this machine): the caller then reads facts that may predate that input.
 *
 * Why: Linux moves bytes written to one side of a PTY to the other from a work queue (the tty
 * "flip buffer"), a moment after write() returned, and longer on a busy machine. Until then the
 * reader still sleeps in read(), and a probe right after typed input would report it waiting for
 * the input it already got. The tty's poll function flushes that queue first (n_tty_poll calls
 * tty_buffer_flush_work); `read -t 0` in bash is a select() on the descriptor that reads nothing.
 * Node has no poll() of its own, and reading the terminal would steal the program's input.
 * Measured with every core busy: a probe sent right behind a typed password still saw the
 * password prompt's read() in 8 to 9 of 100 rounds without this flush, and in 0 of 300 with it.
 */
export function flushTerminalInput(tty: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(
      "bash",
      ["-c", 'read -t 0 < "$1"', "flush-input", tty],
      { timeout: FLUSH_TIMEOUT_MS },
      // Exit status 1 only means "no input waiting": the select() ran either way.
      (error) => resolve(error === null || typeof error.code === "number"),
    );
  });
}
