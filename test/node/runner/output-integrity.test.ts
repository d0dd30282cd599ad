/** The output a session stores is exactly what the program wrote to its PTY: nothing lost, nothing doubled. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { between, ptyOutputOf, sha256 } from "../../harness/local-pty.ts";
import { startFixture } from "../../harness/runner-fixture.ts";
import type { Fixture } from "../../harness/runner-fixture.ts";
import { waitFor } from "../../harness/wait.ts";
import { DEFAULT_WATERMARKS } from "../../../pty-runner/flow-control.ts";

// printf splits the marker so the echoed command line never contains it, only the output does.
const BEGIN = "MARK_BEGIN\r\n";
const END = "MARK_END\r\n";
const wrapped = (command: string) =>
  `printf '%s_%s\\n' MARK BEGIN; ${command}; printf '%s_%s\\n' MARK END\r`;

/** A text file whose `cat` through a PTY (\n shown as \r\n) is exactly `size` bytes, and those bytes. */
function fileShownAs(size: number, seed: number): { text: string; shown: Buffer } {
  const lines: string[] = [];
  let shown = 0;
  for (let i = 0; ; i++) {
    const line = `line ${seed}.${i} ${"x".repeat(i % 97)}`;
    if (shown + line.length + 2 > size - 100) break;
    lines.push(line);
    shown += line.length + 2;
  }
  // The last line fills the size exactly, so the very last bytes are the ones at risk.
  lines.push(`THE-LAST-LINE-${seed}-`.padEnd(size - shown - 2, "z"));
  const text = lines.join("\n") + "\n";
  return { text, shown: Buffer.from(text.replaceAll("\n", "\r\n")) };
}

let fx: Fixture;
let scratch: string;
beforeAll(async () => {
  fx = await startFixture();
  scratch = mkdtempSync(join(tmpdir(), "pty-runner-integrity-"));
});
afterAll(async () => {
  await fx?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("output integrity", () => {
  test("`seq 1 300000` stored by the edge hashes the same as the same command run in a local PTY", async () => {
    const reference = await ptyOutputOf("/usr/bin/seq", ["1", "300000"]);
    const plain = execFileSync("/usr/bin/seq", ["1", "300000"], { maxBuffer: 64 << 20 });
    // Sanity of the reference itself: a PTY turns each \n into \r\n and changes nothing else.
    expect(reference.length).toBe(plain.length + 300000);

    const session = await fx.open();
    session.type(wrapped("seq 1 300000"));
    await session.waitForOutput(END, { timeoutMs: 30_000 });
    const stored = between(session.output.view().bytes, BEGIN, END);
    expect(stored?.length).toBe(reference.length);
    expect(sha256(stored!)).toBe(sha256(reference));
    expect(session.violations).toEqual([]);

    // A flood travels in big frames (the session object is ~6x faster with 64 KiB than 4 KiB).
    const inBigFrames = session.frames
      .filter((f) => f.bytes >= 16 * 1024)
      .reduce((n, f) => n + f.bytes, 0);
    expect(inBigFrames / reference.length).toBeGreaterThan(0.75);
  });

  test("killing the data connection twice mid-stream loses and doubles nothing", async () => {
    const reference = await ptyOutputOf("/usr/bin/seq", ["1", "1000000"]);
    const session = await fx.open();
    const start = session.storedEnd;
    const killAt = [start + 1_000_000, start + 4_000_000];
    session.onStored = (s) => {
      if (killAt.length > 0 && s.storedEnd >= killAt[0]!) {
        killAt.shift();
        s.killConnection();
      }
    };
    session.type(wrapped("seq 1 1000000"));
    await session.waitForOutput(END, { timeoutMs: 60_000 });
    const stored = between(session.output.view().bytes, BEGIN, END);
    expect(killAt).toEqual([]);
    expect(session.generation).toBe(3);
    expect(stored?.length).toBe(reference.length);
    expect(sha256(stored!)).toBe(sha256(reference));
    expect(session.violations).toEqual([]);
  });

  test("the last bytes of a fast-exiting `cat` of a multi-MB file are never lost", async () => {
    // Each file is just over the high watermark: the runner pauses the PTY with the last few KB
    // still to come, `cat` writes them into the kernel's PTY buffer and exits while nobody
    // reads. Acks are held past node-pty's 200 ms exit timeout (issue #726), as when the
    // link to the edge is slow or down. Then two 8 MB files with acks in batches.
    const cases = [3, 6, 9, 12, 15, 18].map((kb) => ({
      bytes: DEFAULT_WATERMARKS.highBytes + kb * 1024,
      holdAcksMs: 500,
    }));
    cases.push({ bytes: 8_000_000, holdAcksMs: 0 }, { bytes: 8_000_000, holdAcksMs: 0 });

    for (const [run, { bytes, holdAcksMs }] of cases.entries()) {
      const { text, shown: expected } = fileShownAs(bytes, run);
      expect(expected.length).toBe(bytes);
      const file = join(scratch, `out-${run}.txt`);
      writeFileSync(file, text);
      const session = await fx.open({
        ack: holdAcksMs > 0 ? { kind: "held" } : { kind: "interval", intervalMs: 40 },
      });
      session.type(`exec cat ${file}\r`);
      if (holdAcksMs > 0) {
        // (With the drain, the exit may even come first: the runner sends without acks.)
        await waitFor(() => fx.runner.sessionStats(session.id)?.paused || session.exit, {
          what: "a paused PTY",
        });
        await new Promise((resolve) => setTimeout(resolve, holdAcksMs));
        session.ack = { kind: "each" };
        session.releaseAcks();
      }
      const { exit, offset } = await session.waitForExit(30_000);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(offset).toBe(session.storedEnd);
      const all = session.output.view().bytes;
      const output = all.subarray(session.marks.commandStarts(all.toString("latin1")).at(-1)!.end);
      expect(output.length, `run ${run}: bytes after the command started`).toBe(expected.length);
      expect(sha256(output), `run ${run}`).toBe(sha256(expected));
      expect(session.violations).toEqual([]);
    }
  });
});
