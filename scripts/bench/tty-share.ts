/** tty-share (Debian `tty-share`) as a baseline: installing it, starting it headless on 127.0.0.1, and a Node client of its protocol. */
// Its protocol, read from the page it serves (`/s/local/`, script `/s/local/static/tty-share.js`):
// one WebSocket at `/s/local/ws`, text frames only, each `{"Type": T, "Data": base64(JSON)}`.
// `Write` carries `{"Size": n, "Data": base64(bytes)}` both ways (output from the server,
// keystrokes from the client); `WinSize` carries `{"Cols", "Rows"}`. So every byte is base64'd
// twice and wrapped in JSON twice.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import WebSocket from "ws";
import { freePort } from "../lib/free-port.ts";
import { track } from "./children.ts";
import { sleep, withTimeout } from "./clock.ts";

/** Whether tty-share can be used, and if not, why. */
export type TtyShareAvailability = { ok: true } | { ok: false; note: string };

function installed(): boolean {
  return spawnSync("sh", ["-c", "command -v tty-share"], { stdio: "ignore" }).status === 0;
}

/**
 * Makes sure tty-share is installed: as root, `apt-get install -y tty-share` (after
 * `apt-get update` if the first try fails); otherwise says how to install it.
 */
export function ensureTtyShare(log: (line: string) => void): TtyShareAvailability {
  if (installed()) return { ok: true };
  if (process.getuid?.() !== 0) {
    return {
      ok: false,
      note: "tty-share is not installed and this is not root: run `sudo apt-get install -y tty-share` to compare against it",
    };
  }
  log("tty-share is missing: apt-get install -y tty-share");
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "tty-share"], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    }).status === 0;
  if (!install()) {
    spawnSync("apt-get", ["update"], { stdio: "inherit" });
    install();
  }
  return installed()
    ? { ok: true }
    : { ok: false, note: "`apt-get install -y tty-share` failed; tty-share comparison skipped" };
}

/** A running tty-share server. */
export interface TtyShareServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `tty-share --headless` on 127.0.0.1 running `command` (a program, no arguments). */
export async function startTtyShare(
  command = "/bin/bash",
  size = { cols: 80, rows: 24 },
): Promise<TtyShareServer> {
  const port = await freePort();
  const child = track(
    spawn(
      "tty-share",
      [
        "--headless",
        "--headless-cols",
        String(size.cols),
        "--headless-rows",
        String(size.rows),
        "--listen",
        `127.0.0.1:${port}`,
        "--no-tls",
        "--no-wait",
        "--command",
        command,
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TERM: "xterm-256color" } },
    ),
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tty-share exited at once:\n${output}`);
    const ok = await fetch(`${url}/s/local/`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`tty-share did not start:\n${output}`);
    await sleep(50);
  }
  return {
    url,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await withTimeout(exited, 3000, "tty-share to stop").catch(() => child.kill("SIGKILL"));
    },
  };
}

/** A client of tty-share's browser protocol. */
export class TtyShareClient {
  readonly ws: WebSocket;
  readonly open: Promise<void>;
  /** Called with every chunk of terminal output. */
  onOutput: (data: Buffer) => void = () => {};
  received = 0;

  constructor(serverUrl: string) {
    this.ws = new WebSocket(`${serverUrl.replace(/^http/, "ws")}/s/local/ws`, {
      perMessageDeflate: false,
    });
    this.open = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
    this.ws.on("message", (data: Buffer) => {
      const message = JSON.parse(data.toString("utf8")) as { Type: string; Data: string };
      if (message.Type !== "Write") return;
      const inner = JSON.parse(Buffer.from(message.Data, "base64").toString("utf8")) as {
        Data: string;
      };
      const bytes = Buffer.from(inner.Data, "base64");
      this.received += bytes.length;
      this.onOutput(bytes);
    });
  }

  /** Types text, exactly as the browser client sends a keystroke or paste. */
  type(text: string): void {
    const inner = JSON.stringify({ Size: text.length, Data: Buffer.from(text).toString("base64") });
    this.ws.send(JSON.stringify({ Type: "Write", Data: Buffer.from(inner).toString("base64") }));
  }

  /** Stops reading the socket. */
  pause(): void {
    this.ws.pause();
  }

  close(): void {
    this.ws.close();
  }
}
