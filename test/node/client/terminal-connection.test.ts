/** The viewer's protocol over a real socket: resume, dedup, gaps, keyframes, acks, close codes, roles, latency. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CloseCode,
  decodeBinaryFrame,
  FrameKind,
  MAX_INPUT_FRAME_BYTES,
  VIEWER_ACK_INTERVAL_BYTES,
} from "../../../protocol/index.ts";
import {
  describeStatus,
  type ConnectionSnapshot,
} from "../../../client/src/connection/connection-status.ts";
import {
  TerminalConnection,
  type ConnectionNotice,
  type KeyframeChunk,
  type OutputChunk,
  type ReconnectTiming,
} from "../../../client/src/connection/terminal-connection.ts";
import type { TerminalSize } from "../../../protocol/index.ts";
import { waitFor } from "../../harness/wait.ts";
import { FakeViewerServer, type ViewerPeer } from "./fake-viewer-server.ts";

const FAST: Partial<ReconnectTiming> = {
  minReconnectionDelay: 20,
  maxReconnectionDelay: 50,
  minUptime: 50,
};
const decoder = new TextDecoder();

interface Seen {
  text: string;
  chunks: OutputChunk[];
  keyframes: KeyframeChunk[];
  /** "keyframe@offset" and "output@offset", in the order they were emitted. */
  order: string[];
  states: ConnectionSnapshot[];
  notices: ConnectionNotice[];
  sizes: TerminalSize[];
  latencies: number[];
}

let server: FakeViewerServer;
let connection: TerminalConnection | null = null;

beforeEach(async () => {
  server = await FakeViewerServer.start();
});

afterEach(async () => {
  connection?.close();
  connection = null;
  await server.stop();
});

function connect(
  options: {
    token?: string;
    reconnect?: Partial<ReconnectTiming>;
    probeMs?: number;
    hostProbeMs?: number;
    ackAsProcessed?: boolean;
    getToken?: () => Promise<string>;
  } = {},
) {
  const c = new TerminalConnection({
    server: server.origin,
    sessionId: "s1",
    token: options.token ?? "join-token",
    getToken: options.getToken,
    reconnect: options.reconnect ?? FAST,
    probe: { intervalMs: options.probeMs ?? 60_000, silentAfterProbes: 3 },
    hostProbe: { intervalMs: options.hostProbeMs ?? 60_000, silentAfterProbes: 3 },
  });
  const seen: Seen = {
    text: "",
    chunks: [],
    keyframes: [],
    order: [],
    states: [],
    notices: [],
    sizes: [],
    latencies: [],
  };
  c.on("output", (chunk) => {
    seen.chunks.push(chunk);
    seen.order.push(`output@${chunk.offset}`);
    seen.text += decoder.decode(chunk.data);
    // Stands in for xterm's write callback.
    if (options.ackAsProcessed !== false) c.acknowledge(chunk.offset + chunk.data.byteLength);
  });
  c.on("keyframe", (keyframe) => {
    // Copied: the data is a view into the socket's message.
    seen.keyframes.push({ ...keyframe, data: keyframe.data.slice() });
    seen.order.push(`keyframe@${keyframe.offset}`);
    // The writer reports a keyframe processed at its offset.
    if (options.ackAsProcessed !== false) c.acknowledge(keyframe.offset);
  });
  c.on("command", (command) => seen.order.push(`command#${command.number}@${command.end}`));
  c.on("state", (s) => seen.states.push(s));
  c.on("notice", (n) => seen.notices.push(n));
  c.on("resize", (s) => seen.sizes.push(s));
  c.on("latency", (ms) => seen.latencies.push(ms));
  c.start();
  connection = c;
  return { c, seen };
}

async function live(
  peer: ViewerPeer,
  c: TerminalConnection,
  options: Parameters<ViewerPeer["welcome"]>[0] = {},
) {
  peer.welcome(options);
  peer.send({ type: "live", offset: options.end ?? 0 });
  await waitFor(() => c.snapshot.phase === "live", { what: "live" });
}

function acks(peer: ViewerPeer): number[] {
  return peer.messages.filter((m) => m.type === "ack").map((m) => m.offset as number);
}

