/** Terminal facts where there is no /proc (macOS, BSD), from `ps`. UNTESTED: written for macOS, never run there. */
import { execFile } from "node:child_process";
import { basename } from "node:path";
import type { TerminalFacts } from "../protocol/index.ts";

const PS_TIMEOUT_MS = 2_000;

/**
 * The foreground group from `ps -o tpgid= -p SHELL`, its members from `ps -A -o
 * pid=,pgid=,stat=,wchan=,comm=`; a member whose wait channel is `ttyin` (the BSD kernel's sleep
 * in a terminal read) makes `reading` "read". "poll" is never reported and `shellReads` is null:
 * ps shows neither. Null when ps fails or the shell is gone.
 *
 * Untested: this repository's tests run on Linux only, where the /proc reader is used instead.
 */
export async function readPsTerminalFacts(shellPid: number): Promise<TerminalFacts | null> {
  const tpgid = Number((await ps(["-o", "tpgid=", "-p", String(shellPid)]))?.trim() ?? "");
  if (!Number.isSafeInteger(tpgid) || tpgid <= 0) return null;
  const table = await ps(["-A", "-o", "pid=,pgid=,stat=,wchan=,comm="]);
  if (table === null) return null;
  const members: { pid: number; wchan: string; comm: string }[] = [];
  for (const line of table.split("\n")) {
    // comm is last and may contain spaces; the four columns before it never do.
    const match = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line);
    if (!match || Number(match[2]) !== tpgid) continue;
    members.push({ pid: Number(match[1]), wchan: match[4] as string, comm: match[5] as string });
  }
  members.sort((a, b) => a.pid - b.pid);
  return {
    shellInForeground: tpgid === shellPid,
    reading: members.some((member) => member.wchan === "ttyin") ? "read" : null,
    shellReads: null,
    foreground: members.map((member) => basename(member.comm.trim())),
  };
}

function ps(args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile("ps", args, { timeout: PS_TIMEOUT_MS, encoding: "utf8" }, (error, stdout) =>
      resolve(error ? null : stdout),
    );
  });
}
