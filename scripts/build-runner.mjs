/** Bundles the pty-runner CLI (pty-runner/cli.ts) into one executable file, pty-runner/dist/pty-runner.mjs (the bin of
 * the @edge-web-terminal/pty-runner package), and its keyframe worker thread beside it, dist/keyframe-worker.mjs. */
import { chmodSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "pty-runner", "dist", "pty-runner.mjs");
// The runner starts it with new Worker(new URL("./keyframe-worker.mjs", import.meta.url)).
const workerOutfile = join(root, "pty-runner", "dist", "keyframe-worker.mjs");

// The version the runner reports in `hello` (and `--version`) must be its package's, and the
// package name its help and messages tell people to `npx` must be the real one.
const pkg = JSON.parse(readFileSync(join(root, "pty-runner", "package.json"), "utf8"));
const source = readFileSync(join(root, "pty-runner", "version.ts"), "utf8");
for (const [constant, field] of [
  ["RUNNER_VERSION", "version"],
  ["RUNNER_PACKAGE", "name"],
]) {
  const declared = new RegExp(`${constant} = "([^"]+)"`).exec(source)?.[1];
  if (declared !== pkg[field]) {
    console.error(
      `pty-runner/version.ts says ${constant} = ${declared} but pty-runner/package.json's ${field} is ${pkg[field]}; make them equal.`,
    );
    process.exit(1);
  }
}

await build({
  entryPoints: [join(root, "pty-runner", "cli.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  // The runner must run on the machines' Node 20 (no global WebSocket: it uses `ws`).
  target: "node20",
  // node-pty is a native addon (prebuilt per platform by @lydell/node-pty) and cannot be bundled.
  // ws stays external too: it is CommonJS with optional native helpers, and bundling CommonJS into
  // ESM needs a `require` shim. Both are the package's dependencies; everything else is bundled.
  external: ["@lydell/node-pty", "ws"],
  banner: { js: "#!/usr/bin/env node" },
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
});
// The worker bundles @xterm/headless and its Unicode 11 addon (plain JavaScript, no native parts).
// No source map: xterm's would triple the package, and the worker reports its errors by message.
await build({
  entryPoints: [join(root, "pty-runner", "keyframes", "keyframe-worker.ts")],
  outfile: workerOutfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: false,
  legalComments: "none",
  logLevel: "warning",
});
chmodSync(outfile, 0o755);
console.log(`built ${outfile} and ${workerOutfile}`);
