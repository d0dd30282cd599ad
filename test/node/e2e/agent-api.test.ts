/** The agent tool API through the real stack and real bash: the seed's flow in one session, reuse, exit codes, prompts, timeouts, errors. */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../../harness/edge-stack.ts";
import { NodeViewer } from "../../harness/node-viewer.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

const tool = (name: string, body: unknown) => stack.api("POST", `/api/tools/${name}`, body);

describe("interactive_shell through the real stack", () => {
  it("runs the seed's flow: one session, the output and exit code in the result, and a late viewer sees it replayed", async () => {
    const before = stack.sessionObjectCount();
    const me = execFileSync("whoami").toString();
    const result = await tool("interactive_shell", { initial_command: "whoami" });
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      success: true,
      status: "completed",
      exit_code: 0,
      output: me,
      output_truncated: false,
    });
    expect(result.body.note).toBe("Output is visible in the terminal panel.");
    const viewer = NodeViewer.join(stack.url, result.body.session_id, result.body.viewer.token);
    await viewer.message("live");
    const replay = viewer.text();
    expect(replay.indexOf(`${me.trim()}\r\n`)).toBeGreaterThan(replay.indexOf("whoami\r\n"));
    expect(replay.indexOf("whoami\r\n")).toBeGreaterThan(0);
    expect(stack.sessionObjectCount()).toBe(before + 1);
    viewer.close();
  });

  it("keeps the shell across calls: the same $$ and a cd that persists", async () => {
    const first = await tool("interactive_shell", { initial_command: "echo $$; cd /tmp" });
    const id = first.body.session_id;
    const pid = first.body.output.trim();
    expect(pid).toMatch(/^\d+$/);
    const second = await tool("interactive_shell", {
      session_id: id,
      initial_command: "echo $$; pwd",
    });
    expect(second.body.output).toBe(`${pid}\n/tmp\n`);
  });

  it("reports false's exit code 1", async () => {
    const result = await tool("interactive_shell", { initial_command: "false" });
    expect(result.body).toMatchObject({ status: "completed", exit_code: 1, output: "" });
  });

  it("returns awaiting_input at a read prompt, and send_input completes it", async () => {
    const asked = await tool("interactive_shell", {
      initial_command: 'read -p "Continue? [y/N] " answer; echo "you said $answer"',
    });
    expect(asked.body).toMatchObject({
      status: "awaiting_input",
      exit_code: null,
      output: "Continue? [y/N] ",
    });
    const answered = await tool("send_input", { session_id: asked.body.session_id, input: "y\n" });
    expect(answered.body).toMatchObject({ status: "completed", exit_code: 0 });
    expect(answered.body.output).toContain("you said y");
  });

  it("returns running for sleep 30 at a short timeout, and Ctrl-C through send_input ends it", async () => {
    const started = Date.now();
    const sleeping = await tool("interactive_shell", {
      initial_command: "sleep 30",
      timeout_ms: 1500,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    // A new session's shell may not have drawn its first prompt within 1.5 s on a loaded machine:
    // the call is then truly `queued`, and `wait` follows it until sleep runs.
    let status = sleeping.body;
    while (status.status === "queued") {
      status = (
        await tool("wait", {
          session_id: sleeping.body.session_id,
          call_id: sleeping.body.call_id,
          timeout_ms: 1500,
        })
      ).body;
    }
    expect(status).toMatchObject({ status: "running", exit_code: null });
    const stopped = await tool("send_input", {
      session_id: sleeping.body.session_id,
      input: "\u0003",
    });
    expect(stopped.body).toMatchObject({ status: "completed", exit_code: 130 });
  });

  it("reads output since an offset and renders the screen", async () => {
    const ran = await tool("interactive_shell", { initial_command: "printf 'alpha\\nbeta\\n'" });
    const read = await tool("read_output", {
      session_id: ran.body.session_id,
      since_offset: ran.body.offsets.start,
    });
    expect(read.status).toBe(200);
    expect(read.body.output).toContain("alpha\nbeta");
    expect(read.body.screen).toMatch(/alpha\nbeta/);
  });

  it("answers errors with JSON statuses: 400, 401, 404, 409 and 503", async () => {
    expect((await tool("interactive_shell", { rows: -3 })).status).toBe(400);
    const unauthorized = await fetch(`${stack.url}/api/tools/interactive_shell`, {
      method: "POST",
      body: "{}",
    });
    expect(unauthorized.status).toBe(401);
    expect((await tool("read_output", { session_id: "AAAAAAAAAAAAAAAAAAAAAAAAAAA" })).status).toBe(
      404,
    );
    const opened = await tool("interactive_shell", {});
    await tool("close_session", { session_id: opened.body.session_id });
    expect(
      (await tool("send_input", { session_id: opened.body.session_id, input: "x" })).status,
    ).toBe(409);
    const noRunner = await tool("interactive_shell", {
      initial_command: "true",
      host: "elsewhere",
    });
    expect(noRunner.status).toBe(503);
    expect(noRunner.body.error.message).toContain("pty-runner");
  });
});

describe("interactive_shell edge cases", () => {
  it("returns at once for a command line that runs nothing", async () => {
    const started = Date.now();
    const empty = await tool("interactive_shell", { initial_command: "   " });
    expect(empty.body).toMatchObject({ status: "completed", exit_code: null, output: "" });
    const comment = await tool("interactive_shell", {
      session_id: empty.body.session_id,
      initial_command: "# nothing",
    });
    expect(comment.body).toMatchObject({ status: "completed", exit_code: null });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
