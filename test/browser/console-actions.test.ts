/** What a person does with the agent console, in Chromium on the real stack: answer a prompt, watch cards follow their calls, start over after the shell exits, and get first output at the panel's size. */
import { mkdirSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  DESKTOP,
  launchChromium,
  newTestContext,
  PHONE,
  type Viewport,
} from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { TEST_HOOKS_GLOBAL, type WebtermTestHooks } from "../../client/src/terminal/test-hooks.ts";
import { PANEL, poll, typeLine, waitForPanelState, waitForRow } from "../harness/terminal-page.ts";

const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;
const RESULT = '[data-testid="tool-result"]';

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

/** A demo page with the API token pasted; `errors` collects uncaught page errors. */
async function openDemo(viewport: Viewport = DESKTOP, domRenderer = true) {
  const context = await newTestContext(browser, viewport, domRenderer);
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${stack.url}/`);
  await page.fill('[data-testid="api-token"]', stack.secrets.API_TOKEN);
  return { page, errors };
}

/** Types `command` in the command box and presses Run. */
async function ask(page: Page, command: string): Promise<void> {
  await page.fill('[data-testid="command-input"]', command);
  await page.click('[data-testid="run-button"]');
}

/** The status a card shows now (its `data-status`), once it says `status`. */
async function waitForStatus(page: Page, card: string, status: string, timeoutMs = 20_000) {
  await page.waitForSelector(`${card}[data-status="${status}"]`, { timeout: timeoutMs });
}

describe("the agent console's actions", () => {
  it("a command that waits for input gets an answer box: the answer goes through send_input and the card follows the command to its end", async () => {
    const { page, errors } = await openDemo();
    // The sleep outlives the answer's first response (the console's calls return after 5 s).
    await ask(page, 'read -p "Continue? " answer; sleep 6; echo "got-$answer"');
    const card = page.locator(RESULT);
    await waitForStatus(page, RESULT, "awaiting_input");
    expect(await card.locator(".card__meta").textContent()).toMatch(/^awaiting_input/);
    expect(await card.locator('[data-testid="tool-result-output"]').textContent()).toBe(
      "Continue? ",
    );
    await card.locator('[data-testid="answer-form"]').waitFor();
    await waitForPanelState(page, "live");

    // What a person tried in the issue: the answer typed in the command box. The session is busy;
    // the console says so in words and says what to do, not "HTTP 409 · busy".
    await ask(page, "y");
    const refusal = page.locator('[data-testid="tool-error"]');
    await refusal.waitFor();
    expect(await refusal.getAttribute("data-code")).toBe("busy");
    const words = (await refusal.textContent()) ?? "";
    expect(words).toContain("waiting for input");
    expect(words).toContain("box on its card");
    expect(words).not.toMatch(/409|send_input|busy/);

    await card.locator('[data-testid="answer-input"]').fill("yes");
    await card.locator('[data-testid="answer-input"]').press("Enter");
    const answer = card.locator('[data-testid="answer"]');
    await answer.waitFor();
    expect(await answer.locator(".card__answer-input code").textContent()).toBe("yes⏎");
    // First "running" (the sleep), then the card follows the command to its end.
    await poll(
      async () => (await answer.getAttribute("data-status")) === "running",
      "the answer's first result to say running",
    );
    await waitForStatus(page, RESULT, "completed");
    expect(await card.locator(".card__meta").textContent()).toMatch(/^completed · exit 0/);
    expect(await answer.locator('[data-testid="answer-output"]').textContent()).toContain(
      "got-yes\n",
    );
    expect(await card.locator('[data-testid="answer-form"]').count()).toBe(0);
    await waitForRow(page, "got-yes");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}demo-answered-prompt.png` });

    // The session is free again: the next command runs in it.
    await ask(page, "echo next-$((2+3))");
    await poll(
      async () =>
        (await page
          .locator(RESULT)
          .nth(1)
          .getAttribute("data-status")
          .catch(() => null)) === "completed",
      "the second command's result",
    );
    await waitForRow(page, "next-5");
    expect(errors).toEqual([]);
  });

  it("a prompt answered in the terminal instead ends the card's wait: its box goes, and it says the command ended and how", async () => {
    const { page, errors } = await openDemo();
    await ask(page, 'read -p "Pick? " pick; echo "picked-$pick"; [ "$pick" = right ]');
    const card = page.locator(RESULT);
    await waitForStatus(page, RESULT, "awaiting_input");
    await card.locator('[data-testid="answer-form"]').waitFor();
    await waitForPanelState(page, "live");
    expect(await card.locator('[data-testid="command-ended-since"]').count()).toBe(0);
    await typeLine(page, "wrong");
    await waitForRow(page, "picked-wrong");
    const ended = card.locator('[data-testid="command-ended-since"]');
    await ended.waitFor();
    expect(await ended.textContent()).toContain("The command has ended since (exit 1)");
    expect(await card.locator('[data-testid="answer-form"]').count()).toBe(0);
    // What the agent was told stays what it was told.
    expect(await card.getAttribute("data-status")).toBe("awaiting_input");
    expect(errors).toEqual([]);
  });

  it("the next command typed in the command box while the panel opens stays there: the writer's terminal does not take the keys from it", async () => {
    const { page, errors } = await openDemo();
    // The first result is held back until the person is typing the next command, so the panel
    // opens (and learns it is a writer) while the command box has the focus.
    let release!: () => void;
    const typing = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/api/tools/interactive_shell", async (route) => {
      const response = await route.fetch();
      await typing;
      await route.fulfill({ response });
    });
    await ask(page, "echo one-$((0+1))");
    await page.fill('[data-testid="command-input"]', "echo two");
    expect(await page.locator(`${PANEL}[data-role="writer"]`).count()).toBe(0);
    release();
    await waitForPanelState(page, "live");
    await page.waitForSelector(`${PANEL}[data-role="writer"]`);
    // Past the render that saw the role: its effects (where the panel would take the focus) ran.
    await page.evaluate(
      () =>
        new Promise((r) =>
          requestAnimationFrame(() => setTimeout(() => requestAnimationFrame(() => setTimeout(r)))),
        ),
    );
    await page.keyboard.type("-$((1+1))");
    expect(await page.inputValue('[data-testid="command-input"]')).toBe("echo two-$((1+1))");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe(
      "command-input",
    );
    await page.unroute("**/api/tools/interactive_shell");
    // Nothing reached the shell's prompt: the next command runs (a half-typed line would refuse it).
    await page.click('[data-testid="run-button"]');
    await poll(
      async () => (await page.locator(`${RESULT}[data-status="completed"]`).count()) === 2,
      "two completed results",
    );
    expect(
      await page.locator(`${RESULT} [data-testid="tool-result-output"]`).last().textContent(),
    ).toBe("two-2\n");
    expect(errors).toEqual([]);
  });

  it("Ctrl-C in the answer box stops the waiting command", async () => {
    const { page } = await openDemo();
    await ask(page, 'read -p "Name? " name; echo "hello-$name"');
    await waitForStatus(page, RESULT, "awaiting_input");
    await page.click('[data-testid="answer-interrupt"]');
    const answer = page.locator('[data-testid="answer"]');
    await answer.waitFor();
    expect(await answer.locator(".card__answer-input code").textContent()).toBe("Ctrl-C");
    // bash reports a command stopped by SIGINT as exit status 130.
    await waitForStatus(page, RESULT, "completed");
    expect(await page.locator(`${RESULT} .card__meta`).textContent()).toMatch(
      /^completed · exit 130/,
    );
  });

  it("a result card that said running follows the call to its end, a failing exit code included", async () => {
    const { page } = await openDemo();
    await ask(page, "sleep 7; echo late-$((6*7)); false");
    await waitForStatus(page, RESULT, "running");
    await waitForStatus(page, RESULT, "completed");
    expect(await page.locator(`${RESULT} .card__meta`).textContent()).toMatch(
      /^completed · exit 1/,
    );
    expect(await page.locator(`${RESULT} [data-testid="tool-result-output"]`).textContent()).toBe(
      "late-42\n",
    );
  });

  it("when the shell exits the console stops offering its session, and New session opens a fresh one that the next command runs in", async () => {
    const { page, errors } = await openDemo();
    await ask(page, "echo first-$((1+1))");
    await waitForStatus(page, RESULT, "completed");
    await waitForPanelState(page, "live");
    const first = (await page.getAttribute(PANEL, "data-session-id"))!;
    expect(await page.locator('[data-testid="share-button"]').count()).toBe(1);

    await ask(page, "exit");
    await waitForPanelState(page, "exited");
    await page.locator('[data-testid="exited-notice"]').waitFor();
    // Neither running in the exited session nor sharing it is offered.
    expect(await page.locator('[data-testid="share-box"]').count()).toBe(0);
    expect(await page.locator('[data-testid="reuse-session"]').count()).toBe(0);
    expect(await page.textContent('[data-testid="exited-hint"]')).toContain(first);
    await page.screenshot({ path: `${ARTIFACTS}demo-shell-exited.png` });

    const before = stack.sessionObjectCount();
    await page.click('[data-testid="new-session-button"]');
    await poll(async () => {
      const id = await page.getAttribute(PANEL, "data-session-id");
      return id !== null && id !== first;
    }, "the panel to open a new session");
    await waitForPanelState(page, "live");
    const second = (await page.getAttribute(PANEL, "data-session-id"))!;
    expect(stack.sessionObjectCount()).toBe(before + 1);
    expect(await page.locator('[data-testid="exited-notice"]').count()).toBe(0);
    expect(await page.locator('[data-testid="share-button"]').count()).toBe(1);
    expect(await page.textContent(".command-form__reuse")).toContain(second);

    await ask(page, "echo second-$((2+2))");
    await poll(async () => {
      const cards = page.locator(`${RESULT}[data-session-id="${second}"]`);
      const statuses = await cards.evaluateAll((els) =>
        els.map((el) => (el as HTMLElement).dataset.status),
      );
      return statuses.length === 2 && statuses[1] === "completed";
    }, "the command's result in the new session");
    expect(await page.getAttribute(PANEL, "data-session-id")).toBe(second);
    await waitForRow(page, "second-4");
    expect(errors).toEqual([]);
  });

  for (const [name, viewport] of [
    ["laptop", DESKTOP],
    ["phone", PHONE],
  ] as const) {
    it(`the first command runs at the size of the panel it is shown in, rendered as for everyone on a ${name} (${viewport.width} px)`, async () => {
      const { page } = await openDemo(viewport, false);
      await ask(page, "tput cols; tput lines");
      await waitForStatus(page, RESULT, "completed");
      await waitForPanelState(page, "live");
      const output = (await page.textContent(`${RESULT} [data-testid="tool-result-output"]`))!;
      const [cols, rows] = output.trim().split("\n").map(Number);
      // The panel's terminal once it has fitted itself to the panel: it fills the viewport
      // without overflowing it (before that, xterm has its own default size for a moment). Box
      // and size are read together, so they are of the same moment.
      const fitted = () =>
        page.evaluate(
          ({ panel, hooksName }) => {
            const viewport = document.querySelector(`${panel} .terminal-panel__viewport`);
            const canvas = viewport?.querySelector(".xterm-screen")?.getBoundingClientRect();
            const hooks = (globalThis as unknown as Record<string, WebtermTestHooks | undefined>)[
              hooksName
            ];
            const screen = hooks?.terminals?.[0]?.screen();
            if (!viewport || !canvas || !screen) return null;
            const fills =
              canvas.width <= viewport.clientWidth &&
              canvas.height <= viewport.clientHeight &&
              canvas.width > viewport.clientWidth * 0.85 &&
              canvas.height > viewport.clientHeight * 0.85;
            return fills ? { cols: screen.cols, rows: screen.rows } : null;
          },
          { panel: PANEL, hooksName: TEST_HOOKS_GLOBAL },
        );
      const screen = await poll(fitted, "the panel's terminal to fill its viewport");
      expect({ cols, rows }).toEqual({ cols: screen.cols, rows: screen.rows });
      // Not the 80x24 a session gets when nobody says.
      expect({ cols, rows }).not.toEqual({ cols: 80, rows: 24 });
      // The session was made at that size and never resized: its recording starts at it, and no
      // resize to another size follows (the panel had nothing to re-wrap).
      const sessionId = (await page.getAttribute(PANEL, "data-session-id"))!;
      const response = await fetch(`${stack.url}/api/sessions/${sessionId}/recording`, {
        headers: { Authorization: `Bearer ${stack.secrets.API_TOKEN}` },
      });
      const [header, ...events] = (await response.text())
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect({ cols: header.width, rows: header.height }).toEqual({ cols, rows });
      const resizes = events.filter((event) => event[1] === "r").map((event) => event[2]);
      expect(resizes.filter((size) => size !== `${cols}x${rows}`)).toEqual([]);
    });
  }
});
