/**
 * The runner as people get it: `npm pack` of the pty-runner workspace, installed into an empty
 * folder outside the repository with the machine's own Node and npm (no compiler on PATH), started
 * with `npx` exactly as its README says, against the real edge (wrangler dev), and asked to run a
 * command through the agent API.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, test } from "vitest";
import { FLAGS } from "../../../pty-runner/cli-args.ts";
import { RUNNER_COMMAND, RUNNER_PACKAGE } from "../../../pty-runner/version.ts";
import { startEdge, type Edge } from "../../../scripts/lib/dev-stack.ts";
import { freePort } from "../../../scripts/lib/free-port.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BUNDLE = join(ROOT, "pty-runner", "dist", "pty-runner.mjs");
const PACKAGE = JSON.parse(readFileSync(join(ROOT, "pty-runner", "package.json"), "utf8"));

// The machine's Node (the runner must work on Node 20), not the Node 24 the project pins for itself.
const SYSTEM_NODE = ["/usr/bin/node", "/usr/local/bin/node"].find(existsSync) ?? process.execPath;

// Everything happens in a folder outside the repository, so npm finds no workspace above it.
const work = mkdtempSync(join(tmpdir(), "pty-runner-package-"));
/** node, npm, npx and sh, and nothing else: no compiler, no python, no make. */
const bin = join(work, "bin");
/** The empty folder the package is installed into. */
const app = join(work, "app");
/** HOME of everything started here (the README writes ~/.config/pty-runner/credential). */
const home = join(work, "home");
for (const dir of [bin, app, home]) mkdirSync(dir);
for (const name of ["node", "npm", "npx"])
  symlinkSync(join(dirname(SYSTEM_NODE), name), join(bin, name));
symlinkSync("/bin/sh", join(bin, "sh"));
/** PATH for starting the runner: the system Node first, then the usual tools its shells use. */
const RUN_PATH = `${bin}:/usr/bin:/bin`;

/** A clean environment: no npm_* variables of the npm that started vitest, the real npm cache. */
function env(path: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: path,
    HOME: home,
    LANG: "C.UTF-8",
    npm_config_cache: process.env.npm_config_cache || join(homedir(), ".npm"),
    npm_config_update_notifier: "false",
    ...extra,
  };
}

