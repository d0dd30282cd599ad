/** A headless xterm configured as the browser panel's terminal is (Unicode 11 widths), for trackers, joiners and tests. */
// Both packages are CommonJS bundles without named ESM exports, so Node's own loader (the worker
// thread and the benchmark run these files unbundled) only sees their default export.
import xtermHeadless from "@xterm/headless";
import unicode11 from "@xterm/addon-unicode11";
import type { Terminal as HeadlessTerminal } from "@xterm/headless";
import { KEYFRAME_UNICODE_VERSION } from "./keyframe.ts";

export type { HeadlessTerminal };

/** Options of `createHeadlessTerminal`. */
export interface HeadlessTerminalOptions {
  cols: number;
  rows: number;
  /** Lines kept above the screen. */
  scrollback: number;
}

/** A headless terminal that measures characters as the browser panel does. */
export function createHeadlessTerminal(options: HeadlessTerminalOptions): HeadlessTerminal {
  const terminal = new xtermHeadless.Terminal({
    cols: options.cols,
    rows: options.rows,
    scrollback: options.scrollback,
    // `terminal.unicode` (where the Unicode 11 tables register) and the parser hooks are proposed API.
    allowProposedApi: true,
    // xterm logs every malformed sequence to the console; output is whatever programs print.
    logLevel: "off",
  });
  terminal.loadAddon(new unicode11.Unicode11Addon());
  terminal.unicode.activeVersion = KEYFRAME_UNICODE_VERSION;
  return terminal;
}
