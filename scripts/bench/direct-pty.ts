/** Starting the one-hop baseline server (direct-pty-server.ts) as a child process, and its client. */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { withTimeout } from "./clock.ts";

/** A running direct PTY server. */
export interface DirectPtyServer {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Forks the server and waits for its port. */
export async function startDirectPtyServer(): Promise<DirectPtyServer> {
  const child = fork(fileURLToPath(new URL("./direct-pty-server.ts", import.meta.url)), [], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await withTimeout(
    new Promise<number>((resolve) => child.once("message", (m: any) => resolve(m.port))),
    10_000,
    "the direct PTY server to listen",
  );
  return {
    url: `ws://127.0.0.1:${port}`,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      await withTimeout(exited, 3000, "the direct server to stop").catch(() =>
        child.kill("SIGKILL"),
      );
    },
  };
}

/** A client of the direct server: one PTY running `cmd` per connection. */
export class DirectPtyClient {
  readonly ws: WebSocket;
  readonly open: Promise<void>;
  onOutput: (data: Buffer) => void = () => {};
  received = 0;

  constructor(serverUrl: string, cmd: string) {
    this.ws = new WebSocket(`${serverUrl}/?cmd=${encodeURIComponent(cmd)}`, {
      perMessageDeflate: false,
    });
    this.open = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
    this.ws.on("message", (data: Buffer) => {
      this.received += data.length;
      this.onOutput(data);
    });
  }

  type(text: string): void {
    this.ws.send(Buffer.from(text));
  }

  close(): void {
    this.ws.close();
  }
}
