/** An append-only byte store with a running SHA-256, used by the fake edge to hold session output. */
import { createHash } from "node:crypto";
import type { Hash } from "node:crypto";

/**
 * Keeps every byte (or, with `keep: false`, only the total, the hash and a tail) so a test of
 * `yes` for seconds does not make the test process itself the memory hog it measures.
 */
export class ByteLog {
  readonly #keep: boolean;
  readonly #tailBytes: number;
  #data: Buffer;
  #length = 0;
  #hash: Hash = createHash("sha256");
  #tailUsed = 0;

  constructor(options: { keep?: boolean; tailBytes?: number } = {}) {
    this.#keep = options.keep ?? true;
    this.#tailBytes = options.tailBytes ?? 256 * 1024;
    this.#data = Buffer.alloc(this.#keep ? 64 * 1024 : this.#tailBytes * 2);
  }

  /** Total bytes appended. */
  get length(): number {
    return this.#length;
  }

  /** Appends bytes. */
  append(bytes: Uint8Array): void {
    this.#hash.update(bytes);
    if (this.#keep) {
      this.#ensure(this.#length + bytes.byteLength);
      this.#data.set(bytes, this.#length);
    } else {
      this.#appendTail(bytes);
    }
    this.#length += bytes.byteLength;
  }

  /** SHA-256 (hex) of everything appended. */
  sha256(): string {
    return this.#hash.copy().digest("hex");
  }

  /** Everything (keep mode) or the retained tail; `start` is the absolute offset of byte 0. */
  view(): { start: number; bytes: Buffer } {
    if (this.#keep) return { start: 0, bytes: this.#data.subarray(0, this.#length) };
    const held = Math.min(this.#length, this.#tailUsed);
    return {
      start: this.#length - held,
      bytes: this.#data.subarray(this.#tailUsed - held, this.#tailUsed),
    };
  }

  #appendTail(bytes: Uint8Array): void {
    // Capacity is twice the tail: after moving the newest tail to the front, a chunk smaller
    // than the tail always fits behind it.
    if (bytes.byteLength >= this.#tailBytes) {
      this.#data.set(bytes.subarray(bytes.byteLength - this.#tailBytes));
      this.#tailUsed = this.#tailBytes;
      return;
    }
    if (this.#tailUsed + bytes.byteLength > this.#data.byteLength) {
      // Keep the newest `tailBytes` and make room by moving them to the front.
      const keepFrom = Math.max(0, this.#tailUsed - this.#tailBytes);
      this.#data.copy(this.#data, 0, keepFrom, this.#tailUsed);
      this.#tailUsed -= keepFrom;
    }
    this.#data.set(bytes, this.#tailUsed);
    this.#tailUsed += bytes.byteLength;
  }

  #ensure(size: number): void {
    if (size <= this.#data.byteLength) return;
    let capacity = this.#data.byteLength;
    while (capacity < size) capacity *= 2;
    const grown = Buffer.alloc(capacity);
    this.#data.copy(grown, 0, 0, this.#length);
    this.#data = grown;
  }
}
