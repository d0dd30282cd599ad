/** The raw PTY baseline: node-pty runs `cat FILE` on this machine and is read until it exits. */
import * as nodePty from "@lydell/node-pty";
import { now, withTimeout } from "./clock.ts";

/** Reads `cat file` through a fresh PTY; ms from spawn to exit, and the bytes read. */
export async function rawPtyCat(
  file: string,
  timeoutMs: number,
): Promise<{ ms: number; bytes: number }> {
  const t0 = now();
  let bytes = 0;
  const pty = nodePty.spawn("cat", [file], {
    name: "xterm-256color",
    cols: 80,
    rows: 24,
    env: process.env as Record<string, string>,
    encoding: null,
  });
  pty.onData((data) => (bytes += (data as unknown as Buffer).length));
  const exited = new Promise<number>((resolve) => pty.onExit(() => resolve(now())));
  try {
    const at = await withTimeout(exited, timeoutMs, "cat in a local PTY to exit");
    return { ms: at - t0, bytes };
  } catch (error) {
    pty.kill("SIGKILL");
    throw error;
  }
}
