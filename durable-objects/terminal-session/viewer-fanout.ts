/**
 * Sending output to viewers with a per-viewer window: a caught-up viewer gets live frames at
 * once; a viewer behind (replaying, or slow) is fed from storage as it acknowledges. So one slow
 * viewer costs at most one window of memory and never slows the runner or the other viewers.
 */
import {
  CloseCode,
  encodeOutputFrame,
  MAX_OUTPUT_FRAME_BYTES,
  VIEWER_ACK_INTERVAL_BYTES,
  type SessionToViewer,
} from "../../protocol/index.ts";
import type { OutputHistory } from "./output-history.ts";
import type { AttachmentCache, ViewerAttachment } from "./socket-attachments.ts";

/** Unacknowledged bytes a viewer may have in flight: four ack intervals, so acks never stall it. */
export const VIEWER_WINDOW_BYTES = 4 * VIEWER_ACK_INTERVAL_BYTES;

/** Sends a control message to one socket, ignoring sockets that are already closing. */
export function sendMessage(ws: WebSocket, message: SessionToViewer | object): void {
  try {
    ws.send(JSON.stringify(message));
  } catch {
    // The socket closed between the lookup and the send; its close handler cleans up.
  }
}

/** Live output: sends one frame, encoded once, to every caught-up viewer with room in its window. */
export function fanOutLive(
  viewers: WebSocket[],
  attachments: AttachmentCache,
  offset: number,
  data: Uint8Array,
): void {
  let frame: Uint8Array | null = null;
  for (const ws of viewers) {
    const att = attachments.get(ws);
    if (att?.kind !== "viewer" || !att.live || att.sent !== offset) continue;
    if (att.sent + data.byteLength - att.acked > VIEWER_WINDOW_BYTES) continue;
    frame ??= encodeOutputFrame(offset, data);
    try {
      ws.send(frame);
    } catch {
      continue;
    }
    attachments.set(ws, { ...att, sent: offset + data.byteLength });
  }
}

/**
 * Feeds a viewer from storage until its window is full or it has everything; sends `live` the
 * first time it catches up. A viewer whose unsent bytes were trimmed is told to resume.
 */
export function pumpViewer(
  ws: WebSocket,
  attachments: AttachmentCache,
  history: OutputHistory,
): void {
  const att = attachments.get(ws);
  if (att?.kind !== "viewer") return;
  const next: ViewerAttachment = { ...att };
  if (next.sent < history.start) {
    // The bytes this viewer still needs are gone; reconnecting tells it where history starts.
    ws.close(
      CloseCode.RESUME_REQUIRED,
      "fell behind the retained history; resume from your offset",
    );
    return;
  }
  while (next.sent < history.end) {
    const budget = VIEWER_WINDOW_BYTES - (next.sent - next.acked);
    if (budget <= 0) break;
    const chunks = history.read(next.sent, budget, MAX_OUTPUT_FRAME_BYTES);
    if (chunks.length === 0) break;
    for (const chunk of chunks) {
      try {
        ws.send(encodeOutputFrame(chunk.start, chunk.data));
      } catch {
        return; // Closed meanwhile: nothing more to feed, and nothing to remember.
      }
      next.sent = chunk.start + chunk.data.byteLength;
    }
  }
  if (!next.live && next.sent >= history.end) {
    next.live = true;
    sendMessage(ws, { type: "live", offset: next.sent });
  }
  attachments.set(ws, next);
}
