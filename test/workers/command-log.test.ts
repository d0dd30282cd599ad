/** The command log: one record per command the shell ran, from its nonce'd OSC 133 marks, through GET /api/sessions/:id/commands, the session summary and the commandOutput RPC. */
import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_TENANT, encodeInputFrame } from "../../protocol/index.ts";
import { C_MARK, FAKE_HOME, FAKE_NONCE, FakeRunnerHost, OSC } from "./fake-shell.ts";
import { api, autoAck, connectViewer, runnerWrite, startSession, type Peer } from "./helpers.ts";

async function tool(name: string, body: unknown) {
  const response = await api("POST", `/api/tools/${name}`, body);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** GET /api/sessions/:id/commands (with `query`), as JSON. */
async function commands(id: string, query = "", key?: string) {
  const response = await api("GET", `/api/sessions/${id}/commands${query}`, undefined, key);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

function stub(id: string) {
  return env.SESSIONS.get(env.SESSIONS.idFromName(id));
}

function type(peer: Peer, text: string): void {
  peer.ws.send(encodeInputFrame(new TextEncoder().encode(text)));
}

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A session on a fresh fake host, opened by an agent call running `command`. */
async function agentSession(host: string, command: string) {
  const fake = await FakeRunnerHost.connect(host);
  const opened = await tool("interactive_shell", { host, initial_command: command });
  expect(opened.body.status, JSON.stringify(opened.body)).toBe("completed");
  return { id: opened.body.session_id as string, opened: opened.body, fake };
}

/** A writer joined to the session that has replayed everything so far. */
async function joinWriter(id: string, token: string): Promise<Peer> {
  const writer = await connectViewer(id, token);
  autoAck(writer);
  await writer.message("live");
  return writer;
}

/** A session whose raw runner said hello as bash with the fake nonce; output is written by hand. */
async function rawSession(
  hello = { shell: "bash", marks: true, nonce: FAKE_NONCE as string | null },
) {
  const s = await startSession();
  s.runner.sendText({ type: "hello", ...hello });
  let offset = 0;
  const write = async (text: string) => {
    const bytes = new TextEncoder().encode(text);
    await runnerWrite(s.runner, offset, bytes);
    offset += bytes.byteLength;
    return offset;
  };
  return { ...s, write, offset: () => offset };
}

const PROMPT = `${OSC("A")}$ ${OSC("B")}`;

describe("GET /api/sessions/:id/commands", () => {
  it("records each command an agent call or a writer ran: its text, directory, who typed it, output offsets, times and exit code", async () => {
    const before = Date.now();
    const { id, opened } = await agentSession("cmdlog-fields", "whoami");
    const cd = await tool("interactive_shell", { session_id: id, initial_command: "cd /tmp" });
    expect(cd.body.status).toBe("completed");
    const writer = await joinWriter(id, opened.viewer.token);
    type(writer, "false\r");
    await writer.until(() => writer.text().includes(OSC("D;1")), "false's end mark");
    const after = Date.now();

    const list = await commands(id);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ shell: "bash", marks: true });
    const records = list.body.commands as any[];
    expect(records.map((c) => [c.number, c.text, c.cwd, c.source, c.exitCode])).toEqual([
      [1, "whoami", FAKE_HOME, { kind: "agent", callId: opened.call_id }, 0],
      [2, "cd /tmp", FAKE_HOME, { kind: "agent", callId: cd.body.call_id }, 0],
      [3, "false", "/tmp", { kind: "writer" }, 1],
    ]);
    // start is one past the C mark, end is the D mark's first byte: [start, end) is the output.
    const stream = writer.bytes();
    const output = records.map((c) => decode(stream.subarray(c.start, c.end)));
    expect(output).toEqual(["sandbox\r\n", "", ""]);
    for (const c of records) {
      expect(decode(stream.subarray(0, c.start)).endsWith(C_MARK(c.text, c.cwd))).toBe(true);
      expect(decode(stream.subarray(c.end)).startsWith(OSC(`D;${c.exitCode}`))).toBe(true);
      const started = Date.parse(c.startedAt);
      const ended = Date.parse(c.endedAt);
      expect(new Date(started).toISOString()).toBe(c.startedAt);
      expect(started).toBeGreaterThanOrEqual(before);
      expect(ended).toBeGreaterThanOrEqual(started);
      expect(ended).toBeLessThanOrEqual(after);
    }
  });

  it("shows a running command without end, end time or exit code, and completes it at its end mark", async () => {
    const { id } = await agentSession("cmdlog-running", "whoami");
    const sleeping = await tool("interactive_shell", {
      session_id: id,
      initial_command: "sleep 30",
      timeout_ms: 300,
    });
    expect(sleeping.body.status).toBe("running");
    const running = (await commands(id)).body.commands[1];
    expect(running).toMatchObject({
      number: 2,
      text: "sleep 30",
      source: { kind: "agent", callId: sleeping.body.call_id },
      end: null,
      endedAt: null,
      exitCode: null,
    });
    const stopped = await tool("send_input", { session_id: id, input: "\u0003" });
    expect(stopped.body).toMatchObject({ status: "completed", exit_code: 130 });
    const ended = (await commands(id)).body.commands[1];
    // Still the sleep's call: the Ctrl-C that ended it did not type its line.
    expect(ended).toMatchObject({
      number: 2,
      start: running.start,
      source: { kind: "agent", callId: sleeping.body.call_id },
      exitCode: 130,
    });
    expect(ended.end).toBeGreaterThanOrEqual(running.start);
    expect(Date.parse(ended.endedAt)).toBeGreaterThanOrEqual(Date.parse(ended.startedAt));
  });

  it("counts only marks with the session's nonce: a command printing look-alike marks stays one running command", async () => {
    const s = await rawSession();
    await s.write(`${PROMPT}${C_MARK("cat forged", "/")}`);
    await s.write(
      `${C_MARK("rm -rf /", "/", null)}${C_MARK("rm -rf /", "/", "wrongnonce")}${OSC("D;0", null)}${OSC("D;0", "wrongnonce")}still running\r\n`,
    );
    const list = (await commands(s.id)).body.commands as any[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ number: 1, text: "cat forged", end: null, exitCode: null });
  });

  it("leaves text and cwd null when the C mark does not carry them", async () => {
    const s = await rawSession();
    await s.write(`${PROMPT}${OSC("C")}hi\r\n${OSC("D;0")}`);
    const [record] = (await commands(s.id)).body.commands as any[];
    expect(record).toMatchObject({ number: 1, text: null, cwd: null, exitCode: 0 });
  });

  it("decodes percent-encoded lines: multi-line, non-ASCII, with ';' and '%'", async () => {
    const s = await rawSession();
    const line = "printf '%s\\n' 'é;\n2'";
    await s.write(`${PROMPT}${C_MARK(line, "/srv/dir with space")}${OSC("D;0")}`);
    const [record] = (await commands(s.id)).body.commands as any[];
    expect(record).toMatchObject({ text: line, cwd: "/srv/dir with space" });
  });

  it("ends a command still running when the shell exits, at the exit's offset and without a status", async () => {
    const s = await rawSession();
    const end = await s.write(`${PROMPT}${C_MARK("exit", FAKE_HOME)}bye\r\n`);
    s.runner.sendText({ type: "exit", exit: { code: 0, signal: null }, offset: end });
    await s.runner.message("close");
    const [record] = (await commands(s.id)).body.commands as any[];
    expect(record).toMatchObject({ number: 1, text: "exit", end, exitCode: null });
    expect(record.endedAt).not.toBeNull();
  });

  it("keeps the records across a restart of the object, and never records a command twice", async () => {
    const s = await rawSession();
    await s.write(`${PROMPT}${C_MARK("one", "/")}1\r\n${OSC("D;0")}${PROMPT}`);
    await s.write(`${C_MARK("two", "/")}2\r\n`);
    await evictDurableObject(stub(s.id));
    // The restarted object reparses its stored tail: one, and two's C, are seen again.
    await s.write(`${OSC("D;3")}${PROMPT}${C_MARK("three", "/")}3\r\n${OSC("D;0")}${PROMPT}`);
    const list = (await commands(s.id)).body.commands as any[];
    expect(list.map((c) => [c.number, c.text, c.exitCode])).toEqual([
      [1, "one", 0],
      [2, "two", 3],
      [3, "three", 0],
    ]);
  });

  it("keeps the newest 1000 records; ?after= and ?limit= page through them", async () => {
    const s = await rawSession();
    const command = (n: number) =>
      `${PROMPT}${C_MARK(`echo ${n}`, "/")}${n}\r\n${OSC(`D;${n % 256}`)}`;
    // 100 commands per frame: within what one frame's marks the shell driver keeps.
    for (let from = 1; from <= 1005; from += 100) {
      let text = "";
      for (let n = from; n < from + 100 && n <= 1005; n++) text += command(n);
      await s.write(text);
    }
    const all = (await commands(s.id)).body.commands as any[];
    expect(all).toHaveLength(1000);
    expect(all[0]).toMatchObject({ number: 6, text: "echo 6", exitCode: 6 });
    expect(all[999]).toMatchObject({ number: 1005, text: "echo 1005", exitCode: 1005 % 256 });
    const newer = (await commands(s.id, "?after=1002")).body.commands as any[];
    expect(newer.map((c) => c.number)).toEqual([1003, 1004, 1005]);
    const page = (await commands(s.id, "?after=1&limit=2")).body.commands as any[];
    expect(page.map((c) => c.number)).toEqual([6, 7]);
  });

  it("has no records for a shell without marks, and says so", async () => {
    const s = await startSession();
    // Before the runner's hello nothing is known about the shell.
    expect((await commands(s.id)).body).toEqual({ shell: null, marks: null, commands: [] });
    s.runner.sendText({ type: "hello", shell: "dash", marks: false, nonce: null });
    // Marks without a nonce are what a program printed, not a shell that has none.
    await runnerWrite(s.runner, 0, `$ ${OSC("C", null)}out\r\n${OSC("D;0", null)}$ `);
    expect((await commands(s.id)).body).toEqual({ shell: "dash", marks: false, commands: [] });
    expect(await stub(s.id).describe()).toMatchObject({ lastCommand: null });
    const output = await stub(s.id).commandOutput(DEFAULT_TENANT, 1, 1024);
    expect(output).toMatchObject({ ok: false, code: "command_not_found" });
    expect(output.ok ? "" : output.message).toContain("prints no prompt marks");
  });

  it("refuses a bad after or limit with 400 naming the parameter", async () => {
    const s = await rawSession();
    for (const [query, name] of [
      ["?limit=0", "limit"],
      ["?limit=1001", "limit"],
      ["?after=-1", "after"],
      ["?after=x", "after"],
    ]) {
      const reply = await commands(s.id, query);
      expect(reply.status, query).toBe(400);
      expect(reply.body.error).toMatchObject({ code: "invalid_request" });
      expect(reply.body.error.message.startsWith(`${name}: expected an integer`)).toBe(true);
    }
  });

  it("answers 404 for an unknown session and 409 once the session ended, whose records are deleted", async () => {
    const unknown = await commands("not-a-session-id");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("session_not_found");
    const s = await rawSession();
    await s.write(`${PROMPT}${C_MARK("ls", "/")}${OSC("D;0")}`);
    expect((await api("DELETE", `/api/sessions/${s.id}`)).status).toBe(200);
    const ended = await commands(s.id);
    expect(ended.status).toBe(409);
    expect(ended.body.error.code).toBe("session_ended");
    expect(await stub(s.id).describe()).toMatchObject({ state: "ended", lastCommand: null });
  });
});

