/** Signals to the process group that owns a PTY: what Ctrl-C would reach, sent by the API. */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

/**
 * The foreground process group of the terminal `shellPid` controls (its `tpgid`), or null.
 *
 * Why: a shell runs each job in its own process group and makes it the terminal's foreground
 * group. Signalling the shell's pid would hit only the shell (an interactive bash ignores
 * SIGINT), while `sleep 30` started from it runs on. The kernel sends a typed Ctrl-C to the
 * foreground group; the API's `signal` must reach the same processes.
 */
export function foregroundProcessGroup(shellPid: number): number | null {
  try {
    // Linux: /proc/PID/stat field 8. The command name (field 2) may contain spaces and ")".
    const stat = readFileSync(`/proc/${shellPid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return validGroup(Number(fields[5]));
  } catch {
    // No /proc (macOS, BSD): ask ps, which reads the same kernel field.
  }
  try {
    const out = execFileSync("ps", ["-o", "tpgid=", "-p", String(shellPid)], {
      encoding: "utf8",
      timeout: 2_000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    return validGroup(Number(out.trim()));
  } catch {
    return null;
  }
}

/**
 * Sends `signal` to the PTY's foreground process group, falling back to the shell's own group
 * (node-pty makes the shell a session and group leader), then to the shell itself.
 * Returns false when no process could be signalled (it has exited).
 */
export function signalForeground(shellPid: number, signal: NodeJS.Signals): boolean {
  const targets = [foregroundProcessGroup(shellPid), shellPid];
  for (const group of targets) {
    if (group !== null && killQuietly(-group, signal)) return true;
  }
  return killQuietly(shellPid, signal);
}

/**
 * Sends `signal` to every process group in the shell's session (node-pty makes the shell a
 * session leader, so its session id is its pid): what a terminal hang-up should reach.
 *
 * Why every group, not just the shell's and the foreground one: a job the shell is forking right
 * now may not be in the foreground group yet, and the shell may exit before it can pass the
 * SIGHUP on; such a job would outlive its session. Jobs that ignore SIGHUP (nohup) live on, as
 * they would after an ssh disconnect. Without /proc, the shell's and the foreground group.
 */
export function signalSession(shellPid: number, signal: NodeJS.Signals): void {
  const groups = new Set(sessionProcessGroups(shellPid) ?? []);
  const foreground = foregroundProcessGroup(shellPid);
  if (foreground !== null) groups.add(foreground);
  groups.add(shellPid);
  for (const group of groups) killQuietly(-group, signal);
  killQuietly(shellPid, signal);
}

/** Process groups of the processes whose session id is `sid` (Linux /proc), or null without /proc. */
export function sessionProcessGroups(sid: number): number[] | null {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return null;
  }
  const groups = new Set<number>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the ")" that ends the command name: state ppid pgrp session ...
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const group = validGroup(Number(fields[2]));
      if (Number(fields[3]) === sid && group !== null) groups.add(group);
    } catch {
      // The process ended while we looked.
    }
  }
  return [...groups];
}

function killQuietly(target: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch {
    // ESRCH: gone already. EPERM: not ours. Either way nothing more to do with this target.
    return false;
  }
}

// Groups 0 and 1 would mean "our own group" and init: never signal those by mistake.
function validGroup(n: number): number | null {
  return Number.isSafeInteger(n) && n > 1 ? n : null;
}
