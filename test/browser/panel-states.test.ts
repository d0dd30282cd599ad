/** The panel's states on the real stack, each a fact: a frozen host is "Host not responding" with no round trip shown, a killed one "Host offline", a restarted one without the shell "Shell lost", a graceful stop the shells' true exits, an edge restart "Reconnecting" then "Live". */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { launchChromium } from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import { joinInBrowser, openSession } from "../harness/join-page.ts";
import { PANEL, poll, typeLine, waitForPanelState, waitForRow } from "../harness/terminal-page.ts";

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
  const pid = stack?.runner.child.pid;
  if (pid) {
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      // Already gone.
    }
  }
  await browser?.close();
  await stack?.stop();
});

/** Opens a session once the runner is there (a test before may have restarted it) and joins it. */
async function openAndJoin(command: string): Promise<Page> {
  await stack.waitForRunner(30_000);
  const session = await openSession(stack, command);
  return join(session.url);
}

async function join(url: string): Promise<Page> {
  const joined = await joinInBrowser(browser, url);
  contexts.push(joined.context);
  return joined.page;
}

const label = (page: Page) => page.textContent(`${PANEL} [data-testid="terminal-status-label"]`);
const detail = (page: Page) =>
  page.textContent(`${PANEL} [data-testid="terminal-status-detail"]`).catch(() => null);
const hostLatency = (page: Page) =>
  page.$(`${PANEL} [data-testid="terminal-latency"]`).then((e) => e?.textContent() ?? null);

/** A new runner process for the same host, and every later test's session on it. */
async function freshRunner(): Promise<void> {
  await stack.restartRunner();
  await stack.waitForRunner();
}

it("a frozen runner (SIGSTOP) makes the panel say Host not responding with no round trip shown; SIGCONT brings Live with a host round trip", async () => {
  const page = await openAndJoin("echo ready-$((40+2))");
  await waitForRow(page, "ready-42");
  await poll(async () => (await hostLatency(page)) !== null, "a host round trip", 15_000);
  expect(await page.getAttribute(`${PANEL} [data-testid="terminal-latency"]`, "title")).toBe(
    "Round trip to the shell's host",
  );

  const pid = stack.runner.child.pid!;
  process.kill(pid, "SIGSTOP");
  try {
    await waitForPanelState(page, "runner-unresponsive", 20_000);
    expect(await label(page)).toBe("Host not responding");
    expect(await detail(page)).toContain("refused, not lost");
    expect(await hostLatency(page)).toBeNull();
  } finally {
    process.kill(pid, "SIGCONT");
  }
  await waitForPanelState(page, "live", 20_000);
  await poll(async () => (await hostLatency(page)) !== null, "a host round trip again", 15_000);
  expect(await label(page)).toBe("Live");
  // The shell is the same one, and takes keys again.
  await typeLine(page, "echo back-$((6*7))");
  await waitForRow(page, "back-42");
}, 120_000);

it("an edge restart shows Reconnecting to the edge, then Live with the same shell", async () => {
  const page = await openAndJoin("echo before-$((1+1))");
  await waitForRow(page, "before-2");
  const restarted = stack.restartEdge();
  await waitForPanelState(page, "reconnecting", 20_000);
  expect(await label(page)).toBe("Reconnecting to the edge...");
  await restarted;
  await stack.waitForRunner(60_000);
  await waitForPanelState(page, "live", 60_000);
  await typeLine(page, "echo after-$((2+2))");
  await waitForRow(page, "after-4", 30_000);
}, 150_000);

it("a killed runner shows Host offline (not Reconnecting), and a runner restarted without the shell shows it lost, with the reason", async () => {
  const page = await openAndJoin("echo alive-$((3+3))");
  await waitForRow(page, "alive-6");
  process.kill(stack.runner.child.pid!, "SIGKILL");
  await waitForPanelState(page, "runner-offline", 20_000);
  expect(await label(page)).toBe("Host offline");
  const said = await detail(page);
  expect(said).toContain('Check that pty-runner is running on "');
  expect(said).not.toContain("output resumes when it is back");
  expect(await hostLatency(page)).toBeNull();

  await freshRunner();
  await waitForPanelState(page, "exited", 30_000);
  expect(await label(page)).toBe("Shell lost");
  expect(await detail(page)).toContain("restarted without this shell");
}, 120_000);

it("a runner stopped gracefully (SIGTERM) ends its shells, and the panel shows their true exit, not Host offline", async () => {
  const page = await openAndJoin("echo term-$((4+4))");
  await waitForRow(page, "term-8");
  await stack.runner.stop();
  await waitForPanelState(page, "exited", 30_000);
  expect(await label(page)).toMatch(/^Exited \((signal SIG[A-Z]+|code \d+)\)$/);
  await freshRunner();
}, 120_000);
