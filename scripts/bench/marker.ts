/** End markers: a command line whose output contains a marker its own echo does not, and a scanner for it. */
import { randomBytes } from "node:crypto";

/** A shell command line (ending in CR) that runs `command`, then prints `marker`. */
export interface MarkedCommand {
  line: string;
  marker: string;
}

/**
 * `command; echo BENCH_<nonce>_$((1+1))[; then]`: the shell echoes the line as typed (with
 * `$((1+1))`), so only the command's completion prints the marker `BENCH_<nonce>_2`.
 */
export function markedCommand(command: string, then?: string): MarkedCommand {
  const nonce = randomBytes(6).toString("hex");
  const after = then ? `; ${then}` : "";
  return {
    line: `${command}; echo BENCH_${nonce}_$((1+1))${after}\r`,
    marker: `BENCH_${nonce}_2`,
  };
}

/** Finds a marker in a byte stream fed in chunks, even when it straddles two chunks. */
export class MarkerScanner {
  readonly #marker: Buffer;
  #tail: Buffer = Buffer.alloc(0);
  #found = false;

  constructor(marker: string) {
    this.#marker = Buffer.from(marker);
  }

  /** Whether the marker has been seen. */
  get found(): boolean {
    return this.#found;
  }

  /** Feeds the next chunk; true once the marker has been seen. */
  feed(chunk: Uint8Array): boolean {
    if (this.#found) return true;
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const keep = this.#marker.length - 1;
    // Only the boundary needs a copy: the old tail plus the first bytes of the new chunk.
    const boundary = Buffer.concat([this.#tail, bytes.subarray(0, keep)]);
    if (boundary.indexOf(this.#marker) >= 0 || bytes.indexOf(this.#marker) >= 0) {
      this.#found = true;
      return true;
    }
    const joined = bytes.length >= keep ? bytes : Buffer.concat([this.#tail, bytes]);
    this.#tail = Buffer.from(joined.subarray(Math.max(0, joined.length - keep)));
    return false;
  }
}
