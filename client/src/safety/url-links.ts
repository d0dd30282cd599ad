/** Makes plain http(s) URLs in terminal output clickable (OSC 8 links use xterm's linkHandler). */
import type { IBufferLine, IDisposable, ILink, Terminal } from "@xterm/xterm";

// Stops at whitespace, quotes and angle brackets; trailing punctuation is trimmed below.
const URL_PATTERN = /https?:\/\/[^\s"'<>`]+/g;
const TRAILING = /[.,;:!?)\]}]+$/;

/**
 * Registers a link provider that finds URLs within one buffer line and hands them to
 * `activate` (which must confirm and check the scheme). URLs wrapped over two lines are only
 * found in part; @xterm/addon-web-links handles those if it is ever added.
 */
export function registerUrlLinks(terminal: Terminal, activate: (url: string) => void): IDisposable {
  return terminal.registerLinkProvider({
    provideLinks(lineNumber, callback) {
      const line = terminal.buffer.active.getLine(lineNumber - 1);
      callback(line ? findLinks(line, lineNumber, activate) : undefined);
    },
  });
}

function findLinks(
  line: IBufferLine,
  y: number,
  activate: (url: string) => void,
): ILink[] | undefined {
  // Text and, for each UTF-16 index, the cell column it came from (wide characters take two cells).
  let text = "";
  const columns: number[] = [];
  for (let x = 0; x < line.length; x++) {
    const cell = line.getCell(x);
    if (!cell || cell.getWidth() === 0) continue;
    const chars = cell.getChars() || " ";
    for (let i = 0; i < chars.length; i++) columns.push(x);
    text += chars;
  }
  const links: ILink[] = [];
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = match[0].replace(TRAILING, "");
    const start = match.index;
    const last = start + url.length - 1;
    const startX = columns[start];
    const endX = columns[last];
    if (url.length < 10 || startX === undefined || endX === undefined) continue;
    links.push({
      range: { start: { x: startX + 1, y }, end: { x: endX + 1, y } },
      text: url,
      activate: () => activate(url),
    });
  }
  return links.length > 0 ? links : undefined;
}
