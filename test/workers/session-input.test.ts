/** Roles, sizes and bad input: each gets an error or a close, and the session and its other users go on. */
import { describe, expect, it } from "vitest";
import { CloseCode, FrameKind, encodeInputFrame, encodeOutputFrame } from "../../protocol/index.ts";
import { autoAck, connectViewer, runnerWrite, startSession } from "./helpers.ts";

const errors = (texts: Record<string, unknown>[]) => texts.filter((m) => m.type === "error");

describe("a viewer (read-only) connection", () => {
  it("cannot type, resize or signal, and is told why", async () => {
    const s = await startSession();
    const viewer = await connectViewer(s.id, s.viewerToken);
    await viewer.message("welcome");
    viewer.ws.send(encodeInputFrame(new TextEncoder().encode("rm -rf /\r")));
    viewer.sendText({ type: "resize", cols: 100, rows: 40 });
    viewer.sendText({ type: "signal", signal: "SIGKILL" });
    await viewer.until(() => errors(viewer.texts).length === 3 && true, "three errors");
    expect(errors(viewer.texts).map((e) => e.code)).toEqual([
      "read_only",
      "read_only",
      "read_only",
    ]);
    // Nothing reached the runner.
    const writer = await connectViewer(s.id, s.writerToken);
    await writer.message("welcome");
    writer.ws.send(encodeInputFrame(new TextEncoder().encode("ok")));
    await s.runner.until(() => s.runner.inputs.length > 0, "the writer's input");
    expect(s.runner.inputs.map((b) => new TextDecoder().decode(b))).toEqual(["ok"]);
    expect(s.runner.texts.filter((m) => m.type === "resize" || m.type === "signal")).toEqual([]);
  });
});

describe("resizing", () => {
  it("lets a lone writer set the size and tells everyone; sizes out of range are refused, not clamped", async () => {
    const s = await startSession();
    const writer = await connectViewer(s.id, s.writerToken);
    const viewer = await connectViewer(s.id, s.viewerToken);
    await writer.message("welcome");
    await viewer.message("welcome");
    writer.sendText({ type: "resize", cols: 65536, rows: 0 });
    await writer.until(() => errors(writer.texts).length === 1 && true, "an error");
    expect(errors(writer.texts)[0]).toEqual({
      type: "error",
      code: "bad_size",
      message:
        "cols: expected an integer from 2 to 1000, got 65536; rows: expected an integer from 1 to 500, got 0",
    });
    writer.sendText({ type: "resize", cols: 1000, rows: 1 });
    expect(await viewer.message("resize")).toMatchObject({ cols: 1000, rows: 1 });
    expect(await s.runner.message("resize")).toMatchObject({ cols: 1000, rows: 1 });
    expect(s.runner.texts.filter((m) => m.type === "resize")).toHaveLength(1);
  });

  it("answers NaN, fractions, strings, null and missing sizes with an error naming the field, changes nothing, and takes the next good size", async () => {
    const s = await startSession();
    const writer = await connectViewer(s.id, s.writerToken);
    await writer.message("welcome");
    const bad = [
      '{"type":"resize","cols":"80","rows":24}',
      '{"type":"resize","cols":null,"rows":24}',
      '{"type":"resize","cols":80}',
      '{"type":"resize","cols":-1e999,"rows":24}',
      '{"type":"resize","cols":1.5,"rows":24}',
      '{"type":"resize","cols":80,"rows":24.25}',
    ];
    for (const text of bad) writer.sendText(text);
    await writer.until(
      () => errors(writer.texts).length === bad.length && true,
      "an error for each",
    );
    expect(errors(writer.texts).map((e) => [e.code, e.message])).toEqual([
      ["bad_size", 'cols: expected an integer from 2 to 1000, got the string "80"'],
      ["bad_size", "cols: expected an integer from 2 to 1000, got null"],
      ["bad_message", "rows: required, expected an integer from 1 to 500"],
      ["bad_size", "cols: expected an integer from 2 to 1000, got -Infinity"],
      ["bad_size", "cols: expected an integer from 2 to 1000, got 1.5"],
      ["bad_size", "rows: expected an integer from 1 to 500, got 24.25"],
    ]);
    expect(s.runner.texts.some((m) => m.type === "resize")).toBe(false);
    expect(writer.closed).toBeNull();
    writer.sendText({ type: "resize", cols: 81, rows: 25 });
    expect(await s.runner.message("resize")).toMatchObject({ cols: 81, rows: 25 });
    expect(await writer.message("resize")).toMatchObject({ cols: 81, rows: 25 });
  });
});