describe("joining", () => {
  it("joins the named session with its token as a subprotocol and asks for offset 0", async () => {
    connect({ token: "tok.abc" });
    const peer = await server.peer(1);
    expect(peer.url.pathname).toBe("/api/sessions/s1/connect");
    expect(peer.token).toBe("tok.abc");
    expect(peer.offset).toBe(0);
  });

  it("replays history, then goes live, handing over output in order and marking live frames", async () => {
    const { c, seen } = connect();
    const peer = await server.peer(1);
    peer.welcome({ end: 6 });
    peer.output(0, "hello ");
    await waitFor(() => c.snapshot.phase === "replaying" && seen.text === "hello ", {
      what: "replay",
    });
    peer.send({ type: "live", offset: 6 });
    peer.output(6, "world");
    await waitFor(() => seen.text === "hello world", { what: "live output" });
    expect(seen.chunks.map((chunk) => chunk.live)).toEqual([false, true]);
    expect(seen.states.map((s) => s.phase)).toEqual(expect.arrayContaining(["replaying", "live"]));
    expect(describeStatus(c.snapshot).kind).toBe("live");
  });
});

describe("resuming", () => {
  it("after a dropped link it resumes from the end of what it showed and drops bytes it already has", async () => {
    const { c, seen } = connect();
    const first = await server.peer(1);
    await live(first, c);
    first.output(0, "abcdef");
    await waitFor(() => seen.text === "abcdef");
    first.close(1001, "going away");
    await waitFor(() => c.snapshot.phase === "reconnecting", { what: "reconnecting" });

    const second = await server.peer(2);
    expect(second.offset).toBe(6);
    second.welcome({ end: 8, replayFrom: 4 });
    second.output(4, "efgh"); // overlaps "ef"
    second.output(2, "cd"); // entirely old
    second.send({ type: "live", offset: 8 });
    await waitFor(() => c.snapshot.phase === "live");
    expect(seen.text).toBe("abcdefgh");
    expect(c.offset).toBe(8);
  });

  it("a frame that skips bytes without history-trimmed makes it reconnect from its own offset", async () => {
    const { c, seen } = connect();
    const first = await server.peer(1);
    await live(first, c);
    first.output(0, "abc");
    first.output(10, "xyz");
    const second = await server.peer(2);
    expect(second.offset).toBe(3);
    expect(seen.text).toBe("abc");
    expect(seen.notices.map((n) => n.code)).toContain("output_gap");
  });

  it("after history-trimmed it accepts the jump and says how many bytes were lost", async () => {
    const { c, seen } = connect();
    const first = await server.peer(1);
    await live(first, c);
    first.output(0, "abc");
    await waitFor(() => seen.text === "abc");
    first.close(1001);

    const second = await server.peer(2);
    expect(second.offset).toBe(3);
    second.welcome({ start: 100, end: 103, replayFrom: 100 });
    second.send({ type: "history-trimmed", requested: 3, start: 100 });
    second.output(100, "xyz");
    second.send({ type: "live", offset: 103 });
    await waitFor(() => seen.text === "abcxyz", { what: "output after the trim" });
    const trimmed = seen.notices.find((n) => n.code === "history_trimmed");
    expect(trimmed?.level).toBe("warning");
    expect(trimmed?.text).toContain("97 bytes");
    expect(c.offset).toBe(103);
  });

  it("RESUME_REQUIRED reconnects at once from the current offset, without the back-off wait", async () => {
    const { c, seen } = connect({
      reconnect: { minReconnectionDelay: 10_000, maxReconnectionDelay: 10_000, minUptime: 50 },
    });
    const first = await server.peer(1);
    await live(first, c);
    first.output(0, "12345");
    await waitFor(() => seen.text === "12345");
    const closedAt = performance.now();
    first.close(CloseCode.RESUME_REQUIRED, "fell behind");
    const second = await server.peer(2);
    expect(performance.now() - closedAt).toBeLessThan(2_000);
    expect(second.offset).toBe(5);
  });
});

