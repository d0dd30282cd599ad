/** The panel's keys in Chromium on the real stack: copy and paste as on Linux/Windows and macOS, right-click, focus on open, the touch row; what the shell receives is read back through `cat -v`. */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { grantClipboard, launchChromium, newTestContext, PHONE } from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { mintJoinUrl, openSession } from "../harness/join-page.ts";
import {
  PANEL,
  poll,
  readProbe,
  textCenter,
  typeLine,
  waitForPanelState,
} from "../harness/terminal-page.ts";

/**
 * Shows every byte the shell's terminal delivers: no line editing, no signals, no literal-next
 * (so ^C and ^V arrive as bytes), no echo; `cat -vT` prints control bytes (tabs too) as ^X and flushes
 * whenever its input runs dry. The marker line tells the test the command has started.
 */
const SHOW_BYTES =
  "echo pick-me-42; stty -icanon -isig -iexten -echo; echo ready-$((6*7)); cat -vT";

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];
beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
}, 90_000);
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A page joined to `url` with clipboard access, on `platform` ("Linux x86_64" or "MacIntel"). */
async function openPage(
  url: string,
  options: { platform?: string; phone?: boolean } = {},
): Promise<Page> {
  const context = await newTestContext(browser, options.phone ? PHONE : undefined);
  contexts.push(context);
  await grantClipboard(context, stack.url);
  if (options.platform) {
    await context.addInitScript((platform) => {
      Object.defineProperty(Navigator.prototype, "platform", { get: () => platform });
      Object.defineProperty(Navigator.prototype, "userAgentData", { get: () => undefined });
    }, options.platform);
  }
  const page = await context.newPage();
  await page.goto(url);
  await waitForPanelState(page, "live");
  return page;
}

/**
 * A writer page whose shell runs SHOW_BYTES (after turning bracketed paste on, if asked: bash
 * turns it off before it runs a command); returns once `cat -v` is reading.
 */
async function showBytesPage(
  options: { platform?: string; phone?: boolean; bracketedPaste?: boolean } = {},
) {
  const session = await openSession(stack, null);
  const page = await openPage(session.url, options);
  await typeLine(page, `${options.bracketedPaste ? "printf '\\e[?2004h'; " : ""}${SHOW_BYTES}`);
  await poll(async () => (await lines(page)).includes("ready-42"), "cat -v to start");
  return { page, session };
}

async function lines(page: Page): Promise<string[]> {
  return (await readProbe(page))?.lines ?? [];
}

/** What `cat -v` has printed so far: the text after the ready line, joined. */
async function received(page: Page): Promise<string> {
  const all = await lines(page);
  return all
    .slice(all.lastIndexOf("ready-42") + 1)
    .join("\n")
    .trimEnd();
}

/** Waits until `cat -v` has printed exactly `text` (it only ever grows). */
async function waitForReceived(page: Page, text: string): Promise<void> {
  await poll(
    async () => (await received(page)) === text,
    `the shell to receive ${JSON.stringify(text)}`,
  ).catch(async (error: Error) => {
    throw new Error(`${error.message}; it received ${JSON.stringify(await received(page))}`);
  });
}

/** Selects the word `text` on screen with a double click. */
async function selectWord(page: Page, text: string): Promise<void> {
  const at = await textCenter(page, text);
  expect(at, `${text} on screen`).not.toBeNull();
  await page.mouse.dblclick(at!.x, at!.y);
  await poll(() => hasSelection(page), `${text} to be selected`);
}

async function hasSelection(page: Page): Promise<boolean> {
  // xterm draws its selection as boxes in this layer (the DOM renderer's).
  return page.evaluate(() => document.querySelectorAll(".xterm-selection div").length > 0);
}

async function clipboard(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText());
}

async function setClipboard(page: Page, text: string): Promise<void> {
  await page.evaluate((value) => navigator.clipboard.writeText(value), text);
}

