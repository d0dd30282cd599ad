/** Programs run directly in a node-pty PTY, without the runner: reference output, and terminals to inspect. */
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import * as nodePty from "@lydell/node-pty";
import { signalSession } from "../../pty-runner/process-groups.ts";
import { waitFor } from "./wait.ts";

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

/**
 * A program running directly in a node-pty PTY (no runner), for tests that inspect the kernel's
 * view of a terminal. Output is collected as it arrives; `close()` kills the whole session.
 */
export class LocalPty {
  readonly #pty: nodePty.IPty;
  readonly #chunks: Buffer[] = [];
  #exited = false;

  constructor(file: string, args: string[], env: Record<string, string> = {}) {
    this.#pty = nodePty.spawn(file, args, {
      cols: 80,
      rows: 24,
      cwd: tmpdir(),
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: tmpdir(),
        TERM: "xterm-256color",
        ...env,
      },
      encoding: null,
    });
    this.#pty.onData((data) => this.#chunks.push(data as unknown as Buffer));
    this.#pty.onExit(() => (this.#exited = true));
  }

  /** The process id of the program (the PTY's session leader). */
  get pid(): number {
    return this.#pty.pid;
  }

  /** Everything printed so far, as text. */
  text(): string {
    return Buffer.concat(this.#chunks).toString("utf8");
  }

  /** Types `text` into the terminal. */
  type(text: string): void {
    this.#pty.write(text);
  }

  /** Waits until the output holds `needle` at or after character `from`; resolves its index. */
  async waitForOutput(needle: string, from = 0, timeoutMs = 10_000): Promise<number> {
    const at = await waitFor(
      () => {
        const index = this.text().indexOf(needle, from);
        return index >= 0 ? index + 1 : null;
      },
      {
        timeoutMs,
        what: () => `${JSON.stringify(needle)} (tail: ${JSON.stringify(this.text().slice(-200))})`,
      },
    );
    return at - 1;
  }

  /** Hangs up the terminal and kills what is left in its session. */
  close(): void {
    if (!this.#exited) signalSession(this.#pty.pid, "SIGKILL");
  }
}
