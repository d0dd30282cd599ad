/** Automatic terminal answers: dropped for replayed queries, sent as REPLY for live ones; keystrokes always pass, as INPUT. */
import { readFileSync } from "node:fs";
import { Terminal } from "@xterm/headless";
import { describe, expect, it } from "vitest";
import { ReplyGuard } from "../../../client/src/safety/reply-guard.ts";
import { forwardInput } from "../../../client/src/terminal/input-forwarder.ts";
import { OutputWriter } from "../../../client/src/terminal/output-writer.ts";
import { waitFor } from "../../harness/wait.ts";

const encoder = new TextEncoder();

/**
 * A headless xterm fed through the real writer, with the guard and the client's forwarder
 * deciding what reaches the session: `inputs` went out as INPUT frames, `replies` as REPLY.
 */
function harness() {
  const terminal = new Terminal({ cols: 80, rows: 24, allowProposedApi: true });
  const writer = new OutputWriter({ write: (data, done) => terminal.write(data, done) }, () => {});
  const guard = new ReplyGuard(terminal.parser, () => writer.parsingLive());
  const inputs: string[] = [];
  const replies: string[] = [];
  const dropped: string[] = [];
  const sink = {
    sendInput: (data: string | Uint8Array) => inputs.push(String(data)) > 0,
    sendReply: (data: string | Uint8Array) => replies.push(String(data)) > 0,
  };
  terminal.onData((data) => {
    if (forwardInput(guard.classify(), data, sink) === "dropped") dropped.push(data);
  });
  let offset = 0;
  const feed = (text: string, live: boolean): void => {
    const data = encoder.encode(text);
    writer.push({ offset, data, live });
    offset += data.byteLength;
  };
  const parsed = () =>
    waitFor(() => writer.pendingBytes === 0 && writer.queuedBytes === 0, {
      what: "xterm to parse everything",
    });
  return { terminal, guard, inputs, replies, dropped, feed, parsed, writer };
}

/** Queries xterm answers by itself (the browser-only ones, colours and focus, need a real page). */
const QUERIES: Record<string, string> = {
  "cursor position (CSI 6n)": "\x1b[6n",
  "device status (CSI 5n)": "\x1b[5n",
  "primary device attributes (CSI c)": "\x1b[c",
  "secondary device attributes (CSI > c)": "\x1b[>c",
  "extended cursor position (CSI ? 6n)": "\x1b[?6n",
  "DEC mode report (CSI ? 25 $ p)": "\x1b[?25$p",
  "ANSI mode report (CSI 4 $ p)": "\x1b[4$p",
  "status string (DCS $ q r)": "\x1bP$qr\x1b\\",
};

describe("reply suppression", () => {
  it("a cursor-position query in replayed history is not answered into the shell", async () => {
    const h = harness();
    h.feed("old output\r\n\x1b[6n", false);
    await h.parsed();
    expect([...h.inputs, ...h.replies]).toEqual([]);
    expect(h.dropped).toEqual(["\x1b[2;1R"]);
  });

  it("the same query arriving live is answered once, as a REPLY (so the session can keep one writer's)", async () => {
    const h = harness();
    h.feed("\x1b[6n", true);
    await h.parsed();
    expect(h.replies).toEqual(["\x1b[1;1R"]);
    expect(h.inputs).toEqual([]);
    expect(h.dropped).toEqual([]);
  });

  for (const [name, query] of Object.entries(QUERIES)) {
    it(`${name}: dropped when replayed, sent as REPLY when live`, async () => {
      const replayed = harness();
      replayed.feed(query, false);
      await replayed.parsed();
      expect(replayed.dropped.length).toBeGreaterThan(0);
      expect([...replayed.inputs, ...replayed.replies]).toEqual([]);

      const live = harness();
      live.feed(query, true);
      await live.parsed();
      expect(live.replies.length).toBeGreaterThan(0);
      expect(live.inputs).toEqual([]);
      expect(live.dropped).toEqual([]);
    });
  }

  it("a replayed query that xterm parses only after `live` arrived is still not answered", async () => {
    const h = harness();
    // A big replay keeps xterm busy for several slices; live output is queued behind it at once.
    h.feed("x".repeat(2 * 1024 * 1024) + "\x1b[6n", false);
    h.feed("live prompt $ ", true);
    await h.parsed();
    expect([...h.inputs, ...h.replies]).toEqual([]);
    expect(h.dropped).toHaveLength(1);
  });

  it("keystrokes typed while the replay is still being parsed reach the shell, as INPUT", async () => {
    const h = harness();
    h.feed("\x1b[6n" + "y".repeat(4 * 1024 * 1024) + "\x1b[c", false);
    await waitFor(() => h.writer.pendingBytes > 0);
    await new Promise((resolve) => setTimeout(resolve, 0)); // a keyboard event is its own task
    h.terminal.input("ls\r");
    await h.parsed();
    expect(h.inputs).toEqual(["ls\r"]);
    expect(h.replies).toEqual([]);
    expect(h.dropped).toHaveLength(2);
  });

  it("xterm has no automatic answer the guard does not know about", () => {
    // Counts xterm's own (not user-input) answers. If an xterm upgrade changes a count, look at the
    // new call sites and teach client/src/safety/reply-guard.ts about them before updating it.
    const automaticAnswers = (path: string): number => {
      const source = readFileSync(
        new URL(`../../../node_modules/@xterm/xterm/src/${path}`, import.meta.url),
        "utf8",
      );
      // One call per line in xterm's source; user input passes `wasUserInput = true`.
      return source
        .split("\n")
        .filter((line) => line.includes("triggerDataEvent(") && !line.includes(", true)")).length;
    };
    expect(automaticAnswers("common/InputHandler.ts")).toBe(12);
    // Colour reports (1), focus reports on DECSET 1004 and on focus/blur (4), window reports (2).
    expect(automaticAnswers("browser/CoreBrowserTerminal.ts")).toBe(7);
  });
});
