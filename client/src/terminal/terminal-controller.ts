/**
 * One xterm wired to one TerminalConnection: output and keyframes through the flow-controlled
 * writer, input through the reply guard, size from the panel (writers) or from the session
 * (viewers). Plain TypeScript, so the Preact component that owns it stays thin.
 */
import { FitAddon } from "@xterm/addon-fit";
import { Unicode11Addon } from "@xterm/addon-unicode11";
import { Terminal, type IDisposable, type ITheme } from "@xterm/xterm";
import type { CommandRecord, TerminalSize } from "../../../protocol/index.ts";
import type { ConnectionSnapshot } from "../connection/connection-status.ts";
import { TerminalConnection, type ConnectionNotice } from "../connection/terminal-connection.ts";
import { installSafety } from "../safety/install-safety.ts";
import { installClipboardKeys } from "./clipboard-keys.ts";
import type { ColorScheme, ResolvedColorScheme } from "./color-scheme.ts";
import { exitMarkerBytes } from "./exit-marker.ts";
import { isApplePlatform } from "./platform.ts";
import { installSearch, isSearchKey, type TerminalSearch } from "./terminal-search.ts";
import { withCtrl } from "./touch-keys.ts";
import { installCommandDecorations } from "./command-decorations.ts";
import { forwardInput } from "./input-forwarder.ts";
import { queueKeyframe, resizeTerminal } from "./keyframe-reset.ts";
import { OutputWriter } from "./output-writer.ts";
import { loadBestRenderer } from "./renderer.ts";
import { followSize, type PanelSizes } from "./size-follower.ts";
import { fontSizeFor, terminalOptions, themeFor } from "./terminal-options.ts";
import { bufferLines, registerProbe, screenState, scrollState, testHooks } from "./test-hooks.ts";

/** Keys that only modify others: pressing one alone sends nothing. */
const MODIFIER_KEYS = new Set(["Control", "Shift", "Alt", "Meta", "AltGraph", "CapsLock"]);

/** How the terminal looks; anything absent takes the default. */
export interface TerminalDisplay {
  /** Font size in CSS pixels; by default 12 on narrow (< 600 px) panels, else 14. */
  fontSize?: number;
  /**
   * Light or dark palette and panel; "auto" (the default) follows the system's
   * `prefers-color-scheme`, live.
   */
  colorScheme?: ColorScheme;
  /** Colours laid over the scheme's theme (THEME or LIGHT_THEME): the ones given replace its own. */
  theme?: ITheme;
}

/** The display the controller applies: the scheme already resolved by the panel. */
export interface ResolvedDisplay extends Omit<TerminalDisplay, "colorScheme"> {
  scheme: ResolvedColorScheme;
}

/** What the controller needs to know and whom it tells. */
export interface TerminalControllerOptions extends ResolvedDisplay {
  server: string;
  sessionId: string;
  token: string;
  /** Fresh tokens before the current one expires (see TerminalConnectionOptions.getToken). */
  getToken?: () => Promise<string>;
  onState: (snapshot: ConnectionSnapshot) => void;
  onNotice: (notice: ConnectionNotice) => void;
  /** What the panel fits and what the terminal shows (the session's size), whenever either changes. */
  onSizes?: (sizes: PanelSizes) => void;
  /** The search key was pressed (Ctrl+Shift+F, Cmd+F on macOS): open the search box. */
  onSearchKey?: () => void;
  /** The touch row's Ctrl was used up by a key, or set (`setCtrlLatched`). */
  onCtrlLatch?: (latched: boolean) => void;
  /** A command of the shell started or ended: called once the terminal has drawn its mark. */
  onCommand?: (command: CommandRecord) => void;
}

/** A running terminal; dispose() tears down the socket, the listeners and xterm. */
export interface TerminalController {
  setToken(token: string): void;
  /** Applies a new font size and theme, then fits the terminal to its element again. */
  setDisplay(display: ResolvedDisplay): void;
  focus(): void;
  /** The scrollback search (the panel's search box drives it). */
  search: TerminalSearch;
  /** Sends `data` as if typed (the touch keys): the same path, guards and read-only rule. */
  type(data: string): void;
  /** Makes the next key typed (on screen or on the soft keyboard) a Ctrl chord, or stops that. */
  setCtrlLatched(latched: boolean): void;
  /** Whether the program asked for application cursor keys (arrows send ESC O A, not ESC [ A). */
  applicationCursorKeys(): boolean;
  dispose(): void;
}

