/** A program in a detached tmux session of a fixed size, as a second terminal emulator to compare screens with. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Terminal } from "@xterm/headless";
import { createHeadlessTerminal } from "../../pty-runner/keyframes/headless-terminal.ts";
import { playText } from "./keyframe-replay.ts";
import { waitFor } from "./wait.ts";

let panes = 0;

/** Options of a tmux pane. */
export interface TmuxPaneOptions {
  cols: number;
  rows: number;
  cwd: string;
  env?: Record<string, string>;
}

/**
 * `command` in `tmux new-session -d -x COLS -y ROWS`, on a server of its own (its own socket,
 * no user configuration, no status line, TERM=xterm-256color inside as in the recorded PTY).
 */
export class TmuxPane {
  readonly #socket = `keyframes-${process.pid}-${++panes}`;
  readonly #dir = mkdtempSync(join(tmpdir(), "tmux-pane-"));
  readonly #env: Record<string, string>;
  readonly cols: number;
  readonly rows: number;

  constructor(command: string, options: TmuxPaneOptions) {
    this.cols = options.cols;
    this.rows = options.rows;
    this.#env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: options.cwd,
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      TERM: "xterm-256color",
      ...options.env,
    };
    const conf = join(this.#dir, "tmux.conf");
    writeFileSync(
      conf,
      "set -g default-terminal xterm-256color\nset -g status off\nset -sg escape-time 0\n",
    );
    this.#tmux([
      "-f",
      conf,
      "new-session",
      "-d",
      "-x",
      String(this.cols),
      "-y",
      String(this.rows),
      "-c",
      options.cwd,
      command,
    ]);
  }

  #tmux(args: string[]): string {
    const result = spawnSync("tmux", ["-u", "-L", this.#socket, ...args], {
      env: this.#env,
      encoding: "utf8",
    });
    if (result.status !== 0) throw new Error(`tmux ${args.join(" ")} failed: ${result.stderr}`);
    return result.stdout;
  }

  /** Types `text` literally. */
  type(text: string): void {
    this.#tmux(["send-keys", "-l", text]);
  }

  /** Presses a key tmux names (Escape, Enter, ...). */
  press(key: string): void {
    this.#tmux(["send-keys", key]);
  }

  /** The screen as text rows (trailing blanks trimmed). */
  screen(): string[] {
    const text = this.#tmux(["capture-pane", "-p"]);
    const rows = text.split("\n").slice(0, this.rows);
    while (rows.length < this.rows) rows.push("");
    return rows.map((row) => row.trimEnd());
  }

  /** The screen with its SGR attributes, rebuilt in a headless terminal to compare cells with. */
  styledScreen(): Terminal {
    const text = this.#tmux(["capture-pane", "-p", "-e", "-N"]);
    const terminal = createHeadlessTerminal({ cols: this.cols, rows: this.rows, scrollback: 0 });
    const rows = text.split("\n").slice(0, this.rows);
    playText(terminal, rows.map((row) => `\x1b[0m${row}`).join("\r\n"));
    return terminal;
  }

  /** Waits until some row contains `text`. */
  waitForText(text: string, timeoutMs = 15_000): Promise<true> {
    return waitFor(() => this.screen().some((row) => row.includes(text)), {
      timeoutMs,
      what: () => `tmux to show ${JSON.stringify(text)}; it shows:\n${this.screen().join("\n")}`,
    });
  }

  /** Waits until `check` holds for the screen. */
  waitForScreen(
    what: string,
    check: (screen: string[]) => boolean,
    timeoutMs = 15_000,
  ): Promise<true> {
    return waitFor(() => check(this.screen()), {
      timeoutMs,
      what: () => `tmux: ${what}; it shows:\n${this.screen().join("\n")}`,
    });
  }

  close(): void {
    spawnSync("tmux", ["-L", this.#socket, "kill-server"], { env: this.#env });
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** A terminal's screen as text rows (trailing spaces trimmed, printed or not), as tmux's capture-pane gives them. */
export function screenRows(terminal: Terminal): string[] {
  const buffer = terminal.buffer.active;
  const rows: string[] = [];
  for (let y = 0; y < terminal.rows; y++)
    rows.push((buffer.getLine(buffer.baseY + y)?.translateToString(true) ?? "").trimEnd());
  return rows;
}

/** The first row where the two screens' text differs, described; or null. */
export function firstTextDifference(expected: string[], actual: string[]): string | null {
  for (let y = 0; y < Math.max(expected.length, actual.length); y++) {
    if ((expected[y] ?? "") !== (actual[y] ?? "")) {
      return `row ${y}:\n  tmux:   ${JSON.stringify(expected[y] ?? "")}\n  joiner: ${JSON.stringify(actual[y] ?? "")}`;
    }
  }
  return null;
}

/**
 * The first cell whose look differs between a tmux screen (rebuilt from capture-pane -e) and a
 * joiner: character, foreground and background colour (a palette index the same whether it came as
 * 31 or 38;5;1), bold, italic, underline, inverse, dim, strikethrough. Or null.
 */
export function firstStyleDifference(tmux: Terminal, joiner: Terminal): string | null {
  const a = tmux.buffer.active;
  const b = joiner.buffer.active;
  const ca = a.getNullCell();
  const cb = b.getNullCell();
  const look = (cell: import("@xterm/headless").IBufferCell): string => {
    const color = (mode: number, value: number, isDefault: boolean): string =>
      isDefault ? "default" : mode === 0x3000000 ? `#${value.toString(16)}` : `p${value}`;
    const fg = color(cell.getFgColorMode(), cell.getFgColor(), cell.isFgDefault());
    const bg = color(cell.getBgColorMode(), cell.getBgColor(), cell.isBgDefault());
    const flags = [
      cell.isBold() ? "bold" : "",
      cell.isItalic() ? "italic" : "",
      cell.isUnderline() ? "underline" : "",
      cell.isInverse() ? "inverse" : "",
      cell.isDim() ? "dim" : "",
      cell.isStrikethrough() ? "strike" : "",
    ].filter(Boolean);
    return `${JSON.stringify(cell.getChars() || " ")} fg=${fg} bg=${bg} ${flags.join(",")}`;
  };
  for (let y = 0; y < tmux.rows; y++) {
    const la = a.getLine(a.baseY + y);
    const lb = b.getLine(b.baseY + y);
    for (let x = 0; x < tmux.cols; x++) {
      const sa = la?.getCell(x, ca);
      const sb = lb?.getCell(x, cb);
      if (!sa || !sb) continue;
      // A blank keeps its background, but its other attributes do not show.
      const blank = (sa.getChars() || " ") === " " && (sb.getChars() || " ") === " ";
      const da = blank ? `blank bg=${look(sa).split(" bg=")[1]!.split(" ")[0]}` : look(sa);
      const db = blank ? `blank bg=${look(sb).split(" bg=")[1]!.split(" ")[0]}` : look(sb);
      if (da !== db) return `row ${y}, column ${x}:\n  tmux:   ${da}\n  joiner: ${db}`;
    }
  }
  return null;
}
