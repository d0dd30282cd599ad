/** A join link whose token lives 5 seconds, renewed by the panel's token provider: the terminal stays live across several expiries, on one socket, and still types; without renewal the edge closes it. */
import { SignJWT } from "jose";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { joinLink } from "../../protocol/index.ts";
import { launchChromium, newTestContext } from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { openSession, recordSockets } from "../harness/join-page.ts";
import { PANEL, typeLine, waitForPanelState, waitForRow } from "../harness/terminal-page.ts";

let stack: Stack;
let browser: Browser;
let secret: Uint8Array;
const contexts: BrowserContext[] = [];
beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  const response = await stack.api("POST", "/api/join-secret");
  secret = new TextEncoder().encode(response.body.secret);
}, 90_000);
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A writer JWT for `sessionId` that expires in `seconds`, as a product's backend mints it. */
function mint(sessionId: string, seconds: number): Promise<string> {
  return new SignJWT({ session: sessionId, role: "writer", tenant: "default", sub: "ada" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(secret);
}

/** Opens the join page with a 5 s token; `renew` gives the panel a provider of fresh ones. */
async function openShortLived(renew: boolean) {
  const { sessionId } = await openSession(stack, null);
  const context = await newTestContext(browser);
  contexts.push(context);
  const page = await context.newPage();
  let minted = 0;
  if (renew) {
    await page.exposeFunction("mintToken", () => (minted++, mint(sessionId, 5)));
    await page.addInitScript(() => {
      const hooks = (globalThis as any).__webtermTest;
      hooks.getToken = () => (globalThis as any).mintToken();
    });
  }
  const sockets = recordSockets(page);
  await page.goto(joinLink(stack.url, { sessionId, token: await mint(sessionId, 5) }));
  await waitForPanelState(page, "live");
  return { page, sockets, minted: () => minted };
}

it("stays live across three expiries on one socket, without a visible interruption, and still types", async () => {
  const { page, sockets, minted } = await openShortLived(true);
  const states = new Set<string>();
  const until = Date.now() + 16_000;
  while (Date.now() < until) {
    states.add((await page.getAttribute(PANEL, "data-state")) ?? "");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect([...states]).toEqual(["live"]);
  expect(sockets).toHaveLength(1);
  expect(sockets[0]!.closed).toBe(false);
  expect(minted()).toBeGreaterThanOrEqual(3);
  await typeLine(page, "echo still-$((40+2))");
  await waitForRow(page, "still-42");
}, 60_000);

it("without a token provider, the edge closes the socket when the token expires", async () => {
  const { page } = await openShortLived(false);
  await page.waitForSelector(`${PANEL}:not([data-state="live"])`, { timeout: 15_000 });
  const label = await page.textContent('[data-testid="terminal-status-label"]');
  expect(label).not.toBe("Live");
}, 60_000);
