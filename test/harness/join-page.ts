/** Browser tests' sessions: open one through the agent API, join it in a fresh page, and record that page's WebSockets. */
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { InteractiveShellResult, JoinGrant, Role } from "../../protocol/index.ts";
import { newTestContext, type Viewport } from "./browser.ts";
import type { Stack } from "./edge-stack.ts";
import { waitForPanelState } from "./terminal-page.ts";

/** One WebSocket a page opened, as the page saw it. */
export interface RecordedSocket {
  url: string;
  closed: boolean;
  /** Binary frames the page sent (INPUT and REPLY frames; control messages are text). */
  binarySent: Uint8Array[];
}

/** Records every WebSocket `page` opens from now on. */
export function recordSockets(page: Page): RecordedSocket[] {
  const sockets: RecordedSocket[] = [];
  page.on("websocket", (socket) => {
    const entry: RecordedSocket = { url: socket.url(), closed: false, binarySent: [] };
    sockets.push(entry);
    socket.on("framesent", ({ payload }) => {
      if (typeof payload !== "string") entry.binarySent.push(new Uint8Array(payload));
    });
    socket.on("close", () => (entry.closed = true));
  });
  return sockets;
}

/** A session opened through the agent API. */
export interface ApiSession {
  sessionId: string;
  /** The tool result (its `output` is what `command` printed). */
  result: InteractiveShellResult;
  /** The writer join URL from the result, at `origin`. */
  url: string;
}

/** Opens a session with `interactive_shell`, running `command` in it if given. */
export async function openSession(
  stack: Stack,
  command: string | null,
  origin = stack.url,
): Promise<ApiSession> {
  const response = await stack.api(
    "POST",
    "/api/tools/interactive_shell",
    command === null ? {} : { initial_command: command },
  );
  if (response.status !== 200) {
    throw new Error(`interactive_shell: ${response.status} ${JSON.stringify(response.body)}`);
  }
  const result = response.body as InteractiveShellResult;
  return { sessionId: result.session_id, result, url: atOrigin(result.viewer.url, origin) };
}

/** Mints a join link with `role` for a session (`POST /api/sessions/{id}/tokens`), at `origin`. */
export async function mintJoinUrl(
  stack: Stack,
  sessionId: string,
  role: Role,
  origin = stack.url,
): Promise<string> {
  const response = await stack.api("POST", `/api/sessions/${sessionId}/tokens`, { role });
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`tokens: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return atOrigin((response.body as JoinGrant).url, origin);
}

/** A join page that is live. */
export interface JoinedPage {
  context: BrowserContext;
  page: Page;
  sockets: RecordedSocket[];
}

/** Opens `url` (a join link) in a fresh context and waits until its terminal is live. */
export async function joinInBrowser(
  browser: Browser,
  url: string,
  viewport?: Viewport,
): Promise<JoinedPage> {
  const context = await newTestContext(browser, viewport);
  const page = await context.newPage();
  const sockets = recordSockets(page);
  await page.goto(url);
  await waitForPanelState(page, "live");
  return { context, page, sockets };
}

// The API builds links from the URL it was called at; a test may load pages through a proxy.
function atOrigin(link: string, origin: string): string {
  const url = new URL(link);
  return `${origin}${url.pathname}${url.hash}`;
}