describe("keyframes", () => {
  const SCREEN = "\x1b[?1049h\x1b[2;3Hrebuilt";

  it("a late joiner gets the announced keyframe before the output from its offset, then resumes after that output", async () => {
    const { c, seen } = connect();
    const first = await server.peer(1);
    expect(first.offset).toBe(0);
    first.welcome({ start: 4096, end: 5006, keyframe: { offset: 5000, cols: 100, rows: 30 } });
    first.keyframe(5000, 100, 30, SCREEN);
    first.output(5000, "tail!!");
    first.send({ type: "live", offset: 5006 });
    await waitFor(() => c.snapshot.phase === "live", { what: "live" });
    expect(seen.order).toEqual(["keyframe@5000", "output@5000"]);
    expect(seen.keyframes).toHaveLength(1);
    const [keyframe] = seen.keyframes;
    expect({ ...keyframe, data: decoder.decode(keyframe!.data) }).toEqual({
      offset: 5000,
      cols: 100,
      rows: 30,
      data: SCREEN,
    });
    expect(seen.text).toBe("tail!!");
    expect(c.offset).toBe(5006);
    // Nothing was lost from the viewer's point of view: no trim notice.
    expect(seen.notices).toEqual([]);

    // The same keyframe again on this socket is not announced any more: refused.
    first.keyframe(5000, 100, 30, SCREEN);
    await waitFor(() => seen.notices.length === 1, { what: "a notice" });
    expect(seen.notices[0]!.code).toBe("unexpected_keyframe");
    expect(seen.keyframes).toHaveLength(1);

    first.close(1001);
    const second = await server.peer(2);
    expect(second.offset).toBe(5006);
  });

  const mismatches: [string, { offset: number; cols: number; rows: number } | null][] = [
    ["not announced", null],
    ["another offset", { offset: 4000, cols: 100, rows: 30 }],
    ["another width", { offset: 5000, cols: 80, rows: 30 }],
    ["another height", { offset: 5000, cols: 100, rows: 24 }],
  ];
  for (const [name, announced] of mismatches) {
    it(`a keyframe unlike the announced one (${name}) is ignored with a notice, and the output after it resumes from the viewer's own offset`, async () => {
      const { c, seen } = connect();
      const first = await server.peer(1);
      first.welcome(
        announced ? { start: 4096, end: 5006, keyframe: announced } : { start: 0, end: 0 },
      );
      first.keyframe(5000, 100, 30, SCREEN);
      await waitFor(() => seen.notices.length === 1, { what: "a notice" });
      expect(seen.notices[0]).toMatchObject({ level: "warning", code: "unexpected_keyframe" });
      expect(seen.notices[0]!.text).toContain("5000");
      expect(seen.keyframes).toEqual([]);
      expect(c.offset).toBe(0);
      // Output from the keyframe's offset is now a gap: the viewer resumes from what it has.
      first.output(5000, "tail!!");
      const second = await server.peer(2);
      expect(second.offset).toBe(0);
      expect(seen.text).toBe("");
    });
  }

  it("the announced keyframe is refused after output on the same socket: it would rewind the screen", async () => {
    const { seen } = connect();
    const first = await server.peer(1);
    first.welcome({ start: 0, end: 5006, keyframe: { offset: 5000, cols: 100, rows: 30 } });
    first.output(0, "abc");
    first.keyframe(5000, 100, 30, SCREEN);
    await waitFor(() => seen.notices.length === 1, { what: "a notice" });
    expect(seen.notices[0]!.code).toBe("unexpected_keyframe");
    expect(seen.order).toEqual(["output@0"]);
  });

  it("a socket lost between the welcome and its keyframe resumes from the old offset, not the keyframe's", async () => {
    const { c, seen } = connect();
    const first = await server.peer(1);
    await live(first, c, { end: 3 });
    first.output(0, "abc");
    await waitFor(() => seen.text === "abc");
    first.close(1001);
    const second = await server.peer(2);
    expect(second.offset).toBe(3);
    second.welcome({ start: 4096, end: 5006, keyframe: { offset: 5000, cols: 100, rows: 30 } });
    await waitFor(() => c.snapshot.phase === "replaying", { what: "replaying" });
    second.close(1001);
    const third = await server.peer(3);
    expect(third.offset).toBe(3);
    expect(seen.keyframes).toEqual([]);
  });

  it("acks count the keyframe as everything before its offset: the first ack comes 256 KiB of output after it", async () => {
    const { c, seen } = connect({ ackAsProcessed: false });
    const peer = await server.peer(1);
    const K = 3_000_000;
    const frame = new Uint8Array(200 * 1024).fill(0x61);
    peer.welcome({
      start: K - 100,
      end: K + 3 * frame.byteLength,
      keyframe: { offset: K, cols: 80, rows: 24 },
    });
    peer.keyframe(K, 80, 24, SCREEN);
    for (let i = 0; i < 3; i++) peer.output(K + i * frame.byteLength, frame);
    await waitFor(() => seen.chunks.length === 3, { what: "three frames" });
    expect(seen.chunks.map((chunk) => chunk.offset)).toEqual([
      K,
      K + frame.byteLength,
      K + 2 * frame.byteLength,
    ]);
    c.acknowledge(K); // the keyframe: nothing new for the session, which replays from K
    c.acknowledge(K + frame.byteLength); // 200 KiB after it: below the step
    c.acknowledge(K + 2 * frame.byteLength); // 400 KiB: one ack
    await waitFor(() => acks(peer).length === 1, { what: "one ack" });
    expect(acks(peer)).toEqual([K + 2 * frame.byteLength]);
    expect(c.offset).toBe(K + 3 * frame.byteLength);
  });
});

