/** `npm test` on a machine that lacks what its tests need: it names the exact install command for that system and fails. */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  detectSystem,
  installAdvice,
  missingPrograms,
  NEEDED_PROGRAMS,
} from "../../scripts/lib/test-packages.ts";

const byName = (name: string) => NEEDED_PROGRAMS.find((program) => program.name === name)!;

describe("the system, from /etc/os-release", () => {
  it.each([
    ["ID=debian", "debian"],
    ['ID=ubuntu\nID_LIKE="debian"', "debian"],
    ['ID="fedora"', "fedora"],
    ['ID="rocky"\nID_LIKE="rhel centos fedora"', "fedora"],
    ["ID=arch", "arch"],
    ["ID=alpine", "alpine"],
    ["ID=nixos", "unknown"],
  ])("%j is %s", (osRelease, system) => {
    expect(detectSystem("linux", osRelease)).toBe(system);
  });

  it("macOS by its platform; Windows and a Linux without os-release are unknown", () => {
    expect(detectSystem("darwin", null)).toBe("macos");
    expect(detectSystem("win32", null)).toBe("unknown");
    expect(detectSystem("linux", null)).toBe("unknown");
  });
});

describe("install advice", () => {
  const all = NEEDED_PROGRAMS;

  it("Debian: one apt-get line with every package", () => {
    expect(installAdvice("debian", all).at(-1)).toBe(
      "sudo apt-get update && sudo apt-get install -y chromium zsh tty-share vim less htop vttest tmux asciinema",
    );
  });

  it("macOS: brew, with Chromium as a cask of its own", () => {
    const advice = installAdvice("macos", all);
    expect(advice).toContain("brew install zsh tty-share vim less htop vttest tmux asciinema");
    expect(advice).toContain("brew install --cask chromium");
  });

  it("Fedora: dnf for what it packages, and where to get tty-share", () => {
    const advice = installAdvice("fedora", all);
    expect(advice).toContain(
      "sudo dnf install -y chromium zsh vim-enhanced less htop vttest tmux asciinema",
    );
    expect(advice.at(-1)).toMatch(/^tty-share has no fedora package: take its binary from https:/);
  });

  it("an unknown system: the programs and the paths the tests look for", () => {
    const advice = installAdvice("unknown", [byName("zsh")]);
    expect(advice.at(-1)).toContain("/usr/bin/zsh or /bin/zsh");
  });

  it("a program counts as present when any of its paths exists", () => {
    expect(missingPrograms([byName("zsh")], (path) => path === "/bin/zsh")).toEqual([]);
    expect(missingPrograms([byName("zsh")], () => false)).toEqual([byName("zsh")]);
  });
});

it("the script fails with the install command when a program is missing and it may not install", () => {
  const script = fileURLToPath(new URL("../../scripts/ensure-test-packages.ts", import.meta.url));
  const result = spawnSync(process.execPath, [script, "--check-only"], {
    encoding: "utf8",
    env: { ...process.env, CHROMIUM_PATH: "/nonexistent/chromium" },
  });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain("cannot install them itself here");
  expect(result.stderr).toContain("chromium: browser tests");
  // This machine is Debian.
  expect(result.stderr).toContain("sudo apt-get update && sudo apt-get install -y chromium");
});
