/** Whether a terminal is in raw (non-canonical) mode, read with `stty` because Node has no tcgetattr. */
import { execFile } from "node:child_process";

// Linux termios c_lflag bit: input is delivered per key, not per line, when it is clear.
const ICANON = 0x2;
const STTY_TIMEOUT_MS = 2_000;

/**
 * True when `tty` (for example /dev/pts/3) has ICANON off, as vim, less and readline set it while
 * they wait for a key; false in canonical mode; null when stty failed. GNU `stty -g` prints the
 * settings as colon-separated hex: c_iflag:c_oflag:c_cflag:c_lflag:... . Linux only (BSD stty
 * spells the device flag `-f` and prints another format).
 *
 * Why a child process: Node cannot call tcgetattr, and node-pty does not expose it. The caller
 * runs it only when it needs the answer (a process asleep in poll/select), as it costs a fork.
 */
export function terminalIsRaw(tty: string): Promise<boolean | null> {
  return new Promise((resolve) => {
    execFile(
      "stty",
      ["-g", "-F", tty],
      { timeout: STTY_TIMEOUT_MS, encoding: "utf8" },
      (error, stdout) => {
        const lflag = error ? Number.NaN : Number.parseInt(stdout.trim().split(":")[3] ?? "", 16);
        resolve(Number.isSafeInteger(lflag) ? (lflag & ICANON) === 0 : null);
      },
    );
  });
}
