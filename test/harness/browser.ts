/** A headless Chromium for browser tests: Debian's /usr/bin/chromium driven by playwright-core, a fresh profile per launch, no network chatter. */
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { TEST_HOOKS_GLOBAL, type WebtermTestHooks } from "../../client/src/terminal/test-hooks.ts";

/** Where the browser is; `CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Flags for running as root in a container without reaching the network: Chromium otherwise
 * phones home for updates, sync and components while a test runs (docs: PLATFORM-NOTES.md).
 */
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Starts Chromium with a temporary profile that Playwright deletes on close. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: run \`node scripts/ensure-test-packages.ts\` (installs Debian's chromium as root), or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** A viewport size in CSS pixels. */
export interface Viewport {
  width: number;
  height: number;
}

/** A laptop screen. */
export const DESKTOP: Viewport = { width: 1280, height: 800 };
/** A phone held upright (iPhone 14/15 width). */
export const PHONE: Viewport = { width: 390, height: 844 };

/**
 * A fresh context (own storage, own cookies) whose pages opt in to the client's test hooks
 * (client/src/terminal/test-hooks.ts): a probe per terminal for what lies beyond the screen and,
 * unless `domRenderer` is false, xterm's DOM renderer, so the rows on screen are text a test can
 * read. With `domRenderer: false` the page renders as it does for everyone (WebGL if it can).
 */
export async function newTestContext(
  browser: Browser,
  viewport: Viewport = DESKTOP,
  domRenderer = true,
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport,
    deviceScaleFactor: 1,
    isMobile: viewport.width < 600,
    hasTouch: viewport.width < 600,
  });
  const hooks: WebtermTestHooks = { domRenderer, terminals: [] };
  await context.addInitScript(
    ({ name, value }) => {
      (globalThis as Record<string, unknown>)[name] = value;
    },
    { name: TEST_HOOKS_GLOBAL, value: hooks },
  );
  return context;
}

/**
 * Lets pages of `origin` in `context` read and write the clipboard without asking (Chromium asks
 * for clipboard-read; headless, nobody answers). Tests read what a page copied with
 * `navigator.clipboard.readText()`.
 */
export async function grantClipboard(context: BrowserContext, origin: string): Promise<void> {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
}