describe("the viewers' command message", () => {
  it("tells every viewer when a command starts and when it ends, each after the output that carried its mark", async () => {
    const s = await rawSession();
    const viewer = await connectViewer(s.id, s.viewerToken);
    autoAck(viewer);
    await viewer.message("live");
    await s.write(`${PROMPT}${C_MARK("read answer", "/")}`);
    const started = await viewer.message("command");
    expect(started.command).toMatchObject({ number: 1, text: "read answer", end: null });
    expect(viewer.sequence.lastIndexOf("output")).toBeLessThan(viewer.sequence.indexOf("command"));
    // Answered in the panel: the session sees the D mark, and says so without any API call.
    const end = await s.write(`yes\r\n${OSC("D;0")}${PROMPT}`);
    await viewer.until(
      () =>
        (viewer.texts as Record<string, any>[]).filter((m) => m.type === "command").length === 2,
      "a second command message",
    );
    const ended = (viewer.texts as Record<string, any>[]).filter((m) => m.type === "command")[1]!;
    expect(ended.command).toEqual((await commands(s.id)).body.commands[0]);
    expect(ended.command).toMatchObject({ number: 1, exitCode: 0, start: started.command.start });
    expect(ended.command.end).toBeLessThan(end);
    const seq = viewer.sequence;
    expect(seq.lastIndexOf("output", seq.lastIndexOf("command"))).toBeGreaterThan(
      seq.indexOf("command"),
    );
  });

  it("sends nothing for look-alike marks without the nonce, and ends a running command before the exit message", async () => {
    const s = await rawSession();
    const viewer = await connectViewer(s.id, s.viewerToken);
    autoAck(viewer);
    await viewer.message("live");
    await s.write(`${PROMPT}${C_MARK("rm -rf /", "/", "wrongnonce")}${OSC("D;0", null)}`);
    const end = await s.write(`${C_MARK("exit", "/")}bye\r\n`);
    await viewer.message("command");
    s.runner.sendText({ type: "exit", exit: { code: 0, signal: null }, offset: end });
    await viewer.message("exit");
    const sent = (viewer.texts as Record<string, any>[])
      .filter((m) => m.type === "command")
      .map((m) => m.command);
    expect(sent.map((c) => [c.number, c.text, c.end, c.exitCode])).toEqual([
      [1, "exit", null, null],
      [1, "exit", end, null],
    ]);
    const seq = viewer.sequence;
    expect(seq.lastIndexOf("command")).toBeLessThan(seq.indexOf("exit"));
  });
});

