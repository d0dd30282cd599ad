/** Joining late in Chromium on the real stack, after the session's start was trimmed away: the page starts from a keyframe and shows what a page that watched from byte 0 shows (vim and less in the alternate screen, after resizes too). */
import type { Browser, BrowserContext, Page, WebSocketRoute } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { decodeBinaryFrame, FrameKind } from "../../protocol/index.ts";
import { DESKTOP, launchChromium, newTestContext, type Viewport } from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { mintJoinUrl, openSession } from "../harness/join-page.ts";
import { stackOffersKeyframe } from "../harness/keyframe-offer.ts";
import {
  poll,
  readProbe,
  readScreen,
  typeLine,
  waitForPanelState,
  waitForRow,
} from "../harness/terminal-page.ts";

// A small history, so a few hundred KiB of output trim the session's start.
const HISTORY_CAP_BYTES = 64 * 1024;

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];
beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startStack({ vars: { HISTORY_CAP_BYTES: String(HISTORY_CAP_BYTES) } }),
    launchChromium(),
  ]);
}, 90_000);
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** What a page's WebSockets received: control messages, and the kind and header of binary frames. */
interface Received {
  messages: { type: string; [key: string]: any }[];
  /** The first byte of every binary frame, in order (0x01 output, 0x04 keyframe). */
  kinds: number[];
  keyframes: { offset: number; cols: number; rows: number; bytes: number }[];
}

function record(received: Received, payload: string | Buffer): void {
  if (typeof payload === "string") {
    received.messages.push(JSON.parse(payload) as Received["messages"][number]);
    return;
  }
  const decoded = decodeBinaryFrame(new Uint8Array(payload));
  if (!decoded.ok) return;
  received.kinds.push(decoded.frame.kind);
  if (decoded.frame.kind === FrameKind.KEYFRAME) {
    const { offset, cols, rows, data } = decoded.frame;
    received.keyframes.push({ offset, cols, rows, bytes: data.byteLength });
  }
}

/** Opens a join link in a fresh context and waits until its terminal is live. */
async function openPage(url: string, viewport: Viewport = DESKTOP) {
  const context = await newTestContext(browser, viewport);
  contexts.push(context);
  const page = await context.newPage();
  const received: Received = { messages: [], kinds: [], keyframes: [] };
  page.on("websocket", (socket) =>
    socket.on("framereceived", ({ payload }) => record(received, payload)),
  );
  await page.goto(url);
  await waitForPanelState(page, "live");
  return { page, received };
}

/**
 * Opens a join link whose WebSockets pass through a gate: `down()` drops the open one and refuses
 * new ones until `up()`, like a network that is gone for a while. `received` starts afresh with
 * each connection.
 */
async function openGatedPage(url: string) {
  const context = await newTestContext(browser);
  contexts.push(context);
  const page = await context.newPage();
  let received: Received = { messages: [], kinds: [], keyframes: [] };
  let open: { page: WebSocketRoute; server: WebSocketRoute } | null = null;
  let isDown = false;
  await page.routeWebSocket(/\/api\/sessions\/[^/]+\/connect/, (ws) => {
    if (isDown) {
      void ws.close({ code: 4500, reason: "test: the network is down" });
      return;
    }
    received = { messages: [], kinds: [], keyframes: [] };
    const server = ws.connectToServer();
    server.onMessage((message) => {
      record(received, message);
      ws.send(message);
    });
    open = { page: ws, server };
  });
  await page.goto(url);
  await waitForPanelState(page, "live");
  return {
    page,
    received: () => received,
    down: async () => {
      isDown = true;
      const current = open;
      open = null;
      await current?.server.close({ code: 1000, reason: "test: the network is down" });
      await current?.page.close({ code: 4500, reason: "test: the network is down" });
    },
    up: () => {
      isDown = false;
    },
  };
}

/** Waits until every page has parsed all the output the session holds, and it stopped growing. */
async function settle(sessionId: string, pages: Page[]): Promise<void> {
  let previous = -1;
  await poll(
    async () => {
      const probes = await Promise.all(pages.map(readProbe));
      if (probes.some((probe) => !probe || probe.unparsedBytes > 0)) return false;
      const read = await stack.api("POST", "/api/tools/read_output", {
        session_id: sessionId,
        since_offset: probes[0]!.offset,
      });
      const end = read.body.offsets.end as number;
      const still = end === previous;
      previous = end;
      return still && probes.every((probe) => probe!.offset === end);
    },
    "every page to have parsed the session's output",
    30_000,
    250,
  );
}