async function npm(args: string[], cwd: string, path = bin): Promise<string> {
  const { stdout } = await run(join(bin, "npm"), args, {
    cwd,
    env: env(path),
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

const started: ChildProcess[] = [];
let edge: Edge | null = null;
afterAll(async () => {
  for (const child of started) killGroup(child.pid!, "SIGKILL");
  await edge?.stop();
  rmSync(work, { recursive: true, force: true });
}, 30_000);

let tarball = "";

describe("the packed runner", () => {
  test("is built, and the tarball holds the bundle, its map, the keyframe worker, the README and package.json, no sources", async () => {
    expect(existsSync(BUNDLE), "pty-runner/dist/pty-runner.mjs: run npm run build:runner").toBe(
      true,
    );
    expect(work.startsWith(ROOT)).toBe(false);
    // --ignore-scripts: the prepack script would rebuild the bundle in the shared tree.
    const dryRun = JSON.parse(
      await npm(
        ["pack", "--workspace", "pty-runner", "--dry-run", "--json", "--ignore-scripts"],
        ROOT,
      ),
    )[0];
    const files = dryRun.files.map((file: { path: string }) => file.path).sort();
    expect(files).toEqual([
      "README.md",
      "dist/keyframe-worker.mjs",
      "dist/pty-runner.mjs",
      "dist/pty-runner.mjs.map",
      "package.json",
    ]);
    expect(files.filter((path: string) => path.endsWith(".ts"))).toEqual([]);

    const packed = JSON.parse(
      await npm(
        [
          "pack",
          "--workspace",
          "pty-runner",
          "--pack-destination",
          work,
          "--json",
          "--ignore-scripts",
        ],
        ROOT,
      ),
    )[0];
    expect(packed.filename).toBe(`edge-web-terminal-pty-runner-${PACKAGE.version}.tgz`);
    tarball = join(work, packed.filename);
    const listed = (await run("tar", ["-tzf", tarball])).stdout.trim().split("\n").sort();
    expect(listed).toEqual(files.map((path: string) => `package/${path}`));
    console.log(
      `${packed.filename}: ${statSync(tarball).size} bytes packed, ${packed.unpackedSize} unpacked`,
    );
  }, 60_000);

  test(
    "installs into an empty folder with the machine's Node and npm and no compiler on PATH",
    { timeout: 180_000 },
    async () => {
      const node = (await run(join(bin, "node"), ["--version"])).stdout.trim();
      expect(Number(/^v(\d+)\./.exec(node)?.[1])).toBeGreaterThanOrEqual(20);
      expect(readdirSync(app)).toEqual([]);
      const tools = await run(
        join(bin, "sh"),
        ["-c", "command -v cc gcc g++ make python3 || true"],
        {
          env: env(bin),
        },
      );
      expect(tools.stdout.trim()).toBe("");
      await npm(["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], app);
      const installed = join(app, "node_modules", ...RUNNER_PACKAGE.split("/"));
      expect(JSON.parse(readFileSync(join(installed, "package.json"), "utf8")).engines).toEqual({
        node: ">=20",
      });
      // The PTY code came prebuilt, for Linux and macOS on x64 and arm64 (as the README says).
      const nodePty = JSON.parse(
        readFileSync(join(app, "node_modules", "@lydell", "node-pty", "package.json"), "utf8"),
      );
      for (const platform of ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"]) {
        expect(Object.keys(nodePty.optionalDependencies)).toContain(`@lydell/node-pty-${platform}`);
      }
    },
  );

  test(
    "npx runs its bin (#!/usr/bin/env node): --version and --help",
    { timeout: 60_000 },
    async () => {
      const npx = (args: string[]) => run(join(bin, "npx"), args, { cwd: app, env: env(bin) });
      expect((await npx(["pty-runner", "--version"])).stdout).toBe(`${PACKAGE.version}\n`);
      // The package is not fetched: npx finds the installed one.
      expect((await npx([RUNNER_PACKAGE, "--version"])).stdout).toBe(`${PACKAGE.version}\n`);
      const help = (await npx([RUNNER_PACKAGE, "--help"])).stdout;
      expect(help).toContain(`${RUNNER_COMMAND} --url`);
      for (const name of Object.keys(FLAGS)) expect(help).toContain(`--${name}`);
      expect(help).toContain("RUNNER_TOKEN");
    },
  );

  test(
    "npm install -g puts the pty-runner command where `command -v` finds it",
    { timeout: 180_000 },
    async () => {
      const prefix = join(work, "global");
      await npm(
        [
          "install",
          "-g",
          "--prefix",
          prefix,
          "--no-audit",
          "--no-fund",
          "--prefer-offline",
          tarball,
        ],
        work,
      );
      const path = `${join(prefix, "bin")}:${bin}`;
      const found = await run(join(bin, "sh"), ["-c", "command -v pty-runner"], { env: env(path) });
      expect(found.stdout.trim()).toBe(join(prefix, "bin", "pty-runner"));
      const version = await run(join(bin, "sh"), ["-c", "pty-runner --version"], {
        env: env(path),
      });
      expect(version.stdout).toBe(`${PACKAGE.version}\n`);
    },
  );

  test(
    "following its README against the real edge: mint a credential into a 0600 file, start it with npx, run a command through the agent API",
    { timeout: 240_000 },
    async () => {
      const secrets = {
        API_TOKEN: `package-api-${randomBytes(8).toString("hex")}`,
        SESSION_SECRET: `package-secret-${randomBytes(8).toString("hex")}`,
      };
      edge = await startEdge({
        port: await freePort(),
        inspectorPort: await freePort(),
        persistTo: join(work, "edge-state"),
        secrets,
      });
      const api = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${edge!.url}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${secrets.API_TOKEN}`,
            "Content-Type": "application/json",
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: response.status, body: (await response.json()) as any };
      };

      // The README's blocks, with its example edge replaced by this one.
      const readme = readFileSync(join(ROOT, "pty-runner", "README.md"), "utf8");
      const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) =>
        m[1]!.replaceAll("https://term.example.com", edge!.url),
      );
      const [mint, start] = blocks;
      expect(mint).toContain("/api/hosts");
      await run(join(bin, "sh"), ["-e", "-c", mint!], {
        cwd: app,
        env: env(RUN_PATH, { API_TOKEN: secrets.API_TOKEN }),
      });
      const credentialFile = join(home, ".config", "pty-runner", "credential");
      expect(statSync(credentialFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(credentialFile, "utf8")).toMatch(/^whc1\.default\.build-box\.\S+\n$/);

      const command = start!.trim();
      expect(command.startsWith(`${RUNNER_COMMAND} --url ${edge.url}`)).toBe(true);
      const runner = spawn(join(bin, "sh"), ["-c", `exec ${command}`], {
        cwd: app,
        env: env(RUN_PATH, { SHELL: "/bin/bash" }),
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      started.push(runner);
      let output = "";
      runner.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      runner.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
      let npxExited = false;
      runner.once("exit", () => (npxExited = true));
      // The runner inherits these pipes from npx and outlives it: its last lines are read only
      // when both pipes reach end of file, which can be after its process group is gone.
      let pipesOpen = 2;
      runner.stdout!.once("close", () => pipesOpen--);
      runner.stderr!.once("close", () => pipesOpen--);

      // It registers as the host its credential names, without --host.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const hosts = await api("GET", "/api/hosts");
        const online = hosts.body.hosts?.some(
          (h: { host: string; runner: string }) => h.host === "build-box" && h.runner === "online",
        );
        if (online) break;
        if (npxExited || Date.now() > deadline) {
          throw new Error(`the runner did not come online:\n${output}\n${edge.output()}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const node = (await run(SYSTEM_NODE, ["--version"])).stdout.trim();
      expect(output).toContain(`pty-runner ${PACKAGE.version} (node ${node.slice(1)})`);

      const call = await api("POST", "/api/tools/interactive_shell", {
        host: "build-box",
        initial_command: "echo from-the-packed-runner; echo shell=$$",
      });
      expect(call.status, JSON.stringify(call.body)).toBe(200);
      expect(call.body).toMatchObject({ status: "completed", exit_code: 0 });
      const [line, shellLine] = (call.body.output as string).split("\n");
      expect(line).toBe("from-the-packed-runner");
      const shellPid = Number(/^shell=(\d+)$/.exec(shellLine ?? "")?.[1]);
      expect(existsSync(`/proc/${shellPid}`)).toBe(true);

      // A SIGTERM to npx alone ends npm and its sh, and leaves the runner running: why a service
      // runs the installed bin instead (docs/runner.md).
      const group = runner.pid!;
      const runnerPid = groupMembers(group).find(
        (p) => p.command.includes("pty-runner") && p.comm === "node",
      )?.pid;
      expect(runnerPid, JSON.stringify(groupMembers(group))).toBeDefined();
      runner.kill("SIGTERM");
      await waitUntil(() => npxExited, 10_000, "npx to exit");
      await new Promise((r) => setTimeout(r, 1_000));
      expect(existsSync(`/proc/${runnerPid}`)).toBe(true);
      expect(groupMembers(group).map((p) => p.pid)).toEqual([runnerPid]);

      // SIGTERM to the runner: it ends its shell and stops; nothing of the group is left.
      process.kill(runnerPid!, "SIGTERM");
      await waitUntil(() => groupMembers(group).length === 0, 15_000, "the process group to end");
      await waitUntil(() => pipesOpen === 0, 5_000, "the runner's output to end");
      expect(output).toContain("pty-runner: SIGTERM: ending sessions");
      expect(output).toContain("pty-runner: stopped");
      await waitUntil(() => !existsSync(`/proc/${shellPid}`), 5_000, "the shell to end");
    },
  );
});

/** Live processes (not zombies) of process group `group`, from /proc. */
function groupMembers(group: number): { pid: number; comm: string; command: string }[] {
  const members = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) !== group || state === "Z") continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      members.push({ pid: Number(entry), comm, command });
    } catch {
      // Gone meanwhile.
    }
  }
  return members;
}

function killGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // Already gone.
  }
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
