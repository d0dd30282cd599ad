/** Looks inside node-pty that a probe needs: pending input, the slave's path, a fresh poll of the PTY. */
import type { IPty } from "@lydell/node-pty";

interface StreamHandle {
  reading?: boolean;
  readStart(): number;
  readStop(): number;
}

interface Internals {
  _socket?: { _handle?: Partial<StreamHandle> | null; writableLength?: unknown };
  _writeStream?: { _writeQueue?: unknown };
  ptsName?: unknown;
}

/** The PTY's slave device (/dev/pts/N): UnixTerminal's `ptsName`, missing from node-pty's typings. */
export function slavePath(pty: IPty): string | null {
  const name = (pty as unknown as Internals).ptsName;
  return typeof name === "string" && name.startsWith("/dev/") ? name : null;
}

/**
 * Whether input given to `pty.write` still waits in node-pty's queue rather than in the kernel.
 * Two write paths exist: upstream node-pty 1.1 writes from a queue with asynchronous fs.write calls
 * (lib/unixTerminal.js, CustomWriteStream); @lydell/node-pty 1.1.0 (its prebuilt binaries) writes
 * through the tty stream (`_socket.write`), whose unwritten bytes are `writableLength`. Null when
 * neither can be seen (node-pty changed).
 */
export function inputPending(pty: IPty): boolean | null {
  const internals = pty as unknown as Internals;
  const queue = internals._writeStream?._writeQueue;
  if (Array.isArray(queue)) return queue.length > 0;
  if (internals._writeStream !== undefined) return null;
  const unwritten = internals._socket?.writableLength;
  return typeof unwritten === "number" ? unwritten > 0 : null;
}

/**
 * Makes libuv register the PTY's descriptor with epoll again on its next poll. False when Node is
 * not reading the stream now (flow control), null when node-pty's stream cannot be reached.
 *
 * Why: Linux hands a PTY's output to the reading side from a work queue (the tty "flip buffer"),
 * a moment after the writer's write() returned. epoll_wait does not see output still in that
 * queue, but the tty's own poll function flushes the queue first (n_tty_poll calls
 * tty_buffer_flush_work), and epoll calls it when a descriptor is (re-)registered. Stopping and
 * restarting the read makes libuv re-register it (EPOLL_CTL_MOD) before its next epoll_wait, so
 * an iteration that then reads nothing proves no output is on its way.
 */
export function rearmRead(pty: IPty): boolean | null {
  const handle = (pty as unknown as Internals)._socket?._handle;
  if (!handle || typeof handle.readStop !== "function" || typeof handle.readStart !== "function") {
    return null;
  }
  // `reading` is net.Socket's own record of whether it asked libuv to read (lib/net.js).
  if (handle.reading !== true) return false;
  handle.readStop();
  handle.readStart();
  return true;
}
