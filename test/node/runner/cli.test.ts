/** The `pty-runner` command as a user runs it: flags, refusal by the edge, Node 20, clean shutdown. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterEach, describe, expect, test } from "vitest";
import { CloseCode } from "../../../protocol/index.ts";
import { CLI_ENTRY, runCli } from "../../harness/cli-process.ts";
import type { CliProcess } from "../../harness/cli-process.ts";
import { FakeEdge } from "../../harness/fake-edge.ts";
import { TEST_TOKEN } from "../../harness/runner-fixture.ts";
import { waitFor } from "../../harness/wait.ts";

const running: CliProcess[] = [];
const edges: FakeEdge[] = [];
afterEach(async () => {
  for (const cli of running.splice(0)) {
    cli.child.kill("SIGKILL");
    await cli.exited;
  }
  for (const edge of edges.splice(0)) await edge.stop();
});

async function edge(): Promise<FakeEdge> {
  const started = await FakeEdge.start({ runnerToken: TEST_TOKEN });
  edges.push(started);
  return started;
}

function cli(...args: Parameters<typeof runCli>): CliProcess {
  const started = runCli(...args);
  running.push(started);
  return started;
}

describe("flags", () => {
  test("--help explains the runner, its flags and its exit codes", async () => {
    const run = cli(["--help"], {});
    expect(await run.exited).toBe(0);
    for (const words of [
      "--url",
      "--token",
      "RUNNER_TOKEN",
      "--max-sessions",
      "--env-allow",
      "Exit codes",
    ]) {
      expect(run.output()).toContain(words);
    }
  });

  test.each([
    [[], "--url is required"],
    [["--url", "http://127.0.0.1:1"], "no host credential"],
    [["--url", "ftp://example.com", "--token", "t"], "--url must start with"],
    [["--url", "http://127.0.0.1:1", "--token", "t", "--max-sessions", "many"], "--max-sessions"],
    [["--url", "http://127.0.0.1:1", "--token", "t", "--cwd", "/no/such/dir"], "does not exist"],
    [["--url", "http://127.0.0.1:1", "--token", "t", "--shell", "/no/shell"], "not an existing"],
    [["--url", "http://127.0.0.1:1", "--token", "t", "--host", "bad host!"], "host name"],
    [["--url", "http://127.0.0.1:1", "--token", "t", "--frobnicate"], "Unknown option"],
  ])("bad configuration %j exits with code 2 and says %j", async (args, words) => {
    const run = cli(args, {});
    expect(await run.exited).toBe(2);
    expect(run.output()).toContain(words);
  });
});

describe("against an edge", () => {
  test("a refused token makes the CLI exit with code 3 and a clear message that never shows the token", async () => {
    const server = await edge();
    const secret = "wrong-secret-token-3f9a";
    const run = cli(["--url", server.url, "--host", "cli-refused"], { RUNNER_TOKEN: secret });
    expect(await run.exited).toBe(3);
    expect(run.output()).toMatch(/refused this host credential/);
    expect(run.output()).toContain('POST /api/hosts {"host":"cli-refused"}');
    expect(run.output()).not.toContain(secret);
    expect(server.refusals).toEqual([CloseCode.UNAUTHORIZED]);
  });

  test("SIGTERM ends every session with its exit reported, closes with 4030 and exits 0", async () => {
    const server = await edge();
    const run = cli(["--url", server.url, "--host", "cli-stop", "--shell", "/bin/bash"], {
      RUNNER_TOKEN: TEST_TOKEN,
    });
    await server.waitForRunner("cli-stop");
    const sessions = [server.openSession("cli-stop"), server.openSession("cli-stop")];
    await Promise.all(sessions.map((s) => s.waitForPrompt()));
    sessions[0]!.type("sleep 60\r");
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    for (const s of sessions) expect(s.exit?.exit.signal).toBe("SIGHUP");
    await waitFor(() => server.controlCloses.length === 1);
    expect(server.controlCloses[0]!.code).toBe(CloseCode.GOING_AWAY);
    // The start-up lines say where and what, never the token.
    expect(run.output()).toContain(`edge:          ${server.url}`);
    expect(run.output()).not.toContain(TEST_TOKEN);
  });

  test(
    "the bundled CLI runs on the machine's Node (20 has no global WebSocket)",
    { timeout: 60_000 },
    async () => {
      const systemNode =
        ["/usr/bin/node", "/usr/local/bin/node"].find(existsSync) ?? process.execPath;
      const version = execFileSync(systemNode, ["--version"], { encoding: "utf8" }).trim();
      // Built next to node_modules (test-artifacts/ is git-ignored) so node-pty and ws resolve.
      const outDir = fileURLToPath(new URL("../../../test-artifacts/", import.meta.url));
      mkdirSync(outDir, { recursive: true });
      const entry = `${outDir}pty-runner-cli-test.mjs`;
      await build({
        entryPoints: [CLI_ENTRY],
        outfile: entry,
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        external: ["@lydell/node-pty", "ws"],
        logLevel: "silent",
      });
      const server = await edge();
      const run = cli(
        ["--url", server.url, "--host", "cli-bundle", "--shell", "/bin/bash"],
        { RUNNER_TOKEN: TEST_TOKEN },
        {
          node: systemNode,
          entry,
        },
      );
      const hello = await server.waitForRunner("cli-bundle");
      expect(hello.version).toMatch(/^\d+\.\d+\.\d+/);
      const session = server.openSession("cli-bundle");
      await session.waitForPrompt();
      session.type("echo on-$((10+10))\r");
      await session.waitForOutput("on-20\r\n");
      run.child.kill("SIGINT");
      expect(await run.exited).toBe(0);
      expect(run.output()).toContain(`(node ${version.slice(1)})`);
    },
  );
});