/**
 * Quits vim and waits for the shell's screen: keys typed while vim is still exiting would be
 * read by vim (typeahead), not by the shell.
 */
async function quitVim(page: Page): Promise<void> {
  await page.keyboard.type(":q!");
  await page.keyboard.press("Enter");
  await poll(async () => (await readScreen(page))?.buffer === "normal", "vim to exit");
}

/** Quits less and waits for the shell's screen, for the same reason. */
async function quitLess(page: Page): Promise<void> {
  await page.keyboard.type("q");
  await poll(async () => (await readScreen(page))?.buffer === "normal", "less to exit");
}

/** Waits until the page's screen has a row containing `text`. */
async function waitForText(page: Page, text: string, timeoutMs = 15_000): Promise<void> {
  await poll(
    async () => (await readScreen(page))?.text.some((row) => row.includes(text)),
    `a row with ${JSON.stringify(text)}`,
    timeoutMs,
  ).catch(async (error: Error) => {
    throw new Error(`${error.message}\nscreen:\n${(await readScreen(page))?.text.join("\n")}`);
  });
}

/**
 * The page's screen once it shows the size its panel fits. A session starts at 80x24 and takes the
 * page's size when the page's claim (sent on its welcome) comes back as `resize`, which can be after
 * the page is live. Call it after the page processed output it typed (settle): the claim went out
 * before the typing, so its `resize` was applied before that output.
 */
async function sizedToPanel(page: Page) {
  const screen = (await readScreen(page))!;
  expect(await page.getAttribute(".terminal-panel__viewport", "data-sized-down")).toBeNull();
  expect(screen.cols).toBeGreaterThan(80);
  return screen;
}

/**
 * Fills the session with more than three history caps of output, after writing a 400-line file
 * for a pager or editor to show; resolves with the file's shell variable set in the shell.
 */
async function floodHistory(page: Page): Promise<void> {
  await typeLine(
    page,
    `f=$(mktemp); seq -f 'row %g of the file' 1 400 > "$f"; seq 1 40000; echo "done-$((40000+1))"`,
  );
  await waitForRow(page, "done-40001", 60_000);
}

/**
 * Floods the history (see floodHistory), then shrinks the writer's window. The resize makes the
 * runner take a keyframe right away, so the flood's end is inside that keyframe, not in the tail
 * after it: only the keyframe can bring the shell's screen back to a late joiner. Returns where
 * the flood ended and the size after the resize.
 */
async function floodThenResize(page: Page, sessionId: string) {
  await floodHistory(page);
  await settle(sessionId, [page]);
  const before = await sizedToPanel(page);
  const floodEnd = (await readProbe(page))!.offset;
  await page.setViewportSize({ width: 1200, height: 740 });
  await poll(
    async () => (await readScreen(page))!.cols < before.cols,
    "the writer's terminal to shrink",
  );
  await settle(sessionId, [page]);
  const size = (await readScreen(page))!;
  return { floodEnd, size: { cols: size.cols, rows: size.rows } };
}

/** Checks what the late page was sent: a welcome that announces a keyframe, then that keyframe first. */
function expectKeyframeJoin(received: Received) {
  const welcome = received.messages.find((m) => m.type === "welcome");
  expect(welcome, "a welcome").toBeDefined();
  // Offset 0 was trimmed away: the session replays from a keyframe instead of the middle.
  expect(welcome!.history.start, "history start").toBeGreaterThan(0);
  expect(welcome!.keyframe, `welcome.keyframe in ${JSON.stringify(welcome)}`).toBeTruthy();
  const keyframe = welcome!.keyframe as { offset: number; cols: number; rows: number };
  expect(welcome!.replayFrom).toBe(keyframe.offset);
  expect(received.messages.map((m) => m.type)).not.toContain("history-trimmed");
  expect(received.kinds[0], `first binary frame kinds: ${received.kinds.slice(0, 3)}`).toBe(
    FrameKind.KEYFRAME,
  );
  expect(received.keyframes).toHaveLength(1);
  expect(received.keyframes[0]).toMatchObject(keyframe);
  return received.keyframes[0]!;
}

