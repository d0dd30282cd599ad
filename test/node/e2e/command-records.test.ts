/** Command records on the real stack, in bash and zsh: commands an agent ran and a person typed, each with its line, directory, source, output offsets, times and exit code. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "../../harness/edge-stack.ts";
import { NodeViewer } from "../../harness/node-viewer.ts";

const SHELLS = {
  bash: { host: "bash-records", path: "/bin/bash" },
  zsh: { host: "zsh-records", path: "/usr/bin/zsh" },
} as const;

let stack: Stack;
let home: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "webterm-records-"));
  writeFileSync(join(home, ".bashrc"), "PS1='b$ '\n");
  writeFileSync(join(home, ".zshrc"), "PS1='z> '\n");
  const env = { HOME: home };
  stack = await startStack({
    host: SHELLS.bash.host,
    runnerArgs: ["--shell", SHELLS.bash.path, "--cwd", home],
    runnerEnv: env,
    extraRunners: [
      { host: SHELLS.zsh.host, args: ["--shell", SHELLS.zsh.path, "--cwd", home], env },
    ],
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

const tool = (name: string, body: unknown) => stack.api("POST", `/api/tools/${name}`, body);

/** Runs `command` as an agent call and expects it to complete with `exitCode`. */
async function agentRuns(sessionId: string, command: string, exitCode: number): Promise<string> {
  const reply = await tool("interactive_shell", {
    session_id: sessionId,
    initial_command: command,
  });
  expect(reply.body, command).toMatchObject({ status: "completed", exit_code: exitCode });
  return reply.body.call_id;
}

/** A multi-line command: the quoted newline makes the shell read a second line. */
const MULTI_LINE = "printf '%s\\n' 'one\ntwo'";

describe.each(Object.keys(SHELLS) as (keyof typeof SHELLS)[])("in %s", (shell) => {
  it(
    "records every command an agent call ran or a person typed, with every field right",
    { timeout: 60_000 },
    async () => {
      const before = Date.now();
      const opened = await tool("interactive_shell", {
        host: SHELLS[shell].host,
        cwd: home,
        initial_command: "echo hi",
        timeout_ms: 20_000,
      });
      expect(opened.body).toMatchObject({ status: "completed", exit_code: 0, output: "hi\n" });
      const id = opened.body.session_id;
      const calls = [opened.body.call_id];
      calls.push(await agentRuns(id, "cd /tmp", 0));
      calls.push(await agentRuns(id, "false", 1));
      calls.push(await agentRuns(id, MULTI_LINE, 0));
      // A person types a failing command into the same shell.
      const person = NodeViewer.join(stack.url, id, opened.body.viewer.token);
      await person.message("live", 20_000);
      person.type("printf 'w\\n'; (exit 3)\r");
      await person.until(() => /\x1b\]133;D;3;n=[^\x07]*\x07/.test(person.text()), "its end mark");
      const after = Date.now();

      const listed = await stack.api("GET", `/api/sessions/${id}/commands`);
      expect(listed.status).toBe(200);
      expect(listed.body).toMatchObject({ shell, marks: true });
      const records = listed.body.commands as any[];
      const agent = (i: number) => ({ kind: "agent", callId: calls[i] });
      // bash reports the line its history holds: a quoted newline stays a newline there.
      expect(records.map((r) => [r.number, r.text, r.cwd, r.source, r.exitCode])).toEqual([
        [1, "echo hi", home, agent(0), 0],
        [2, "cd /tmp", home, agent(1), 0],
        [3, "false", "/tmp", agent(2), 1],
        [4, MULTI_LINE, "/tmp", agent(3), 0],
        [5, "printf 'w\\n'; (exit 3)", "/tmp", { kind: "writer" }, 3],
      ]);

      // [start, end) is exactly each command's output in the session's stream.
      const stream = Buffer.concat(person.frames.map((frame) => frame.data));
      expect(person.frames[0]?.offset).toBe(0);
      const outputs = records.map((r) => stream.subarray(r.start, r.end).toString("utf8"));
      expect(outputs).toEqual(["hi\r\n", "", "", "one\r\ntwo\r\n", "w\r\n"]);
      for (const r of records) {
        expect(stream.subarray(0, r.start).toString("latin1")).toMatch(/\x1b\]133;C;[^\x07]*\x07$/);
        expect(stream.subarray(r.end).toString("latin1")).toMatch(
          new RegExp(`^\\x1b\\]133;D;${r.exitCode};n=`),
        );
      }

      // Times: each command inside the test's window, ended after it started, in order.
      let previousEnd = before - 1000;
      for (const r of records) {
        const started = Date.parse(r.startedAt);
        const ended = Date.parse(r.endedAt);
        expect(started).toBeGreaterThanOrEqual(previousEnd);
        expect(ended).toBeGreaterThanOrEqual(started);
        previousEnd = ended;
      }
      expect(previousEnd).toBeLessThanOrEqual(after + 1000);

      const info = await stack.api("GET", `/api/sessions/${id}`);
      expect(info.body.lastCommand).toEqual(records[4]);
      const activity = Date.parse(info.body.lastActivityAt);
      expect(activity).toBeGreaterThanOrEqual(Date.parse(records[4].startedAt));
      expect(activity).toBeLessThanOrEqual(Date.now() + 1000);
      person.close();
      await tool("close_session", { session_id: id });
    },
  );
});