describe("acknowledging", () => {
  it("acknowledges every 256 KiB of processed output, and nothing it has not processed", async () => {
    const { c, seen } = connect({ ackAsProcessed: false });
    const peer = await server.peer(1);
    const frame = new Uint8Array(200 * 1024).fill(0x61);
    peer.welcome({ end: 3 * frame.byteLength });
    for (let i = 0; i < 3; i++) peer.output(i * frame.byteLength, frame);
    await waitFor(() => seen.chunks.length === 3, { what: "three frames" });
    expect(acks(peer)).toEqual([]); // Received is not processed.

    c.acknowledge(frame.byteLength);
    c.acknowledge(2 * frame.byteLength); // 400 KiB: past the first 256 KiB step
    c.acknowledge(3 * frame.byteLength); // only 200 KiB more: no ack yet
    c.acknowledge(10 * frame.byteLength); // more than was ever sent: clamped, still below the step
    await waitFor(() => acks(peer).length === 1, { what: "one ack" });
    expect(acks(peer)).toEqual([2 * frame.byteLength]);
    expect(2 * frame.byteLength).toBeGreaterThanOrEqual(VIEWER_ACK_INTERVAL_BYTES);
  });
});

describe("close codes", () => {
  it("a fatal close code stops reconnecting and is explained in words", async () => {
    const { c } = connect();
    const peer = await server.peer(1);
    peer.close(CloseCode.UNAUTHORIZED, "token expired");
    await waitFor(() => c.snapshot.phase === "failed", { what: "failed" });
    const status = describeStatus(c.snapshot);
    expect(status.kind).toBe("fatal");
    expect(status.detail?.toLowerCase()).toContain("the token is missing, wrong or expired");
    expect(status.detail).toContain("token expired");
    // Reconnects would come within 20–50 ms; ten times that shows none is coming.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(server.peers).toHaveLength(1);
  });

  it("an ended session shows as ended, not as an error", async () => {
    const { c } = connect();
    const peer = await server.peer(1);
    peer.close(CloseCode.SESSION_ENDED, "session ended: idle for too long");
    await waitFor(() => c.snapshot.phase === "failed");
    expect(describeStatus(c.snapshot)).toMatchObject({ kind: "ended", label: "Session ended" });
  });

  it("a new token after an unauthorized close reconnects at once", async () => {
    const { c } = connect({ token: "old" });
    (await server.peer(1)).close(CloseCode.UNAUTHORIZED, "expired");
    await waitFor(() => c.snapshot.phase === "failed");
    c.setToken("fresh");
    const second = await server.peer(2);
    expect(second.token).toBe("fresh");
  });
});

/** An edge-shaped join token (jt1) that expires `seconds` from now; the client only reads `e`. */
function tokenExpiringIn(seconds: number, tag: string): string {
  const payload = Buffer.from(
    JSON.stringify({ s: "s1", r: "writer", e: Math.floor(Date.now() / 1000) + seconds }),
  ).toString("base64url");
  return `jt1.${payload}.${tag}`;
}

