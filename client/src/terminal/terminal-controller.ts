/**
 * One xterm wired to one TerminalConnection: output and keyframes through the flow-controlled
 * writer, input through the reply guard, size from the panel (writers) or from the session
 * (viewers). Plain TypeScript, so the Preact component that owns it stays thin.
 */
import { FitAddon } from "@xterm/addon-fit";
import { Unicode11Addon } from "@xterm/addon-unicode11";
import { Terminal, type IDisposable, type ITheme } from "@xterm/xterm";
import type { TerminalSize } from "../../../protocol/index.ts";
import type { ConnectionSnapshot } from "../connection/connection-status.ts";
import { TerminalConnection, type ConnectionNotice } from "../connection/terminal-connection.ts";
import { installSafety } from "../safety/install-safety.ts";
import { installCommandDecorations } from "./command-decorations.ts";
import { forwardInput } from "./input-forwarder.ts";
import { queueKeyframe, resizeTerminal } from "./keyframe-reset.ts";
import { OutputWriter } from "./output-writer.ts";
import { loadBestRenderer } from "./renderer.ts";
import { followSize } from "./size-follower.ts";
import { fontSizeFor, terminalOptions, THEME } from "./terminal-options.ts";
import { bufferLines, registerProbe, screenState, scrollState, testHooks } from "./test-hooks.ts";

/** Keys that only modify others: pressing one alone sends nothing. */
const MODIFIER_KEYS = new Set(["Control", "Shift", "Alt", "Meta", "AltGraph", "CapsLock"]);

/** How the terminal looks; anything absent takes the default. */
export interface TerminalDisplay {
  /** Font size in CSS pixels; by default 12 on narrow (< 600 px) panels, else 14. */
  fontSize?: number;
  /** Colours laid over the default dark theme (THEME): the ones given replace the default's. */
  theme?: ITheme;
}

/** What the controller needs to know and whom it tells. */
export interface TerminalControllerOptions extends TerminalDisplay {
  server: string;
  sessionId: string;
  token: string;
  /** Fresh tokens before the current one expires (see TerminalConnectionOptions.getToken). */
  getToken?: () => Promise<string>;
  onState: (snapshot: ConnectionSnapshot) => void;
  onNotice: (notice: ConnectionNotice) => void;
}

/** A running terminal; dispose() tears down the socket, the listeners and xterm. */
export interface TerminalController {
  setToken(token: string): void;
  /** Applies a new font size and theme, then fits the terminal to its element again. */
  setDisplay(display: TerminalDisplay): void;
  focus(): void;
  dispose(): void;
}

