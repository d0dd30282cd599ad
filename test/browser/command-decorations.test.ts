/** Command decorations in Chromium on the real stack: a mark beside each command from the shell's OSC 133 marks (live, replayed, after a keyframe), jumping between commands, copying a command's output. */
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FrameKind, type InteractiveShellResult } from "../../protocol/index.ts";
import type { CommandProbe } from "../../client/src/terminal/command-decorations.ts";
import { grantClipboard, launchChromium, newTestContext } from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { joinInBrowser, mintJoinUrl, openSession } from "../harness/join-page.ts";
import { stackOffersKeyframe } from "../harness/keyframe-offer.ts";
import {
  PANEL,
  poll,
  readCommands,
  readProbe,
  readScreen,
  readScroll,
  screenRows,
  typeLine,
  waitForPanelState,
  waitForRow,
} from "../harness/terminal-page.ts";

const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;
// A small history, so a few hundred KiB of output trim the session's start (a late joiner then
// starts from a keyframe).
const HISTORY_CAP_BYTES = 64 * 1024;
const DECORATION = '[data-testid="command-decoration"]';

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];
beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startStack({
      vars: { HISTORY_CAP_BYTES: String(HISTORY_CAP_BYTES) },
      // A shell without the hooks: no marks, so the jump keys stay the shell's.
      extraRunners: [{ host: "plain", args: ["--shell", "/bin/sh"] }],
    }),
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

async function join(url: string) {
  const joined = await joinInBrowser(browser, url);
  contexts.push(joined.context);
  return joined;
}

/** Runs `command` in the session through the agent API and returns the tool result. */
async function runInSession(sessionId: string, command: string): Promise<InteractiveShellResult> {
  const response = await stack.api("POST", "/api/tools/interactive_shell", {
    session_id: sessionId,
    initial_command: command,
  });
  expect(response.status).toBe(200);
  return response.body as InteractiveShellResult;
}

/** Waits until the page's terminal holds `count` commands, none of them running. */
async function waitForCommands(page: Page, count: number): Promise<CommandProbe[]> {
  let last: CommandProbe[] | null = null;
  return poll(
    async () => {
      last = await readCommands(page);
      return last && last.length === count && last.every((c) => c.state !== "running")
        ? last
        : null;
    },
    () => `${count} finished commands, got ${JSON.stringify(last)}`,
  );
}

/** The decorations on screen: state, exit code, tooltip and where they are. */
async function decorationsOnScreen(page: Page) {
  return page.$$eval(DECORATION, (elements) =>
    elements
      .filter((element) => (element as HTMLElement).style.display !== "none")
      .map((element) => {
        const box = element.getBoundingClientRect();
        const centre = { x: box.left + box.width / 2, y: box.top + box.height / 2 };
        const screen = element.closest(".xterm-screen")!.getBoundingClientRect();
        return {
          state: (element as HTMLElement).dataset.state,
          exitCode: (element as HTMLElement).dataset.exitCode ?? null,
          title: (element as HTMLElement).title,
          // Where it sits, whether it is left of the text (in the gutter), and whether it is the
          // topmost element there (visible and clickable, not clipped or covered).
          top: box.top - screen.top,
          inGutter: box.right <= screen.left + 1,
          reachable: document.elementFromPoint(centre.x, centre.y) === element,
        };
      }),
  );
}

/** The screen row (0 at the top) whose text ends with `text`, from the DOM renderer's rows. */
async function rowEndingWith(page: Page, text: string): Promise<{ index: number; top: number }> {
  return page.$$eval(
    `${PANEL} .xterm-rows > div`,
    (rows, wanted) => {
      const screen = rows[0]!.closest(".xterm-screen")!.getBoundingClientRect();
      const index = rows.findLastIndex((row) =>
        (row.textContent ?? "")
          .replace(/\u00a0/g, " ")
          .trimEnd()
          .endsWith(wanted),
      );
      return {
        index,
        top: index === -1 ? -1 : rows[index]!.getBoundingClientRect().top - screen.top,
      };
    },
    text,
  );
}

