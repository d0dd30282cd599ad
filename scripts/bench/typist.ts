/** One way to type into any terminal under test (ours, tty-share, the direct PTY) and watch its output: markers and echo timing. */
import { now, withTimeout } from "./clock.ts";
import type { DirectPtyClient } from "./direct-pty.ts";
import { MarkerScanner, markedCommand } from "./marker.ts";
import type { TtyShareClient } from "./tty-share.ts";
import type { WebtermClient } from "./webterm-client.ts";

/** A terminal connection that can type and report output. */
export interface Typist {
  type(text: string): void;
  /** Sets the one output listener (null: none). */
  listen(listener: ((data: Uint8Array) => void) | null): void;
}

/** A writer of our protocol. */
export function webtermTypist(client: WebtermClient): Typist {
  return {
    type: (text) => client.type(text),
    listen: (listener) =>
      (client.onOutput = listener ? (_offset, data) => listener(data) : () => {}),
  };
}

/** A tty-share or direct PTY client. */
export function plainTypist(client: TtyShareClient | DirectPtyClient): Typist {
  return {
    type: (text) => client.type(text),
    listen: (listener) => (client.onOutput = listener ?? (() => {})),
  };
}

/** Waits until the output (from now on) matches `pattern`. */
export async function waitForText(
  typist: Typist,
  pattern: RegExp | string,
  timeoutMs: number,
  what: string,
): Promise<void> {
  let text = "";
  const seen = new Promise<void>((resolve) => {
    typist.listen((data) => {
      text = (text + Buffer.from(data).toString("latin1")).slice(-4096);
      if (typeof pattern === "string" ? text.includes(pattern) : pattern.test(text)) resolve();
    });
  });
  try {
    await withTimeout(seen, timeoutMs, what);
  } finally {
    typist.listen(null);
  }
}

/**
 * Types `command; echo MARKER[; then]` and waits for the marker. Returns milliseconds from
 * sending the line to seeing the marker, and the bytes received meanwhile.
 */
export async function runMarked(
  typist: Typist,
  command: string,
  timeoutMs: number,
  then?: string,
): Promise<{ ms: number; bytes: number }> {
  const { line, marker } = markedCommand(command, then);
  const scanner = new MarkerScanner(marker);
  let bytes = 0;
  let t0 = 0;
  const done = new Promise<number>((resolve) => {
    typist.listen((data) => {
      bytes += data.byteLength;
      if (scanner.feed(data)) resolve(now());
    });
  });
  t0 = now();
  typist.type(line);
  try {
    const at = await withTimeout(done, timeoutMs, `\`${command}\` to finish`);
    return { ms: at - t0, bytes };
  } finally {
    typist.listen(null);
  }
}

/** Starts a raw echo (`stty raw -echo; exec cat`) in a shell and waits until it runs. */
export async function startRawEcho(typist: Typist, timeoutMs: number): Promise<void> {
  await runMarked(typist, "stty raw -echo", timeoutMs, "exec cat");
}

/**
 * Types `count` single keystrokes one at a time (the next after the previous one's echo, and at
 * least `paceMs` after the previous send) and returns each send-to-echo time in ms. `until`
 * stops early (a burst finished). The terminal must echo raw (see startRawEcho).
 */
export async function echoLatencies(
  typist: Typist,
  count: number,
  options: { paceMs?: number; timeoutMs?: number; until?: () => boolean } = {},
): Promise<number[]> {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const samples: number[] = [];
  let expect = 0;
  let wake: (() => void) | null = null;
  typist.listen((data) => {
    if (wake && data.includes(expect)) {
      const w = wake;
      wake = null;
      w();
    }
  });
  try {
    let lastSend = -Infinity;
    for (let i = 0; i < count; i++) {
      if (options.until?.()) break;
      const gap = (options.paceMs ?? 0) - (now() - lastSend);
      if (gap > 0) await new Promise((r) => setTimeout(r, gap));
      const ch = letters[i % letters.length]!;
      expect = ch.charCodeAt(0);
      const echoed = new Promise<void>((resolve) => (wake = resolve));
      lastSend = now();
      typist.type(ch);
      await withTimeout(echoed, options.timeoutMs ?? 5000, `the echo of keystroke ${i}`);
      samples.push(now() - lastSend);
    }
  } finally {
    typist.listen(null);
  }
  return samples;
}
