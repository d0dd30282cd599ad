/** Agent calls that never lie, against the session object with a fake shell: the keyboard lease, half-typed lines, call_id retries, wait, forged marks and a frozen runner. */
import { describe, expect, it } from "vitest";
import { encodeInputFrame } from "../../protocol/index.ts";
import { FakeRunnerHost } from "./fake-shell.ts";
import { api, autoAck, connectViewer, type Peer } from "./helpers.ts";

async function tool(name: string, body: unknown) {
  const response = await api("POST", `/api/tools/${name}`, body);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Opens a session on a fresh fake host; returns its id, a writer peer and the fake host. */
async function openSession(host: string) {
  const fake = await FakeRunnerHost.connect(host);
  const opened = await tool("interactive_shell", { host });
  expect(opened.body.status).toBe("completed");
  const writer = await connectViewer(opened.body.session_id, opened.body.viewer.token);
  autoAck(writer);
  await writer.message("live");
  return { id: opened.body.session_id as string, writer, fake };
}

function type(peer: Peer, text: string): void {
  peer.ws.send(encodeInputFrame(new TextEncoder().encode(text)));
}

function typedToShell(fake: FakeRunnerHost, id: string): string {
  const shell = fake.shells.get(id)!;
  return shell.peer.inputs.map((bytes) => new TextDecoder().decode(bytes)).join("");
}

describe("the keyboard lease", () => {
  it("refuses a writer's keys with a notice while the agent's command runs, but lets Ctrl-C through", async () => {
    const { id, writer, fake } = await openSession("lease");
    const sleeping = await tool("interactive_shell", {
      session_id: id,
      initial_command: "sleep 30",
      timeout_ms: 300,
    });
    expect(sleeping.body.status).toBe("running");
    const lease = await writer.until(
      () => writer.texts.find((m: any) => m.type === "lease" && m.lease),
      "a lease message",
    );
    expect(lease).toMatchObject({ lease: { holder: "agent", command: "sleep 30" } });
    type(writer, "ls\r");
    const refused = await writer.until(
      () => writer.texts.find((m: any) => m.type === "error" && m.code === "input_leased"),
      "the refusal",
    );
    expect(String((refused as any).message)).toContain("sleep 30");
    expect(typedToShell(fake, id)).not.toContain("ls");
    type(writer, "\u0003");
    const ended = await tool("wait", { session_id: id, call_id: sleeping.body.call_id });
    expect(ended.body).toMatchObject({ status: "completed", exit_code: 130 });
    await writer.until(
      () => writer.texts.some((m: any) => m.type === "lease" && m.lease === null),
      "the lease's release",
    );
    type(writer, "x");
    await fake.shells.get(id)!.peer.until(() => typedToShell(fake, id).endsWith("x"), "x typed");
  });
});

describe("a person's half-typed line", () => {
  it("refuses the agent's command with input_pending naming the text, and clear_line clears it first", async () => {
    const { id, writer, fake } = await openSession("halfline");
    type(writer, "echo AAA");
    await writer.until(() => writer.text().endsWith("echo AAA"), "the echo");
    const refused = await tool("interactive_shell", { session_id: id, initial_command: "whoami" });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("input_pending");
    expect(refused.body.error.message).toContain('"echo AAA"');
    expect(typedToShell(fake, id)).toBe("echo AAA");
    const cleared = await tool("interactive_shell", {
      session_id: id,
      initial_command: "whoami",
      clear_line: true,
    });
    expect(cleared.body).toMatchObject({
      status: "completed",
      exit_code: 0,
      output: "sandbox\n",
      cleared_line: "echo AAA",
    });
    expect(typedToShell(fake, id)).toBe("echo AAA\u0003whoami\r");
    const log = (await (await api("GET", `/api/sessions/${id}/inputs`)).json()) as any;
    expect(log.inputs.map((run: any) => [run.source, run.bytes])).toEqual([
      [{ kind: "writer" }, 8],
      [{ kind: "agent", callId: cleared.body.call_id }, 8],
    ]);
  });
});

describe("call_id", () => {
  it("returns the same result for a repeated call and types the command once, even when the calls overlap", async () => {
    const { id, fake } = await openSession("callid");
    const first = await tool("interactive_shell", {
      session_id: id,
      initial_command: "whoami",
      call_id: "call-1",
    });
    const again = await tool("interactive_shell", {
      session_id: id,
      initial_command: "whoami",
      call_id: "call-1",
    });
    expect(first.body).toMatchObject({
      call_id: "call-1",
      status: "completed",
      output: "sandbox\n",
    });
    expect(again.body).toMatchObject({
      call_id: "call-1",
      status: "completed",
      output: "sandbox\n",
    });
    const [a, b] = await Promise.all([
      tool("interactive_shell", { session_id: id, initial_command: "false", call_id: "call-2" }),
      tool("interactive_shell", { session_id: id, initial_command: "false", call_id: "call-2" }),
    ]);
    expect([a.body.exit_code, b.body.exit_code]).toEqual([1, 1]);
    expect(typedToShell(fake, id)).toBe("whoami\rfalse\r");
    const conflict = await tool("interactive_shell", {
      session_id: id,
      initial_command: "true",
      call_id: "call-1",
    });
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: "call_id_conflict" } } });
    const unknown = await tool("wait", { session_id: id, call_id: "nope" });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: "call_not_found" } } });
  });

  it("lets wait follow a call that returned running until it really ends", async () => {
    const { id } = await openSession("waiting");
    const sleeping = await tool("interactive_shell", {
      session_id: id,
      initial_command: "sleep 30",
      timeout_ms: 200,
    });
    expect(sleeping.body).toMatchObject({ status: "running", exit_code: null });
    const still = await tool("wait", {
      session_id: id,
      call_id: sleeping.body.call_id,
      timeout_ms: 300,
    });
    expect(still.body).toMatchObject({ status: "running", call_id: sleeping.body.call_id });
    const interrupted = await tool("send_input", { session_id: id, input: "\u0003" });
    expect(interrupted.body).toMatchObject({ status: "completed", exit_code: 130 });
    const final = await tool("wait", { session_id: id, call_id: sleeping.body.call_id });
    expect(final.body).toMatchObject({ status: "completed", exit_code: 130 });
  });
});

