/** The one-hop baseline, run as a child process: a tiny WebSocket server piping a node-pty PTY to each connection. */
// Binary output frames out, input bytes in; `?cmd=` is run with /bin/sh -c. It pauses the PTY
// while more than 1 MiB waits in the socket, so a flood stays bounded.
import * as nodePty from "@lydell/node-pty";
import { WebSocketServer } from "ws";

/** Above this many unsent bytes the PTY is paused (checked again every millisecond). */
const MAX_BUFFERED_BYTES = 1024 * 1024;

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
server.on("connection", (ws, request) => {
  const cmd = new URL(request.url ?? "/", "http://x").searchParams.get("cmd") ?? "exec cat";
  const pty = nodePty.spawn("/bin/sh", ["-c", cmd], {
    name: "xterm-256color",
    cols: 80,
    rows: 24,
    cwd: process.cwd(),
    env: process.env as Record<string, string>,
    encoding: null,
  });
  let paused = false;
  pty.onData((data) => {
    ws.send(data as unknown as Buffer, { binary: true });
    if (!paused && ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      paused = true;
      pty.pause();
      const check = setInterval(() => {
        if (ws.bufferedAmount <= MAX_BUFFERED_BYTES / 4 || ws.readyState !== ws.OPEN) {
          clearInterval(check);
          paused = false;
          pty.resume();
        }
      }, 1);
    }
  });
  pty.onExit(() => ws.close());
  ws.on("message", (data: Buffer) => pty.write(data as unknown as string)); // Buffers pass through as-is
  ws.on("close", () => {
    try {
      pty.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  });
});
server.on("listening", () => {
  const address = server.address();
  process.send?.({ port: typeof address === "object" && address ? address.port : 0 });
});
process.on("disconnect", () => process.exit(0));