/** Both pages show the same screen: text, cell attributes, cursor, buffer, modes and size. */
async function expectSameScreen(watcher: Page, late: Page) {
  const [expected, actual] = await Promise.all([readScreen(watcher), readScreen(late)]);
  expect(expected).not.toBeNull();
  expect(actual).toEqual(expected);
  return actual!;
}

describe("joining after the start was trimmed", () => {
  it("a late viewer starts from a keyframe and shows vim exactly as a page that watched from byte 0, then follows it back to the shell", async () => {
    const session = await openSession(stack, null);
    const watcher = await openPage(session.url);
    const { floodEnd } = await floodThenResize(watcher.page, session.sessionId);

    await typeLine(watcher.page, `vim -u NONE -N -c 'set number hlsearch' "$f"`);
    await waitForText(watcher.page, "1 row 1 of the file");
    // Search (highlighted matches: colours to compare), jump, insert a line, move up.
    await watcher.page.keyboard.type("/row 13");
    await watcher.page.keyboard.press("Enter");
    await watcher.page.keyboard.type("120Go");
    await watcher.page.keyboard.type("typed by the watcher");
    await watcher.page.keyboard.press("Escape");
    await watcher.page.keyboard.type("5k");
    await waitForText(watcher.page, "121 typed by the watcher");
    await settle(session.sessionId, [watcher.page]);

    const lateUrl = await mintJoinUrl(stack, session.sessionId, "viewer");
    // Keyframes are taken off the runner's output path: wait for one after the flood.
    await stackOffersKeyframe(stack, session.sessionId, (keyframe) => keyframe.offset >= floodEnd);
    const late = await openPage(lateUrl);
    const keyframe = expectKeyframeJoin(late.received);
    await settle(session.sessionId, [watcher.page, late.page]);
    const screen = await expectSameScreen(watcher.page, late.page);
    expect(screen.buffer).toBe("alternate");
    expect(screen.text.some((row) => row.includes("121 typed by the watcher"))).toBe(true);
    expect(keyframe.offset, "the keyframe's offset, after the flood").toBeGreaterThanOrEqual(
      floodEnd,
    );

    // Live output after the keyframe lands the same way: back to the shell's screen.
    await quitVim(watcher.page);
    await typeLine(watcher.page, `echo "back-$((6*7))"`);
    await waitForText(late.page, "back-42");
    await settle(session.sessionId, [watcher.page, late.page]);
    const shell = await expectSameScreen(watcher.page, late.page);
    expect(shell.buffer).toBe("normal");
    // The seq output above vim's command line came from the keyframe's normal buffer.
    expect(shell.text).toContain("done-40001");
  }, 180_000);

  it("after the writer's panel shrank with less open, a late viewer shows less at the new size, as the writer does", async () => {
    const session = await openSession(stack, null);
    const watcher = await openPage(session.url);
    await floodHistory(watcher.page);
    await settle(session.sessionId, [watcher.page]);
    const before = await sizedToPanel(watcher.page);
    await typeLine(watcher.page, `less "$f"`);
    await waitForText(watcher.page, "row 1 of the file");
    await watcher.page.keyboard.type("/row 2");
    await watcher.page.keyboard.press("Enter");
    await waitForText(watcher.page, "row 21 of the file");

    // The panel follows the window: the writer resizes the session, less redraws.
    await watcher.page.setViewportSize({ width: 900, height: 520 });
    await poll(
      async () => (await readScreen(watcher.page))!.cols < before.cols,
      "the writer's terminal to shrink",
    );
    await settle(session.sessionId, [watcher.page]);
    const resized = (await readScreen(watcher.page))!;
    expect(resized.rows).toBeLessThan(before.rows);

    const late = await openPage(await mintJoinUrl(stack, session.sessionId, "viewer"));
    expectKeyframeJoin(late.received);
    await settle(session.sessionId, [watcher.page, late.page]);
    const screen = await expectSameScreen(watcher.page, late.page);
    expect(screen.buffer).toBe("alternate");
    expect([screen.cols, screen.rows]).toEqual([resized.cols, resized.rows]);

    await quitLess(watcher.page);
    await typeLine(watcher.page, `echo "after-less-$((6*7))"`);
    await waitForText(late.page, "after-less-42");
    await settle(session.sessionId, [watcher.page, late.page]);
    expect((await expectSameScreen(watcher.page, late.page)).buffer).toBe("normal");
  }, 180_000);

  it("a page that was away while vim closed and 200 KiB scrolled by resumes from a keyframe: its old screen is replaced by less, as a page that stayed shows it", async () => {
    const session = await openSession(stack, null);
    const watcher = await openPage(session.url);
    await typeLine(watcher.page, `f=$(mktemp); seq -f 'row %g of the file' 1 400 > "$f"`);
    await typeLine(watcher.page, `vim -u NONE -N -c 'set number' "$f"`);
    await waitForText(watcher.page, "1 row 1 of the file");
    const away = await openGatedPage(await mintJoinUrl(stack, session.sessionId, "viewer"));
    await waitForText(away.page, "1 row 1 of the file");
    expect((await readScreen(away.page))!.buffer).toBe("alternate");

    await away.down();
    await waitForPanelState(away.page, "reconnecting");
    const offsetAway = (await readProbe(away.page))!.offset;
    await quitVim(watcher.page);
    await floodHistory(watcher.page);
    await typeLine(watcher.page, `less "$f"`);
    await waitForText(watcher.page, "row 1 of the file");
    await watcher.page.keyboard.type("/row 3");
    await watcher.page.keyboard.press("Enter");
    await waitForText(watcher.page, "row 31 of the file");
    await settle(session.sessionId, [watcher.page]);

    away.up();
    await waitForPanelState(away.page, "live", 30_000);
    const received = away.received();
    expectKeyframeJoin(received);
    // It resumed from where it was, which is no longer kept.
    const welcome = received.messages.find((m) => m.type === "welcome")!;
    expect(welcome.history.start).toBeGreaterThan(offsetAway);
    await settle(session.sessionId, [watcher.page, away.page]);
    expect((await expectSameScreen(watcher.page, away.page)).buffer).toBe("alternate");

    // Back in the shell, the normal screen shows what the keyframe brought, not vim's days.
    await quitLess(watcher.page);
    await typeLine(watcher.page, `echo "home-$((6*7))"`);
    await waitForText(away.page, "home-42");
    await settle(session.sessionId, [watcher.page, away.page]);
    const shell = await expectSameScreen(watcher.page, away.page);
    expect(shell.buffer).toBe("normal");
    expect(shell.text).toContain("done-40001");
  }, 180_000);

  it("a late writer with a smaller window starts from a keyframe, claims its size, and both pages end on the same screen", async () => {
    const session = await openSession(stack, null);
    const watcher = await openPage(session.url);
    const { floodEnd, size: before } = await floodThenResize(watcher.page, session.sessionId);
    await typeLine(watcher.page, `less "$f"`);
    await waitForText(watcher.page, "row 1 of the file");
    await watcher.page.keyboard.type("200g");
    await waitForText(watcher.page, "row 200 of the file");
    await settle(session.sessionId, [watcher.page]);

    const lateUrl = await mintJoinUrl(stack, session.sessionId, "writer");
    // Keyframes are taken off the runner's output path: wait for one after the flood.
    await stackOffersKeyframe(stack, session.sessionId, (keyframe) => keyframe.offset >= floodEnd);
    const late = await openPage(lateUrl, { width: 800, height: 480 });
    const keyframe = expectKeyframeJoin(late.received);
    // The keyframe has the session's size at its offset: the watcher's.
    expect([keyframe.cols, keyframe.rows]).toEqual([before.cols, before.rows]);
    expect(keyframe.offset).toBeGreaterThanOrEqual(floodEnd);
    // The smallest writer sets the size: the watcher follows the late, smaller writer; less redraws.
    await poll(
      async () => (await readScreen(watcher.page))!.cols < before.cols,
      "the watcher to take the late writer's size",
    );
    await settle(session.sessionId, [watcher.page, late.page]);
    const screen = await expectSameScreen(watcher.page, late.page);
    expect(screen.buffer).toBe("alternate");
    expect(screen.cols).toBeLessThan(before.cols);
    expect(screen.text.some((row) => row.includes("row 200 of the file"))).toBe(true);

    // Back in the shell: the flood's end on screen came from the keyframe.
    await quitLess(watcher.page);
    await typeLine(watcher.page, `echo "out-of-less-$((6*7))"`);
    await waitForText(late.page, "out-of-less-42");
    await settle(session.sessionId, [watcher.page, late.page]);
    const shell = await expectSameScreen(watcher.page, late.page);
    expect(shell.buffer).toBe("normal");
    expect(shell.text).toContain("done-40001");
  }, 180_000);
});