/** Opens xterm in `host` (which must be laid out) and connects it to the session. */
export function startTerminal(
  host: HTMLElement,
  options: TerminalControllerOptions,
): TerminalController {
  const terminal = new Terminal({
    ...terminalOptions(options.fontSize ?? fontSizeFor(host.clientWidth)),
    theme: { ...themeFor(options.scheme), ...options.theme },
  });
  let scheme = options.scheme;
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

  // The touch row's sticky Ctrl: applies to the next key typed, then lets go.
  let ctrlLatched = false;
  const setCtrlLatched = (latched: boolean): void => {
    if (ctrlLatched === latched) return;
    ctrlLatched = latched;
    options.onCtrlLatch?.(latched);
  };
  const mac = isApplePlatform();
  const readOnlyNotice = (): void =>
    options.onNotice({
      level: "info",
      code: "read_only",
      text: "Read-only: your keystrokes are not sent.",
    });
  const clipboard = installClipboardKeys(terminal, host, {
    mac,
    canPaste: () => !readOnly(),
    onReadOnly: readOnlyNotice,
    onClipboardError: (action, error) =>
      options.onNotice({
        level: "warning",
        code: "clipboard",
        text: `The browser refused to ${action}: allow clipboard access for this site (${(error as Error)?.name ?? "error"}).`,
      }),
  });
  const search = installSearch(terminal, {
    mac,
    scheme: () => scheme,
    onOpen: () => options.onSearchKey?.(),
  });

  const listeners: IDisposable[] = [
    terminal.onData((data) => {
      if (ctrlLatched) {
        setCtrlLatched(false);
        data = withCtrl(data);
      }
      forward(data);
    }),
    // Some mouse reports are not UTF-8; onBinary hands them over as one char per byte.
    terminal.onBinary((data) => forward(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff))),
  ];
  // What a keyframe resets the options to: what the terminal started with.
  const fresh = {
    convertEol: terminal.options.convertEol ?? false,
    cursorBlink: terminal.options.cursorBlink ?? false,
  };
  // The exit marker is written once per terminal, whether it saw the exit or joined after it.
  let exitMarked = false;
  // The session's size as announced last (its welcome or a `resize`): what the terminal shows.
  let wantedSize: TerminalSize | null = null;
  // What the panel fits, as the fit addon measured it last.
  let fits: TerminalSize | null = null;
  const reportSizes = (): void =>
    options.onSizes?.({ fits, shows: { cols: terminal.cols, rows: terminal.rows } });
  listeners.push(terminal.onResize(reportSizes));
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
      // Once the replay is complete the output up to the exit is queued: the marker goes after it.
      if (snapshot.exit && snapshot.phase === "live" && !exitMarked) {
        const exit = snapshot.exit;
        exitMarked = true;
        writer.afterOutput(() =>
          terminal.write(exitMarkerBytes(exit, terminal.buffer.active.cursorX)),
        );
      }
      // A viewer's terminal produces no input at all, automatic answers included.
      const disable = snapshot.role === "viewer";
      if (terminal.options.disableStdin !== disable) terminal.options.disableStdin = disable;
      options.onState(snapshot);
    }),
    connection.on("notice", options.onNotice),
    // After the output before it is drawn: a card never says "ended" ahead of the terminal.
    connection.on("command", (command) => writer.afterOutput(() => options.onCommand?.(command))),
  ];

  // Everyone shows the session's size (the smallest writer's); a writer says what its panel fits,
  // and a bigger panel shows a margin rather than the shell clipping a smaller one.
  const sizes = followSize(host, fit, (cols, rows) => {
    fits = { cols, rows };
    reportSizes();
    if (!readOnly()) connection.resize(cols, rows);
  });

  const onKeyDown = (event: KeyboardEvent): void => {
    // A modifier alone is not typing, nor is jumping between commands, copying or searching
    // (viewers may do those).
    if (
      readOnly() &&
      !MODIFIER_KEYS.has(event.key) &&
      !commands.handlesKey(event) &&
      !clipboard.handlesKey(event) &&
      !isSearchKey(event, mac)
    ) {
      readOnlyNotice();
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
      scheme = display.scheme;
      terminal.options.theme = { ...themeFor(display.scheme), ...display.theme };
      // Another font size is another number of rows and columns in the same element.
      sizes.measure();
    },
    focus: () => terminal.focus(),
    search,
    type: (data) => terminal.input(data, true),
    setCtrlLatched,
    applicationCursorKeys: () => terminal.modes.applicationCursorKeysMode,
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
      clipboard.dispose();
      search.dispose();
      safety.dispose();
      renderer?.dispose();
      terminal.dispose();
    },
  };
}
