/** Makes node-pty deliver every byte a program wrote before it exited (node-pty issue #726). */
import type { IPty } from "@lydell/node-pty";

/** How long to keep reading after the program exited. */
export interface DrainOptions {
  /** Stop when nothing arrived for this long (a background job may hold the PTY open) (ms). */
  idleMs: number;
  /** Stop after this long in any case (a background job may write forever) (ms). */
  maxMs: number;
}

/** Defaults: a PTY's kernel buffer empties in well under a millisecond once it is read. */
export const DEFAULT_DRAIN_OPTIONS: DrainOptions = { idleMs: 250, maxMs: 5_000 };

/** Whether the guard is active, and whether the program's exit started the final drain. */
export interface DrainGuard {
  readonly installed: boolean;
  readonly draining: boolean;
}

interface PtySocket {
  destroyed: boolean;
  destroy(error?: Error): unknown;
  resume(): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Why this exists: node-pty 1.1 (lib/unixTerminal.js) waits only 200 ms after the child exits
 * for its read stream to hit EIO, then calls `_socket.destroy()`, discarding whatever is still
 * in the kernel's PTY buffer or the stream's own buffer. The runner pauses the stream for flow
 * control, and a busy event loop can miss 200 ms, so the last kilobytes of a fast-exiting
 * `cat` vanished (reproduced: a program exiting while the stream was paused lost 6–8 KB in 5 of
 * 5 runs). Linux returns EIO only after the buffer is empty, so reading on until EIO is exact.
 *
 * The guard replaces that timer's destroy (the only argument-less destroy call on this socket)
 * with: resume reading, and destroy only at EIO/close, after `idleMs` of silence, or at `maxMs`.
 * Destroys that carry an error (the EIO itself) pass straight through. node-pty emits its exit
 * event on the socket's close, so the exit now follows the last byte.
 *
 * It patches a private field; if a node-pty upgrade removes it, `installed` is false and the
 * caller should log that output at exit may be cut short.
 */
export function installDrainGuard(
  pty: IPty,
  options: DrainOptions = DEFAULT_DRAIN_OPTIONS,
): DrainGuard {
  const socket = (pty as unknown as { _socket?: unknown })._socket;
  if (!isPtySocket(socket)) return { installed: false, draining: false };
  const state = { installed: true, draining: false };
  const destroy = socket.destroy.bind(socket);

  socket.destroy = (error?: Error) => {
    if (error !== undefined || state.draining || socket.destroyed) return destroy(error);
    state.draining = true;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const finish = (): void => {
      clearTimeout(idleTimer);
      clearTimeout(maxTimer);
      socket.removeListener("data", onData);
      if (!socket.destroyed) destroy();
    };
    const onData = (): void => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(finish, options.idleMs);
    };
    const maxTimer = setTimeout(finish, options.maxMs);
    socket.on("data", onData);
    socket.once("close", finish);
    onData();
    socket.resume();
    return socket;
  };
  return state;
}

function isPtySocket(value: unknown): value is PtySocket {
  if (typeof value !== "object" || value === null) return false;
  const s = value as Record<string, unknown>;
  return typeof s.destroy === "function" && typeof s.resume === "function" && "destroyed" in s;
}
