/** The join page replays a finished session from its recording, fetched with the page's join token: at max it ends on the final live screen, at 1× the pauses are where they were, and it can be paused and left. */
import type { Browser, BrowserContext, Page, Request, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAsciicast } from "../../client/src/join/asciicast-reader.ts";
import { TEST_HOOKS_GLOBAL, type WebtermTestHooks } from "../../client/src/terminal/test-hooks.ts";
import { launchChromium, newTestContext } from "../harness/browser.ts";
import { startStack, type Stack } from "../harness/edge-stack.ts";
import {
  joinInBrowser,
  mintJoinUrl,
  openSession,
  recordSockets,
  type RecordedSocket,
} from "../harness/join-page.ts";
import { poll, waitForPanelState } from "../harness/terminal-page.ts";

/** How long the scenario waits between its two commands (ms): the pause the replay must keep. */
const PAUSE_MS = 1500;
/** What the two commands print; their command lines (`echo first-$((6*7))`) do not contain it. */
const FIRST = "first-42";
const SECOND = "second-42";

const REPLAY = '[data-testid="replay-view"]';
const ARTIFACTS = new URL("../../test-artifacts/", import.meta.url).pathname;

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];
let sessionId: string;
/** The writer's page, open from the start until after the shell exited. */
let writerPage: Page;
/** Whether the writer's page offered Replay while the shell still ran. */
let offeredWhileLive: boolean;

async function run(command: string): Promise<Record<string, any>> {
  const response = await stack.api("POST", "/api/tools/interactive_shell", {
    session_id: sessionId,
    initial_command: command,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  const session = await openSession(stack, null);
  sessionId = session.sessionId;
  const initial = (await stack.api("GET", `/api/sessions/${sessionId}`)).body.size;
  // A writer's page claims its panel's size: the recording gets a resize.
  const writer = await joinInBrowser(browser, session.url);
  contexts.push(writer.context);
  writerPage = writer.page;
  await poll(async () => {
    const { size } = (await stack.api("GET", `/api/sessions/${sessionId}`)).body;
    return size.cols !== initial.cols || size.rows !== initial.rows;
  }, "the writer's size claim");
  expect(await run("echo first-$((6*7))")).toMatchObject({ status: "completed", exit_code: 0 });
  offeredWhileLive = (await writerPage.$('[data-testid="replay-button"]')) !== null;
  await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
  expect(await run("echo second-$((6*7))")).toMatchObject({ status: "completed", exit_code: 0 });
  expect(await run("exit")).toMatchObject({ status: "exited" });
  await waitForPanelState(writerPage, "exited");
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await stack?.stop();
});

/** A viewer's page on the exited session, with every request it makes to the recording route. */
async function viewerPage(): Promise<{
  page: Page;
  token: string;
  requests: Request[];
  sockets: RecordedSocket[];
}> {
  const url = await mintJoinUrl(stack, sessionId, "viewer");
  const context = await newTestContext(browser);
  contexts.push(context);
  const page = await context.newPage();
  const sockets = recordSockets(page);
  const requests: Request[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/api/")) requests.push(request);
  });
  await page.goto(url);
  await waitForPanelState(page, "exited");
  const token = new URLSearchParams(new URL(url).hash.slice(1)).get("token")!;
  return { page, token, requests, sockets };
}

/** The live terminal's and the replay's lines and screen (the pages' test probes). */
async function readTerminals(page: Page) {
  return page.evaluate((name) => {
    const hooks = (globalThis as unknown as Record<string, WebtermTestHooks>)[name]!;
    const live = hooks.terminals?.[0];
    const replay = hooks.replays?.[0];
    return {
      live: live ? { lines: live.lines(), screen: live.screen() } : null,
      replay: replay
        ? { lines: replay.lines(), screen: replay.screen(), player: replay.player() }
        : null,
    };
  }, TEST_HOOKS_GLOBAL);
}

/** Records, from now on, the page clock's time at which each of `lines` first is a line of the replay. */
async function watchReplayLines(page: Page, lines: string[]): Promise<void> {
  await page.evaluate(
    ({ name, wanted }) => {
      const hooks = (globalThis as unknown as Record<string, WebtermTestHooks>)[name]!;
      const seen: Record<string, number> = {};
      (globalThis as unknown as { __replaySeen: typeof seen }).__replaySeen = seen;
      const tick = (): void => {
        const now = performance.now();
        const shown = hooks.replays?.[0]?.lines() ?? [];
        for (const line of wanted) if (!(line in seen) && shown.includes(line)) seen[line] = now;
        if (Object.keys(seen).length < wanted.length) setTimeout(tick, 5);
      };
      tick();
    },
    { name: TEST_HOOKS_GLOBAL, wanted: lines },
  );
}

