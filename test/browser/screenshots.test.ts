/** The screenshots in docs/client.md, taken from the real stack: desktop and phone, light and dark, each checked before it is saved (`npm run screenshots` writes them into docs/images). */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DESKTOP,
  launchChromium,
  newTestContext,
  PHONE,
  type Viewport,
} from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { openSession } from "../harness/join-page.ts";
import { decodePng } from "../harness/png-pixels.ts";
import { PANEL, poll, readProbe, readScreen, waitForPanelState } from "../harness/terminal-page.ts";

const ARTIFACTS = new URL("../../test-artifacts/screenshots/", import.meta.url).pathname;
const DOC_IMAGES = new URL("../../docs/images/", import.meta.url).pathname;
const CLIENT_DOC = new URL("../../docs/client.md", import.meta.url).pathname;
/** `npm run screenshots` sets this: the checked screenshots replace the ones in docs/images. */
const UPDATE = process.env.UPDATE_SCREENSHOTS === "1";

/** What each screenshot shows: a command with colours, so both themes' palettes are seen. */
const COMMAND =
  "ls --color=always -l / | head -12; printf '\\e[1;32mgreen\\e[0m \\e[1;31mred\\e[0m \\e[1;34mblue\\e[0m\\n'";

let stack: Stack;
let browser: Browser;
beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  mkdirSync(ARTIFACTS, { recursive: true });
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

type Scheme = "light" | "dark";

/** Relative luminance (0 black, 1 white) of an sRGB colour. */
function luminance([r, g, b]: [number, number, number]): number {
  const lin = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** Checks what every screenshot must show, then saves it as `name`. */
async function checkAndSave(page: Page, name: string, scheme: Scheme): Promise<void> {
  await waitForPanelState(page, "live");
  await poll(
    async () => (await readProbe(page))?.lines.some((line) => line.includes("green red blue")),
    "the command's output in the panel",
  );
  const look = await page.evaluate((selector) => {
    const panel = document.querySelector(selector) as HTMLElement;
    const screen = (panel.querySelector(".xterm-screen") as HTMLElement).getBoundingClientRect();
    const root = document.scrollingElement!;
    return {
      scheme: panel.dataset.scheme,
      // A point inside the terminal's last row, which the short output leaves empty.
      blank: { x: Math.floor(screen.right - 12), y: Math.floor(screen.bottom - 6) },
      page: { x: 2, y: 2 },
      // The terminal's right edge must be inside the window: nothing is clipped sideways.
      screenRight: screen.right,
      windowWidth: window.innerWidth,
      pageOverflows: root.scrollWidth > root.clientWidth,
    };
  }, PANEL);
  expect(look.scheme).toBe(scheme);
  expect(look.screenRight).toBeLessThanOrEqual(look.windowWidth);
  expect(look.pageOverflows).toBe(false);
  const file = `${ARTIFACTS}${name}.png`;
  const png = decodePng(await page.screenshot({ path: file }));
  // What was drawn, not what CSS says: the terminal's and the page's backgrounds are the scheme's.
  const dark = scheme === "dark";
  const terminalBg = png.pixel(look.blank.x, look.blank.y);
  const pageBg = png.pixel(look.page.x, look.page.y);
  expect(luminance(terminalBg) < 0.5, `terminal background ${terminalBg}`).toBe(dark);
  expect(luminance(pageBg) < 0.5, `page background ${pageBg}`).toBe(dark);
  if (UPDATE) {
    mkdirSync(DOC_IMAGES, { recursive: true });
    copyFileSync(file, `${DOC_IMAGES}${name}.png`);
  }
}

async function newPage(viewport: Viewport, scheme: Scheme): Promise<Page> {
  // As everyone sees it: the renderer xterm picks, not the tests' DOM renderer.
  const context = await newTestContext(browser, viewport, false);
  const page = await context.newPage();
  await page.emulateMedia({ colorScheme: scheme });
  return page;
}

describe("the screenshots in docs/client.md", () => {
  for (const scheme of ["light", "dark"] as const) {
    it(`desktop, ${scheme}: the agent console with its panel follows the system's ${scheme} scheme and clips nothing`, async () => {
      const page = await newPage(DESKTOP, scheme);
      await page.goto(`${stack.url}/`);
      await page.fill('[data-testid="api-token"]', stack.secrets.API_TOKEN);
      await page.fill('[data-testid="command-input"]', COMMAND);
      await page.click('[data-testid="run-button"]');
      await page.waitForSelector('[data-testid="tool-result"]');
      await checkAndSave(page, `console-desktop-${scheme}`, scheme);
      await page.context().close();
    });

    it(`phone, ${scheme}: a writer's join page with the touch keys row follows the ${scheme} scheme and clips nothing`, async () => {
      // The phone joins first: its panel, the only writer's, sets the size the command runs at.
      const session = await openSession(stack, null);
      const page = await newPage(PHONE, scheme);
      await page.goto(session.url);
      await page.waitForSelector('[data-testid="terminal-touch-keys"]', { state: "visible" });
      await waitForPanelState(page, "live");
      const size = await poll(async () => {
        const screen = await readScreen(page);
        return screen && screen.cols < 80 ? screen : null;
      }, "the session at the phone's size");
      const run = await stack.api("POST", "/api/tools/interactive_shell", {
        session_id: session.sessionId,
        initial_command: COMMAND,
      });
      expect(run.status).toBe(200);
      expect((await readScreen(page))?.cols).toBe(size.cols);
      await checkAndSave(page, `join-phone-${scheme}`, scheme);
      await page.context().close();
    });
  }

  it("docs/client.md shows each of them, and each is in docs/images", () => {
    const doc = readFileSync(CLIENT_DOC, "utf8");
    for (const name of ["console-desktop", "join-phone"]) {
      for (const scheme of ["light", "dark"]) {
        const path = `images/${name}-${scheme}.png`;
        expect(doc).toContain(`](${path})`);
        expect(existsSync(new URL(`../../docs/${path}`, import.meta.url))).toBe(true);
      }
    }
  });
});
