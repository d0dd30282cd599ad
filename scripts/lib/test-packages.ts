/** The system programs the tests need, and the exact command that installs them on the machine's own system. */
import { existsSync, readFileSync } from "node:fs";

/** A system the install advice knows. */
export type SystemKind = "debian" | "fedora" | "arch" | "alpine" | "macos" | "unknown";

/** A program the tests use, where they look for it, and its package on each system. */
export interface NeededProgram {
  name: string;
  /** Paths the tests run it from; any one will do. */
  paths: string[];
  why: string;
  /** Package name per system; null where the system has none (the advice says where to get it). */
  packages: Record<Exclude<SystemKind, "unknown">, string | null>;
}

export const NEEDED_PROGRAMS: NeededProgram[] = [
  {
    name: "chromium",
    paths: [process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"],
    why: "browser tests (driven by playwright-core; CHROMIUM_PATH may point at another Chromium or Chrome)",
    packages: {
      debian: "chromium",
      fedora: "chromium",
      arch: "chromium",
      alpine: "chromium",
      macos: "--cask chromium",
    },
  },
  {
    name: "zsh",
    paths: ["/usr/bin/zsh", "/bin/zsh"],
    why: "the runner's zsh shell-integration tests",
    packages: { debian: "zsh", fedora: "zsh", arch: "zsh", alpine: "zsh", macos: "zsh" },
  },
  {
    name: "tty-share",
    paths: ["/usr/bin/tty-share", "/usr/local/bin/tty-share", "/opt/homebrew/bin/tty-share"],
    why: "the benchmark's peer (its quick mode runs in the tests)",
    packages: { debian: "tty-share", fedora: null, arch: null, alpine: null, macos: "tty-share" },
  },
  {
    name: "vim",
    paths: ["/usr/bin/vim", "/usr/local/bin/vim", "/opt/homebrew/bin/vim"],
    why: "the keyframe tests (a full-screen program with colours, splits and scroll regions)",
    packages: { debian: "vim", fedora: "vim-enhanced", arch: "vim", alpine: "vim", macos: "vim" },
  },
  {
    name: "less",
    paths: ["/usr/bin/less", "/bin/less", "/opt/homebrew/bin/less"],
    why: "the keyframe tests (a pager on the alternate screen)",
    packages: { debian: "less", fedora: "less", arch: "less", alpine: "less", macos: "less" },
  },
  {
    name: "htop",
    paths: ["/usr/bin/htop", "/usr/local/bin/htop", "/opt/homebrew/bin/htop"],
    why: "the keyframe tests (a refreshing full-screen program with mouse reporting)",
    packages: { debian: "htop", fedora: "htop", arch: "htop", alpine: "htop", macos: "htop" },
  },
  {
    name: "vttest",
    paths: ["/usr/bin/vttest", "/usr/local/bin/vttest", "/opt/homebrew/bin/vttest"],
    why: "the keyframe tests (VT100 screens: scroll regions, origin mode, wrapping, attributes)",
    packages: {
      debian: "vttest",
      fedora: "vttest",
      arch: "vttest",
      alpine: "vttest",
      macos: "vttest",
    },
  },
  {
    name: "tmux",
    paths: ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"],
    why: "the keyframe tests (a second terminal emulator to compare screens with)",
    packages: { debian: "tmux", fedora: "tmux", arch: "tmux", alpine: "tmux", macos: "tmux" },
  },
  {
    name: "asciinema",
    paths: ["/usr/bin/asciinema", "/usr/local/bin/asciinema", "/opt/homebrew/bin/asciinema"],
    why: "the recording test (asciinema cat plays a session's recording back)",
    packages: {
      debian: "asciinema",
      fedora: "asciinema",
      arch: "asciinema",
      alpine: "asciinema",
      macos: "asciinema",
    },
  },
];

/** Programs none of whose paths exist. */
export function missingPrograms(
  needed: NeededProgram[] = NEEDED_PROGRAMS,
  exists: (path: string) => boolean = existsSync,
): NeededProgram[] {
  return needed.filter((program) => !program.paths.some(exists));
}

/** The system, from the platform and /etc/os-release's ID and ID_LIKE. */
export function detectSystem(platform: string, osRelease: string | null): SystemKind {
  if (platform === "darwin") return "macos";
  if (platform !== "linux" || osRelease === null) return "unknown";
  const field = (key: string): string[] => {
    const match = new RegExp(`^${key}=(.*)$`, "m").exec(osRelease);
    return (match?.[1] ?? "").replace(/^["']|["']$/g, "").split(/\s+/);
  };
  const ids = [...field("ID"), ...field("ID_LIKE")];
  if (ids.some((id) => id === "debian" || id === "ubuntu")) return "debian";
  if (ids.some((id) => id === "fedora" || id === "rhel" || id === "centos")) return "fedora";
  if (ids.includes("arch")) return "arch";
  if (ids.includes("alpine")) return "alpine";
  return "unknown";
}

/** This machine's system. */
export function thisSystem(): SystemKind {
  let osRelease: string | null = null;
  try {
    osRelease = readFileSync("/etc/os-release", "utf8");
  } catch {
    // Not Linux, or a system without os-release.
  }
  return detectSystem(process.platform, osRelease);
}

const INSTALLERS: Record<Exclude<SystemKind, "unknown">, string> = {
  debian: "sudo apt-get update && sudo apt-get install -y",
  fedora: "sudo dnf install -y",
  arch: "sudo pacman -S --needed",
  alpine: "sudo apk add",
  macos: "brew install",
};

const TTY_SHARE_RELEASES = "https://github.com/elisescu/tty-share/releases";

/** Lines telling a person exactly what to install, on their system, for the missing programs. */
export function installAdvice(system: SystemKind, missing: NeededProgram[]): string[] {
  const lines = missing.map((program) => `  - ${program.name}: ${program.why}`);
  if (system === "unknown") {
    lines.push(
      `Install ${missing.map((program) => program.name).join(", ")} with your system's package manager` +
        ` (tests look for: ${missing.map((program) => program.paths.join(" or ")).join("; ")}).`,
    );
    return lines;
  }
  const installer = INSTALLERS[system];
  const packaged = missing.filter((program) => program.packages[system] !== null);
  // Homebrew takes casks in their own command.
  const casks = packaged.filter((program) => program.packages[system]!.startsWith("--cask "));
  const plain = packaged.filter((program) => !casks.includes(program));
  if (plain.length > 0) {
    lines.push(`${installer} ${plain.map((program) => program.packages[system]).join(" ")}`);
  }
  for (const cask of casks) lines.push(`${installer} ${cask.packages[system]}`);
  for (const program of missing.filter((p) => p.packages[system] === null)) {
    lines.push(
      `${program.name} has no ${system} package: take its binary from ${TTY_SHARE_RELEASES} into /usr/local/bin.`,
    );
  }
  return lines;
}
