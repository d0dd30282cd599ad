/** What the session does with each message from its runner: store output and keyframes, fan output out, record the exit. */
import {
  CloseCode,
  FrameKind,
  HEARTBEAT_REQUEST,
  MAX_KEYFRAME_BYTES,
  MAX_OUTPUT_FRAME_BYTES,
  decodeBinaryFrame,
  type BinaryFrame,
  parseRunnerMessage,
} from "../../protocol/index.ts";
import { sendError, sendToRunner, type SessionPort } from "./session-port.ts";
import { fanOutLive } from "./viewer-fanout.ts";

/** Handles one message from the current runner connection. */
export function handleRunnerMessage(
  session: SessionPort,
  ws: WebSocket,
  message: string | ArrayBuffer,
): void {
  if (typeof message !== "string") return storeFrame(session, ws, message);
  if (message === HEARTBEAT_REQUEST) return; // Answered by the auto-response while hibernating.
  const parsed = parseRunnerMessage(message);
  if (!parsed.ok) return sendError(ws, "bad_message", parsed.error);
  const msg = parsed.message;
  if (msg.type === "hello") {
    const shell = { name: msg.shell.slice(0, 64), marks: msg.marks, nonce: msg.nonce };
    const meta = session.meta();
    if (JSON.stringify(meta.shell ?? null) !== JSON.stringify(shell))
      session.saveMeta({ ...meta, shell });
    session.driver().onHello(shell.marks, shell.nonce);
    // Marks stored before the hello counted for nothing until the nonce was known.
    session.recordCommands();
    session.tools.update();
    return;
  }
  if (msg.type === "terminal") {
    session.driver().onFacts(msg.probe, msg.offset, msg.facts);
    session.tools.update();
    return;
  }
  if (msg.type === "host-pong") {
    session.hostPings.answer(msg.id);
    return;
  }
  if (msg.type === "spawn-failed") {
    if (!session.meta().exit) {
      const reason = `the runner could not start the shell: ${msg.message}`;
      session.recordExit({ code: null, signal: null }, reason);
      void session.scheduleAlarm();
    }
    return;
  }
  const end = session.history().end;
  if (msg.offset !== end) {
    // Output is missing before the exit: reconnecting makes the runner resend it first.
    const reason = `exit at offset ${msg.offset} but ${end} bytes are stored; resend`;
    ws.close(CloseCode.PROTOCOL_ERROR, reason);
    return;
  }
  if (!session.meta().exit) session.recordExit(msg.exit, null);
  sendToRunner(ws, { type: "close", reason: "exit recorded" });
  void session.scheduleAlarm();
}

function storeFrame(session: SessionPort, ws: WebSocket, message: ArrayBuffer): void {
  const decoded = decodeBinaryFrame(message);
  if (!decoded.ok) return sendError(ws, "bad_frame", decoded.error);
  const { frame } = decoded;
  if (frame.kind === FrameKind.KEYFRAME) return storeKeyframe(session, ws, frame);
  if (frame.kind !== FrameKind.OUTPUT)
    return sendError(ws, "bad_frame", "runners send output and keyframe frames");
  if (frame.data.byteLength > MAX_OUTPUT_FRAME_BYTES) {
    const limit = `output frames are limited to ${MAX_OUTPUT_FRAME_BYTES} bytes`;
    return sendError(ws, "frame_too_big", limit);
  }
  if (session.meta().exit) return; // Output after the recorded exit cannot belong to this shell.
  const history = session.history();
  const fresh = history.preview(frame.offset, frame.data);
  if (fresh.kind === "gap") {
    // Bytes are missing: make the runner reconnect, learn the stored end and resend.
    ws.close(CloseCode.PROTOCOL_ERROR, `gap in output: expected offset ${fresh.expected}`);
    return;
  }
  if (fresh.kind === "stored") {
    // Live viewers get the bytes before the write, so the runtime's output gate (which holds
    // messages sent while a write is pending) does not delay them. Safe: offsets are final, and
    // until the runner's ack below (which the gate does hold) the runner keeps and resends them.
    fanOutLive(session.viewers(), session.attachments, fresh.offset, fresh.data);
    // The time it was stored, for recordings.
    history.append(fresh.offset, fresh.data, Date.now());
    // Past the hard cap the history is trimmed beyond the keyframe, which is then of no use.
    const keyframes = session.keyframes();
    if (keyframes.newest !== null && keyframes.newest.offset < history.start) {
      keyframes.clear();
      history.keepFrom(null);
    }
    session.driver().onOutput(fresh.offset, fresh.data);
    session.recordCommands();
    session.tools.noteOutput();
    session.noteActivity();
  }
  sendToRunner(ws, { type: "ack", offset: history.end });
}

/**
 * Keeps the runner's keyframe if it is newer than the one kept and inside the stored history (the
 * runner sends it after the output before it, so it always is). Nothing is acknowledged: a
 * keyframe lost with a connection is replaced by the runner's next one.
 */
function storeKeyframe(
  session: SessionPort,
  ws: WebSocket,
  frame: Extract<BinaryFrame, { kind: typeof FrameKind.KEYFRAME }>,
): void {
  if (frame.data.byteLength > MAX_KEYFRAME_BYTES) {
    const limit = `keyframes are limited to ${MAX_KEYFRAME_BYTES} bytes`;
    return sendError(ws, "frame_too_big", limit);
  }
  const history = session.history();
  if (frame.offset > history.end) {
    const reason = `keyframe at ${frame.offset} is beyond the stored output (${history.end}); send the output first`;
    return sendError(ws, "keyframe_ahead", reason);
  }
  const keyframes = session.keyframes();
  if (frame.offset < history.start) return; // Its tail is gone: useless to a joiner.
  // An older one is of no use; one at the same offset replaces it (a resize changes the state
  // without output).
  if (keyframes.newest !== null && frame.offset < keyframes.newest.offset) return;
  keyframes.put({ offset: frame.offset, cols: frame.cols, rows: frame.rows, data: frame.data });
  history.keepFrom(frame.offset);
}
