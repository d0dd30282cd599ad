/** Makes sure the Debian packages the tests need are installed (Chromium, zsh, tty-share), with apt-get when this runs as root. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** A program the tests use, and the Debian package that provides it. */
interface Needed {
  path: string;
  debianPackage: string;
  why: string;
}

const NEEDED: Needed[] = [
  {
    path: "/usr/bin/chromium",
    debianPackage: "chromium",
    why: "browser tests (driven by playwright-core)",
  },
  { path: "/usr/bin/zsh", debianPackage: "zsh", why: "the runner's zsh shell-integration test" },
  {
    path: "/usr/bin/tty-share",
    debianPackage: "tty-share",
    why: "the benchmark's peer (quick mode runs in the tests)",
  },
];

function fail(message: string): never {
  console.error(`ensure-test-packages: ${message}`);
  process.exit(1);
}

function run(command: string, args: string[]): void {
  console.log(`ensure-test-packages: $ ${[command, ...args].join(" ")}`);
  const result = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (result.error) fail(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} exited with ${result.status ?? result.signal}`);
}

// CHROMIUM_PATH points the browser tests at another Chromium or Chrome; then Debian's is not needed.
const missing = NEEDED.filter(
  (n) => !existsSync(n.path) && !(n.debianPackage === "chromium" && process.env.CHROMIUM_PATH),
);
if (missing.length > 0) {
  const list = missing.map((n) => `${n.debianPackage} (${n.why})`).join(", ");
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync("/usr/bin/apt-get")) {
    const names = missing.map((n) => n.debianPackage).join(" ");
    fail(
      `missing ${list}.\nInstall as root on Debian: sudo apt-get update && sudo apt-get install -y ${names}`,
    );
  }
  console.log(`ensure-test-packages: installing ${list}`);
  run("apt-get", ["update"]);
  run("apt-get", [
    "install",
    "-y",
    "--no-install-recommends",
    ...missing.map((n) => n.debianPackage),
  ]);
  for (const n of missing)
    if (!existsSync(n.path)) fail(`${n.debianPackage} installed, but ${n.path} is missing`);
}