describe("copy and paste on Linux and Windows", () => {
  it("Ctrl+C with a selection copies it and clears it, sending nothing; without one it is ^C to the shell; Ctrl+Shift+C copies and never sends ^C", async () => {
    const { page } = await showBytesPage({ platform: "Linux x86_64" });
    await setClipboard(page, "before");

    await selectWord(page, "pick-me-42");
    await page.keyboard.press("Control+c");
    await poll(async () => (await clipboard(page)) === "pick-me-42", "the copy");
    await poll(async () => !(await hasSelection(page)), "the selection to clear");

    await page.keyboard.press("Control+c");
    await page.keyboard.type("x");
    // One ^C: the copy sent none.
    await waitForReceived(page, "^Cx");

    await setClipboard(page, "before");
    await selectWord(page, "pick-me-42");
    await page.keyboard.press("Control+Shift+C");
    await poll(async () => (await clipboard(page)) === "pick-me-42", "the Ctrl+Shift+C copy");
    // Without a selection Ctrl+Shift+C is still a copy key: nothing reaches the shell.
    await page.keyboard.press("Control+Shift+C");
    await page.keyboard.type("y");
    await waitForReceived(page, "^Cxy");
  });

  it("Ctrl+V, Ctrl+Shift+V and Shift+Insert paste the clipboard", async () => {
    const { page } = await showBytesPage({ platform: "Linux x86_64" });
    await setClipboard(page, "one");
    await page.keyboard.press("Control+v");
    await waitForReceived(page, "one");
    await setClipboard(page, "two");
    await page.keyboard.press("Control+Shift+V");
    await waitForReceived(page, "onetwo");
    await setClipboard(page, "three");
    await page.keyboard.press("Shift+Insert");
    await waitForReceived(page, "onetwothree");
  });

  it("a paste is wrapped in bracketed-paste marks once the program asks for them (DECSET 2004)", async () => {
    const bracketed = await showBytesPage({ platform: "Linux x86_64", bracketedPaste: true });
    await setClipboard(bracketed.page, "four");
    await bracketed.page.keyboard.press("Control+v");
    await waitForReceived(bracketed.page, "^[[200~four^[[201~");
  });

  it("right-click copies a selection, pastes without one, and shows no browser menu", async () => {
    const { page } = await showBytesPage({ platform: "Linux x86_64" });
    await page.evaluate(() => {
      (window as unknown as { menus: boolean[] }).menus = [];
      window.addEventListener("contextmenu", (event) =>
        (window as unknown as { menus: boolean[] }).menus.push(event.defaultPrevented),
      );
    });
    await selectWord(page, "pick-me-42");
    const at = (await textCenter(page, "pick-me-42"))!;
    await page.mouse.click(at.x, at.y, { button: "right" });
    await poll(async () => (await clipboard(page)) === "pick-me-42", "the right-click copy");
    await poll(async () => !(await hasSelection(page)), "the selection to clear");

    await setClipboard(page, "pasted-by-mouse");
    await page.mouse.click(at.x, at.y, { button: "right" });
    await waitForReceived(page, "pasted-by-mouse");
    expect(await page.evaluate(() => (window as unknown as { menus: boolean[] }).menus)).toEqual([
      true,
      true,
    ]);
  });

  it("a read-only viewer copies, but its paste is refused with the read-only notice and reaches nothing", async () => {
    const { page: writer, session } = await showBytesPage({ platform: "Linux x86_64" });
    const viewer = await openPage(await mintJoinUrl(stack, session.sessionId, "viewer"), {
      platform: "Linux x86_64",
    });
    await poll(async () => (await lines(viewer)).includes("ready-42"), "the viewer's replay");
    await selectWord(viewer, "pick-me-42");
    await viewer.keyboard.press("Control+c");
    await poll(async () => (await clipboard(viewer)) === "pick-me-42", "the viewer's copy");
    expect(await viewer.locator('[data-testid="terminal-notice"]').count()).toBe(0);

    await setClipboard(viewer, "from-viewer");
    await viewer.keyboard.press("Control+v");
    await viewer.waitForSelector('[data-testid="terminal-notice"]');
    expect(await viewer.textContent('[data-testid="terminal-notice"]')).toContain("Read-only");
    const at = (await textCenter(viewer, "ready-42"))!;
    await viewer.mouse.click(at.x, at.y, { button: "right" });

    // The writer's keys still arrive, and nothing of the viewer's came before them.
    await writer.keyboard.type("w");
    await waitForReceived(writer, "w");
  });
});

