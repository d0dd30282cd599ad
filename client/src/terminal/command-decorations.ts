/**
 * Command decorations, as in VS Code's terminal: the shell's OSC 133 marks, read as xterm parses
 * the output, put a mark in the gutter beside each command's prompt (grey while it runs, green for
 * exit 0, red for any other status) and in the overview ruler; a click on a finished one offers to
 * copy its output or its command line; Ctrl+Up/Down (Cmd on macOS) scroll to the previous/next
 * command. Replayed output is parsed like live output, so it gets the same decorations.
 */
import type { IDecoration, IDisposable, IMarker, Terminal } from "@xterm/xterm";
import type { ConnectionNotice } from "../connection/terminal-connection.ts";
import {
  isMacPlatform,
  jumpDirection,
  jumpOrigin,
  jumpTarget,
  type JumpDirection,
  type JumpKey,
} from "./command-jumps.ts";
import {
  CommandTracker,
  describeCommand,
  parseMark,
  type CommandState,
  type TrackedCommand,
  type TrackerEvent,
} from "./command-marks.ts";
import { openCommandMenu } from "./command-menu.ts";
import { textBetween, type BufferPosition } from "./command-text.ts";
import { addKeyHandler } from "./key-handlers.ts";

/** A place in the normal buffer: a marker holds the line as the buffer scrolls and trims. */
interface Place {
  marker: IMarker;
  x: number;
}

type Command = TrackedCommand<Place>;

/** One command as a test reads it (test-hooks.ts). */
export interface CommandProbe {
  id: number;
  /** The buffer line of its prompt (where its decoration is). */
  promptLine: number;
  state: CommandState;
  exitCode: number | null;
  commandLine: string | null;
  /** What "Copy output" copies; null while it runs. */
  output: string | null;
}

/** Whom the decorations tell, and what they use. */
export interface CommandDecorationsOptions {
  onNotice: (notice: ConnectionNotice) => void;
  /** Cmd instead of Ctrl for the jumps; by default read from `navigator.platform`. */
  mac?: boolean;
}

/** The installed decorations; dispose() removes them, their markers and their handlers. */
export interface CommandDecorations extends IDisposable {
  /** Forgets every command: the terminal was reset (a keyframe), so its places mean nothing. */
  reset(): void;
  /** Whether `event` is a jump this would handle now (so it is not a keystroke for the shell). */
  handlesKey(event: JumpKey): boolean;
  /** The commands held, oldest first. */
  commands(): CommandProbe[];
  /** The buffer line the last jump went to, while its highlight shows; null otherwise. */
  highlightedLine(): number | null;
}

/** Decoration colours (the overview ruler takes only colours, not CSS classes). */
const RULER_COLOURS: Record<CommandState, string> = {
  running: "#8b949e",
  success: "#3fb950",
  failure: "#f85149",
  unknown: "#8b949e",
};
/** How long a jump's highlight stays on the prompt's row (ms). */
const HIGHLIGHT_MS = 1_500;

/**
 * Installs the decorations on `terminal`; `host` (the element xterm was opened in) holds the menu.
 * Call after terminal.open().
 */
