/** Runs the pty-runner CLI as a child process (the TypeScript entry, on this Node) and collects its output. */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The CLI entry in the source tree. */
export const CLI_ENTRY = fileURLToPath(new URL("../../pty-runner/cli.ts", import.meta.url));

/** A running CLI. */
export interface CliProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** Starts `node <entry> ...args` with exactly `env` (plus PATH and HOME). */
export function runCli(
  args: string[],
  env: Record<string, string>,
  options: { node?: string; entry?: string } = {},
): CliProcess {
  const child = spawn(options.node ?? process.execPath, [options.entry ?? CLI_ENTRY, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return { child, output: () => output, exited };
}

/** Resident memory of a process in bytes (Linux /proc), or null where unavailable. */
export function rssOf(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}
