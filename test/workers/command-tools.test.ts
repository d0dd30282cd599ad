/** The command tools: list_commands lists a session's command records, and read_output { command } returns one command's output; both from their schemas, tenant-scoped, with clear refusals. */
import { describe, expect, it } from "vitest";
import { FakeRunnerHost } from "./fake-shell.ts";
import { api } from "./helpers.ts";

async function tool(name: string, body: unknown, key?: string) {
  const response = await api("POST", `/api/tools/${name}`, body, key);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe("list_commands and read_output { command }", () => {
  it("lists what ran, and reads back each command's own output", async () => {
    await FakeRunnerHost.connect("cmd-tools");
    const first = await tool("interactive_shell", { host: "cmd-tools", initial_command: "whoami" });
    const id = first.body.session_id as string;
    await tool("interactive_shell", { session_id: id, initial_command: "nosuchcmd" });
    await tool("interactive_shell", { session_id: id, initial_command: "false" });

    const listed = await tool("list_commands", { session_id: id });
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({
      success: true,
      session_id: id,
      shell: "bash",
      marks: true,
    });
    const records = listed.body.commands as Record<string, any>[];
    expect(records.map((r) => [r.number, r.text, r.exitCode])).toEqual([
      [1, "whoami", 0],
      [2, "nosuchcmd", 127],
      [3, "false", 1],
    ]);
    expect(records[0]!.source).toMatchObject({ kind: "agent" });

    const later = await tool("list_commands", { session_id: id, after: 1, limit: 1 });
    expect(later.body.commands.map((r: any) => r.number)).toEqual([2]);

    const second = await tool("read_output", { session_id: id, command: 2 });
    expect(second.status).toBe(200);
    expect(second.body.output).toBe("bash: nosuchcmd: command not found\n");
    expect(second.body.command).toMatchObject({ number: 2, exitCode: 127 });
    expect(second.body.offsets).toEqual({ start: records[1]!.start, end: records[1]!.end });
    expect(second.body.output_truncated).toBe(false);
    expect(typeof second.body.screen).toBe("string");
  });

  it("refuses an unknown command, both ways of choosing output at once, and bad fields", async () => {
    await FakeRunnerHost.connect("cmd-tools-2");
    const first = await tool("interactive_shell", {
      host: "cmd-tools-2",
      initial_command: "whoami",
    });
    const id = first.body.session_id as string;
    const unknown = await tool("read_output", { session_id: id, command: 9 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("command_not_found");
    const both = await tool("read_output", { session_id: id, command: 1, since_offset: 0 });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toContain("either command or since_offset");
    const bad = await tool("read_output", { session_id: id, command: 0 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("command");
    const badLimit = await tool("list_commands", { session_id: id, limit: 1001 });
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.message).toContain("limit");
  });

  it("answers another tenant's key as if the session did not exist", async () => {
    await FakeRunnerHost.connect("cmd-tools-3");
    const first = await tool("interactive_shell", {
      host: "cmd-tools-3",
      initial_command: "whoami",
    });
    const id = first.body.session_id as string;
    const created = await api("POST", "/api/tenants", { tenant: "cmd-tools-other" });
    const theirs = ((await created.json()) as { key: string }).key;
    for (const [name, body] of [
      ["list_commands", { session_id: id }],
      ["read_output", { session_id: id, command: 1 }],
    ] as const) {
      const refused = await tool(name, body, theirs);
      expect(refused.status, name).toBe(404);
      expect(refused.body.error.code).toBe("session_not_found");
    }
  });
});
