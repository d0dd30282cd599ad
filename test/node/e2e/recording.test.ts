/** A session's recording on the real stack, played back by Debian's asciinema (`asciinema cat`): the same bytes as the stored history. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startStack, type Stack } from "../../harness/edge-stack.ts";
import { ptyOutputOf } from "../../harness/local-pty.ts";
import { NodeViewer } from "../../harness/node-viewer.ts";

let stack: Stack;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "webterm-recording-"));
  stack = await startStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const tool = (name: string, body: unknown) => stack.api("POST", `/api/tools/${name}`, body);

/**
 * What `asciinema cat` prints for a recording. It opens /dev/tty (to read keys while it plays), so
 * it runs in a PTY of its own; its output goes to a file, not through that PTY's line discipline.
 */
async function asciinemaCat(cast: string): Promise<Buffer> {
  const out = join(scratch, "played.bin");
  await ptyOutputOf("/bin/sh", [
    "-c",
    `PYTHONIOENCODING=utf-8 exec /usr/bin/asciinema cat "$0" > "$1" 2> "$1.err"`,
    cast,
    out,
  ]);
  expect(readFileSync(`${out}.err`, "utf8")).toBe("");
  return readFileSync(out);
}

it(
  "asciinema cat of GET /recording prints exactly the session's stored output, and the file has the starting size and the resize",
  { timeout: 60_000 },
  async () => {
    const opened = await tool("interactive_shell", {
      cols: 100,
      rows: 30,
      initial_command: "printf '\\033[1;31mred\\033[0m caf\\303\\251 \\342\\224\\200\\n'",
    });
    expect(opened.body).toMatchObject({
      status: "completed",
      exit_code: 0,
      output: "red café ─\n",
    });
    const id = opened.body.session_id;
    const person = NodeViewer.join(stack.url, id, opened.body.viewer.token);
    await person.message("live", 20_000);
    person.ws.send(JSON.stringify({ type: "resize", cols: 120, rows: 40 }));
    await person.message("resize");
    const second = await tool("interactive_shell", {
      session_id: id,
      initial_command: "seq 1 500",
    });
    expect(second.body).toMatchObject({ status: "completed", exit_code: 0 });
    const storedBefore = person.end();

    const response = await fetch(`${stack.url}/api/sessions/${id}/recording`, {
      headers: { Authorization: `Bearer ${stack.secrets.API_TOKEN}` },
    });
    expect(response.status).toBe(200);
    const cast = join(scratch, "session.cast");
    writeFileSync(cast, Buffer.from(await response.arrayBuffer()));
    const lines = readFileSync(cast, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ version: 2, width: 100, height: 30 });
    expect(lines.some((event) => event[1] === "r" && event[2] === "120x40")).toBe(true);

    const playedBytes = await asciinemaCat(cast);
    // The shell may print after the request (a prompt redrawn after the resize): the recording
    // holds at least what was stored before it, and is the stored stream's start, byte for byte.
    const stored = Buffer.concat(person.frames.map((frame) => frame.data));
    expect(person.frames[0]?.offset).toBe(0);
    expect(playedBytes.length).toBeGreaterThanOrEqual(storedBefore);
    expect(playedBytes.equals(stored.subarray(0, playedBytes.length))).toBe(true);
    person.close();
    await tool("close_session", { session_id: id });
  },
);
