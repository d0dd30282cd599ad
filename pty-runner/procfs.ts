/** Small readers of Linux /proc files; each returns null when the process is gone or unreadable. */
import { readFileSync, readdirSync, readlinkSync } from "node:fs";

/** The fields of /proc/PID/stat the runner uses. */
export interface ProcStat {
  pid: number;
  /** Command name (at most 15 bytes, may contain spaces and parentheses). */
  comm: string;
  /** R running, S interruptible sleep, D disk sleep, T stopped, Z zombie, ... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Foreground process group of the process's controlling terminal (-1: none). */
  tpgid: number;
}

/** Parses /proc/PID/stat. */
export function readStat(pid: number): ProcStat | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === null) return null;
  // The command name sits between the first "(" and the LAST ")": it may contain either.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const fields = text.slice(close + 2).split(" ");
  const [state, ppid, pgrp, session, , tpgid] = fields;
  const numbers = [ppid, pgrp, session, tpgid].map(Number);
  if (!state || numbers.some((n) => !Number.isSafeInteger(n))) return null;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state,
    ppid: numbers[0] as number,
    pgrp: numbers[1] as number,
    session: numbers[2] as number,
    tpgid: numbers[3] as number,
  };
}

/** What /proc/PID/syscall says: the call a blocked process is in and its first argument. */
export interface ProcSyscall {
  number: number;
  firstArg: number;
}

/** Null when the process is running (the file says "running") or gone. */
export function readSyscall(pid: number): ProcSyscall | null {
  const text = readText(`/proc/${pid}/syscall`);
  if (text === null) return null;
  // "270 0x1 0x7ffd... ...": number, then six arguments in hex. "-1 ..." means blocked outside
  // a system call; "running" means not blocked at all.
  const [nr, arg] = text.trim().split(" ");
  const number = Number(nr);
  const firstArg = arg?.startsWith("0x") ? Number.parseInt(arg.slice(2), 16) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 0 || !Number.isSafeInteger(firstArg)) return null;
  return { number, firstArg };
}

/** The target of a symbolic link such as /proc/PID/fd/N, or null. */
export function readLink(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

/** The count of completed read() calls of a process (`syscr` in /proc/PID/io). */
export function readSyscr(pid: number): number | null {
  const text = readText(`/proc/${pid}/io`);
  const match = text === null ? null : /^syscr:\s*(\d+)$/m.exec(text);
  const value = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(value) ? value : null;
}

/**
 * `pid` and every process below it, found through /proc/PID/task/TID/children (one file per
 * thread: a child belongs to the thread that forked it). Null when those files do not exist (a
 * kernel built without CONFIG_PROC_CHILDREN).
 */
export function processTree(pid: number): number[] | null {
  if (readText(`/proc/${pid}/task/${pid}/children`) === null) return null;
  const seen = new Set<number>([pid]);
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      continue; // Gone while we looked.
    }
    for (const task of tasks) {
      const text = readText(`/proc/${parent}/task/${task}/children`);
      if (text === null) continue; // The thread or the process ended while we looked.
      for (const child of text.split(" ").map(Number)) {
        if (Number.isSafeInteger(child) && child > 0 && !seen.has(child)) {
          seen.add(child);
          queue.push(child);
        }
      }
    }
  }
  return [...seen];
}

/** Every process id in /proc, or null without /proc. */
export function allProcesses(): number[] | null {
  try {
    return readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .map(Number);
  } catch {
    return null;
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}
