/** Keyframes end to end (real runner, real workerd, 64 KiB history cap): a late joiner of vim and less, after the program's start was trimmed and after a resize, builds exactly the screen of a viewer that watched from byte 0; read_output shows it too. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FrameKind, decodeBinaryFrame } from "../../../protocol/index.ts";
import {
  createHeadlessTerminal,
  type HeadlessTerminal,
} from "../../../pty-runner/keyframes/headless-terminal.ts";
import { startStack, type Stack } from "../../harness/edge-stack.ts";
import { keyframeOffered } from "../../harness/keyframe-offer.ts";
import { playText } from "../../harness/keyframe-replay.ts";
import { NodeViewer } from "../../harness/node-viewer.ts";
import { firstDifference, visibleText } from "../../harness/terminal-compare.ts";

const SCROLLBACK = 1000;
let stack: Stack;
let dir: string;

beforeAll(async () => {
  stack = await startStack({ vars: { HISTORY_CAP_BYTES: "65536" } });
  dir = mkdtempSync(join(tmpdir(), "webterm-keyframe-"));
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A viewer from byte 0 whose terminal gets every frame and resize in the order they arrived. */
function watch(id: string, token: string): { viewer: NodeViewer; terminal: HeadlessTerminal } {
  const viewer = NodeViewer.join(stack.url, id, token);
  const terminal = createHeadlessTerminal({ cols: 100, rows: 30, scrollback: SCROLLBACK });
  viewer.ws.addEventListener("message", (event) => {
    if (typeof event.data === "string") {
      const message = JSON.parse(event.data);
      if (message.type === "resize") terminal.resize(message.cols, message.rows);
      if (message.type === "welcome") terminal.resize(message.size.cols, message.size.rows);
      return;
    }
    const decoded = decodeBinaryFrame(event.data as ArrayBuffer);
    if (decoded.ok && decoded.frame.kind === FrameKind.OUTPUT)
      playText(terminal, decoded.frame.data);
  });
  return { viewer, terminal };
}

/** What the panel does: keyframe at its size, then the session's size, then the tail. */
function joinLate(
  id: string,
  token: string,
): Promise<{ viewer: NodeViewer; terminal: HeadlessTerminal; welcome: Record<string, any> }> {
  const viewer = NodeViewer.join(stack.url, id, token);
  let terminal: HeadlessTerminal | null = null;
  let size = { cols: 0, rows: 0 };
  viewer.ws.addEventListener("message", (event) => {
    if (typeof event.data === "string") {
      const message = JSON.parse(event.data);
      if (message.type === "welcome") size = message.size;
      if (message.type === "resize") terminal?.resize(message.cols, message.rows);
      return;
    }
    const decoded = decodeBinaryFrame(event.data as ArrayBuffer);
    if (!decoded.ok) return;
    if (decoded.frame.kind === FrameKind.KEYFRAME) {
      const { cols, rows, data } = decoded.frame;
      terminal = createHeadlessTerminal({ cols, rows, scrollback: SCROLLBACK });
      playText(terminal, data);
      if (cols !== size.cols || rows !== size.rows) terminal.resize(size.cols, size.rows);
    } else if (decoded.frame.kind === FrameKind.OUTPUT) {
      terminal ??= createHeadlessTerminal({ ...size, scrollback: SCROLLBACK });
      playText(terminal, decoded.frame.data);
    }
  });
  return viewer.message("welcome").then(async (welcome) => {
    await viewer.message("live");
    return { viewer, terminal: terminal!, welcome };
  });
}

async function newSession(): Promise<{
  id: string;
  writer: NodeViewer;
  viewerToken: string;
  writerToken: string;
}> {
  const created = await stack.api("POST", "/api/sessions", { cols: 100, rows: 30 });
  expect(created.status).toBe(201);
  const id = created.body.session_id as string;
  const writer = NodeViewer.join(stack.url, id, created.body.writer.token);
  await writer.message("live");
  await writer.until(() => writer.text().includes("\x1b]133;B"), "the first prompt", 15_000);
  return {
    id,
    writer,
    viewerToken: created.body.viewer.token,
    writerToken: created.body.writer.token,
  };
}

/** Output enough that the history's start is trimmed (the cap is 64 KiB). */
async function flood(writer: NodeViewer): Promise<void> {
  writer.type("seq 1 40000; echo flood-$((40*1000))-done\r");
  await writer.until(() => writer.text().includes("flood-40000-done"), "the flood", 30_000);
}

async function sameEnd(a: NodeViewer, b: NodeViewer): Promise<void> {
  await a.until(
    () => a.end() === b.end() && b.end() === a.end(),
    "both viewers at the same offset",
  );
}