describe("forged marks", () => {
  it("ignores end marks without the session's nonce that a command's output prints", async () => {
    const { id } = await openSession("forged");
    const forged = await tool("interactive_shell", {
      session_id: id,
      initial_command: "fake-mark",
      timeout_ms: 800,
    });
    expect(forged.body).toMatchObject({ status: "running", exit_code: null });
    expect(forged.body.output).toContain("still running");
    const stopped = await tool("send_input", { session_id: id, input: "\u0003" });
    expect(stopped.body).toMatchObject({ status: "completed", exit_code: 130 });
  });
});

describe("a frozen runner", () => {
  it("is reported unresponsive within 5 s: calls fail at once with runner_offline and typed keys are refused", async () => {
    const { id, writer, fake } = await openSession("frozen");
    const runner = fake.shells.get(id)!.peer;
    const waiting = tool("interactive_shell", {
      session_id: id,
      initial_command: "sleep 30",
      timeout_ms: 60_000,
    });
    await runner.until(() => typedToShell(fake, id).includes("sleep 30"), "the command typed");
    runner.freeze();
    const typedBefore = runner.inputs.length;
    const frozenAt = Date.now();
    expect(await waiting).toMatchObject({
      status: 503,
      body: { error: { code: "runner_offline" } },
    });
    expect(Date.now() - frozenAt).toBeLessThan(6000);
    await writer.until(
      () => writer.texts.some((m: any) => m.type === "runner" && m.state === "unresponsive"),
      "the unresponsive notice",
      8000,
    );
    expect(Date.now() - frozenAt).toBeLessThan(7000);
    const started = Date.now();
    const call = await tool("send_input", { session_id: id, input: "\u0003" });
    expect(call).toMatchObject({ status: 503, body: { error: { code: "runner_offline" } } });
    expect(Date.now() - started).toBeLessThan(1000);
    type(writer, "ls");
    const refused = await writer.until(
      () => writer.texts.find((m: any) => m.type === "error" && m.code === "runner_offline"),
      "the refusal of typed keys",
    );
    expect(String((refused as any).message)).toContain("not responding");
    expect(runner.inputs.length).toBe(typedBefore);
    runner.beat();
    await writer.until(
      () =>
        writer.texts.some(
          (m: any, i) =>
            i > writer.texts.indexOf(refused as any) && m.type === "runner" && m.state === "online",
        ),
      "the runner back online",
      8000,
    );
    const back = await tool("send_input", { session_id: id, input: "\u0003" });
    expect(back.body).toMatchObject({ status: "completed", exit_code: 130 });
  }, 20_000);

  it("gives a disconnected runner 4 s to come back, then fails calls with runner_offline", async () => {
    const { id, fake } = await openSession("vanished");
    fake.shells.get(id)!.peer.ws.close(1000, "gone");
    const started = Date.now();
    const call = await tool("interactive_shell", { session_id: id, initial_command: "whoami" });
    expect(call).toMatchObject({ status: 503, body: { error: { code: "runner_offline" } } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3500);
    expect(Date.now() - started).toBeLessThan(6000);
  }, 20_000);
});