describe("token renewal", () => {
  it("with a provider, sends a fresh token over the open socket before the current one expires", async () => {
    const fresh = tokenExpiringIn(3600, "fresh");
    const { c } = connect({ token: tokenExpiringIn(1, "old"), getToken: async () => fresh });
    const peer = await server.peer(1);
    await live(peer, c);
    await waitFor(() => peer.messages.find((m) => m.type === "token"), {
      what: "a token message",
    });
    expect(peer.messages.find((m) => m.type === "token")).toEqual({ type: "token", token: fresh });
    peer.send({ type: "token-renewed", expiresAt: Math.floor(Date.now() / 1000) + 3600 });
    expect(server.peers).toHaveLength(1);
    expect(c.snapshot.phase).toBe("live");
  });

  it("with a provider, an unauthorized close is answered with a fresh token and a reconnect", async () => {
    const fresh = tokenExpiringIn(3600, "fresh");
    const { c, seen } = connect({
      token: tokenExpiringIn(3600, "old"),
      getToken: async () => fresh,
    });
    const first = await server.peer(1);
    await live(first, c);
    first.close(CloseCode.UNAUTHORIZED, "join token expired; reconnect with a new one");
    const second = await server.peer(2);
    expect(second.token).toBe(fresh);
    expect(seen.states.some((s) => s.phase === "failed")).toBe(false);
  });

  it("a token set from outside (mountTerminal's update) goes over the open socket and is offered by the next connection", async () => {
    const { c } = connect({ token: "old" });
    const first = await server.peer(1);
    await live(first, c);
    c.setToken("from-outside");
    await waitFor(() => first.messages.find((m) => m.type === "token"), {
      what: "a token message",
    });
    expect(first.messages.filter((m) => m.type === "token")).toEqual([
      { type: "token", token: "from-outside" },
    ]);
    first.close(1011, "restarting");
    const second = await server.peer(2);
    expect(second.token).toBe("from-outside");
  });

  it("without a provider, an expired token's close is final and says so", async () => {
    const { c } = connect({ token: tokenExpiringIn(3600, "old") });
    (await server.peer(1)).close(CloseCode.UNAUTHORIZED, "join token expired");
    await waitFor(() => c.snapshot.phase === "failed");
    expect(c.snapshot.closeReason).toBe("join token expired");
  });
});