describe("the session summary", () => {
  it("carries lastActivityAt and lastCommand, the newest record", async () => {
    const { id } = await agentSession("cmdlog-summary", "whoami");
    const info0 = (await (await api("GET", `/api/sessions/${id}`)).json()) as any;
    const before = Date.now();
    const second = await tool("interactive_shell", { session_id: id, initial_command: "false" });
    expect(second.body.exit_code).toBe(1);
    const info = (await (await api("GET", `/api/sessions/${id}`)).json()) as any;
    const newest = (await commands(id)).body.commands.at(-1);
    expect(info.lastCommand).toEqual(newest);
    expect(info.lastCommand).toMatchObject({ number: 2, text: "false", exitCode: 1 });
    expect(info0.lastCommand).toMatchObject({ number: 1, text: "whoami" });
    const activity = Date.parse(info.lastActivityAt);
    expect(new Date(activity).toISOString()).toBe(info.lastActivityAt);
    expect(activity).toBeGreaterThanOrEqual(before);
    expect(activity).toBeLessThanOrEqual(Date.now());
  });
});

describe("the commandOutput RPC", () => {
  it("returns a command's record and exactly the bytes between its marks; a running one's so far", async () => {
    const s = await rawSession();
    await s.write(`${PROMPT}${C_MARK("seq 3", "/")}1\r\n2\r\n3\r\n${OSC("D;0")}${PROMPT}`);
    await s.write(`${C_MARK("tail -f log", "/")}line 1\r\n`);
    const first = await stub(s.id).commandOutput(DEFAULT_TENANT, 1, 1024);
    if (!first.ok) throw new Error(first.message);
    expect(first.command).toMatchObject({ number: 1, text: "seq 3", exitCode: 0 });
    expect(decode(first.bytes)).toBe("1\r\n2\r\n3\r\n");
    expect(first).toMatchObject({
      start: first.command.start,
      end: first.command.end,
      trimmed: false,
    });
    const running = await stub(s.id).commandOutput(DEFAULT_TENANT, 2, 1024);
    if (!running.ok) throw new Error(running.message);
    expect(running.command.end).toBeNull();
    expect(decode(running.bytes)).toBe("line 1\r\n");
    expect(running.end).toBe(s.offset());
  });

  it("keeps the end of a long output within maxBytes and says it was trimmed", async () => {
    const s = await rawSession();
    await s.write(`${PROMPT}${C_MARK("seq 3", "/")}1\r\n2\r\n3\r\n${OSC("D;0")}`);
    const cut = await stub(s.id).commandOutput(DEFAULT_TENANT, 1, 4);
    if (!cut.ok) throw new Error(cut.message);
    expect(decode(cut.bytes)).toBe("\r\n3\r\n".slice(-4));
    expect(cut).toMatchObject({ trimmed: true, end: cut.command.end, start: cut.command.end! - 4 });
  });

  it("answers command_not_found for a number it does not have, and session_not_found for another tenant", async () => {
    const s = await rawSession();
    await s.write(`${PROMPT}${C_MARK("ls", "/")}${OSC("D;0")}`);
    expect(await stub(s.id).commandOutput(DEFAULT_TENANT, 2, 1024)).toMatchObject({
      ok: false,
      code: "command_not_found",
    });
    expect(await stub(s.id).commandOutput("acme", 1, 1024)).toMatchObject({
      ok: false,
      code: "session_not_found",
    });
    expect(await stub(s.id).commands("acme", 0, 10)).toMatchObject({
      ok: false,
      code: "session_not_found",
    });
  });
});