describe("copy and paste on macOS", () => {
  it("Cmd+C copies, Cmd+V pastes, and Ctrl+C is ^C even with a selection", async () => {
    const { page } = await showBytesPage({ platform: "MacIntel" });
    await selectWord(page, "pick-me-42");
    await page.keyboard.press("Meta+c");
    await poll(async () => (await clipboard(page)) === "pick-me-42", "the Cmd+C copy");

    await selectWord(page, "pick-me-42");
    await setClipboard(page, "mac-paste");
    await page.keyboard.press("Control+c");
    await waitForReceived(page, "^C");
    expect(await clipboard(page)).toBe("mac-paste");
    await page.keyboard.press("Meta+v");
    await waitForReceived(page, "^Cmac-paste");
  });
});

describe("focus on open", () => {
  it("a writer's terminal has the focus and a drawn block cursor as soon as it is live, without a click", async () => {
    const session = await openSession(stack, null);
    const page = await openPage(session.url);
    await poll(
      () =>
        page.evaluate(
          (panel) =>
            document.activeElement?.classList.contains("xterm-helper-textarea") === true &&
            document.querySelector(`${panel} .xterm`)?.classList.contains("focus") === true,
          PANEL,
        ),
      "the terminal to have the focus",
    );
    await poll(
      () =>
        page.evaluate(
          (panel) => !!document.querySelector(`${panel} .xterm-cursor.xterm-cursor-block`),
          PANEL,
        ),
      "a block cursor",
    );
    // Typing goes straight to the shell.
    await page.keyboard.type("echo typed-$((6*7))");
    await page.keyboard.press("Enter");
    await poll(async () => (await lines(page)).includes("typed-42"), "the typed command's output");
  });
});

describe("the touch row", () => {
  it("on a touch screen a writer gets Esc, sticky Ctrl, Tab, arrows and | ~ /, sent as typing is", async () => {
    const { page } = await showBytesPage({ phone: true });
    const row = '[data-testid="terminal-touch-keys"]';
    await page.waitForSelector(row);
    const tap = (key: string) => page.tap(`${row} [data-key="${key}"]`);
    await tap("Escape");
    await tap("Tab");
    await tap("Up");
    await tap("Pipe");
    await tap("Tilde");
    await tap("Slash");
    await waitForReceived(page, "^[^I^[[A|~/");
    // Ctrl applies to the next key only, typed on the soft keyboard...
    await tap("Ctrl");
    expect(await page.getAttribute(`${row} [data-key="Ctrl"]`, "aria-pressed")).toBe("true");
    await page.keyboard.type("cc");
    await waitForReceived(page, "^[^I^[[A|~/^Cc");
    expect(await page.getAttribute(`${row} [data-key="Ctrl"]`, "aria-pressed")).toBe("false");
    // ...or on screen.
    await tap("Ctrl");
    await tap("Left");
    await waitForReceived(page, "^[^I^[[A|~/^Cc^[[1;5D");
  });

  it("a read-only viewer on a touch screen gets no touch row, and a desktop writer none either", async () => {
    const session = await openSession(stack, null);
    const viewer = await openPage(await mintJoinUrl(stack, session.sessionId, "viewer"), {
      phone: true,
    });
    const desktop = await openPage(session.url);
    expect(await viewer.locator('[data-testid="terminal-touch-keys"]').count()).toBe(0);
    expect(await desktop.locator('[data-testid="terminal-touch-keys"]').count()).toBe(0);
    const writer = await openPage(session.url, { phone: true });
    await writer.waitForSelector('[data-testid="terminal-touch-keys"]');
  });
});