describe("roles", () => {
  it("a viewer never sends input or resizes, and follows the session's size", async () => {
    const { c, seen } = connect();
    const peer = await server.peer(1);
    await live(peer, c, { role: "viewer" });
    expect(c.sendInput("rm -rf /\r")).toBe(false);
    expect(c.resize(120, 40)).toBe(false);
    peer.send({ type: "resize", cols: 100, rows: 30 });
    await waitFor(() => seen.sizes.length === 2, { what: "two sizes" });
    expect(seen.sizes).toEqual([
      { cols: 80, rows: 24 },
      { cols: 100, rows: 30 },
    ]);
    expect(peer.frames).toHaveLength(0);
    expect(peer.messages.filter((m) => m.type === "resize")).toHaveLength(0);
    expect(describeStatus(c.snapshot).kind).toBe("live");
    expect(c.snapshot.role).toBe("viewer");
  });

  it("a writer's paste is split into input frames of at most 64 KiB, in order", async () => {
    const { c } = connect();
    const peer = await server.peer(1);
    await live(peer, c, { role: "writer" });
    const paste = "x".repeat(200 * 1024 - 1) + "\r";
    expect(c.sendInput(paste)).toBe(true);
    await waitFor(() => peer.frames.length === 4, { what: "four input frames" });
    const payloads = peer.frames.map((frame) => {
      const decoded = decodeBinaryFrame(frame);
      if (!decoded.ok || decoded.frame.kind !== FrameKind.INPUT)
        throw new Error("not an input frame");
      return decoded.frame.data;
    });
    expect(payloads.map((p) => p.byteLength)).toEqual([
      MAX_INPUT_FRAME_BYTES,
      MAX_INPUT_FRAME_BYTES,
      MAX_INPUT_FRAME_BYTES,
      200 * 1024 - 3 * MAX_INPUT_FRAME_BYTES,
    ]);
    expect(payloads.map((p) => decoder.decode(p)).join("")).toBe(paste);
  });

  it("a writer sends its automatic answers as REPLY frames and its keystrokes as INPUT frames", async () => {
    const { c } = connect();
    const peer = await server.peer(1);
    await live(peer, c, { role: "writer" });
    expect(c.sendInput("ls\r")).toBe(true);
    expect(c.sendReply("\x1b[5;1R")).toBe(true);
    await waitFor(() => peer.frames.length === 2, { what: "two frames" });
    const frames = peer.frames.map((frame) => {
      const decoded = decodeBinaryFrame(frame);
      if (!decoded.ok || decoded.frame.kind === FrameKind.OUTPUT) throw new Error("bad frame");
      return { kind: decoded.frame.kind, text: decoder.decode(decoded.frame.data) };
    });
    expect(frames).toEqual([
      { kind: FrameKind.INPUT, text: "ls\r" },
      { kind: FrameKind.REPLY, text: "\x1b[5;1R" },
    ]);
  });

  it("a viewer sends no automatic answers, and an answer that cannot go out is dropped without a notice", async () => {
    const { c, seen } = connect();
    expect(c.sendReply("\x1b[1;1R")).toBe(false); // before the welcome
    const peer = await server.peer(1);
    await live(peer, c, { role: "viewer" });
    expect(c.sendReply("\x1b[1;1R")).toBe(false);
    expect(peer.frames).toHaveLength(0);
    expect(seen.notices).toEqual([]);
  });

  it("a paste larger than 4 MiB is refused with a notice", async () => {
    const { c, seen } = connect();
    const peer = await server.peer(1);
    await live(peer, c, { role: "writer" });
    expect(c.sendInput(new Uint8Array(5 * 1024 * 1024))).toBe(false);
    expect(seen.notices.map((n) => n.code)).toContain("paste_too_big");
    expect(peer.frames).toHaveLength(0);
  });

  it("a writer claims what its panel fits when welcomed, and again after a reconnect, but shows the size the session announces", async () => {
    const { c, seen } = connect();
    c.resize(120, 40);
    const first = await server.peer(1);
    await live(first, c, { role: "writer" });
    await waitFor(() => first.messages.some((m) => m.type === "resize"));
    expect(first.messages.find((m) => m.type === "resize")).toEqual({
      type: "resize",
      cols: 120,
      rows: 40,
    });
    // The session decides (the smallest writer's size): until it says, the terminal keeps its size.
    expect(seen.sizes).toEqual([{ cols: 80, rows: 24 }]);
    first.send({ type: "resize", cols: 100, rows: 40 });
    await waitFor(() => seen.sizes.length === 2, { what: "the session's size" });
    expect(seen.sizes.at(-1)).toEqual({ cols: 100, rows: 40 });
    // The same size is not claimed twice on one socket.
    c.resize(120, 40);
    expect(first.messages.filter((m) => m.type === "resize")).toHaveLength(1);
    first.close(1001);
    const second = await server.peer(2);
    await live(second, c, { role: "writer" });
    await waitFor(() => second.messages.some((m) => m.type === "resize"), {
      what: "resize on the new socket",
    });
  });
});

