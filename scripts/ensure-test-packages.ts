/**
 * Makes sure the system programs the tests need are there (Chromium, zsh, tty-share): installs them
 * with apt-get as root on Debian, and otherwise fails, saying exactly what to install on this
 * system. Never lets the tests pass by skipping. `--check-only` never installs.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { installAdvice, missingPrograms, thisSystem } from "./lib/test-packages.ts";

function fail(lines: string[]): never {
  for (const line of lines) console.error(`ensure-test-packages: ${line}`);
  process.exit(1);
}

function run(command: string, args: string[]): void {
  console.log(`ensure-test-packages: $ ${[command, ...args].join(" ")}`);
  const result = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (result.error) fail([`${command} could not start: ${result.error.message}`]);
  if (result.status !== 0) fail([`${command} exited with ${result.status ?? result.signal}`]);
}

const missing = missingPrograms();
if (missing.length > 0) {
  const system = thisSystem();
  const canInstall =
    !process.argv.includes("--check-only") &&
    system === "debian" &&
    process.getuid?.() === 0 &&
    existsSync("/usr/bin/apt-get");
  if (!canInstall) {
    fail([
      "npm test needs programs this machine lacks, and cannot install them itself here:",
      ...installAdvice(system, missing),
    ]);
  }
  console.log(`ensure-test-packages: installing ${missing.map((p) => p.name).join(", ")}`);
  run("apt-get", ["update"]);
  run("apt-get", [
    "install",
    "-y",
    "--no-install-recommends",
    ...missing.map((program) => program.packages.debian!),
  ]);
  const still = missingPrograms();
  if (still.length > 0) {
    fail([`installed, but still missing: ${still.map((p) => p.paths.join(" or ")).join("; ")}`]);
  }
}