export function installCommandDecorations(
  terminal: Terminal,
  host: HTMLElement,
  options: CommandDecorationsOptions,
): CommandDecorations {
  const mac = options.mac ?? isMacPlatform(globalThis.navigator?.platform ?? "");
  const tracker = new CommandTracker<Place>({
    here: () => {
      const buffer = terminal.buffer.active;
      // Markers live in the normal buffer; a full-screen program's screen has no commands.
      if (buffer.type !== "normal") return null;
      const marker = terminal.registerMarker(0) as IMarker | undefined;
      return marker ? { marker, x: buffer.cursorX } : null;
    },
    release: (place) => place.marker.dispose(),
  });
  const decorations = new Map<Command, IDecoration>();
  let menu: IDisposable | null = null;
  let highlight: { decoration: IDecoration; timer: ReturnType<typeof setTimeout> } | null = null;
  let lastJump: { line: number; viewportY: number } | null = null;

  const position = (place: Place): BufferPosition => ({ line: place.marker.line, x: place.x });
  const outputOf = (command: Command): string | null => {
    if (!command.outputEnd) return null;
    const from = position(command.outputStart);
    const to = position(command.outputEnd);
    // A marker whose line left the buffer says -1: that output is gone.
    if (from.line < 0 || to.line < 0) return null;
    return textBetween(terminal.buffer.normal, from, to);
  };

  const drop = (command: Command): void => {
    decorations.get(command)?.dispose();
    decorations.delete(command);
    tracker.forget(command);
  };

  const decorate = (command: Command): void => {
    // A finished command gets a new decoration: the overview ruler redraws on registration.
    decorations.get(command)?.dispose();
    const decoration = terminal.registerDecoration({
      marker: command.prompt.marker,
      layer: "top",
      overviewRulerOptions: { color: RULER_COLOURS[command.state], position: "full" },
    });
    if (!decoration) return;
    decorations.set(command, decoration);
    decoration.onRender((element) => paint(element, command));
  };

  const paint = (element: HTMLElement, command: Command): void => {
    if (!element.classList.contains("terminal-command")) {
      element.classList.add("terminal-command");
      element.dataset.testid = "command-decoration";
      // Clicks on the gutter are not the terminal's: no selection, no mouse report to the shell.
      for (const type of ["mousedown", "mouseup", "pointerdown", "pointerup"]) {
        element.addEventListener(type, (event) => {
          event.stopPropagation();
          event.preventDefault();
        });
      }
      element.addEventListener("click", (event) => {
        event.stopPropagation();
        openMenu(command, element);
      });
    }
    const finished = command.state !== "running";
    element.dataset.state = command.state;
    element.dataset.commandId = String(command.id);
    if (command.exitCode === null) delete element.dataset.exitCode;
    else element.dataset.exitCode = String(command.exitCode);
    element.title = describeCommand(command) + (finished ? "\nClick to copy its output" : "");
  };

  const openMenu = (command: Command, element: HTMLElement): void => {
    menu?.dispose();
    if (command.state === "running") return;
    const items = [
      { label: "Copy output", action: "copy-output", run: () => copy(command, "output") },
    ];
    if (command.commandLine !== null) {
      items.push({
        label: "Copy command",
        action: "copy-command",
        run: () => copy(command, "command"),
      });
    }
    menu = openCommandMenu(host, element.getBoundingClientRect(), items, (refocus) => {
      menu = null;
      if (refocus) terminal.focus();
    });
  };

  const copy = (command: Command, what: "output" | "command"): void => {
    const text = what === "output" ? outputOf(command) : command.commandLine;
    if (text === null) return;
    const name = command.commandLine === null ? "the command" : `“${shorten(command.commandLine)}”`;
    // A person's click copies what the terminal shows them; output never writes the clipboard
    // by itself (OSC 52 writes are ignored, see safety/clipboard-guard.ts).
    // Browsers have no clipboard API on plain-http pages other than localhost.
    const written = navigator.clipboard
      ? navigator.clipboard.writeText(text)
      : Promise.reject(new Error("no clipboard API"));
    written.then(
      () =>
        options.onNotice({
          level: "info",
          code: "copied",
          text: what === "output" ? `Copied the output of ${name}.` : `Copied ${name}.`,
        }),
      () =>
        options.onNotice({
          level: "warning",
          code: "copy_refused",
          text: "The browser refused to copy: select the text and copy it by hand.",
        }),
    );
  };

  const apply = (events: TrackerEvent<Place>[]): void => {
    for (const { kind, command } of events) {
      if (kind === "started") {
        // Trimmed from the scrollback or cleared (`clear`): the command goes with its prompt.
        command.prompt.marker.onDispose(() => drop(command));
      }
      decorate(command);
    }
  };

  const clearHighlight = (): void => {
    if (!highlight) return;
    clearTimeout(highlight.timer);
    highlight.decoration.dispose();
    highlight = null;
  };

  const showHighlight = (command: Command): void => {
    clearHighlight();
    const decoration = terminal.registerDecoration({
      marker: command.prompt.marker,
      width: terminal.cols,
      layer: "bottom",
    });
    if (!decoration) return;
    decoration.onRender((element) => {
      element.classList.add("terminal-command-highlight");
      element.dataset.testid = "command-highlight";
    });
    const timer = setTimeout(clearHighlight, HIGHLIGHT_MS);
    highlight = { decoration, timer };
  };

  const canJump = (): boolean =>
    terminal.buffer.active.type === "normal" && tracker.commands.length > 0;

  const jump = (direction: JumpDirection): void => {
    const buffer = terminal.buffer.active;
    const origin = jumpOrigin(
      {
        viewportY: buffer.viewportY,
        baseY: buffer.baseY,
        cursorLine: buffer.baseY + buffer.cursorY,
        lastJump,
      },
      direction,
    );
    const commands = tracker.commands.filter((c) => c.prompt.marker.line >= 0);
    const lines = commands.map((c) => c.prompt.marker.line);
    const target = jumpTarget(lines, origin, direction);
    if (target === null) {
      if (direction === "next") {
        terminal.scrollToBottom();
        lastJump = null;
        clearHighlight();
      }
      return;
    }
    terminal.scrollToLine(target);
    lastJump = { line: target, viewportY: terminal.buffer.active.viewportY };
    const command = commands[lines.indexOf(target)];
    if (command) showHighlight(command);
  };

  const handlesKey = (event: JumpKey): boolean => jumpDirection(event, mac) !== null && canJump();

  const handlers: IDisposable[] = [
    terminal.parser.registerOscHandler(133, (payload) => {
      const mark = parseMark(payload);
      if (mark) apply(tracker.mark(mark));
      return false; // Nothing else changes: xterm has no handler of its own for 133.
    }),
    // RIS (`reset`, `tput reset`) resets xterm without disposing markers: forget their places.
    terminal.parser.registerEscHandler({ final: "c" }, () => {
      reset();
      return false;
    }),
  ];
  // Without commands (a shell without marks, a full-screen program) the keys stay the shell's.
  const keys = addKeyHandler(terminal, (event) => {
    const direction = jumpDirection(event, mac);
    if (!direction || !canJump()) return true;
    if (event.type === "keydown") jump(direction);
    event.preventDefault();
    return false;
  });

  function reset(): void {
    menu?.dispose();
    clearHighlight();
    lastJump = null;
    for (const decoration of decorations.values()) decoration.dispose();
    decorations.clear();
    tracker.reset();
  }

  return {
    reset,
    handlesKey,
    commands: () =>
      tracker.commands.map((command) => ({
        id: command.id,
        promptLine: command.prompt.marker.line,
        state: command.state,
        exitCode: command.exitCode,
        commandLine: command.commandLine,
        output: outputOf(command),
      })),
    highlightedLine: () => (highlight ? highlight.decoration.marker.line : null),
    dispose: () => {
      reset();
      keys.dispose();
      for (const handler of handlers) handler.dispose();
    },
  };
}

function shorten(text: string): string {
  const line = text.split("\n")[0] ?? "";
  return line.length > 40 || text.includes("\n") ? `${line.slice(0, 40)}…` : line;
}