describe("session news and latency", () => {
  it("shows the runner going offline, then the exit status", async () => {
    const { c } = connect();
    const peer = await server.peer(1);
    await live(peer, c);
    peer.send({ type: "runner", state: "offline" });
    await waitFor(() => describeStatus(c.snapshot).kind === "runner-offline", {
      what: "runner offline",
    });
    peer.send({ type: "exit", exit: { code: 3, signal: null }, offset: 0 });
    await waitFor(() => describeStatus(c.snapshot).kind === "exited", { what: "exited" });
    expect(describeStatus(c.snapshot).label).toBe("Exited (code 3)");
  });

  it("hands over the session's command records in order with the output around them, and ignores a malformed one", async () => {
    const { c, seen } = connect();
    const peer = await server.peer(1);
    await live(peer, c);
    const record = {
      number: 1,
      text: "read x",
      cwd: "/",
      source: { kind: "writer" as const },
      start: 2,
      end: null,
      startedAt: "2026-12-02T00:00:00.000Z",
      endedAt: null,
      exitCode: null,
    };
    peer.output(0, "$ ");
    peer.send({ type: "command", command: record });
    peer.output(2, "y\r\n");
    peer.send({ type: "command", command: { ...record, number: 0, end: 5 } });
    peer.send({ type: "command", command: { ...record, end: 5, exitCode: 0 } });
    peer.output(5, "$ ");
    await waitFor(() => seen.text === "$ y\r\n$ ", { what: "the output" });
    expect(seen.order).toEqual([
      "output@0",
      "command#1@null",
      "output@2",
      "command#1@5",
      "output@5",
    ]);
  });

  it("measures the round trip of heartbeats", async () => {
    const { c, seen } = connect({ probeMs: 30 });
    const peer = await server.peer(1);
    await live(peer, c);
    await waitFor(() => seen.latencies.length >= 2, { what: "two round trips" });
    expect(c.snapshot.latencyMs).toBeTypeOf("number");
    expect(peer.heartbeats).toBeGreaterThanOrEqual(2);
  });

  it("pings the shell's host and shows the round trip only when the host answered", async () => {
    const { c } = connect({ hostProbeMs: 30, probeMs: 30 });
    const peer = await server.peer(1);
    await live(peer, c);
    const ping = await waitFor(() => peer.messages.find((m) => m.type === "host-ping"), {
      what: "a host ping",
    });
    peer.send({ type: "host-pong", id: ping.id as number, from: "host" });
    await waitFor(() => c.snapshot.hostLatencyMs !== null, { what: "a host round trip" });
    expect(describeStatus(c.snapshot).kind).toBe("live");
    // The runner left meanwhile: the session answers for it, and there is no round trip to show.
    const pings = () => peer.messages.filter((m) => m.type === "host-ping");
    const later = await waitFor(() => pings().find((m) => m.id !== ping.id), {
      what: "another ping",
    });
    peer.send({ type: "host-pong", id: later.id as number, from: "session" });
    await waitFor(() => c.snapshot.hostLatencyMs === null, { what: "no host round trip" });
    // With no runner connected there is no host to ping: nothing more goes out.
    peer.send({ type: "runner", state: "offline" });
    await waitFor(() => c.snapshot.runner === "offline", { what: "runner offline" });
    const sent = pings().length;
    // The edge heartbeat keeps the same 30 ms beat: four more of them is time for four pings.
    const beats = peer.heartbeats;
    await waitFor(() => peer.heartbeats >= beats + 4, { what: "four more heartbeats" });
    expect(pings().length).toBeLessThanOrEqual(sent + 1);
    expect(describeStatus(c.snapshot).label).toBe("Host offline");
  });

  it("says the host is not responding when its pings go unanswered, refuses keys meanwhile, and is live again once it answers", async () => {
    const { c, seen } = connect({ hostProbeMs: 30 });
    const peer = await server.peer(1);
    await live(peer, c, { role: "writer" });
    const first = await waitFor(() => peer.messages.find((m) => m.type === "host-ping"), {
      what: "a host ping",
    });
    peer.send({ type: "host-pong", id: first.id as number, from: "host" });
    await waitFor(() => c.snapshot.hostLatencyMs !== null, { what: "a round trip" });
    // From now on nothing is answered, while the edge link stays up.
    await waitFor(() => c.snapshot.hostSilent, { what: "host silent", timeoutMs: 5000 });
    expect(describeStatus(c.snapshot)).toMatchObject({
      kind: "runner-unresponsive",
      label: "Host not responding",
    });
    expect(c.snapshot.hostLatencyMs).toBeNull();
    expect(c.snapshot.phase).toBe("live");
    expect(c.sendInput("ls\r")).toBe(false);
    expect(seen.notices.at(-1)).toMatchObject({ code: "host_not_responding" });
    expect(peer.frames).toHaveLength(0);
    // The host answers the newest ping (after all the older ones): live again, with a round trip.
    const newest = peer.messages.filter((m) => m.type === "host-ping").at(-1)!;
    peer.send({ type: "host-pong", id: newest.id as number, from: "host" });
    await waitFor(() => !c.snapshot.hostSilent && c.snapshot.hostLatencyMs !== null, {
      what: "answered again",
    });
    expect(describeStatus(c.snapshot).kind).toBe("live");
    expect(c.sendInput("ls\r")).toBe(true);
  });

  it("a link whose heartbeats go unanswered is dropped and reopened", async () => {
    server.answerHeartbeats = false;
    const { c } = connect({ probeMs: 30 });
    const first = await server.peer(1);
    await live(first, c);
    const second = await server.peer(2);
    expect(second.offset).toBe(0);
  });
});
