/** Runs a program directly in a node-pty PTY and collects its output: the reference the runner must match. */
import { createHash } from "node:crypto";
import * as nodePty from "node-pty";

/**
 * Every byte `file args` writes to a PTY. The stream is never paused here, so node-pty's
 * early destroy (issue #726, see pty-runner/pty-drain.ts) has nothing left to drop.
 */
export function ptyOutputOf(file: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const pty = nodePty.spawn(file, args, { cols: 80, rows: 24, encoding: null });
    pty.onData((data) => chunks.push(data as unknown as Buffer));
    pty.onExit(() => resolve(Buffer.concat(chunks)));
  });
}

/** SHA-256 (hex) of bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The bytes strictly between the first `start` marker and the next `end` marker, or null. */
export function between(haystack: Buffer, start: string, end: string): Buffer | null {
  const from = haystack.indexOf(start);
  if (from < 0) return null;
  const to = haystack.indexOf(end, from + start.length);
  if (to < 0) return null;
  return haystack.subarray(from + start.length, to);
}