describe("a late joiner after the start was trimmed", () => {
  it("sees vim exactly as a viewer from byte 0 does, before and after a resize, and read_output shows that screen", async () => {
    const file = join(dir, "notes.txt");
    writeFileSync(
      file,
      Array.from({ length: 3000 }, (_, i) => `note ${i + 1}: ${"é世🙂 ".repeat(i % 5)}`).join("\n"),
    );
    const { id, writer, viewerToken } = await newSession();
    const watcher = watch(id, viewerToken);
    await watcher.viewer.message("live");
    await flood(writer);
    writer.type(`vim -u NONE -N -i NONE -n ${file}\r`);
    await writer.until(
      () => writer.text().includes("\x1b[?1049h"),
      "vim's alternate screen",
      15_000,
    );
    // Page through the file: more than the history cap, so vim's own start is trimmed away.
    writer.type("\x06".repeat(80));
    writer.type("120Gddihello keyframes\x1b");
    await writer.until(
      () => visibleText(watcher.terminal).includes("hello keyframes"),
      "the insert echoed",
      15_000,
    );
    writer.type(":set number\r");
    await writer.until(
      () => /\s+120 hello keyframes/.test(visibleText(watcher.terminal)),
      "line numbers",
      15_000,
    );

    // Keyframes are taken off the runner's output path: wait for one taken after vim started.
    const vimStart = startOf(writer, "\x1b[?1049h");
    await keyframeOffered(stack.url, id, viewerToken, (keyframe) => keyframe.offset > vimStart);
    const first = await joinLate(id, viewerToken);
    // The joiner gets no byte of vim's start: it comes from the keyframe alone.
    expect(first.welcome.history.start).toBeGreaterThan(0);
    expect(first.welcome.keyframe).not.toBeNull();
    expect(first.welcome.keyframe.offset).toBeGreaterThan(vimStart);
    expect(first.welcome.replayFrom).toBe(first.welcome.keyframe.offset);
    await sameEnd(first.viewer, watcher.viewer);
    expect(first.terminal.buffer.active.type).toBe("alternate");
    expect(firstDifference(watcher.terminal, first.terminal)).toBeNull();

    // A resize: the runner takes a keyframe at that point, vim redraws at the new size.
    writer.ws.send(JSON.stringify({ type: "resize", cols: 120, rows: 40 }));
    await writer.until(
      () => watcher.terminal.cols === 120 && watcher.terminal.rows === 40,
      "the resize",
    );
    writer.type(":echo 'after-resize'\r");
    await writer.until(
      () => visibleText(watcher.terminal).includes("after-resize"),
      "vim after the resize",
      15_000,
    );
    // The runner takes a keyframe once the size has held for 100 ms: wait for that fact (a join
    // that is offered it), then join for real.
    await keyframeOffered(
      stack.url,
      id,
      viewerToken,
      (keyframe) => keyframe.cols === 120 && keyframe.rows === 40,
    );
    const second = await joinLate(id, viewerToken);
    await sameEnd(second.viewer, watcher.viewer);
    expect(second.welcome.keyframe).toMatchObject({ cols: 120, rows: 40 });
    expect(firstDifference(watcher.terminal, second.terminal)).toBeNull();

    const read = await stack.api("POST", "/api/tools/read_output", {
      session_id: id,
      since_offset: watcher.viewer.end(),
    });
    expect(read.status).toBe(200);
    expect(read.body.screen).toBe(visibleText(watcher.terminal));
    for (const viewer of [writer, watcher.viewer, first.viewer, second.viewer]) viewer.close();
  });

  it("sees less, colours and wide characters exactly as a viewer from byte 0 does", async () => {
    const file = join(dir, "colours.txt");
    const lines = Array.from(
      { length: 3000 },
      (_, i) =>
        `\x1b[3${i % 8}m${i + 1}\x1b[0m \x1b[1;4m漢字 ${"🙂".repeat(i % 3)}\x1b[0m \x1b[48;5;${i}m bg ${i} \x1b[0m`,
    );
    writeFileSync(file, lines.join("\n"));
    const { id, writer, viewerToken } = await newSession();
    const watcher = watch(id, viewerToken);
    await watcher.viewer.message("live");
    await flood(writer);
    writer.type(`LESSHISTFILE=- less -R ${file}\r`);
    await writer.until(
      () => visibleText(watcher.terminal).includes("漢字"),
      "less showing the file",
      15_000,
    );
    // Page through: more than the history cap, so less's own start is trimmed away.
    writer.type(" ".repeat(80));
    writer.type("50g");
    await writer.until(
      () => /^50 /m.test(visibleText(watcher.terminal)),
      "less at line 50",
      15_000,
    );

    // The runner takes keyframes as the output passes each quarter of the cap, off its output
    // path: wait for the fact (a join offered one taken after less started), then join for real.
    const lessStart = startOf(writer, "\x1b[?1049h");
    await keyframeOffered(stack.url, id, viewerToken, (keyframe) => keyframe.offset > lessStart);
    const late = await joinLate(id, viewerToken);
    expect(late.welcome.keyframe).not.toBeNull();
    // The joiner gets no byte of less's start: it comes from the keyframe alone.
    expect(late.welcome.history.start).toBeGreaterThan(0);
    expect(late.welcome.keyframe.offset).toBeGreaterThan(lessStart);
    await sameEnd(late.viewer, watcher.viewer);
    expect(firstDifference(watcher.terminal, late.terminal)).toBeNull();
    writer.type("q");
    for (const viewer of [writer, watcher.viewer, late.viewer]) viewer.close();
  });
});

/** Offset of the last `marker` in everything `viewer` received from byte 0. */
function startOf(viewer: NodeViewer, marker: string): number {
  const at = Buffer.concat(viewer.frames.map((f) => f.data)).lastIndexOf(Buffer.from(marker));
  expect(at).toBeGreaterThan(0);
  return at;
}