/** Waits until the replay's `data-state` is `state` (loading, failed, paused, playing, ended). */
async function waitForReplayState(page: Page, state: string, timeoutMs = 15_000): Promise<void> {
  await page.waitForSelector(`${REPLAY}[data-state="${state}"]`, { timeout: timeoutMs });
}

describe("replaying a finished session on the join page", () => {
  it("offers Replay once the shell has exited, not before: on the page that watched it exit, and on one that joined after", async () => {
    expect(offeredWhileLive).toBe(false);
    await writerPage.waitForSelector('[data-testid="replay-button"]');
    const { page } = await viewerPage();
    expect(await page.textContent('[data-testid="terminal-status-label"]')).toBe("Exited (code 0)");
    expect(await page.isVisible('[data-testid="replay-button"]')).toBe(true);
  });

  it("at max speed ends on the same screen as the final live view, resized as the session was, with the recording fetched by the join token", async () => {
    const { page, token, requests, sockets } = await viewerPage();
    const before = await readTerminals(page);
    await page.click('[data-testid="replay-button"]');
    // In the live panel's place: nothing of the live panel shows through it.
    expect(await page.isVisible(REPLAY)).toBe(true);
    expect(await page.isVisible('[data-testid="terminal-panel"]')).toBe(false);
    await page.click('[data-testid="replay-speed"][data-speed="max"]');
    await waitForReplayState(page, "ended");
    const after = await readTerminals(page);
    expect(
      await page.$$eval('[data-testid="replay-speed"]', (buttons) =>
        buttons.map((button) => button.getAttribute("data-speed")),
      ),
    ).toEqual(["1", "2", "8", "max"]);
    const length = clock(after.replay!.player.duration);
    expect(await page.textContent('[data-testid="replay-position"]')).toBe(`${length} / ${length}`);
    expect(after.replay!.screen).toEqual(after.live!.screen);
    expect(after.replay!.lines).toEqual(after.live!.lines);
    // The recording starts at the size the session was created with; the writer's resize in it
    // brought the replay to the live size.
    const { body: info } = await stack.api("GET", `/api/sessions/${sessionId}`);
    const recorded = readAsciicast(await fetchRecording(token));
    expect([recorded.cols, recorded.rows]).not.toEqual([info.size.cols, info.size.rows]);
    expect(recorded.events.some((event) => event.kind === "resize")).toBe(true);
    expect([after.replay!.screen.cols, after.replay!.screen.rows]).toEqual([
      info.size.cols,
      info.size.rows,
    ]);
    expect(after.live!.lines).toContain(FIRST);
    expect(after.live!.lines).toContain(SECOND);

    const fetches = requests.filter((request) => request.url().includes("/recording"));
    expect(fetches).toHaveLength(1);
    expect(new URL(fetches[0]!.url()).search).toBe("");
    expect(await fetches[0]!.headerValue("authorization")).toBe(`Bearer ${token}`);
    for (const request of requests) {
      expect(JSON.stringify(await request.allHeaders())).not.toContain(stack.secrets.API_TOKEN);
    }

    // Back to the live view: the replay is gone, the live terminal as it was, Replay offered again.
    await page.click('[data-testid="replay-close"]');
    expect(await page.$(REPLAY)).toBeNull();
    // Its terminal is disposed as the view unmounts, which Preact may finish after the DOM change.
    const back = await poll(async () => {
      const now = await readTerminals(page);
      return now.replay === null && now;
    }, "the replay's terminal disposed");
    expect(back.live!.screen).toEqual(before.live!.screen);
    // The live view kept its one connection all along.
    expect(sockets.map((socket) => socket.closed)).toEqual([false]);
    expect(await page.isVisible('[data-testid="terminal-panel"]')).toBe(true);
    expect(await page.isVisible('[data-testid="replay-button"]')).toBe(true);
  });

  it("at 1× shows the second command's output only after the pause the recording holds", async () => {
    const { page, token } = await viewerPage();
    const recorded = readAsciicast(await fetchRecording(token));
    const at = (text: string) =>
      recorded.events.find((event) => event.kind === "output" && event.text.includes(text))!.time;
    const gapMs = (at(SECOND) - at(FIRST)) * 1000;
    // The scenario's pause is in the recording (measured there, not assumed).
    expect(gapMs).toBeGreaterThanOrEqual(PAUSE_MS);

    await watchReplayLines(page, [FIRST, SECOND]);
    await page.click('[data-testid="replay-button"]');
    const seen = await poll(
      async () => {
        const times = await page.evaluate(
          () => (globalThis as unknown as { __replaySeen: Record<string, number> }).__replaySeen,
        );
        return times[FIRST] !== undefined && times[SECOND] !== undefined && times;
      },
      "both outputs in the replay",
      30_000,
    );
    const shownGapMs = seen[SECOND]! - seen[FIRST]!;
    // A replay that ignored the timing would show both together. The bounds are wide on purpose:
    // on a loaded machine the page's 5 ms polling and its timers run late, either way.
    expect(shownGapMs).toBeGreaterThanOrEqual(gapMs / 2);
    expect(shownGapMs).toBeLessThan(gapMs + 10_000);
    expect((await readTerminals(page)).replay!.player.speed).toBe(1);
  });

  it("Pause holds the replay where it is, Resume goes on from there, and Play again starts it over", async () => {
    const { page } = await viewerPage();
    await watchReplayLines(page, [FIRST]);
    await page.click('[data-testid="replay-button"]');
    await poll(
      async () =>
        page.evaluate(
          (line) =>
            (globalThis as unknown as { __replaySeen: Record<string, number> }).__replaySeen[
              line
            ] !== undefined,
          FIRST,
        ),
      "the first output in the replay",
    );
    await page.click('[data-testid="replay-toggle"]');
    await waitForReplayState(page, "paused");
    expect(await page.textContent('[data-testid="replay-toggle"]')).toBe("Resume");
    const paused = (await readTerminals(page)).replay!;
    await page.screenshot({ path: `${ARTIFACTS}join-replay.png` });
    // Longer than the pause to the second output: a replay still playing would move and show it.
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS + 500));
    const still = (await readTerminals(page)).replay!;
    expect(still.player.position).toBe(paused.player.position);
    expect(still.lines).not.toContain(SECOND);

    await page.click('[data-testid="replay-toggle"]');
    await waitForReplayState(page, "playing");
    await page.click('[data-testid="replay-speed"][data-speed="2"]');
    await waitForReplayState(page, "ended", 30_000);
    expect((await readTerminals(page)).replay!.lines).toContain(SECOND);
    expect(await page.textContent('[data-testid="replay-toggle"]')).toBe("Play again");

    // Play again at 1×: it starts over, so the second output (1.5 s in) is not there yet; the
    // check reads the page at once, far inside that margin even on a loaded machine.
    await page.click('[data-testid="replay-speed"][data-speed="1"]');
    await page.click('[data-testid="replay-toggle"]');
    await waitForReplayState(page, "playing");
    const again = (await readTerminals(page)).replay!;
    expect(again.lines).not.toContain(SECOND);
  });

  // Last: it ends the session.
  it("once the session ended, Replay is gone, and a replay still loading says the recording was deleted", async () => {
    const { page } = await viewerPage();
    let held: Route | null = null;
    await page.route("**/recording", (route) => void (held = route));
    await page.click('[data-testid="replay-button"]');
    await poll(async () => held, "the recording request");
    const ended = await stack.api("DELETE", `/api/sessions/${sessionId}`);
    expect(ended.status).toBe(200);
    // Covered by the replay, the live panel is hidden: attached is all it can be.
    await page.waitForSelector('[data-testid="terminal-panel"][data-state="ended"]', {
      state: "attached",
    });
    await held!.continue();
    await waitForReplayState(page, "failed");
    expect(await page.textContent('[data-testid="replay-error"]')).toBe(
      "The session has ended and its recording was deleted with its output.",
    );
    await page.click('[data-testid="replay-close"]');
    await waitForPanelState(writerPage, "ended");
    for (const each of [page, writerPage]) {
      expect(await each.$('[data-testid="replay-button"]')).toBeNull();
    }
  });
});

/** "m:ss", as the replay shows a position. */
function clock(seconds: number): string {
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

/** GET the recording as the join page does, with `token` as the bearer. */
async function fetchRecording(token: string): Promise<string> {
  const response = await fetch(`${stack.url}/api/sessions/${sessionId}/recording`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  return response.text();
}
