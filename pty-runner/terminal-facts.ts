/** What the kernel says about a PTY's foreground process: is it waiting to read the terminal? */
import { existsSync } from "node:fs";
import type { TerminalFacts } from "../protocol/index.ts";
import { readLinuxTerminalFacts } from "./linux-terminal-facts.ts";
import { readPsTerminalFacts } from "./ps-terminal-facts.ts";
import { waitSyscalls } from "./syscall-numbers.ts";

export type { TerminalFacts } from "../protocol/index.ts";

/**
 * Reads the terminal facts of the PTY whose shell (session leader) is `shellPid`, or null when
 * nothing can be read (the shell is gone, /proc is unreadable, an architecture whose system call
 * numbers we do not know). Never throws: processes come and go while it reads.
 *
 * Linux reads /proc (see linux-terminal-facts.ts) and runs `stty` only when a foreground process
 * waits in poll/select; elsewhere `ps` is asked (ps-terminal-facts.ts, untested).
 *
 * One call is one snapshot of several files, not an atomic view: a caller that needs a settled
 * answer compares two snapshots (terminal-probe.ts).
 */
export async function readTerminalFacts(shellPid: number): Promise<TerminalFacts | null> {
  try {
    if (!existsSync("/proc/self/stat")) return await readPsTerminalFacts(shellPid);
    const calls = waitSyscalls();
    return calls ? await readLinuxTerminalFacts(shellPid, calls) : null;
  } catch {
    // A reader bug or a kernel surprise must not take the runner down: "cannot tell".
    return null;
  }
}

/**
 * Whether two snapshots describe the same state, including the shell's read count: a shell that
 * read between them was still taking in input.
 */
export function sameTerminalFacts(a: TerminalFacts, b: TerminalFacts): boolean {
  return (
    a.shellInForeground === b.shellInForeground &&
    a.shellReads === b.shellReads &&
    a.reading === b.reading &&
    a.foreground.length === b.foreground.length &&
    a.foreground.every((name, i) => name === b.foreground[i])
  );
}
