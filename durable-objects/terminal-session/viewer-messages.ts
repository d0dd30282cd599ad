/** What the session does with each message from a viewer: input, replies, resize, signals, acks, host pings. */
import {
  CloseCode,
  FrameKind,
  MAX_CONTROL_MESSAGE_BYTES,
  MAX_INPUT_FRAME_BYTES,
  decodeBinaryFrame,
  encodeInputFrame,
  parseViewerMessage,
} from "../../protocol/index.ts";
import { describeExit, sendError, sendToRunner, type SessionPort } from "./session-port.ts";
import type { ViewerAttachment } from "./socket-attachments.ts";
import { settleSize } from "./size-policy.ts";
import { pumpViewer, sendMessage } from "./viewer-fanout.ts";

/** Handles one message from a viewer socket. */
export function handleViewerMessage(
  session: SessionPort,
  ws: WebSocket,
  att: ViewerAttachment,
  message: string | ArrayBuffer,
): void {
  if (typeof message !== "string") return handleFrame(session, ws, att, message);
  if (message.length > MAX_CONTROL_MESSAGE_BYTES) {
    ws.close(
      CloseCode.MESSAGE_TOO_BIG,
      `control messages are limited to ${MAX_CONTROL_MESSAGE_BYTES} bytes`,
    );
    return;
  }
  const parsed = parseViewerMessage(message);
  if (!parsed.ok) {
    // A resize with both sizes present but one not an integer in range is a bad size; anything
    // else (a missing field, an unknown type, not JSON) is a bad message.
    const raw = parsed.raw;
    const badSize = raw?.type === "resize" && raw.cols !== undefined && raw.rows !== undefined;
    return sendError(ws, badSize ? "bad_size" : "bad_message", parsed.error);
  }
  const msg = parsed.message;
  switch (msg.type) {
    case "ack": {
      if (msg.offset > att.sent || msg.offset < att.acked) {
        const range = `${att.acked}..${att.sent}`;
        return sendError(ws, "bad_ack", `ack ${msg.offset} is outside what was sent (${range})`);
      }
      session.attachments.set(ws, { ...att, acked: msg.offset });
      pumpViewer(ws, session.attachments, session.history());
      return;
    }
    case "resize": {
      if (!mayWrite(session, ws, att, "resize")) return;
      // Size policy: each writer says what its panel fits; the session takes the smallest.
      session.attachments.set(ws, { ...att, wants: { cols: msg.cols, rows: msg.rows } });
      settleSize(session);
      return;
    }
    case "host-ping": {
      const runner = session.runner();
      // No runner to ask: answered at once, saying the host was not reached.
      if (!runner) return sendMessage(ws, { type: "host-pong", id: msg.id, from: "session" });
      session.hostPings.forward(ws, msg.id, runner);
      return;
    }
    case "signal": {
      if (!mayWrite(session, ws, att, "signal")) return;
      const runner = session.runner();
      if (!runner) {
        return sendError(
          ws,
          "runner_offline",
          "the runner is offline; the signal was not delivered",
        );
      }
      sendToRunner(runner, { type: "signal", signal: msg.signal });
      return;
    }
    case "token": {
      void session.renewToken(ws, msg.token);
      return;
    }
  }
}

function handleFrame(
  session: SessionPort,
  ws: WebSocket,
  att: ViewerAttachment,
  message: ArrayBuffer,
): void {
  const decoded = decodeBinaryFrame(message);
  if (!decoded.ok) return sendError(ws, "bad_frame", decoded.error);
  const { frame } = decoded;
  if (frame.kind === FrameKind.OUTPUT) {
    return sendError(ws, "bad_frame", "viewers may only send input and reply frames");
  }
  if (frame.data.byteLength > MAX_INPUT_FRAME_BYTES) {
    // Refused whole: nothing of an oversized frame reaches the shell.
    ws.close(
      CloseCode.MESSAGE_TOO_BIG,
      `input frames are limited to ${MAX_INPUT_FRAME_BYTES} bytes`,
    );
    return;
  }
  if (frame.kind === FrameKind.REPLY) {
    // Every xterm answers a query; forward one writer's answers only. Viewers' are dropped
    // silently: answering is automatic, not something a read-only person did.
    if (att.role !== "writer" || session.meta().exit || ws !== session.replyingWriter()) return;
    const replyTo = session.runner();
    if (!replyTo) return;
    replyTo.send(encodeInputFrame(frame.data));
    // An answer is input the program reads: facts taken before it are stale.
    session.driver().onInput();
    session.tools.update();
    return;
  }
  if (!mayWrite(session, ws, att, "type")) return;
  const runner = session.runner();
  const state = session.runnerState();
  if (!runner || state !== "online") {
    const why = state === "unresponsive" ? "is not responding" : "is offline";
    return sendError(ws, "runner_offline", `the shell's host ${why}; your keys were not sent`);
  }
  const lease = session.tools.lease();
  // The keyboard is the agent's while its call runs; a lone Ctrl-C still gets through, so the
  // person beside it can always stop what the agent started.
  if (lease && !isInterrupt(frame.data)) {
    const command = lease.command.length > 60 ? `${lease.command.slice(0, 57)}...` : lease.command;
    return sendError(
      ws,
      "input_leased",
      `the agent is running \`${command}\`; your keys were not sent (Ctrl-C still interrupts it)`,
    );
  }
  session
    .inputLog()
    .record({ kind: "writer" }, session.history().end, frame.data.byteLength, Date.now());
  runner.send(message);
  session.driver().onInput();
  session.tools.update();
  session.noteActivity();
}

/** A lone Ctrl-C (ETX): the interrupt key, the one key a writer may press during an agent's call. */
function isInterrupt(bytes: Uint8Array): boolean {
  return bytes.byteLength === 1 && bytes[0] === 0x03;
}

function mayWrite(
  session: SessionPort,
  ws: WebSocket,
  att: ViewerAttachment,
  what: string,
): boolean {
  if (att.role !== "writer") {
    sendError(ws, "read_only", `this is a read-only (viewer) connection; it cannot ${what}`);
    return false;
  }
  const exit = session.meta().exit;
  if (exit) {
    const how = describeExit(exit);
    sendError(ws, "exited", `the shell has exited (${how}); it cannot ${what} any more`);
    return false;
  }
  return true;
}
