/**
 * The session's size with several writers, as tmux's "smallest": each writer's panel says the size
 * it fits, and the session takes the smallest columns and the smallest rows among them, so no
 * writer's panel ever clips the shell. Read-only viewers never count.
 */
import type { TerminalSize } from "../../protocol/index.ts";
import { sendToRunner, type SessionPort } from "./session-port.ts";

/** The smallest cols and the smallest rows among `wanted`; null when nobody declared a size. */
export function smallestSize(wanted: Iterable<TerminalSize>): TerminalSize | null {
  let size: TerminalSize | null = null;
  for (const w of wanted) {
    size = size
      ? { cols: Math.min(size.cols, w.cols), rows: Math.min(size.rows, w.rows) }
      : { cols: w.cols, rows: w.rows };
  }
  return size;
}

/** The sizes the open writer sockets declared, without `leaving` (a socket being closed). */
function writersWanted(session: SessionPort, leaving: WebSocket | null): TerminalSize[] {
  const sizes: TerminalSize[] = [];
  for (const ws of session.viewers()) {
    if (ws === leaving || ws.readyState !== WebSocket.OPEN) continue;
    const att = session.attachments.get(ws);
    if (att?.kind === "viewer" && att.role === "writer" && att.wants) sizes.push(att.wants);
  }
  return sizes;
}

/**
 * Recomputes the session's size after a writer joined, resized or left. When it changes, the
 * runner resizes the PTY, every viewer is told, and the recording notes it. With no writer that
 * declared a size, the size stays.
 */
export function settleSize(session: SessionPort, leaving: WebSocket | null = null): void {
  const size = smallestSize(writersWanted(session, leaving));
  const meta = session.meta();
  if (!size || meta.exit || (size.cols === meta.size.cols && size.rows === meta.size.rows)) return;
  session.saveMeta({ ...meta, size });
  session.recordResize(size);
  const runner = session.runner();
  if (runner) sendToRunner(runner, { type: "resize", ...size });
  session.broadcast({ type: "resize", ...size });
}
