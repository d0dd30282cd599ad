/** How the browser terminal lays out text, measured through its own cursor report on the real stack. */
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { joinInBrowser, openSession } from "../harness/join-page.ts";
import { answersTo, CURSOR_REPORT, parseAnswers, runInSession } from "../harness/shell-answers.ts";

let stack: Stack;
let browser: Browser;
let context: BrowserContext | null = null;
beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
}, 90_000);
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await stack?.stop();
});

describe("text layout", () => {
  it("uses Unicode 11 widths: an emoji added in Unicode 10 (U+1F9D0) takes two columns", async () => {
    const session = await openSession(stack, null);
    ({ context } = await joinInBrowser(browser, session.url));
    // U+1F9D0 in UTF-8 (octal escapes for printf), then a cursor position query.
    const output = await runInSession(
      stack,
      session.sessionId,
      answersTo("\\360\\237\\247\\220\\e[6n"),
    );
    const report = CURSOR_REPORT.exec(parseAnswers(output).first);
    expect(report, output).not.toBeNull();
    // Column 1 before the emoji; Unicode 6 tables would give it one cell and report column 2.
    expect(Number(report![2])).toBe(3);
  });
});