/** Opens xterm in `host` (which must be laid out) and connects it to the session. */
export function startTerminal(
  host: HTMLElement,
  options: TerminalControllerOptions,
): TerminalController {
  const terminal = new Terminal({
    ...terminalOptions(options.fontSize ?? fontSizeFor(host.clientWidth)),
    theme: { ...THEME, ...options.theme },
  });
  const fit = new FitAddon();
  terminal.loadAddon(fit);
  // Unicode 11 widths (emoji, CJK) match what current shells and libcs assume.
  terminal.loadAddon(new Unicode11Addon());
  terminal.unicode.activeVersion = "11";
  terminal.open(host);
  // Browser tests may ask for xterm's DOM renderer, whose rows are text they can read.
  const renderer = testHooks()?.domRenderer
    ? null
    : loadBestRenderer(terminal, (reason) => console.info(`terminal: DOM renderer (${reason})`));

  const connection = new TerminalConnection({
    server: options.server,
    sessionId: options.sessionId,
    token: options.token,
    getToken: options.getToken,
  });
  const writer = new OutputWriter({ write: (data, done) => terminal.write(data, done) }, (end) =>
    connection.acknowledge(end),
  );
  const safety = installSafety(terminal, () => writer.parsingLive());
  const commands = installCommandDecorations(terminal, host, { onNotice: options.onNotice });

  const readOnly = (): boolean => connection.snapshot.role === "viewer";
  // The guard must be asked synchronously, inside xterm's onData.
  const forward = (data: string | Uint8Array): void =>
    void forwardInput(safety.replies.classify(), data, connection);

  const listeners: IDisposable[] = [
    terminal.onData((data) => forward(data)),
    // Some mouse reports are not UTF-8; onBinary hands them over as one char per byte.
    terminal.onBinary((data) => forward(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff))),
  ];
  // What a keyframe resets the options to: what the terminal started with.
  const fresh = {
    convertEol: terminal.options.convertEol ?? false,
    cursorBlink: terminal.options.cursorBlink ?? false,
  };
  // The size the connection asked for last (a writer's own, claimed at welcome, or the session's).
  let wantedSize: TerminalSize | null = null;
  const unsubscribe = [
    connection.on("output", (chunk) => writer.push(chunk)),
    // Read the size now, not when the keyframe is written: a resize announced later is queued
    // after the keyframe and applies there. A keyframe carries no marks: the commands before it
    // lose their decorations when the terminal is reset for it.
    connection.on("keyframe", (keyframe) =>
      queueKeyframe(writer, terminal, keyframe, fresh, wantedSize, () => commands.reset()),
    ),
    connection.on("resize", (size) => {
      wantedSize = size;
      writer.afterOutput(() => resizeTerminal(terminal, size));
    }),
    connection.on("state", (snapshot) => {
      // A viewer's terminal produces no input at all, automatic answers included.
      const disable = snapshot.role === "viewer";
      if (terminal.options.disableStdin !== disable) terminal.options.disableStdin = disable;
      options.onState(snapshot);
    }),
    connection.on("notice", options.onNotice),
  ];

  const sizes = followSize(host, fit, (cols, rows) => {
    if (readOnly()) return; // Viewers show the session's size, whatever their window.
    if (terminal.cols !== cols || terminal.rows !== rows) terminal.resize(cols, rows);
    connection.resize(cols, rows);
  });

  const onKeyDown = (event: KeyboardEvent): void => {
    // A modifier alone is not typing, nor is jumping between commands (viewers may do that).
    if (readOnly() && !MODIFIER_KEYS.has(event.key) && !commands.handlesKey(event)) {
      options.onNotice({
        level: "info",
        code: "read_only",
        text: "Read-only: your keystrokes are not sent.",
      });
    }
  };
  host.addEventListener("keydown", onKeyDown, true);
  const onOnline = (): void => connection.reconnectNow();
  window.addEventListener("online", onOnline);

  const unregisterProbe = registerProbe({
    sessionId: options.sessionId,
    lines: () => bufferLines(terminal),
    offset: () => connection.offset,
    unparsedBytes: () => writer.pendingBytes + writer.queuedBytes,
    screen: () => screenState(terminal),
    commands: () => commands.commands(),
    scroll: () => scrollState(terminal, commands.highlightedLine()),
  });

  connection.start();

  return {
    setToken: (token) => connection.setToken(token),
    setDisplay: (display) => {
      const fontSize = display.fontSize ?? fontSizeFor(host.clientWidth);
      if (terminal.options.fontSize !== fontSize) terminal.options.fontSize = fontSize;
      terminal.options.theme = { ...THEME, ...display.theme };
      // Another font size is another number of rows and columns in the same element.
      sizes.measure();
    },
    focus: () => terminal.focus(),
    dispose: () => {
      unregisterProbe();
      window.removeEventListener("online", onOnline);
      host.removeEventListener("keydown", onKeyDown, true);
      sizes.stop();
      for (const off of unsubscribe) off();
      connection.close();
      writer.dispose();
      for (const listener of listeners) listener.dispose();
      commands.dispose();
      safety.dispose();
      renderer?.dispose();
      terminal.dispose();
    },
  };
}
