/** Turning raw terminal output into plain text for agents: escape sequences removed, line ends normalised. */

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-byte ESC sequences, and C1 CSI.
const ESCAPES =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[PX^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]|\x1b[()*+][0-~]|\x9b[0-?]*[ -/]*[@-~]/g;

/** Plain text of terminal output: no escape sequences, `\r\n` as `\n`, carriage-return overwrites applied per line. */
export function toPlainText(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes).replace(ESCAPES, "");
  return text
    .split("\n")
    .map((line) => {
      const withoutCr = line.endsWith("\r") ? line.slice(0, -1) : line;
      // A bare \r returns to column 0: what follows overwrites (progress bars); keep the last state.
      const parts = withoutCr.split("\r");
      let out = "";
      for (const part of parts) out = part + out.slice(part.length);
      return out.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "");
    })
    .join("\n");
}
