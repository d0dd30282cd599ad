/** Child processes the bench started, so a crash or Ctrl-C still ends them (tty-share, extra runners). */
import type { ChildProcess } from "node:child_process";

const running = new Set<ChildProcess>();

/** Remembers `child` until it exits. */
export function track<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/** Sends SIGKILL to every tracked child still running (the last resort of a cleanup). */
export function killAll(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  running.clear();
}
