/** Deterministic terminal-friendly test data: printable ASCII lines, written once to a temp folder. */
import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";

/** Characters of a line's body: printable ASCII only, so no escape sequence ever appears. */
const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-+=/";
/** Bytes per line including the newline (fits an 80-column terminal without wrapping). */
const LINE_BYTES = 79;
/** Written in blocks of this size. */
const BLOCK_BYTES = 1024 * 1024;

/**
 * Writes `bytes` bytes of 79-byte lines (a line number, then pseudo-random printable text from a
 * fixed seed) to `dir/name`; the same size always gives the same file. Returns its path.
 */
export function writeDataFile(dir: string, name: string, bytes: number): string {
  const path = join(dir, name);
  const fd = openSync(path, "w");
  try {
    let seed = 0x2545f491;
    let line = 0;
    let written = 0;
    const block = Buffer.alloc(BLOCK_BYTES);
    while (written < bytes) {
      let at = 0;
      while (at + LINE_BYTES <= block.length) {
        const prefix = `${String(line++).padStart(8, "0")} `;
        block.write(prefix, at, "latin1");
        for (let i = prefix.length; i < LINE_BYTES - 1; i++) {
          // xorshift32: fast, deterministic, good enough to defeat any compression.
          seed ^= seed << 13;
          seed ^= seed >>> 17;
          seed ^= seed << 5;
          block[at + i] = ALPHABET.charCodeAt((seed >>> 0) % ALPHABET.length);
        }
        block[at + LINE_BYTES - 1] = 0x0a;
        at += LINE_BYTES;
      }
      const take = Math.min(at, bytes - written);
      writeSync(fd, block, 0, take);
      written += take;
    }
  } finally {
    closeSync(fd);
  }
  return path;
}