describe("bad input", () => {
  it("answers malformed JSON, unknown types, bad acks and wrong frame kinds with errors; the socket lives on", async () => {
    const s = await startSession();
    const writer = await connectViewer(s.id, s.writerToken);
    await writer.message("welcome");
    writer.sendText("{not json");
    writer.sendText('{"type":"launch-missiles"}');
    writer.sendText("[1,2,3]");
    writer.sendText('{"type":"ack","offset":999999}');
    writer.ws.send(new Uint8Array([0x7f, 1, 2]));
    writer.ws.send(encodeOutputFrame(0, new Uint8Array([65])));
    writer.ws.send(new Uint8Array(0));
    writer.sendText('{"type":"ack","offset":-5}');
    writer.sendText('{"type":"ack","offset":"0"}');
    writer.sendText('{"type":"signal","signal":"SIGSTOP"}');
    await writer.until(() => errors(writer.texts).length === 10 && true, "ten errors");
    expect(errors(writer.texts).map((e) => e.code)).toEqual([
      "bad_message",
      "bad_message",
      "bad_message",
      "bad_ack",
      "bad_frame",
      "bad_frame",
      "bad_frame",
      "bad_message",
      "bad_message",
      "bad_message",
    ]);
    expect(errors(writer.texts).map((e) => e.message)).toEqual([
      "control message is not valid JSON",
      'type: expected one of "resize", "signal", "ack", "token", "host-ping", got the string "launch-missiles"',
      "control message must be a JSON object",
      expect.stringContaining("ack 999999 is outside what was sent"),
      expect.any(String),
      expect.any(String),
      expect.any(String),
      "offset: expected a non-negative integer, got -5",
      'offset: expected a non-negative integer, got the string "0"',
      'signal: expected one of "SIGINT", "SIGTERM", "SIGKILL", "SIGHUP", "SIGQUIT", got the string "SIGSTOP"',
    ]);
    expect(writer.closed).toBeNull();
    await runnerWrite(s.runner, 0, "still alive");
    autoAck(writer);
    await writer.until(() => writer.text() === "still alive", "output after the bad input");
  });

  it("refuses an input frame over 64 KiB with 1009 and writes nothing of it", async () => {
    const s = await startSession();
    const writer = await connectViewer(s.id, s.writerToken);
    const bystander = await connectViewer(s.id, s.viewerToken);
    await writer.message("welcome");
    await bystander.message("welcome");
    writer.ws.send(encodeInputFrame(new Uint8Array(64 * 1024 + 1).fill(120)));
    expect((await writer.closedWith()).code).toBe(CloseCode.MESSAGE_TOO_BIG);
    const exact = await connectViewer(s.id, s.writerToken);
    await exact.message("welcome");
    exact.ws.send(encodeInputFrame(new Uint8Array(64 * 1024).fill(121)));
    await s.runner.until(() => s.runner.inputs.length > 0, "the 64 KiB input");
    expect(s.runner.inputs.map((b) => b.byteLength)).toEqual([64 * 1024]);
    expect(s.runner.inputs[0]!.every((b) => b === 121)).toBe(true);
    expect(bystander.closed).toBeNull();
  });

  it("refuses an oversized control message with 1009 before reading it; the session takes the next socket", async () => {
    const s = await startSession();
    const writer = await connectViewer(s.id, s.writerToken);
    await writer.message("welcome");
    writer.sendText(JSON.stringify({ type: "resize", cols: 80, rows: 24, pad: "x".repeat(9000) }));
    expect(await writer.closedWith()).toEqual({
      code: CloseCode.MESSAGE_TOO_BIG,
      reason: "control messages are limited to 8192 bytes",
    });
    expect(s.runner.texts.some((m) => m.type === "resize")).toBe(false);
    const again = await connectViewer(s.id, s.writerToken);
    await again.message("welcome");
    again.sendText({ type: "resize", cols: 90, rows: 30 });
    expect(await s.runner.message("resize")).toMatchObject({ cols: 90, rows: 30 });
  });

  it("closes a socket that floods tiny frames with 4009, and the others go on unharmed", async () => {
    const s = await startSession();
    const flooder = await connectViewer(s.id, s.writerToken);
    const other = await connectViewer(s.id, s.viewerToken);
    autoAck(other);
    await flooder.message("welcome");
    await other.message("live");
    for (let i = 0; i < 5000 && flooder.ws.readyState === WebSocket.OPEN; i++)
      flooder.sendText('{"type":"ack","offset":0}');
    expect((await flooder.closedWith(10_000)).code).toBe(CloseCode.RATE_LIMITED);
    await runnerWrite(s.runner, 0, "after the flood");
    await other.until(() => other.text() === "after the flood", "output for the other viewer");
    expect(other.closed).toBeNull();
  });

  it("counts a flood spread over several sockets of one link against that link, and drops what a closed socket still sends", async () => {
    const s = await startSession();
    const sockets = [];
    for (let i = 0; i < 4; i++) {
      const peer = await connectViewer(s.id, s.viewerToken);
      await peer.message("welcome");
      sockets.push(peer);
    }
    const writer = await connectViewer(s.id, s.writerToken);
    autoAck(writer);
    await writer.message("live");
    // 4 × 1500 messages: each socket alone stays under the 2000 burst, the link does not.
    for (let i = 0; i < 1500; i++) {
      for (const peer of sockets) {
        if (peer.ws.readyState === WebSocket.OPEN) peer.sendText('{"type":"ack","offset":0}');
      }
    }
    const codes = await Promise.all(sockets.map((peer) => peer.closedWith(10_000)));
    expect(codes.map((c) => c.code)).toEqual(Array(4).fill(CloseCode.RATE_LIMITED));
    await runnerWrite(s.runner, 0, "after the flood");
    await writer.until(() => writer.text() === "after the flood", "output for the writer");
    expect(writer.closed).toBeNull();
  });
});

describe("automatic terminal replies", () => {
  it("reach the shell from one writer only, so a query gets one answer however many writers there are", async () => {
    const s = await startSession();
    const first = await connectViewer(s.id, s.writerToken);
    await first.message("welcome");
    await new Promise((r) => setTimeout(r, 5));
    const second = await connectViewer(s.id, s.writerToken);
    const viewer = await connectViewer(s.id, s.viewerToken);
    await second.message("welcome");
    await viewer.message("welcome");
    const reply = new TextEncoder().encode("\x1b[12;1R");
    for (const peer of [second, viewer, first])
      peer.ws.send(encodeInputFrame(reply, FrameKind.REPLY));
    first.ws.send(encodeInputFrame(new TextEncoder().encode("typed")));
    await s.runner.until(() => s.runner.inputs.length >= 2, "the reply and the keystrokes");
    expect(s.runner.inputs.map((b) => new TextDecoder().decode(b))).toEqual([
      "\x1b[12;1R",
      "typed",
    ]);
    expect(second.texts.filter((m) => m.type === "error")).toEqual([]);
  });
});
