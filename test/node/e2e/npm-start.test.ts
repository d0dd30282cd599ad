/** `npm start` as the README promises it: the edge and a runner for host "local" on 127.0.0.1, a host credential minted once and kept in .dev.vars, never printed. */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../../scripts/lib/dev-stack.ts";
import { freePort } from "../../../scripts/lib/free-port.ts";
import { parseEnvFile } from "../../../scripts/lib/secrets.ts";

const running: ChildProcess[] = [];
afterEach(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
});

/** Runs scripts/start.ts (what `npm start` runs after building) until it says it is running. */
async function start(
  port: number,
): Promise<{ pid: number; output: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, "scripts", "start.ts")], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, PORT: String(port), RUNNER_CREDENTIAL: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  let text = "";
  child.stdout!.on("data", (chunk) => (text += chunk));
  child.stderr!.on("data", (chunk) => (text += chunk));
  const deadline = Date.now() + 90_000;
  while (!text.includes("Edge web terminal is running")) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${text}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    pid: child.pid!,
    output: () => text,
    stop: async () => {
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      return exited;
    },
  };
}

it("mints the runner's credential for host local once, keeps it in .dev.vars, and reuses it on the next start", async () => {
  const port = await freePort();
  const first = await start(port);
  const vars = parseEnvFile(readFileSync(join(PROJECT_ROOT, ".dev.vars"), "utf8"));
  const credential = vars.RUNNER_CREDENTIAL!;
  expect(credential).toMatch(/^whc1\.default\.local\./);
  expect(first.output()).toContain(`Open        http://127.0.0.1:${port}/`);
  expect(first.output()).toMatch(
    /Runner {6}host "local" connected \(its credential: RUNNER_CREDENTIAL in .*\.dev\.vars/,
  );
  for (const secret of [credential, vars.API_TOKEN!, vars.SESSION_SECRET!]) {
    expect(first.output()).not.toContain(secret);
  }
  const hosts = await fetch(`http://127.0.0.1:${port}/api/hosts`, {
    headers: { Authorization: `Bearer ${vars.API_TOKEN}` },
  });
  expect(((await hosts.json()) as any).hosts).toMatchObject([{ host: "local", runner: "online" }]);
  expect(await first.stop()).toBe(0);

  const second = await start(port);
  expect(second.output()).not.toContain("minted just now");
  const again = parseEnvFile(readFileSync(join(PROJECT_ROOT, ".dev.vars"), "utf8"));
  expect(again.RUNNER_CREDENTIAL).toBe(credential);
  expect(await second.stop()).toBe(0);
}, 240_000);

/** Whether process `pid` still exists (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** Every process below `pid`: wrangler, workerd, the runner, their lifelines. */
function descendants(pid: number): number[] {
  let direct: number[] = [];
  try {
    direct = execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    // pgrep exits 1 when there are none.
  }
  return direct.flatMap((child) => [child, ...descendants(child)]);
}

it.each(["SIGKILL", "SIGTERM", "SIGINT"] as const)(
  "ended with %s, it leaves nothing behind: not wrangler, workerd or the runner",
  async (signal) => {
    const port = await freePort();
    const started = await start(port);
    const tree = descendants(started.pid);
    // wrangler, workerd, the runner, and their lifelines.
    expect(tree.length).toBeGreaterThanOrEqual(3);
    process.kill(started.pid, signal);
    const deadline = Date.now() + 30_000;
    while (tree.some(alive)) {
      expect(Date.now(), `still running: ${tree.filter(alive).join(", ")}`).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The port is free again.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  },
  120_000,
);
