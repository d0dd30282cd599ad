/**
 * One replay on screen: an xterm of its own, read-only, with the panel's look and guards, fed by a
 * ReplayPlayer. The live terminal is left as it is underneath, so going back to it costs nothing.
 */
import { Unicode11Addon } from "@xterm/addon-unicode11";
import { Terminal } from "@xterm/xterm";
import type { ExitStatus } from "../../../protocol/index.ts";
import { installSafety } from "../safety/install-safety.ts";
import { exitMarkerBytes } from "../terminal/exit-marker.ts";
import { loadBestRenderer } from "../terminal/renderer.ts";
import { fontSizeFor, terminalOptions } from "../terminal/terminal-options.ts";
import {
  bufferLines,
  registerReplayProbe,
  screenState,
  testHooks,
} from "../terminal/test-hooks.ts";
import type { Recording } from "./asciicast-reader.ts";
import { ReplayPlayer, type ReplaySpeed } from "./replay-player.ts";

/** A replay on screen; dispose() stops it and removes its terminal. */
export interface ReplayController {
  readonly player: ReplayPlayer;
  focus(): void;
  dispose(): void;
}

/**
 * Opens a terminal of the recording's starting size in `host` (which must be laid out) and plays
 * the recording into it from the start at `speed`. `onChange` hears the player's changes. With
 * `exit`, the replay ends on the same exit marker as the live terminal.
 */
export function startReplay(
  host: HTMLElement,
  recording: Recording,
  speed: ReplaySpeed,
  onChange: () => void,
  exit: ExitStatus | null = null,
): ReplayController {
  const terminal = new Terminal({
    ...terminalOptions(fontSizeFor(host.clientWidth)),
    cols: recording.cols,
    rows: recording.rows,
    // Nothing typed here goes anywhere; the cursor would only suggest it does.
    disableStdin: true,
    cursorBlink: false,
  });
  terminal.loadAddon(new Unicode11Addon());
  terminal.unicode.activeVersion = "11";
  terminal.open(host);
  const renderer = testHooks()?.domRenderer
    ? null
    : loadBestRenderer(terminal, (reason) => console.info(`replay: DOM renderer (${reason})`));
  // The recording is the same untrusted output as the live view: the same guards for links and
  // the clipboard. Nothing listens to onData, so no answer to a query leaves the page.
  const safety = installSafety(terminal, () => false);

  const player = new ReplayPlayer(
    recording,
    {
      write: (text, done) => terminal.write(text, done),
      resize: (cols, rows) => terminal.resize(cols, rows),
      epilogue: () => (exit ? exitMarkerBytes(exit, terminal.buffer.active.cursorX) : ""),
    },
    { speed, onChange },
  );
  const unregisterProbe = registerReplayProbe({
    lines: () => bufferLines(terminal),
    screen: () => screenState(terminal),
    player: () => ({
      state: player.state,
      position: player.position,
      duration: player.duration,
      speed: player.speed,
    }),
  });
  player.play();

  return {
    player,
    focus: () => terminal.focus(),
    dispose: () => {
      unregisterProbe();
      player.dispose();
      safety.dispose();
      renderer?.dispose();
      terminal.dispose();
    },
  };
}
