/** The dim line written into the terminal when the shell exits, as VS Code's "[Process exited with code 0]": local text, never session output. */
import type { ExitStatus } from "../../../protocol/index.ts";
import { describeExit } from "../connection/connection-status.ts";

/** The marker's words, for example "[Process exited with code 0]" or "[Process exited with signal SIGKILL]". */
export function exitMarkerText(exit: ExitStatus): string {
  return `[Process exited with ${describeExit(exit)}]`;
}

/**
 * What to write after the session's last output: on a line of its own (a new line first when the
 * cursor is not at its start), dim (SGR 2), the attributes reset after it.
 */
export function exitMarkerBytes(exit: ExitStatus, cursorX: number): string {
  return `${cursorX > 0 ? "\r\n" : ""}\x1b[0;2m${exitMarkerText(exit)}\x1b[0m`;
}
