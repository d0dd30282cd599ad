/** Host credentials on the real stack (wrangler dev, real runner processes): what a shell can see of them, a runner refusing the wrong host, and revocation ending a live runner. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseHostCredential } from "../../../protocol/index.ts";
import { startRunnerProcess } from "../../../scripts/lib/dev-stack.ts";
import { startStack, type Stack } from "../../harness/edge-stack.ts";

let stack: Stack;
const LEAKED_API_TOKEN = `leak-check-api-${Math.random().toString(36).slice(2)}`;
const LEAKED_SESSION_SECRET = `leak-check-secret-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  // As if the person running the stack had the edge's secrets exported in their shell.
  process.env.API_TOKEN = LEAKED_API_TOKEN;
  process.env.SESSION_SECRET = LEAKED_SESSION_SECRET;
  try {
    stack = await startStack({ extraRunners: [{ host: "doomed" }] });
  } finally {
    delete process.env.API_TOKEN;
    delete process.env.SESSION_SECRET;
  }
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const tool = (name: string, body: unknown) => stack.api("POST", `/api/tools/${name}`, body);

it("a shell cannot read its runner's credential or the edge's secrets from the runner's environment or command line", async () => {
  const secret = parseHostCredential(stack.credentials.get(stack.host)!)!.secret;
  const result = await tool("interactive_shell", {
    initial_command: "tr '\\0' '\\n' < /proc/$PPID/environ; tr '\\0' ' ' < /proc/$PPID/cmdline",
  });
  expect(result.body).toMatchObject({ status: "completed", exit_code: 0 });
  const seen = result.body.output as string;
  // The parent really is the runner, and its environment was readable.
  expect(seen).toContain("pty-runner.mjs");
  expect(seen).toContain("PATH=");
  for (const value of [secret, LEAKED_API_TOKEN, LEAKED_SESSION_SECRET, stack.secrets.API_TOKEN]) {
    expect(seen).not.toContain(value);
  }
  expect(seen).not.toMatch(/^(RUNNER_TOKEN|API_TOKEN|SESSION_SECRET)=/m);
});

it("a runner given one host's credential and another --host refuses to start, and says why", async () => {
  const runner = startRunnerProcess({
    url: stack.url,
    host: "someone-else",
    token: stack.credentials.get(stack.host)!,
  });
  expect(await runner.exited).toBe(2);
  expect(runner.output()).toContain(
    `this credential is for host "${stack.host}", not "someone-else"`,
  );
});

it("revoking a host's credential ends its live runner with a clear message, and its sessions say offline", async () => {
  const opened = await tool("interactive_shell", { host: "doomed", initial_command: "echo alive" });
  expect(opened.body).toMatchObject({ status: "completed", output: "alive\n" });
  const id = opened.body.session_id;

  const revoked = await stack.api("DELETE", "/api/hosts/doomed");
  expect(revoked.body).toEqual({ host: "doomed", revoked: true });
  const runner = stack.extraRunners.get("doomed")!;
  expect(await runner.exited).toBe(3);
  expect(runner.output()).toContain('the credential of host "doomed" was revoked');
  expect(runner.output()).toContain('POST /api/hosts {"host":"doomed"}');
  expect(runner.output()).not.toContain(
    parseHostCredential(stack.credentials.get("doomed")!)!.secret,
  );

  const described = await stack.api("GET", `/api/sessions/${id}`);
  expect(described.body.runner).toBe("offline");
  const hosts = await stack.api("GET", "/api/hosts");
  expect(hosts.body.hosts.map((h: { host: string }) => h.host)).toEqual([stack.host]);
  const refused = await tool("interactive_shell", { host: "doomed", initial_command: "true" });
  expect(refused.status).toBe(503);
});
