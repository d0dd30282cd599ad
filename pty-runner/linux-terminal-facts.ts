/** Terminal facts on Linux, read from /proc: the foreground group, how its processes wait, the shell's reads. */
import type { TerminalFacts } from "../protocol/index.ts";
import { allProcesses, processTree, readLink, readStat, readSyscall, readSyscr } from "./procfs.ts";
import type { ProcStat } from "./procfs.ts";
import type { WaitSyscalls } from "./syscall-numbers.ts";
import { terminalIsRaw } from "./termios.ts";

/**
 * Reads the facts of the terminal whose session leader is `shellPid` (node-pty makes the shell
 * one). Null when the shell is gone or /proc cannot be read.
 *
 * - The foreground group is `tpgid` in /proc/SHELL/stat. Its members are found among the shell's
 *   descendants (/proc/PID/task/TID/children), or by scanning /proc when those files are missing
 *   or the walk finds nobody (a member whose parent exited was re-parented away from the shell).
 * - "read": a member asleep (state S) in read/readv/pread64 on a descriptor that links to this
 *   terminal's slave (the shell's fd 0) or to /dev/tty.
 * - "poll": otherwise, a member asleep in poll/select/epoll while the terminal has ICANON off:
 *   a full-screen program or a line editor waiting for a key. Programs that poll with the
 *   terminal in canonical mode (node, a server) wait for something else.
 */
export async function readLinuxTerminalFacts(
  shellPid: number,
  calls: WaitSyscalls,
): Promise<TerminalFacts | null> {
  const shell = readStat(shellPid);
  const tty = readLink(`/proc/${shellPid}/fd/0`);
  if (!shell || tty === null || shell.tpgid <= 0) return null;
  const members = foregroundMembers(shell);
  let reads = false;
  let polls = false;
  for (const member of members) {
    if (member.state !== "S") continue;
    const call = readSyscall(member.pid);
    if (!call) continue;
    if (calls.read.has(call.number)) {
      const target = readLink(`/proc/${member.pid}/fd/${call.firstArg}`);
      if (target === tty || target === "/dev/tty") reads = true;
    } else if (calls.poll.has(call.number)) {
      polls = true;
    }
  }
  let reading: TerminalFacts["reading"] = reads ? "read" : null;
  if (!reads && polls) {
    const raw = await terminalIsRaw(tty);
    // Without the terminal mode the runner cannot tell a key wait from a network wait.
    if (raw === null) return null;
    if (raw) reading = "poll";
  }
  return {
    shellInForeground: shell.tpgid === shellPid,
    reading,
    shellReads: readSyscr(shellPid),
    foreground: members.map((member) => member.comm),
  };
}

/** The foreground group's processes, ordered by pid. */
function foregroundMembers(shell: ProcStat): ProcStat[] {
  const inGroup = (pids: number[]): ProcStat[] =>
    pids
      .map((pid) => (pid === shell.pid ? shell : readStat(pid)))
      .filter((stat): stat is ProcStat => stat !== null && stat.pgrp === shell.tpgid)
      .sort((a, b) => a.pid - b.pid);
  const tree = processTree(shell.pid);
  const found = tree ? inGroup(tree) : [];
  if (found.length > 0) return found;
  // Same session and group: the terminal's foreground job, wherever its processes hang now.
  return inGroup(allProcesses() ?? []).filter((stat) => stat.session === shell.session);
}
