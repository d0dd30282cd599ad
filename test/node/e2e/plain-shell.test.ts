/** The degraded mode for shells without prompt marks (dash), through the real stack: the runner's terminal facts alone end each call. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../../harness/edge-stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ runnerArgs: ["--shell", "/bin/dash"] });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

const tool = (name: string, body: unknown) => stack.api("POST", `/api/tools/${name}`, body);

describe("a shell without marks (dash)", () => {
  it("completes commands with exit_code null and exactly their output, without the echo or the prompt", async () => {
    const first = await tool("interactive_shell", { initial_command: "printf 'one\\ntwo\\n'" });
    expect(first.body).toMatchObject({
      status: "completed",
      exit_code: null,
      output: "one\ntwo\n",
    });
    const id = first.body.session_id;
    for (let i = 0; i < 5; i++) {
      const next = await tool("interactive_shell", {
        session_id: id,
        initial_command: `echo n=${i}`,
      });
      expect(next.body).toMatchObject({ status: "completed", exit_code: null, output: `n=${i}\n` });
    }
    const quiet = await tool("interactive_shell", { session_id: id, initial_command: "true" });
    expect(quiet.body).toMatchObject({ status: "completed", exit_code: null, output: "" });
  });

  it("has no command records, and GET /commands says the shell prints no marks", async () => {
    const ran = await tool("interactive_shell", { initial_command: "echo one; false" });
    expect(ran.body).toMatchObject({ status: "completed", output: "one\n" });
    const listed = await stack.api("GET", `/api/sessions/${ran.body.session_id}/commands`);
    expect(listed).toEqual({ status: 200, body: { shell: "dash", marks: false, commands: [] } });
    const info = await stack.api("GET", `/api/sessions/${ran.body.session_id}`);
    expect(info.body.lastCommand).toBeNull();
  });

  it("says awaiting_input when a job reads the terminal, and send_input ends it", async () => {
    const asked = await tool("interactive_shell", {
      initial_command: "printf 'Name? '; head -n 1; echo done",
    });
    expect(asked.body).toMatchObject({ status: "awaiting_input", output: "Name? " });
    const answered = await tool("send_input", { session_id: asked.body.session_id, input: "x\n" });
    expect(answered.body).toMatchObject({ status: "completed", exit_code: null });
    expect(answered.body.output).toBe("x\nx\ndone\n");
  });
});