describe("command decorations", () => {
  it("each command gets a mark in the gutter beside its prompt: success for true, failure with the exit code for false and (exit 3)", async () => {
    const session = await openSession(stack, null);
    const { page } = await join(session.url);
    await typeLine(page, "true");
    await typeLine(page, "false");
    await typeLine(page, "(exit 3)");
    const commands = await waitForCommands(page, 3);
    expect(commands.map((c) => [c.commandLine, c.state, c.exitCode])).toEqual([
      ["true", "success", 0],
      ["false", "failure", 1],
      ["(exit 3)", "failure", 3],
    ]);

    const shown = await poll(async () => {
      const list = await decorationsOnScreen(page);
      return list.length === 3 ? list : null;
    }, "three decorations on screen");
    expect(shown.map((d) => [d.state, d.exitCode])).toEqual([
      ["success", "0"],
      ["failure", "1"],
      ["failure", "3"],
    ]);
    expect(shown[2]!.title).toContain("(exit 3)\nFailed (exit code 3)");
    expect(shown[0]!.title).toContain("Succeeded (exit code 0)");
    // Each sits on its command's prompt row, in the gutter, and nothing covers it.
    for (const [i, text] of ["$ true", "$ false", "$ (exit 3)"].entries()) {
      const row = await rowEndingWith(page, text.slice(2));
      expect(shown[i]!.top).toBeCloseTo(row.top, 0);
      expect(shown[i]!.inGutter).toBe(true);
      expect(shown[i]!.reachable).toBe(true);
    }
    // The overview ruler (under the scrollbar) shows them too: green and red marks.
    const rulerColours = () =>
      page.$eval(`${PANEL} canvas.xterm-decoration-overview-ruler`, (element) => {
        const canvas = element as HTMLCanvasElement;
        const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
        const colours = new Set<string>();
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! > 200) colours.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
        }
        return [...colours];
      });
    // #3fb950 and #f85149
    await poll(async () => {
      const colours = await rulerColours();
      return colours.includes("63,185,80") && colours.includes("248,81,73");
    }, "green and red marks in the overview ruler");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}command-decorations.png` });
  });

  it("while a command runs its mark is a grey ring that says so; it turns green when the command ends", async () => {
    const session = await openSession(stack, null);
    const { page } = await join(session.url);
    await typeLine(page, "read line");
    const running = await page.waitForSelector(`${DECORATION}[data-state="running"]`);
    expect(await running.getAttribute("title")).toBe("read line\nRunning");
    const ring = await running.evaluate((element) => {
      const style = getComputedStyle(element, "::before");
      return { border: style.borderTopColor, fill: style.backgroundColor };
    });
    expect(ring).toEqual({ border: "rgb(139, 148, 158)", fill: "rgba(0, 0, 0, 0)" });
    await page.keyboard.press("Enter");
    await page.waitForSelector(`${DECORATION}[data-state="success"]`);
  });

  it("a reload of the join page draws the same decorations from the replayed history, and a viewer's page draws them too", async () => {
    const session = await openSession(stack, null);
    const { page } = await join(session.url);
    for (const command of ["true", "false", "(exit 3)"])
      await runInSession(session.sessionId, command);
    const live = await waitForCommands(page, 3);
    const outcomes = (list: CommandProbe[]) =>
      list.map((c) => [c.commandLine, c.state, c.exitCode]);
    expect(outcomes(live)).toEqual([
      ["true", "success", 0],
      ["false", "failure", 1],
      ["(exit 3)", "failure", 3],
    ]);
    const before = await decorationsOnScreen(page);

    await page.reload();
    await waitForPanelState(page, "live");
    const replayed = await waitForCommands(page, 3);
    expect(outcomes(replayed)).toEqual(outcomes(live));
    expect(replayed.map((c) => c.promptLine)).toEqual(live.map((c) => c.promptLine));
    await poll(async () => (await decorationsOnScreen(page)).length === 3, "3 decorations");
    expect(await decorationsOnScreen(page)).toEqual(before);

    const viewer = await join(await mintJoinUrl(stack, session.sessionId, "viewer"));
    expect(outcomes(await waitForCommands(viewer.page, 3))).toEqual(outcomes(live));
  });

  it("commands before a keyframe have no decorations; those after it have theirs", async () => {
    const session = await openSession(stack, null);
    await runInSession(session.sessionId, "true");
    await runInSession(session.sessionId, "false");
    // Far more than the 64 KiB history: the session's start, and both commands, are trimmed.
    const flood = await runInSession(session.sessionId, "seq 1 40000");
    expect(flood.status).toBe("completed");
    // Keyframes are taken off the runner's output path: wait until a join would start from one.
    await stackOffersKeyframe(stack, session.sessionId, () => true);

    const context = await newTestContext(browser);
    contexts.push(context);
    const page = await context.newPage();
    let keyframes = 0;
    page.on("websocket", (socket) =>
      socket.on("framereceived", ({ payload }) => {
        if (typeof payload !== "string" && payload[0] === FrameKind.KEYFRAME) keyframes++;
      }),
    );
    await page.goto(session.url);
    await waitForPanelState(page, "live");
    expect(keyframes).toBe(1);
    // Run after the page joined: the runner takes a keyframe once output has been quiet for a
    // moment, which could otherwise fall after a command run right after the flood.
    await runInSession(session.sessionId, "(exit 4)");
    const commands = await waitForCommands(page, 1);
    expect(commands.map((c) => [c.commandLine, c.state, c.exitCode])).toEqual([
      ["(exit 4)", "failure", 4],
    ]);
    // What came before the keyframe's offset is gone from the page, `true`'s line included.
    const lines = (await readProbe(page))!.lines;
    expect(lines.some((line) => line.endsWith(" true"))).toBe(false);
    expect(lines).toContain("40000");
  });
  it("marks a command prints itself draw a wrong decoration (the page cannot check the nonce), while the agent API, which checks it, reports the real status", async () => {
    const session = await openSession(stack, null);
    const { page } = await join(session.url);
    const result = await runInSession(session.sessionId, "printf '\\e]133;D;5\\a'; true");
    expect([result.status, result.exit_code]).toEqual(["completed", 0]);
    const [command] = await waitForCommands(page, 1);
    expect([command!.state, command!.exitCode]).toEqual(["failure", 5]);
  });

  it("a terminal reset (RIS, as `reset` prints it) drops the decorations; the commands after it get theirs", async () => {
    const session = await openSession(stack, null);
    const { page } = await join(session.url);
    await runInSession(session.sessionId, "true");
    await waitForCommands(page, 1);
    await runInSession(session.sessionId, "printf '\\ec'");
    await poll(async () => (await readCommands(page))?.length === 0, "no commands after RIS");
    expect(await page.locator(DECORATION).count()).toBe(0);
    await runInSession(session.sessionId, "false");
    const [after] = await waitForCommands(page, 1);
    expect([after!.commandLine, after!.state]).toEqual(["false", "failure"]);
  });

  it("clear takes the decorations of what it cleared with it", async () => {
    const session = await openSession(stack, null);
    const { page } = await join(session.url);
    await runInSession(session.sessionId, "true");
    await waitForCommands(page, 1);
    await runInSession(session.sessionId, "clear");
    await runInSession(session.sessionId, "false");
    const commands = await waitForCommands(page, 1);
    expect(commands.map((c) => c.commandLine)).toEqual(["false"]);
  });
});

describe("jumping between commands", () => {
  it("Ctrl+Up and Ctrl+Down scroll to the previous and next command's prompt, and the shell never sees the keys", async () => {
    const session = await openSession(stack, null);
    const { page } = await join(session.url);
    for (const letter of ["a", "b", "c"]) {
      await typeLine(page, `seq -f '${letter}%g' 1 60`);
      await waitForRow(page, `${letter}60`);
    }
    const [a, b, c] = await waitForCommands(page, 3);
    const atBottom = (await readScroll(page))!;
    expect(atBottom.viewportY).toBe(atBottom.baseY);
    // Each command printed more than a screen: every prompt but the newest is above the screen.
    expect(c!.promptLine).toBeLessThan(atBottom.baseY);

    const jump = async (key: "ArrowUp" | "ArrowDown", target: CommandProbe | "bottom") => {
      await page.keyboard.press(`Control+${key}`);
      const scroll = (await readScroll(page))!;
      if (target === "bottom") {
        expect(scroll.viewportY).toBe(scroll.baseY);
        expect(scroll.highlightedLine).toBeNull();
        return;
      }
      expect(scroll.viewportY).toBe(target.promptLine);
      // On screen: the command's prompt row is the top row, outlined for a moment.
      await poll(
        async () => (await screenRows(page))[0]?.endsWith(target.commandLine!),
        `${target.commandLine} on the top row`,
      );
      const highlight = await page.waitForSelector('[data-testid="command-highlight"]');
      const top = await highlight.evaluate(
        (element) =>
          element.getBoundingClientRect().top -
          element.closest(".xterm-screen")!.getBoundingClientRect().top,
      );
      expect(Math.abs(top)).toBeLessThan(1);
    };
    await jump("ArrowUp", c!);
    await page.screenshot({ path: `${ARTIFACTS}command-jump.png` });
    await jump("ArrowUp", b!);
    await jump("ArrowUp", a!);
    // Nothing above the first command: the viewport stays.
    await page.keyboard.press("Control+ArrowUp");
    expect((await readScroll(page))!.viewportY).toBe(a!.promptLine);
    await jump("ArrowDown", b!);
    await jump("ArrowDown", c!);
    // Past the last command: back to the bottom.
    await jump("ArrowDown", "bottom");

    // Had any jump key reached bash, readline would have put it on the next line it reads.
    await typeLine(page, "echo after-$((6*7))");
    await waitForRow(page, "after-42");
    const lines = (await readProbe(page))!.lines;
    const typed = lines.filter((line) => line.includes("echo after-"));
    expect(typed).toHaveLength(1);
    expect(typed[0]).toMatch(/[#$] echo after-\$\(\(6\*7\)\)$/);
  });

  it("a viewer jumps too, and is not told that its keystrokes are not sent", async () => {
    const session = await openSession(stack, null);
    for (const letter of ["a", "b"]) {
      await runInSession(session.sessionId, `seq -f '${letter}%g' 1 60`);
    }
    const { page } = await join(await mintJoinUrl(stack, session.sessionId, "viewer"));
    const [, b] = await waitForCommands(page, 2);
    await page.click(`${PANEL} [data-testid="terminal-screen"]`);
    await page.keyboard.press("Control+ArrowUp");
    expect((await readScroll(page))!.viewportY).toBe(b!.promptLine);
    expect(await page.locator('[data-testid="terminal-notice"]').count()).toBe(0);
    // Any other key is a keystroke, and is refused with the notice.
    await page.keyboard.press("x");
    await page.waitForSelector('[data-testid="terminal-notice"]');
  });

  it("in a shell without marks, Ctrl+Up is the shell's", async () => {
    const response = await stack.api("POST", "/api/tools/interactive_shell", { host: "plain" });
    expect(response.status).toBe(200);
    const result = response.body as InteractiveShellResult;
    const { page } = await join(result.viewer.url);
    await typeLine(page, `read x; printf '%s\\n' "got:$x" | cat -v`);
    await page.keyboard.press("Control+ArrowUp");
    await page.keyboard.press("Enter");
    await waitForRow(page, "got:^[[1;5A");
    expect(await readCommands(page)).toEqual([]);
  });

  it("in the alternate screen (a full-screen program), Ctrl+Up is the program's", async () => {
    const session = await openSession(stack, "true");
    const { page } = await join(session.url);
    await waitForCommands(page, 1);
    await typeLine(
      page,
      `printf '\\e[?1049h'; read x; printf '\\e[?1049l'; printf '%s\\n' "got:$x" | cat -v`,
    );
    await poll(
      async () => (await readScreen(page))?.buffer === "alternate",
      "the alternate screen",
    );
    await page.keyboard.press("Control+ArrowUp");
    await page.keyboard.press("Enter");
    await waitForRow(page, "got:^[[1;5A");
  });
});

describe("copying a command's output", () => {
  it("Copy output puts exactly what the command printed on the clipboard, as the agent API reports it; Copy command its command line", async () => {
    const session = await openSession(stack, null);
    const { context, page } = await join(session.url);
    await grantClipboard(context, stack.url);
    // Indented text, a line longer than the terminal (soft-wrapped), and no final line break.
    const command = "printf 'alpha\\n  beta\\n'; printf '%0400d\\n' 0; printf end";
    const result = await runInSession(session.sessionId, command);
    expect(result.output).toBe(`alpha\n  beta\n${"0".repeat(400)}\nend`);
    const [probe] = await waitForCommands(page, 1);
    expect(probe!.output).toBe(result.output);

    await page.click(DECORATION);
    await page.click('[data-testid="command-menu"] [data-action="copy-output"]');
    await poll(
      async () => (await page.evaluate(() => navigator.clipboard.readText())) === result.output,
      "the output on the clipboard",
    );
    expect(await page.textContent('[data-testid="terminal-notice"]')).toContain(
      "Copied the output of",
    );
    // The menu closed, and the keyboard is the terminal's again.
    expect(await page.locator('[data-testid="command-menu"]').count()).toBe(0);

    await page.click(DECORATION);
    await page.click('[data-testid="command-menu"] [data-action="copy-command"]');
    await poll(
      async () => (await page.evaluate(() => navigator.clipboard.readText())) === command,
      "the command line on the clipboard",
    );
  });

  it("a click on a decoration is not the terminal's: with mouse reporting on, it sends the shell nothing; Escape closes its menu", async () => {
    const session = await openSession(stack, null);
    const { page, sockets } = await join(session.url);
    await runInSession(session.sessionId, "true");
    await waitForCommands(page, 1);
    // Mouse reporting on (DECSET 1000), as a program that wants clicks asks for it.
    await runInSession(session.sessionId, "printf '\\e[?1000h'");
    await waitForCommands(page, 2);
    const sent = () => sockets.reduce((n, s) => n + s.binarySent.length, 0);
    const before = sent();
    await page.click(`${DECORATION} >> nth=0`);
    await page.waitForSelector('[data-testid="command-menu"]');
    await page.keyboard.press("Escape");
    expect(await page.locator('[data-testid="command-menu"]').count()).toBe(0);
    expect(sent()).toBe(before);
    // The control: a click on the text is reported to the shell.
    const screen = (await page.locator(`${PANEL} .xterm-screen`).boundingBox())!;
    await page.mouse.click(screen.x + screen.width / 2, screen.y + screen.height / 2);
    await poll(async () => sent() > before, "a mouse report for a click on the text");
  });
});
