/** The text a person has typed on the shell's prompt line, rebuilt from the bytes the line editor drew after the prompt. */

/** Where the line editor's drawing starts, and how wide the terminal is. */
export interface PromptLineLayout {
  /** The prompt's bytes (between the A and B marks): they put the cursor where typing starts. */
  prompt?: Uint8Array;
  /** Terminal width; a line longer than this wraps. Unknown: no wrapping. */
  cols?: number;
}

/**
 * Replays what readline or zle drew after the prompt (echoed characters, backspaces, cursor
 * moves, erases, wraps at the right margin) on a small screen model and returns the visible text
 * from the end of the prompt on, without trailing blanks.
 *
 * Why a model and not the raw echo: editing is drawn, not typed. Typing `lss`, Backspace, then
 * moving the cursor draws "lss\b \b" and cursor sequences; what is on the line is "ls". A line
 * that reaches the right margin is redrawn across rows (zle prints " \r" to force the wrap, then
 * redraws the new row), so the model needs the prompt's width and the terminal's. The session
 * needs the line's text to refuse an agent call that would append to it (`input_pending`) and to
 * report what `clear_line` removed.
 */
export function promptLineText(input: Uint8Array, layout: PromptLineLayout = {}): string {
  const screen = new LineScreen(layout.cols && layout.cols > 1 ? layout.cols : Infinity);
  if (layout.prompt) screen.write(decode(layout.prompt));
  const start = screen.cursor();
  screen.write(decode(input));
  return screen.textFrom(start).trimEnd();
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

/** A few rows of a terminal, enough for a prompt and what is typed after it. */
class LineScreen {
  readonly #cols: number;
  readonly #rows: string[][] = [[]];
  /** Rows that continue the one above (an automatic wrap, not a newline). */
  readonly #continued = new Set<number>();
  #row = 0;
  #col = 0;
  /** The cursor sits past the last column: the next character wraps first (as VT terminals do). */
  #wrapPending = false;

  constructor(cols: number) {
    this.#cols = cols;
  }

  cursor(): { row: number; col: number } {
    return { row: this.#row, col: this.#wrapPending ? this.#col + 1 : this.#col };
  }

  /** Text from `start` to the end, continued rows joined, explicit line breaks dropped. */
  textFrom(start: { row: number; col: number }): string {
    let text = "";
    for (let r = start.row; r < this.#rows.length; r++) {
      const cells = this.#rows[r] ?? [];
      const from = r === start.row ? start.col : 0;
      let row = cells.slice(from).map((cell) => cell ?? " ");
      // A row that wrapped is full to the margin; its blanks are part of the line.
      const wraps = this.#continued.has(r + 1);
      if (wraps && Number.isFinite(this.#cols)) {
        while (row.length < this.#cols - from) row.push(" ");
      }
      text += wraps ? row.join("") : row.join("").trimEnd();
    }
    return text;
  }

  write(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === "\x1b") i = this.#escape(text, i);
      else if (ch === "\b") this.#move(this.#col - 1);
      else if (ch === "\r") this.#move(0);
      else if (ch === "\n") this.#lineFeed();
      else if (ch >= " " && ch !== "\x7f") this.#print(ch);
    }
  }

  #line(): string[] {
    while (this.#rows.length <= this.#row) this.#rows.push([]);
    return this.#rows[this.#row]!;
  }

  #print(ch: string): void {
    if (this.#wrapPending) {
      this.#wrapPending = false;
      this.#row++;
      this.#col = 0;
      this.#continued.add(this.#row);
      // A row that is drawn again from its start loses its old cells.
    }
    const line = this.#line();
    while (line.length < this.#col) line.push(" ");
    line[this.#col] = ch;
    if (this.#col >= this.#cols - 1) this.#wrapPending = true;
    else this.#col++;
  }

  #move(col: number): void {
    this.#wrapPending = false;
    this.#col = Math.max(0, Math.min(col, this.#cols - 1));
  }

  #lineFeed(): void {
    this.#wrapPending = false;
    this.#row++;
    this.#continued.delete(this.#row);
    this.#line();
  }

  // Applies one escape sequence starting at `at`; returns the index of its last character.
  #escape(text: string, at: number): number {
    const next = text[at + 1];
    if (next === "]") {
      // OSC (the marks, titles): skip to BEL or ESC \.
      for (let j = at + 2; j < text.length; j++) {
        if (text[j] === "\x07") return j;
        if (text[j] === "\x1b" && text[j + 1] === "\\") return j + 1;
      }
      return text.length;
    }
    if (next !== "[") return at + 1;
    const match = /^\[([0-?]*)[ -/]*([@-~])/.exec(text.slice(at + 1, at + 40));
    if (!match) return at;
    const final = match[2]!;
    const param = Number.parseInt(match[1] || "", 10);
    // Erase's parameter is a mode (0, 1, 2); for moves and edits it is a count (≥ 1).
    const n = Math.max(1, param || 1);
    const mode = param || 0;
    const line = this.#line();
    switch (final) {
      case "C":
        this.#move(this.#col + n);
        break;
      case "D":
        this.#move(this.#col - n);
        break;
      case "G":
        this.#move(n - 1);
        break;
      case "A":
        this.#wrapPending = false;
        this.#row = Math.max(0, this.#row - n);
        break;
      case "B":
        this.#wrapPending = false;
        this.#row += n;
        this.#line();
        break;
      case "K":
        if (mode === 2) line.length = 0;
        else if (mode === 1) line.fill(" ", 0, Math.min(line.length, this.#col + 1));
        else line.length = Math.min(line.length, this.#col);
        break;
      case "J":
        // Erase below (the only form line editors use after a prompt): this row from the cursor on, and every row under it.
        if (mode === 0) {
          line.length = Math.min(line.length, this.#col);
          this.#rows.length = this.#row + 1;
        }
        break;
      case "P":
        line.splice(this.#col, n);
        break;
      case "@":
        if (line.length > this.#col) line.splice(this.#col, 0, ...Array<string>(n).fill(" "));
        break;
    }
    return at + match[0].length;
  }
}
